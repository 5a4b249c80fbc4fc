"""Metadata forms beyond the grid, checked through `zring checksum`:
- fill-value spellings and data types zarr-python does not write itself, edited into zarr.json by
  hand: hex-encoded floats (NaN payloads must survive to the byte), extreme 64-bit integers, complex
  pairs with special components, bfloat16. Each array has missing chunks, so the fill value's exact
  bytes reach the checksum; the expected bytes are built with struct, not by any Zarr library;
- v2 metadata spellings of older writers, and blosc frames split into many blocks;
- v3 arrays whose codecs carry numcodecs' "numcodecs.<id>" names.
"""

from __future__ import annotations

import hashlib
import json
import struct
import warnings

import numpy as np
import pytest

from conftest import assert_clean_failure, parse_checksum_lines

SHAPE, CHUNKS = (5,), (2,)

# name -> (data_type written to zarr.json, created-as dtype, fill_value JSON, bytes of one element)
CASES = {
    "float32-hex-nan-payload": ("float32", "float32", "0x7fc00001", struct.pack("<I", 0x7FC00001)),
    "float64-hex-signaling-nan": ("float64", "float64", "0x7ff0000000000001",
                                  struct.pack("<Q", 0x7FF0000000000001)),
    "float16-hex-nan-payload": ("float16", "float16", "0x7e01", struct.pack("<H", 0x7E01)),
    "float32-hex-negative-zero": ("float32", "float32", "0x80000000", struct.pack("<I", 0x80000000)),
    "float64-nan": ("float64", "float64", "NaN", struct.pack("<Q", 0x7FF8000000000000)),
    "float32-neginf": ("float32", "float32", "-Infinity", struct.pack("<f", -np.inf)),
    "complex64-hex-and-inf": ("complex64", "complex64", ["0x7fc00002", "Infinity"],
                              struct.pack("<If", 0x7FC00002, np.inf)),
    "complex128-numbers": ("complex128", "complex128", [1.5, -0.25], struct.pack("<dd", 1.5, -0.25)),
    "int64-min": ("int64", "int64", -2**63, struct.pack("<q", -2**63)),
    "uint64-max": ("uint64", "uint64", 2**64 - 1, struct.pack("<Q", 2**64 - 1)),
    "bool-true": ("bool", "bool", True, b"\x01"),
    "bfloat16-number": ("bfloat16", "uint16", 1.5, struct.pack("<H", 0x3FC0)),
    "bfloat16-hex": ("bfloat16", "uint16", "0xff81", struct.pack("<H", 0xFF81)),
    "bfloat16-neginf": ("bfloat16", "uint16", "-Infinity", struct.pack("<H", 0xFF80)),
}


def _store(tmp_path, created_as, data_type, fill_json, big_endian):
    """One chunk (elements 0-1) written with known bytes; chunks 1 and 2 (elements 2-4) missing."""
    import zarr
    from zarr.codecs import BytesCodec
    store = tmp_path / "a.zarr"
    dt = np.dtype(created_as)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = zarr.create_array(str(store), shape=SHAPE, chunks=CHUNKS, dtype=dt, fill_value=0,
                              zarr_format=3, compressors=None,
                              serializer=BytesCodec(endian="big" if big_endian else "little"))
        a[0:2] = np.array([1, 0], dtype=dt)
    meta = json.loads((store / "zarr.json").read_text())
    meta["data_type"] = data_type
    meta["fill_value"] = fill_json
    (store / "zarr.json").write_text(json.dumps(meta))
    return store, np.array([1, 0], dtype=dt.newbyteorder("<")).tobytes()


@pytest.mark.parametrize("endian", ["little", "big"])
@pytest.mark.parametrize("name", list(CASES))
def test_fill_value_bytes_reach_the_checksum(zring, tmp_path, name, endian):
    data_type, created_as, fill_json, fill_bytes = CASES[name]
    store, written = _store(tmp_path, created_as, data_type, fill_json, endian == "big")
    want = hashlib.sha256(written + fill_bytes * (SHAPE[0] - 2)).hexdigest()
    assert zring.checksum_of_array_store(store) == want


# v2 metadata spellings older or other writers use, and blosc frames split into many blocks.
def _v2_store(tmp_path, **kw):
    import zarr
    store = tmp_path / "v2.zarr"
    defaults = dict(shape=(300, 260), chunks=(128, 128), dtype="<f8", fill_value=-1.0,
                    compressors=None)
    defaults.update(kw)
    x = np.round(np.sin(np.arange(300 * 260) / 40.0) * 100, 1).reshape(300, 260)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = zarr.create_array(str(store), zarr_format=2, **defaults)
        a[:200, 10:] = x[:200, 10:].astype(a.dtype)
    want = np.full((300, 260), -1.0, dtype=a.dtype)
    want[:200, 10:] = x[:200, 10:].astype(a.dtype)
    return store, want


