"""Bad input through the CLI: `zring checksum` must refuse it with a non-zero exit (not a signal, not an
abort) and a message on stderr naming the file or chunk key at fault; it must never print a checksum
for an array it could not decode.

Each case starts from a valid store written by zarr-python 3 and breaks one thing; the controls at
the end check that those stores, unbroken, checksum to the right value, so each failure here is the
corruption's doing.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import struct
import warnings

import numcodecs
import numpy as np
import pytest

from conftest import assert_clean_failure


def _write(path, zarr_format, **kw):
    import zarr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        defaults = dict(shape=(8, 12), chunks=(4, 4), dtype="int32", fill_value=0)
        defaults.update(kw)
        if zarr_format == 2:
            defaults.setdefault("compressors", None)
        a = zarr.create_array(str(path), zarr_format=zarr_format, overwrite=True, **defaults)
        a[...] = np.arange(np.prod(a.shape)).reshape(a.shape).astype(a.dtype)
    return path


def _edit_json(path: pathlib.Path, fn):
    meta = json.loads(path.read_text())
    fn(meta)
    path.write_text(json.dumps(meta))


def _flip(path: pathlib.Path, offset: int):
    b = bytearray(path.read_bytes())
    b[offset] ^= 0x5A
    path.write_bytes(bytes(b))


# Each builder writes a store, breaks it, and returns what stderr must name: the chunk key, the file,
# the offending codec or dtype, or at least the store. The corrupt chunk is (1, 2) so
# its key ("1.2", "c/1/2") is distinctive.
def _v2_truncated(p):
    s = _write(p, 2)
    c = s / "1.2"
    c.write_bytes(c.read_bytes()[:30])
    return ["1.2"]


def _v2_blosc_garbage(p):
    # Chunks big and regular enough that blosc really compresses them (a tiny chunk is stored
    # memcpy'd, with no way to tell garbage from data); numcodecs must refuse the result too.
    s = _write(p, 2, shape=(128, 192), chunks=(64, 64),
               compressors=numcodecs.Blosc(cname="lz4", shuffle=1))
    c = s / "1.2"
    b = bytearray(c.read_bytes())
    assert len(b) < 64 * 64 * 4 // 2, "the chunk did not compress; the corruption would be invisible"
    b[16:] = bytes((i * 37 + 11) & 0xFF for i in range(len(b) - 16))
    c.write_bytes(bytes(b))
    with pytest.raises(Exception):
        numcodecs.Blosc().decode(bytes(b))
    return ["1.2"]


def _v2_blosc_lies_about_size(p):
    # Header says the chunk decompresses to 4x what a (4, 4) int32 chunk holds.
    s = _write(p, 2, compressors=numcodecs.Blosc(cname="zstd", shuffle=2))
    c = s / "1.2"
    b = bytearray(c.read_bytes())
    b[4:8] = struct.pack("<I", 4 * 4 * 4 * 4)
    c.write_bytes(bytes(b))
    return ["1.2"]


def _v2_blosc_header_cut(p):
    s = _write(p, 2, compressors=numcodecs.Blosc(cname="blosclz", shuffle=0))
    (s / "1.2").write_bytes((s / "1.2").read_bytes()[:9])
    return ["1.2"]


def _v2_zstd_truncated(p):
    s = _write(p, 2, compressors=numcodecs.Zstd(level=3))
    c = s / "1.2"
    c.write_bytes(c.read_bytes()[:-5])
    return ["1.2"]


def _v2_frame_of_wrong_size(p, codec):
    # A well-formed frame that decodes to 128 bytes where a (4, 4) int32 chunk holds 64.
    s = _write(p, 2, compressors=codec)
    (s / "1.2").write_bytes(codec.encode(np.arange(32, dtype="<i4").tobytes()))
    return ["1.2"]


def _v2_zstd_wrong_size(p):
    return _v2_frame_of_wrong_size(p, numcodecs.Zstd(level=3))


def _v2_gzip_wrong_size(p):
    return _v2_frame_of_wrong_size(p, numcodecs.GZip(level=5))


def _v2_lz4_wrong_size(p):
    return _v2_frame_of_wrong_size(p, numcodecs.LZ4())


def _v2_lz4_prefix_lies(p):
    # numcodecs' lz4 framing: a little-endian uint32 decoded size, then the block. Say 64 (right for
    # the chunk) in front of a block that holds 128 bytes.
    s = _write(p, 2, compressors=numcodecs.LZ4())
    frame = bytearray(numcodecs.LZ4().encode(np.arange(32, dtype="<i4").tobytes()))
    frame[0:4] = struct.pack("<I", 64)
    (s / "1.2").write_bytes(bytes(frame))
    return ["1.2"]


def _v2_gzip_garbage(p):
    s = _write(p, 2, compressors=numcodecs.GZip(level=5))
    c = s / "1.2"
    c.write_bytes(c.read_bytes()[:10] + b"\xff" * 40)
    return ["1.2"]


def _v2_malformed_zarray(p):
    s = _write(p, 2)
    (s / ".zarray").write_text((s / ".zarray").read_text()[:-20])
    return [".zarray"]


def _v2_unknown_compressor(p):
    s = _write(p, 2)
    _edit_json(s / ".zarray", lambda m: m.update(compressor={"id": "nosuchcodec", "level": 1}))
    return ["nosuchcodec"]


def _v2_unknown_dtype(p):
    s = _write(p, 2)
    _edit_json(s / ".zarray", lambda m: m.update(dtype="<x4"))
    return ["<x4"]


def _v2_shape_chunks_disagree(p):
    s = _write(p, 2)
    _edit_json(s / ".zarray", lambda m: m.update(chunks=[4, 4, 4]))
    return [".zarray"]


def _v2_vlen_strings(p):
    import zarr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = zarr.create_array(str(p), shape=(3,), chunks=(2,), dtype=str, zarr_format=2)
        a[...] = np.array(["a", "bcd", "ef"])
    return ["bad.zarr"]


def _v3_missing_zarr_json(p):
    s = _write(p, 3)
    (s / "zarr.json").unlink()
    return ["bad.zarr"]


def _v3_unknown_codec(p):
    s = _write(p, 3)
    _edit_json(s / "zarr.json",
               lambda m: m["codecs"].append({"name": "nosuchcodec", "configuration": {}}))
    return ["nosuchcodec"]


def _v3_crc32c_mismatch(p):
    from zarr.codecs import BytesCodec, Crc32cCodec
    s = _write(p, 3, serializer=BytesCodec(), compressors=[Crc32cCodec()])
    _flip(s / "c" / "1" / "2", 5)
    return ["c/1/2"]


def _v3_truncated_bytes_chunk(p):
    s = _write(p, 3, compressors=None)
    c = s / "c" / "1" / "2"
    c.write_bytes(c.read_bytes()[:-4])
    return ["c/1/2"]


def _v3_malformed_zarr_json(p):
    s = _write(p, 3)
    (s / "zarr.json").write_text('{"zarr_format": 3, "node_type": "array", "shape": [8, ')
    return ["zarr.json"]


def _v3_storage_transformer(p):
    s = _write(p, 3)
    _edit_json(s / "zarr.json", lambda m: m.update(
        storage_transformers=[{"name": "chunk-manifest-json", "configuration": {}}]))
    return ["storage_transformers"]


def _v3_vlen_string(p):
    import zarr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = zarr.create_array(str(p), shape=(3,), chunks=(2,), dtype=str, zarr_format=3)
        a[...] = np.array(["a", "bcd", "ef"])
    return ["bad.zarr"]


def _sharded(p, index_location="end"):
    from zarr.codecs import BytesCodec, ShardingCodec
    return _write(p, 3, shape=(8, 12), chunks=(8, 12), compressors=None,
                  serializer=ShardingCodec(chunk_shape=(4, 4), codecs=[BytesCodec()],
                                           index_codecs=[BytesCodec()],
                                           index_location=index_location))


def _v3_shard_index_past_end(p):
    s = _sharded(p)
    shard = s / "c" / "0" / "0"
    b = bytearray(shard.read_bytes())
    n_inner = 2 * 3
    index_at = len(b) - 16 * n_inner
    struct.pack_into("<QQ", b, index_at + 16 * 5, len(b) + 4096, 64)  # inner chunk (1, 2)
    shard.write_bytes(bytes(b))
    return ["c/0/0"]


def _v3_shard_shorter_than_index(p):
    s = _sharded(p, index_location="start")
    shard = s / "c" / "0" / "0"
    shard.write_bytes(shard.read_bytes()[:40])
    return ["c/0/0"]


def _v3_shard_index_crc_mismatch(p):
    from zarr.codecs import BytesCodec, Crc32cCodec, ShardingCodec
    s = _write(p, 3, shape=(8, 12), chunks=(8, 12), compressors=None,
               serializer=ShardingCodec(chunk_shape=(4, 4), codecs=[BytesCodec()],
                                        index_codecs=[BytesCodec(), Crc32cCodec()]))
    shard = s / "c" / "0" / "0"
    _flip(shard, len(shard.read_bytes()) - 4 - 3)  # inside the index, before its checksum
    return ["c/0/0"]


CASES = {
    "v2-truncated-chunk": _v2_truncated,
    "v2-blosc-garbage-body": _v2_blosc_garbage,
    "v2-blosc-header-lies-about-size": _v2_blosc_lies_about_size,
    "v2-blosc-header-cut": _v2_blosc_header_cut,
    "v2-zstd-truncated-frame": _v2_zstd_truncated,
    "v2-gzip-garbage": _v2_gzip_garbage,
    "v2-zstd-frame-of-wrong-size": _v2_zstd_wrong_size,
    "v2-gzip-stream-of-wrong-size": _v2_gzip_wrong_size,
    "v2-lz4-frame-of-wrong-size": _v2_lz4_wrong_size,
    "v2-lz4-size-prefix-lies": _v2_lz4_prefix_lies,
    "v2-malformed-zarray": _v2_malformed_zarray,
    "v2-unknown-compressor": _v2_unknown_compressor,
    "v2-unknown-dtype": _v2_unknown_dtype,
    "v2-shape-and-chunks-disagree": _v2_shape_chunks_disagree,
    "v2-vlen-strings-unsupported": _v2_vlen_strings,
    "v3-missing-zarr-json": _v3_missing_zarr_json,
    "v3-malformed-zarr-json": _v3_malformed_zarr_json,
    "v3-unknown-codec": _v3_unknown_codec,
    "v3-crc32c-mismatch": _v3_crc32c_mismatch,
    "v3-truncated-bytes-chunk": _v3_truncated_bytes_chunk,
    "v3-storage-transformer-refused": _v3_storage_transformer,
    "v3-vlen-string-unsupported": _v3_vlen_string,
    "v3-shard-index-past-end": _v3_shard_index_past_end,
    "v3-shard-shorter-than-index": _v3_shard_shorter_than_index,
    "v3-shard-index-crc32c-mismatch": _v3_shard_index_crc_mismatch,
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_a_clean_error(zring, tmp_path, case):
    store = tmp_path / "bad.zarr"
    must_name = CASES[case](store)
    r = zring.run("checksum", store)
    assert_clean_failure(r, *must_name)
    if "vlen" in case:
        assert "support" in r.stderr.lower(), f"expected a 'not supported' error\n{r.describe()}"
    assert "  " not in r.stdout.strip(), f"printed a checksum for an undecodable array\n{r.describe()}"


def _controls():
    from zarr.codecs import BytesCodec, Crc32cCodec
    return {
        "v2-none": lambda p: _write(p, 2),
        "v2-blosc-lz4": lambda p: _write(p, 2, compressors=numcodecs.Blosc(cname="lz4", shuffle=1)),
        "v2-blosc-zstd": lambda p: _write(p, 2, compressors=numcodecs.Blosc(cname="zstd", shuffle=2)),
        "v2-zstd": lambda p: _write(p, 2, compressors=numcodecs.Zstd(level=3)),
        "v2-gzip": lambda p: _write(p, 2, compressors=numcodecs.GZip(level=5)),
        "v2-lz4": lambda p: _write(p, 2, compressors=numcodecs.LZ4()),
        "v3-default": lambda p: _write(p, 3),
        "v3-crc32c": lambda p: _write(p, 3, serializer=BytesCodec(), compressors=[Crc32cCodec()]),
        "v3-sharded-end": lambda p: _sharded(p, "end"),
        "v3-sharded-start": lambda p: _sharded(p, "start"),
    }


@pytest.mark.parametrize("control", ["v2-none", "v2-blosc-lz4", "v2-blosc-zstd", "v2-zstd",
                                     "v2-gzip", "v2-lz4", "v3-default", "v3-crc32c",
                                     "v3-sharded-end", "v3-sharded-start"])
def test_the_uncorrupted_stores_checksum_cleanly(zring, tmp_path, control):
    """Control for the cases above: the stores they start from decode before they are broken."""
    store = tmp_path / "ok.zarr"
    _controls()[control](store)
    want = np.arange(96).reshape(8, 12).astype("<i4")
    assert zring.checksum_of_array_store(store) == hashlib.sha256(want.tobytes()).hexdigest()


def test_nonexistent_store_is_a_clean_error(zring, tmp_path):
    missing = tmp_path / "no_such_store.zarr"
    assert_clean_failure(zring.run("checksum", missing), "no_such_store.zarr")


def test_unknown_array_in_a_group_is_a_clean_error(zring, tmp_path):
    import zarr
    g = zarr.open_group(str(tmp_path / "g.zarr"), mode="w", zarr_format=3)
    g.create_array("a", shape=(2,), chunks=(2,), dtype="uint8")
    assert_clean_failure(zring.run("checksum", tmp_path / "g.zarr", "no_such_array"),
                         "no_such_array")


def test_one_bad_array_in_a_group_fails_the_run_but_not_its_neighbours(zring, tmp_path):
    """A corrupt chunk fails the array that holds it (exit 1, named on stderr) while the other
    arrays of the group still get their checksums."""
    import zarr
    root = tmp_path / "g.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = zarr.open_group(str(root), mode="w", zarr_format=3)
        good = g.create_array("good", shape=(6,), chunks=(3,), dtype="<u2", fill_value=0)
        good[...] = np.arange(6)
        bad = g.create_array("broken_arr", shape=(6,), chunks=(3,), dtype="<u2", fill_value=0,
                             compressors=None)
        bad[...] = np.arange(6)
    chunk = root / "broken_arr" / "c" / "1"
    chunk.write_bytes(chunk.read_bytes()[:-1])
    r = zring.run("checksum", root)
    assert_clean_failure(r, "broken_arr", "c/1")
    lines = [ln for ln in r.stdout.splitlines() if ln.strip()]
    want = hashlib.sha256(np.arange(6, dtype="<u2").tobytes()).hexdigest()
    assert lines == [f"{want}  /good"], r.describe()
