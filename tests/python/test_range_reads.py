"""Uncompressed chunks read only in the part the crops need (CropReaderOptions::range_read).

`zring bench crops` with and without `--no-range-read` on stores written by zarr-python 3:
the crops' sha256 matches numpy slicing either way, the part reads move fewer stored bytes,
and the fio iolog `--iolog` writes (figure 3's replay) holds exactly the bytes the reader read.
"""
import hashlib
import json
import re

import numpy as np
import pytest
import zarr

CROP = (2, 5, 7)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    root = tmp_path_factory.mktemp("range_reads")
    rng = np.random.default_rng(3)
    data = rng.integers(0, 65535, (64, 64, 64), dtype="<u2")
    # Inner chunks of 4 KiB in shards; chunk files of 64 KiB (v2 and v3); no compression.
    zarr.create_array(str(root / "sharded.zarr"), shape=data.shape, chunks=(2, 32, 32),
                      shards=(16, 64, 64), dtype="<u2", compressors=None)[:] = data
    zarr.create_array(str(root / "v2.zarr"), shape=data.shape, chunks=(32, 32, 32),
                      dtype="<u2", compressors=None, zarr_format=2)[:] = data
    zarr.create_array(str(root / "v3.zarr"), shape=data.shape, chunks=(32, 32, 32),
                      dtype="<u2", compressors=None)[:] = data
    # Chunk files 0.0.0 / c/0/0/0 removed: their crops get the fill value (0).
    (root / "v2.zarr" / "0.0.0").unlink()
    (root / "v3.zarr" / "c" / "0" / "0" / "0").unlink()
    starts = np.stack([rng.integers(0, s - c + 1, 120) for s, c in zip(data.shape, CROP)], axis=1)
    (root / "starts.txt").write_text("".join(",".join(map(str, s)) + "\n" for s in starts))
    return root, data, starts


def _expected_sha(data, starts, missing_first_chunk):
    h = hashlib.sha256()
    for s in starts:
        box = tuple(slice(a, a + c) for a, c in zip(s, CROP))
        crop = data[box].copy()
        if missing_first_chunk:
            view = crop
            lo = [max(0, 32 - a) for a in s]  # elements of the crop inside chunk 0.0.0
            view[:lo[0], :lo[1], :lo[2]] = 0
        h.update(crop.astype("<u2").tobytes())
    return h.hexdigest()


def _bench(zring, store, starts_file, *extra):
    r = zring.run("bench", "crops", store, "--crop", ",".join(map(str, CROP)), "--starts",
                  starts_file, "--group", "1", "--no-map", "--checksum", "--json", *extra)
    assert r.returncode == 0, r.describe()
    return json.loads(r.stdout.strip().splitlines()[-1]), r.stderr


@pytest.mark.parametrize("name", ["sharded.zarr", "v2.zarr", "v3.zarr"])
def test_part_reads_give_the_same_crops_from_fewer_bytes(zring, stores, tmp_path, name):
    root, data, starts = stores
    want = _expected_sha(data, starts, name != "sharded.zarr")
    got = {}
    for mode in ("part", "whole"):
        iolog = tmp_path / f"{mode}.iolog"
        extra = ["--iolog", iolog] + (["--no-range-read"] if mode == "whole" else [])
        fig, err = _bench(zring, root / name, root / "starts.txt", *extra)
        assert fig["sha256"] == want, f"{name} {mode}: crops differ from numpy slicing"
        # The iolog holds the reads the reader made: the same bytes, range by range.
        m = re.search(r"iolog\s+(\d+) reads of (\d+) bytes", err)
        assert m, err
        assert int(m.group(2)) == fig["bytes_read"], (mode, err, fig)
        logged = [line.split() for line in iolog.read_text().splitlines()[1:]]
        assert sum(int(f[3]) for f in logged if f[1] == "read") >= fig["bytes_read"]
        got[mode] = fig
    assert got["whole"]["chunks_range_read"] == 0
    assert got["part"]["chunks_range_read"] > 0.9 * got["part"]["chunks_decoded"]
    assert got["part"]["chunks_decoded"] == got["whole"]["chunks_decoded"]
    # Sharded: 4 KiB inner chunks, a crop needs 2 rows of 5x7 at most; chunk files: 64 KiB.
    assert got["part"]["bytes_read"] * 3 < got["whole"]["bytes_read"], got


def test_part_reads_of_objects_over_http(zring, stores, nginx):
    root, data, starts = stores
    base = nginx.url("range_reads", root)
    want = _expected_sha(data, starts, True)
    body = {}
    for mode in ("part", "whole"):
        mark = nginx.mark()
        extra = ["--no-range-read"] if mode == "whole" else []
        fig, _ = _bench(zring, f"{base}/v2.zarr", root / "starts.txt", *extra)
        assert fig["sha256"] == want, mode
        reqs = nginx.requests_since(mark)
        body[mode] = sum(r.body_bytes for r in reqs if r.status in (200, 206))
        assert fig["chunks_range_read"] > 0 if mode == "part" else fig["chunks_range_read"] == 0
    assert body["part"] * 3 < body["whole"], body
