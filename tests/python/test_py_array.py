"""zring.open / Array / Group from Python, value for value against zarr-python 3 on the same
stores: metadata, basic indexing, read, read_crops (with out=), ArrayStack and the sampler."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import zarr

import py_bindings
from py_bindings import zring


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    return py_bindings.write_stores(tmp_path_factory.mktemp("py_array"))


ARRAYS = [("v3", "t"), ("v3", "s"), ("v3", "p"), ("v3", "lat"), ("v3", "sub/b"), ("v2", "f8"),
          ("v2", "i1"), ("v2", "c8"), ("v2", "u4")]


@pytest.mark.parametrize("store,name", ARRAYS)
def test_metadata_matches_zarr_python(stores, store, name):
    z = zarr.open_array(stores[store], path=name, mode="r")
    a = zring.open(stores[store], name)
    assert isinstance(a, zring.Array)
    assert a.shape == z.shape
    assert a.dtype == z.dtype.newbyteorder("<")
    assert a.chunks == z.chunks
    assert a.shards == z.shards
    assert a.attrs == dict(z.attrs)
    assert a.zarr_format == z.metadata.zarr_format
    fv = z.fill_value
    assert (a.fill_value == fv) or (np.isnan(a.fill_value) and np.isnan(fv))
    if z.metadata.zarr_format == 3:
        dims = z.metadata.dimension_names
        assert a.dimension_names == (tuple(dims) if dims else None)
    else:
        assert a.dimension_names == ("y", "x")


KEYS = [np.s_[:], np.s_[3], np.s_[-1], np.s_[2:9, 5:31], np.s_[..., 7], np.s_[1, ..., -3:],
        np.s_[::3, 2:38:5], np.s_[5:5], np.s_[-4:, -2], np.s_[0:100]]


@pytest.mark.parametrize("store,name", ARRAYS)
@pytest.mark.parametrize("key", KEYS, ids=[str(k) for k in KEYS])
def test_indexing_matches_zarr_python(stores, store, name, key):
    z = zarr.open_array(stores[store], path=name, mode="r")
    a = zring.open(stores[store], name)
    try:
        want = np.asarray(z[key])
    except IndexError:
        with pytest.raises(IndexError):
            a[key]
        return
    got = a[key]
    assert isinstance(got, np.ndarray)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_index_errors(stores):
    a = zring.open(stores["v3"], "t")
    with pytest.raises(IndexError, match="out of bounds"):
        a[24]
    with pytest.raises(IndexError, match="out of bounds"):
        a[0, -41]
    with pytest.raises(IndexError, match="too many"):
        a[0, 0, 0, 0]
    with pytest.raises(IndexError, match="positive"):
        a[::-1]
    with pytest.raises(IndexError, match="integers, slices"):
        a[[1, 2]]


def test_read_box_forms_and_out(stores):
    z = zarr.open_array(stores["v3"], path="t", mode="r")
    a = zring.open(stores["v3"], "t")
    want = z[3:7, 10:30, 5:45]
    np.testing.assert_array_equal(a.read((3, 10, 5), (4, 20, 40)), want)
    np.testing.assert_array_equal(a.read((slice(3, 7), slice(10, 30), slice(5, 45))), want)
    out = np.full((4, 20, 40), 1, dtype=np.uint16)
    assert a.read((3, 10, 5), (4, 20, 40), out=out) is out
    np.testing.assert_array_equal(out, want)
    with pytest.raises(IndexError, match="outside dimension 2"):
        a.read((0, 0, 20), (1, 1, 31))
    with pytest.raises(IndexError, match="outside dimension 1"):
        a.read((slice(0, 4), slice(30, 41), slice(None)))
    with pytest.raises(IndexError, match="not a box"):
        a.read((slice(-1, 4), slice(None), slice(None)))
    with pytest.raises(ValueError, match="one step-1 slice"):
        a.read((slice(0, 4, 2), slice(None), slice(None)))


def _random_starts(shape, crop, n, seed=1):
    rng = np.random.default_rng(seed)
    return np.stack([rng.integers(0, s - c + 1, n) for s, c in zip(shape, crop)], axis=1)


@pytest.mark.parametrize("store,name", ARRAYS)
def test_read_crops_matches_zarr_python(stores, store, name):
    z = zarr.open_array(stores[store], path=name, mode="r")
    a = zring.open(stores[store], name)
    crop = tuple(min(c, s) for c, s in zip((3, 9, 17), a.shape[-3:])) if a.ndim == 3 else \
        tuple(min(5, s) for s in a.shape)
    starts = _random_starts(a.shape, crop, 40)
    got = a.read_crops(starts, crop)
    assert got.shape == (40,) + crop and got.dtype == a.dtype
    for i, s in enumerate(starts):
        np.testing.assert_array_equal(got[i], z[tuple(slice(o, o + c) for o, c in zip(s, crop))])


def test_read_crops_out_variants(stores):
    a = zring.open(stores["v3"], "s")
    crop = (4, 8, 16)
    starts = _random_starts(a.shape, crop, 12)
    want = a.read_crops(starts, crop)
    # C-contiguous out is returned as is.
    out = np.zeros((12,) + crop, dtype=np.float32)
    assert a.read_crops(starts, crop, out=out) is out
    np.testing.assert_array_equal(out, want)
    # One channel of a channels-last batch: strided, written in place, other channels untouched.
    batch = np.full((12,) + crop + (3,), -1, dtype=np.float32)
    a.read_crops(starts, crop, out=batch[..., 1])
    np.testing.assert_array_equal(batch[..., 1], want)
    assert (batch[..., 0] == -1).all() and (batch[..., 2] == -1).all()
    # Any writable buffer of the right size: a bytearray through a numpy view of it.
    raw = bytearray(want.nbytes)
    a.read_crops(starts, crop, out=np.frombuffer(raw, dtype=np.float32).reshape(want.shape))
    assert bytes(raw) == want.tobytes()
    with pytest.raises(ValueError, match="dtype"):
        a.read_crops(starts, crop, out=np.zeros((12,) + crop, dtype=np.float64))
    with pytest.raises(ValueError, match="shape"):
        a.read_crops(starts, crop, out=np.zeros((11,) + crop, dtype=np.float32))
    ro = np.zeros((12,) + crop, dtype=np.float32)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        a.read_crops(starts, crop, out=ro)
    with pytest.raises(ValueError, match=r"\(N, 3\)"):
        a.read_crops(starts[:, :2], crop)
    with pytest.raises(ValueError, match="integers"):
        a.read_crops(starts.astype(float), crop)
    with pytest.raises(IndexError, match="crop 1 of 2"):
        a.read_crops([[0, 0, 0], [21, 0, 0]], crop)
    with pytest.raises(IndexError):
        a.read_crops([[-1, 0, 0]], crop)
    assert a.read_crops(np.zeros((0, 3), dtype=int), crop).shape == (0,) + crop


def test_partially_written_array_reads_fill_value(stores):
    z = zarr.open_array(stores["v3"], path="p", mode="r")
    a = zring.open(stores["v3"], "p")
    np.testing.assert_array_equal(a[:], z[:])
    assert a[0, 0, 0] == -5
    assert a.stats()["chunks_filled"] > 0


def test_group_navigation(stores):
    g = zring.open(stores["v3"])
    assert isinstance(g, zring.Group)
    assert g.attrs == {"title": "t"}
    zg = zarr.open_group(stores["v3"], mode="r")
    assert g.keys() == sorted(zg.keys())
    assert [n for n, _ in g.arrays()] == sorted(n for n, _ in zg.arrays())
    assert isinstance(g["sub"], zring.Group) and isinstance(g["sub/b"], zring.Array)
    assert "t" in g and "nope" not in g
    with pytest.raises(KeyError):
        g["nope"]


def test_results_share_memory_with_numpy_consumers(stores):
    a = zring.open(stores["v3"], "t")
    r = a.read_crops([[0, 0, 0]], (2, 3, 4))
    # numpy 2.1's own DLPack export: legacy capsule by default, versioned on request.
    import ctypes
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    assert get_name(r.__dlpack__()) == b"dltensor"
    assert get_name(r.__dlpack__(max_version=(1, 0))) == b"dltensor_versioned"
    assert r.__dlpack_device__() == (1, 0)  # kDLCPU
    view = np.from_dlpack(r)
    r[0, 0, 0, 0] = 12345
    assert view[0, 0, 0, 0] == 12345
    mv = memoryview(r)
    assert mv.format == "H" and mv.shape == (1, 2, 3, 4)


def test_gil_is_released_while_reading(stores):
    a = zring.open(stores["v3"], "t", threads=1)
    # One call must last long enough for the main thread to be seen running during it:
    # grow the crop list until an untimed call takes over 0.15 s (the read path is fast
    # enough that a fixed count can finish within a few scheduler ticks).
    n = 3000
    while True:
        starts = _random_starts(a.shape, (4, 16, 16), n)
        t0 = time.perf_counter()
        a.read_crops(starts, (4, 16, 16))
        if time.perf_counter() - t0 > 0.15 or n >= 1 << 17:
            break
        n *= 2
    span = {}
    ticks = []

    def read():
        span["t0"] = time.perf_counter()
        a.read_crops(starts, (4, 16, 16))
        span["t1"] = time.perf_counter()

    t = threading.Thread(target=read)
    old = __import__("sys").getswitchinterval()
    __import__("sys").setswitchinterval(0.001)
    try:
        t.start()
        while t.is_alive():
            ticks.append(time.perf_counter())
        t.join()
    finally:
        __import__("sys").setswitchinterval(old)
    inside = [x for x in ticks if span["t0"] + 0.005 < x < span["t1"] - 0.005]
    assert span["t1"] - span["t0"] > 0.02, "the read was too short to tell"
    assert len(inside) > 10, f"main thread ran {len(inside)} times during a {span} read"


def test_array_stack_matches_per_array_reads(stores):
    g = zring.open(stores["v2"])
    arrays = [g["f8"], g["f8"]]
    with pytest.raises(ValueError, match="differ"):
        zring.ArrayStack([g["f8"], g["i1"]])
    stack = zring.ArrayStack(arrays)
    starts = _random_starts((30, 20), (5, 6), 9)
    got = stack.read_crops(starts, (5, 6))
    assert got.shape == (9, 5, 6, 2)
    z = zarr.open_array(stores["v2"], path="f8", mode="r")
    for i, (y, x) in enumerate(starts):
        np.testing.assert_array_equal(got[i, ..., 0], z[y:y + 5, x:x + 6])
        np.testing.assert_array_equal(got[i, ..., 1], z[y:y + 5, x:x + 6])


def test_sampler_is_a_pure_function_of_seed_epoch_index():
    from zring import _zring
    out1 = np.empty((100, 2), dtype=np.int64)
    out2 = np.empty((100, 2), dtype=np.int64)
    idx = np.arange(100, dtype=np.int64)
    _zring.crop_origins([50, 60], [10, 20], 3, 100, 1, idx, out1)
    _zring.crop_origins([50, 60], [10, 20], 3, 100, 1, idx[::-1].copy(), out2)
    np.testing.assert_array_equal(out1, out2[::-1])
    assert out1.min() >= 0 and (out1[:, 0] <= 40).all() and (out1[:, 1] <= 40).all()
    assert len({tuple(r) for r in out1}) > 90  # spread out, not a constant
    _zring.crop_origins([50, 60], [10, 20], 3, 100, 2, idx, out2)
    assert (out1 != out2).any()
    everything = sorted(i for r in range(3) for i in _zring.rank_indices(10, 0, 0, r, 3))
    assert set(everything) == set(range(10)) and len(everything) == 12  # padded to 3 x 4
