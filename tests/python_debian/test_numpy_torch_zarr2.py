"""zring under Debian's numpy 1.24: values equal zarr-python 2.13's on v2 stores it wrote (codecs,
orders, byte orders, fill values); results shared with torch 1.13 through DLPack and the buffer
protocol; out= a torch tensor filled in place."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import zarr
from numcodecs import GZip, LZ4, Blosc, Zstd

import zring
from conftest import smooth

CASES = [
    ("blosc_lz4_u2", "<u2", Blosc("lz4", 5, Blosc.SHUFFLE), "C", 0),
    ("zstd_f4_F", "<f4", Zstd(3), "F", np.nan),
    ("gzip_be_i4", ">i4", GZip(5), "C", -9),
    ("lz4_f8", "<f8", LZ4(), "C", 1.5),
    ("none_b1", "|b1", None, "C", False),
    ("blosc_be_f8", ">f8", Blosc("zstd", 3, Blosc.BITSHUFFLE), "F", 0.0),
]


@pytest.fixture(scope="module")
def v2_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("zarr2") / "v2.zarr"
    g = zarr.open_group(str(path), mode="w")
    for name, dtype, comp, order, fill in CASES:
        a = g.create_dataset(name, shape=(17, 33, 29), chunks=(5, 8, 7), dtype=dtype,
                             compressor=comp, order=order, fill_value=fill)
        # Leave the last chunk row unwritten: it reads as the fill value.
        a[:15] = smooth((15, 33, 29), np.dtype(dtype).newbyteorder("="), seed=len(name))
    return path


@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_values_equal_zarr_2_13(v2_store, case):
    z = zarr.open_array(str(v2_store), path=case, mode="r")
    a = zring.open(v2_store, case)
    assert a.shape == z.shape and a.chunks == z.chunks
    assert a.dtype == z.dtype.newbyteorder("<")
    np.testing.assert_array_equal(a[:], z[:])
    for key in (np.s_[3], np.s_[-1, 5:20], np.s_[..., 2:9], np.s_[10:17, ::4, -3]):
        np.testing.assert_array_equal(a[key], z[key])
    rng = np.random.default_rng(2)
    starts = np.stack([rng.integers(0, s - c + 1, 30) for s, c in zip(a.shape, (4, 9, 11))], 1)
    crops = a.read_crops(starts, (4, 9, 11))
    for i, (x, y, w) in enumerate(starts):
        np.testing.assert_array_equal(crops[i], z[x:x + 4, y:y + 9, w:w + 11])


def test_torch_from_dlpack_and_from_numpy_share_memory(v2_store):
    a = zring.open(v2_store, "lz4_f8")
    r = a.read_crops([[0, 0, 0], [2, 3, 4]], (2, 3, 4))
    via_dlpack = torch.from_dlpack(r)
    via_numpy = torch.from_numpy(r)
    assert via_dlpack.data_ptr() == via_numpy.data_ptr() == r.ctypes.data
    via_dlpack[1, 1, 1, 1] = 123.25
    assert r[1, 1, 1, 1] == 123.25 and via_numpy[1, 1, 1, 1].item() == 123.25
    via_numpy[0, 0, 0, 0] = -7.0
    assert r[0, 0, 0, 0] == -7.0 and via_dlpack[0, 0, 0, 0].item() == -7.0
    # torch before 2.9 calls __dlpack__() without max_version: the legacy capsule.
    assert r.__dlpack_device__() == (1, 0)


def test_out_torch_tensor_is_filled_in_place(v2_store):
    a = zring.open(v2_store, "zstd_f4_F")
    starts = [[0, 0, 0], [5, 10, 3], [12, 20, 18]]
    want = a.read_crops(starts, (3, 8, 8))
    t = torch.full((3, 3, 8, 8), -1.0, dtype=torch.float32)
    ptr = t.data_ptr()
    assert a.read_crops(starts, (3, 8, 8), out=t) is t
    assert t.data_ptr() == ptr
    np.testing.assert_array_equal(t.numpy(), want)
    pinned_like = torch.empty((6, 3, 8, 8), dtype=torch.float32)[::2]  # a strided view
    a.read_crops(starts, (3, 8, 8), out=pinned_like)
    np.testing.assert_array_equal(pinned_like.numpy(), want)
    with pytest.raises(ValueError, match="dtype"):
        a.read_crops(starts, (3, 8, 8), out=torch.empty((3, 3, 8, 8), dtype=torch.float64))
    with pytest.raises(ValueError):
        a.read_crops(starts, (3, 8, 8), out=torch.empty((3, 3, 8, 8), requires_grad=True))
