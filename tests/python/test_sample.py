"""`zring sample`: deterministic random crops written as .npy batches, checked against zarr-python 3.

Stores are written by zarr-python 3 (the .venv's zarr). Every .npy batch must equal the slices
zarr-python reads at the crop positions `zring sample --print-boxes` reports, stacked channels-last
when several arrays are sampled; and the crop of a dataset index must not depend on the world size
(the union of the ranks' boxes under --world 2 equals the boxes of --world 1).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import zarr

from conftest import assert_clean_failure

SHAPE = (20, 64, 50)
CHUNKS = (4, 16, 16)


@pytest.fixture(scope="module")
def group_store(tmp_path_factory):
    """A v3 group with uint16 arrays a, b, c (one chunk of b left unwritten: fill value 9), a float32
    array f and an int16 array d of the same shape, and a uint16 array short of another shape."""
    path = tmp_path_factory.mktemp("sample") / "g.zarr"
    g = zarr.open_group(str(path), mode="w", zarr_format=3)
    rng = np.random.default_rng(6)
    for name in "abc":
        a = g.create_array(name, shape=SHAPE, chunks=CHUNKS, dtype="uint16", fill_value=9)
        data = rng.integers(0, 60000, size=SHAPE, dtype="uint16")
        if name == "b":
            a[:4, :16, 16:] = data[:4, :16, 16:]
            a[4:] = data[4:]
            a[:4, 16:] = data[:4, 16:]
            # chunk (0, 0, 0) stays unwritten
        else:
            a[...] = data
    g.create_array("f", shape=SHAPE, chunks=CHUNKS, dtype="float32", fill_value=0)[...] = (
        rng.standard_normal(SHAPE).astype("float32"))
    g.create_array("d", shape=SHAPE, chunks=CHUNKS, dtype="int16", fill_value=0)[...] = (
        rng.integers(-3000, 3000, size=SHAPE, dtype="int16"))
    g.create_array("short", shape=(20, 64, 49), chunks=CHUNKS, dtype="uint16", fill_value=0)
    sub = g.create_group("sub")
    for name in "xy":
        sub.create_array(name, shape=(6, 10, 12), chunks=(4, 4, 5), dtype="uint8",
                         fill_value=0)[...] = rng.integers(0, 255, size=(6, 10, 12), dtype="uint8")
    return path


def boxes_of(stdout: str) -> list:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def sample(zring, store, *args):
    r = zring.run("sample", store, "--quiet", *args)
    assert r.returncode == 0, r.describe()
    return r


def read_npy(path):
    with open(path, "rb") as f:
        assert np.lib.format.read_magic(f) == (1, 0)
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        assert f.tell() % 64 == 0, "data must start on a 64-byte boundary"
    assert not fortran
    arr = np.load(path)
    assert arr.shape == shape and arr.dtype == dtype
    return arr


def check_batches(out_dir, boxes, arrays, batch, channels_last):
    by_batch = {}
    for b in boxes:
        by_batch.setdefault(b["batch"], []).append(b)
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == [f"batch-{n:06d}.npy" for n in sorted(by_batch)]
    for n, items in by_batch.items():
        got = read_npy(out_dir / f"batch-{n:06d}.npy")
        assert [b["slot"] for b in items] == list(range(len(items)))
        crop = tuple(items[0]["shape"])
        want_shape = (len(items), *crop) + ((len(arrays),) if channels_last else ())
        assert got.shape == want_shape
        assert got.dtype == arrays[0].dtype and got.dtype.byteorder in "<|="
        for b in items:
            sl = tuple(slice(o, o + s) for o, s in zip(b["origin"], b["shape"]))
            want = [a[sl] for a in arrays]
            want = np.stack(want, axis=-1) if channels_last else want[0]
            np.testing.assert_array_equal(got[b["slot"]], want, err_msg=f"batch {n} slot {b['slot']}")
        if n < max(by_batch):
            assert len(items) == batch


def test_channels_match_zarr_python(zring, group_store):
    out = group_store.parent / "out_abc"
    r = sample(zring, group_store, "--arrays", "a,b,c", "--crop", "4,16,20", "--batch", "6",
               "--batches", "4", "--seed", "5", "--epoch", "1", "--out", out, "--print-boxes")
    boxes = boxes_of(r.stdout)
    assert len(boxes) == 24
    g = zarr.open_group(str(group_store), mode="r")
    arrays = [g[n] for n in "abc"]
    check_batches(out, boxes, arrays, 6, channels_last=True)
    # Under seed 5 some crops touch chunk (0, 0, 0), which b never stored: its fill value 9 is
    # part of what check_batches compared.
    touching = [b for b in boxes if all(o < c for o, c in zip(b["origin"], CHUNKS))]
    assert touching


@pytest.mark.parametrize("name", ["f", "d"])
def test_single_array_matches_zarr_python(zring, group_store, name):
    out = group_store.parent / f"out_{name}"
    r = sample(zring, group_store, "--array", name, "--crop", "3,20,7", "--batch", "5",
               "--batches", "3", "--out", out, "--print-boxes")
    g = zarr.open_group(str(group_store), mode="r")
    check_batches(out, boxes_of(r.stdout), [g[name]], 5, channels_last=False)


def test_arrays_inside_a_group(zring, group_store):
    out = group_store.parent / "out_sub"
    r = sample(zring, group_store, "--array", "sub", "--arrays", "y,x", "--crop", "3,4,5",
               "--batch", "4", "--batches", "2", "--out", out, "--print-boxes")
    g = zarr.open_group(str(group_store), mode="r")
    check_batches(out, boxes_of(r.stdout), [g["sub/y"], g["sub/x"]], 4, channels_last=True)
    assert read_npy(out / "batch-000000.npy").dtype == np.dtype("|u1")


def test_short_last_batch(zring, group_store):
    # --length 13 with --batch 5: batches of 5, 5, 3.
    out = group_store.parent / "out_short"
    r = sample(zring, group_store, "--array", "a", "--crop", "2,2,2", "--batch", "5",
               "--batches", "10", "--length", "13", "--out", out, "--print-boxes")
    boxes = boxes_of(r.stdout)
    assert sorted(b["index"] for b in boxes) == list(range(13))
    g = zarr.open_group(str(group_store), mode="r")
    check_batches(out, boxes, [g["a"]], 5, channels_last=False)
    assert read_npy(out / "batch-000002.npy").shape == (3, 2, 2, 2)


def test_same_boxes_for_any_world_size(zring, group_store):
    common = ["--array", "a", "--crop", "4,8,8", "--length", "60", "--seed", "11", "--epoch", "2",
              "--print-boxes"]
    whole = boxes_of(sample(zring, group_store, *common, "--batch", "10", "--batches", "6").stdout)
    assert sorted(b["index"] for b in whole) == list(range(60))
    by_index = {b["index"]: b["origin"] for b in whole}
    ranks = []
    for rank in range(2):
        r = sample(zring, group_store, *common, "--batch", "10", "--batches", "3", "--rank", rank,
                   "--world", "2")
        ranks.append(boxes_of(r.stdout))
    idx = [{b["index"] for b in rk} for rk in ranks]
    assert idx[0].isdisjoint(idx[1]) and idx[0] | idx[1] == set(range(60))
    for rk in ranks:
        for b in rk:
            assert b["origin"] == by_index[b["index"]], b
    # Each rank reads the shuffled order strided by world, like DistributedSampler.
    order = [b["index"] for b in whole]
    assert [b["index"] for b in ranks[1]] == order[1::2]
    # Another epoch: another order and other crops; the same epoch again: the same.
    again = boxes_of(sample(zring, group_store, *common, "--batch", "10", "--batches", "6").stdout)
    assert again == whole
    common[common.index("--epoch") + 1] = "3"
    other = boxes_of(sample(zring, group_store, *common, "--batch", "10", "--batches", "6").stdout)
    assert [b["index"] for b in other] != order
    moved = sum(by_index[b["index"]] != b["origin"] for b in other)
    assert moved > 50


def test_roi_bounds_every_crop(zring, group_store):
    r = sample(zring, group_store, "--array", "a", "--crop", "2,8,8", "--roi", "5:9,:20,30:",
               "--batch", "50", "--batches", "4", "--print-boxes")
    boxes = boxes_of(r.stdout)
    assert len(boxes) == 200
    seen0 = set()
    for b in boxes:
        o = b["origin"]
        assert 5 <= o[0] <= 7 and 0 <= o[1] <= 12 and 30 <= o[2] <= 42, b
        seen0.add(o[0])
    assert seen0 == {5, 6, 7}


def test_measure_only_reports_rates(zring, group_store):
    r = sample(zring, group_store, "--arrays", "a,c", "--crop", "4,16,16", "--batch", "8",
               "--batches", "2", "--json")
    fig = json.loads(r.stdout)
    assert fig["crops"] == 16 and fig["channels"] == 2 and fig["crops_per_s"] > 0
    assert fig["chunks_decoded"] >= 16


def test_bad_arguments_fail_cleanly(zring, group_store):
    assert_clean_failure(zring.run("sample", group_store, "--array", "a", "--crop", "4,65,8"),
                         "dimension 1")
    assert_clean_failure(zring.run("sample", group_store, "--arrays", "a,f", "--crop", "2,2,2"),
                         '"a"', '"f"', "float32")
    assert_clean_failure(zring.run("sample", group_store, "--arrays", "a,short", "--crop", "2,2,2"),
                         '"short"')
    assert_clean_failure(zring.run("sample", group_store, "--array", "a", "--crop", "2,2"),
                         "dimensions")
    assert_clean_failure(zring.run("sample", group_store, "--array", "a", "--crop", "2,2,2",
                                   "--rank", "2", "--world", "2"), "rank 2")
    assert_clean_failure(zring.run("sample", group_store, "--array", "a", "--crop", "2,2,2",
                                   "--roi", "0:30,:,:"), "dimension 0")
    assert_clean_failure(zring.run("sample", group_store / "missing", "--crop", "2,2,2"), "missing")