def _edit_zarray(store, fn):
    meta = json.loads((store / ".zarray").read_text())
    fn(meta)
    (store / ".zarray").write_text(json.dumps(meta))


V2_FORMS = {
    "no-dimension-separator-key": lambda m: m.pop("dimension_separator"),
    "filters-empty-list": lambda m: m.update(filters=[]),
    "no-zattrs": None,
}


@pytest.mark.parametrize("form", list(V2_FORMS))
def test_v2_metadata_spellings(zring, tmp_path, form):
    store, want = _v2_store(tmp_path)
    if V2_FORMS[form] is None:
        (store / ".zattrs").unlink(missing_ok=True)
    else:
        _edit_zarray(store, V2_FORMS[form])
    assert zring.checksum_of_array_store(store) == hashlib.sha256(want.tobytes()).hexdigest()


@pytest.mark.parametrize("cname,shuffle", [("lz4", 1), ("zstd", 2), ("blosclz", 1), ("zlib", 0)])
def test_v2_blosc_frames_with_many_blocks(zring, tmp_path, cname, shuffle):
    import numcodecs
    store, want = _v2_store(tmp_path, order="F", compressors=numcodecs.Blosc(
        cname=cname, clevel=5, shuffle=shuffle, blocksize=1024))
    frame = (store / "0.1").read_bytes()
    nbytes, blocksize = struct.unpack_from("<II", frame, 4)
    # c-blosc honours the 1 KiB hint for some codecs only; 128 KiB chunks split into blocks anyway.
    assert nbytes >= 2 * blocksize and frame[2] & 0x2 == 0, "expected a compressed multi-block frame"
    assert zring.checksum_of_array_store(store) == hashlib.sha256(want.tobytes()).hexdigest()


# zarr-python 3 users write v3 arrays with numcodecs' codecs under "numcodecs.<id>" names. Those whose
# v2 id the issue lists must decode exactly; the others must decode exactly or be refused by name.
def _numcodecs_v3(name):
    import numcodecs.zarr3 as nz
    return {
        "numcodecs.lz4": dict(compressors=[nz.LZ4()]),
        "numcodecs.bz2": dict(compressors=[nz.BZ2(level=5)]),
        "numcodecs.zlib": dict(compressors=[nz.Zlib(level=5)]),
        "numcodecs.gzip": dict(compressors=[nz.GZip(level=5)]),
        "numcodecs.zstd": dict(compressors=[nz.Zstd(level=3)]),
        "numcodecs.blosc": dict(compressors=[nz.Blosc(cname="lz4", shuffle=2)]),
        "numcodecs.shuffle": dict(compressors=[nz.Shuffle(elementsize=4)]),
        "numcodecs.delta": dict(filters=[nz.Delta(dtype="<i4")]),
        "numcodecs.fixedscaleoffset": dict(filters=[nz.FixedScaleOffset(offset=5, scale=1,
                                                                         dtype="<i4")]),
        "numcodecs.astype": dict(filters=[nz.AsType(encode_dtype="<i2", decode_dtype="<i4")]),
        "numcodecs.lzma": dict(compressors=[nz.LZMA(preset=1)]),
        "numcodecs.adler32": dict(compressors=[nz.Adler32()]),
        "numcodecs.crc32": dict(compressors=[nz.CRC32()]),
    }[name]


NUMCODECS_REQUIRED = ["numcodecs.lz4", "numcodecs.bz2", "numcodecs.zlib", "numcodecs.gzip",
                      "numcodecs.zstd", "numcodecs.blosc", "numcodecs.shuffle", "numcodecs.delta",
                      "numcodecs.fixedscaleoffset", "numcodecs.astype"]
NUMCODECS_OPTIONAL = ["numcodecs.lzma", "numcodecs.adler32", "numcodecs.crc32"]


@pytest.mark.parametrize("name", NUMCODECS_REQUIRED + NUMCODECS_OPTIONAL)
def test_v3_numcodecs_codec(zring, tmp_path, name):
    import zarr
    data = (np.arange(13 * 11) % 700).reshape(13, 11).astype("<i4")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = zarr.create_array(str(tmp_path / "n.zarr"), shape=(13, 11), chunks=(4, 5), dtype="<i4",
                              fill_value=-7, zarr_format=3, **_numcodecs_v3(name))
        a[:9, 2:] = data[:9, 2:]
        got = a[...]
    want = np.full((13, 11), -7, dtype="<i4")
    want[:9, 2:] = data[:9, 2:]
    assert got.tobytes() == want.tobytes(), "zarr-python read back other values than it wrote"
    r = zring.run("checksum", tmp_path / "n.zarr")
    if name in NUMCODECS_OPTIONAL and r.returncode != 0:
        assert_clean_failure(r, name.split(".")[1])
        return
    assert r.returncode == 0, r.describe()
    assert parse_checksum_lines(r.stdout, r) == {"/": hashlib.sha256(want.tobytes()).hexdigest()}
