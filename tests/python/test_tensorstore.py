"""zring's checksum of v2 and v3 stores that TensorStore (PyPI) wrote, sharded ones included.

Each case writes part of an array (so some chunks, and inside shards some inner chunks, are missing and
edge chunks are partial), reads it back through TensorStore to confirm the expectation, and compares
zring's sha256 with numpy's.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import tensorstore as ts

from conftest import expected_sha256


def _blosc3(cname, shuffle):
    return {"name": "blosc", "configuration": {"cname": cname, "clevel": 5, "shuffle": shuffle,
                                               "blocksize": 0}}


BYTES_LE = {"name": "bytes", "configuration": {"endian": "little"}}
BYTES_BE = {"name": "bytes", "configuration": {"endian": "big"}}
GZIP = {"name": "gzip", "configuration": {"level": 5}}
ZSTD = {"name": "zstd", "configuration": {"level": 3}}
CRC = {"name": "crc32c"}


def _shard(inner_chunks, codecs, index_location, index_codecs=(BYTES_LE, CRC)):
    return {"name": "sharding_indexed", "configuration": {
        "chunk_shape": list(inner_chunks), "codecs": list(codecs),
        "index_codecs": list(index_codecs), "index_location": index_location}}


# id -> (driver, numpy dtype, shape, grid chunks, metadata fields beyond shape/dtype/chunks, region)
CASES = {
    "ts-v2-uint16-blosc-lz4-shuffle-F": (
        "zarr", "<u2", (13, 11), (4, 5),
        {"compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1}, "order": "F",
         "fill_value": 7}, np.s_[1:7, 2:9]),
    "ts-v2-float32-zlib-slash-fillnan": (
        "zarr", "<f4", (37,), (8,),
        {"compressor": {"id": "zlib", "level": 5}, "dimension_separator": "/", "fill_value": "NaN"},
        np.s_[3:20]),
    "ts-v2-be-float64-zstd-fillinf": (
        "zarr", ">f8", (5, 6, 7), (2, 4, 3),
        {"compressor": {"id": "zstd", "level": 3}, "fill_value": "Infinity"}, np.s_[:3, 1:5, :4]),
    "ts-v2-int64-bz2-F-fillnull": (
        "zarr", "<i8", (9, 10), (9, 3), {"compressor": {"id": "bz2", "level": 5}, "order": "F",
                                         "fill_value": None}, np.s_[:, :]),
    "ts-v2-complex128-blosc-zstd-bitshuffle": (
        "zarr", "<c16", (13, 11), (4, 5),
        {"compressor": {"id": "blosc", "cname": "zstd", "clevel": 5, "shuffle": 2},
         "fill_value": [1.5, -2.0]}, np.s_[5:, :6]),
    "ts-v3-int32-default": ("zarr3", "int32", (13, 11), (4, 5), {"codecs": [BYTES_LE]},
                            np.s_[1:7, 2:9]),
    "ts-v3-float64-bytesbig-gzip-crc32c": (
        "zarr3", "float64", (37,), (8,), {"codecs": [BYTES_BE, GZIP, CRC], "fill_value": "-Infinity"},
        np.s_[9:30]),
    "ts-v3-uint8-blosc-lz4hc-bitshuffle-keyv2dot": (
        "zarr3", "uint8", (13, 11), (4, 5),
        {"codecs": [BYTES_LE, _blosc3("lz4hc", "bitshuffle")],
         "chunk_key_encoding": {"name": "v2", "configuration": {"separator": "."}}, "fill_value": 9},
        np.s_[:8, :]),
    "ts-v3-float16-transpose-zstd-keydot": (
        "zarr3", "float16", (5, 6, 7), (2, 4, 3),
        {"codecs": [{"name": "transpose", "configuration": {"order": [2, 0, 1]}}, BYTES_LE, ZSTD],
         "chunk_key_encoding": {"name": "default", "configuration": {"separator": "."}},
         "fill_value": "NaN"}, np.s_[1:4, :, 2:]),
    "ts-v3-uint16-sharded-idxend-blosc": (
        "zarr3", "uint16", (13, 11), (8, 10),
        {"codecs": [_shard((4, 5), [BYTES_LE, _blosc3("zstd", "shuffle")], "end")], "fill_value": 3},
        np.s_[1:7, 0:4]),
    "ts-v3-float32-sharded-idxstart-gzip": (
        "zarr3", "float32", (37,), (16,),
        {"codecs": [_shard((4,), [BYTES_LE, GZIP], "start")], "fill_value": 0.5}, np.s_[2:21]),
    "ts-v3-complex64-sharded-idxstart-nocrc-bytesbig": (
        "zarr3", "complex64", (13, 11), (8, 10),
        {"codecs": [_shard((4, 5), [BYTES_BE], "start", index_codecs=[BYTES_LE])],
         "fill_value": [0.0, 1.0]}, np.s_[:, 5:]),
    "ts-v3-int16-nested-sharding": (
        "zarr3", "int16", (17, 11), (8, 8),
        {"codecs": [_shard((4, 4), [_shard((2, 2), [BYTES_LE, ZSTD], "end")], "start")],
         "fill_value": -1}, np.s_[1:6, 1:7]),
    # The transpose runs before sharding, so the inner chunk shape (5, 4) is in transposed order:
    # (4, 5) of the array. zarr-python 3.1.6 cannot read this layout; TensorStore and the spec can.
    "ts-v3-bool-sharded-transpose": (
        "zarr3", "bool", (13, 11), (8, 10),
        {"codecs": [{"name": "transpose", "configuration": {"order": [1, 0]}},
                    _shard((5, 4), [BYTES_LE, GZIP], "end")], "fill_value": True}, np.s_[2:12, :]),
}


def _spec(path, driver, dtype, shape, chunks, extra):
    md = {"shape": list(shape), **extra}
    if driver == "zarr":
        md.update({"chunks": list(chunks), "dtype": dtype})
        md.setdefault("compressor", None)
    else:
        md.update({"data_type": dtype,
                   "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": list(chunks)}}})
        md.setdefault("fill_value", 0)
    return {"driver": driver, "kvstore": {"driver": "file", "path": str(path)}, "metadata": md,
            "create": True, "delete_existing": True}


def _data(dtype: np.dtype, shape, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if dtype.kind == "b":
        return rng.random(shape) < 0.5
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
    v = rng.standard_normal(shape) * 100
    if dtype.kind == "c":
        v = v + 1j * rng.standard_normal(shape)
    v = v.astype(dtype)
    v.flat[0] = -0.0
    return v


def _fill_of(dtype: np.dtype, extra) -> object:
    fv = extra.get("fill_value", 0)
    if fv is None:
        return 0  # v2 null: TensorStore, like zarr-python 3, reads missing chunks as zeros
    if isinstance(fv, list):
        return complex(*fv)
    return {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}.get(fv, fv)


@pytest.mark.parametrize("case_id", list(CASES))
def test_checksum_matches_tensorstore(zring, tmp_path, case_id):
    driver, dts, shape, chunks, extra, region = CASES[case_id]
    dtype = np.dtype(dts) if driver == "zarr" else np.dtype(dts).newbyteorder("<")
    path = tmp_path / "a.zarr"
    arr = ts.open(_spec(path, driver, dts, shape, chunks, extra)).result()
    intended = np.full(shape, _fill_of(dtype, extra), dtype=dtype)
    sub = intended[region]
    intended[region] = _data(dtype, sub.shape, seed=zlib.crc32(case_id.encode()))
    arr[region] = intended[region]
    back = ts.open({"driver": driver, "kvstore": {"driver": "file", "path": str(path)}}).result()
    got = back.read().result()
    assert got.tobytes() == intended.astype(got.dtype).tobytes(), "TensorStore read back other values"
    assert zring.checksum_of_array_store(path) == expected_sha256(intended)
