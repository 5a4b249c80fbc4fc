"""Deterministic corruptions of one chunk (or shard) per codec, through `zring checksum`.

Every mutation must leave zring standing: either a checksum (exit 0) or a clean error naming the chunk
key (exit 1..127, no sanitizer report; run this file against an ASan build to catch silent
out-of-bounds reads). Where the format itself can tell, the error is mandatory, not optional:
- crc32c (v3 codec, and on shard indexes) covers every byte it follows;
- gzip, zlib, bz2 and zstd-with-checksum carry their own checksums of the decoded data;
- a truncated chunk is always detectable: each codec here either records its sizes (blosc header,
  numcodecs lz4 prefix, shard index) or needs every byte of its stream, and an uncompressed chunk has
  a fixed size.
A flipped byte in an uncompressed, blosc or lz4 payload can decode to other valid values; there only
"no crash, and a checksum or a clean error" is required.
"""

from __future__ import annotations

import shutil
import warnings

import numcodecs
import numpy as np
import pytest

from conftest import assert_clean_failure


def _write(path, zarr_format, shape=(8, 12), chunks=(4, 4), **kw):
    import zarr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = zarr.create_array(str(path), shape=shape, chunks=chunks, dtype="int32", fill_value=0,
                              zarr_format=zarr_format, overwrite=True, **kw)
        a[...] = (np.arange(np.prod(shape)) % 1000).reshape(shape).astype("int32")


def _v3_sharded(path, index_location, inner, index_crc):
    from zarr.codecs import BytesCodec, Crc32cCodec, ShardingCodec
    index_codecs = [BytesCodec()] + ([Crc32cCodec()] if index_crc else [])
    _write(path, 3, shape=(8, 12), chunks=(8, 12), compressors=None,
           serializer=ShardingCodec(chunk_shape=(4, 4), codecs=[BytesCodec()] + inner,
                                    index_codecs=index_codecs, index_location=index_location))


def _zarr3_codecs():
    from zarr.codecs import BloscCodec, BytesCodec, Crc32cCodec, ZstdCodec
    return BloscCodec, BytesCodec, Crc32cCodec, ZstdCodec


# name -> (writer(path), chunk key, first byte offset whose flip must be detected, or None)
def _stores():
    BloscCodec, BytesCodec, Crc32cCodec, ZstdCodec = _zarr3_codecs()
    big = dict(shape=(128, 192), chunks=(64, 64))
    return {
        "v2-uncompressed": (lambda p: _write(p, 2, compressors=None), "1.2", None),
        "v2-blosc-lz4-shuffle": (lambda p: _write(p, 2, compressors=numcodecs.Blosc(
            "lz4", shuffle=1), **big), "1.2", None),
        "v2-blosc-zstd-bitshuffle": (lambda p: _write(p, 2, compressors=numcodecs.Blosc(
            "zstd", shuffle=2), **big), "1.2", None),
        "v2-lz4": (lambda p: _write(p, 2, compressors=numcodecs.LZ4(), **big), "1.2", None),
        "v2-zstd": (lambda p: _write(p, 2, compressors=numcodecs.Zstd(level=3)), "1.2", None),
        "v2-zlib": (lambda p: _write(p, 2, compressors=numcodecs.Zlib(level=5)), "1.2", 2),
        "v2-gzip": (lambda p: _write(p, 2, compressors=numcodecs.GZip(level=5)), "1.2", 10),
        "v2-bz2": (lambda p: _write(p, 2, compressors=numcodecs.BZ2(level=5)), "1.2", 4),
        "v3-crc32c": (lambda p: _write(p, 3, serializer=BytesCodec(), compressors=[Crc32cCodec()]),
                      "c/1/2", 0),
        "v3-zstd-checksum": (lambda p: _write(p, 3, compressors=[ZstdCodec(level=3, checksum=True)]),
                             "c/1/2", None),
        "v3-blosc-crc32c": (lambda p: _write(p, 3, compressors=[
            BloscCodec(cname="lz4", shuffle="shuffle"), Crc32cCodec()], **big), "c/1/2", 0),
        "v3-sharded-idxend-crc": (lambda p: _v3_sharded(p, "end", [ZstdCodec()], True),
                                  "c/0/0", None),
        "v3-sharded-idxstart-crc-inner-crc": (lambda p: _v3_sharded(p, "start", [Crc32cCodec()],
                                                                    True), "c/0/0", 0),
        "v3-sharded-idxend-nocrc": (lambda p: _v3_sharded(p, "end", [], False), "c/0/0", None),
    }


STORE_NAMES = list(_stores())
# Byte flips (XOR 0x5A) at fixed offsets and fractions of the chunk, truncations, and appended junk.
MUTATIONS = ["flip@0", "flip@1", "flip@3", "flip@5", "flip@9", "flip@12", "flip@16", "flip@25%",
             "flip@50%", "flip@-5", "flip@-1", "cut@0", "cut@1", "cut@50%", "cut@-1", "append@7"]


def _offset(spec: str, n: int) -> int:
    if spec.endswith("%"):
        return n * int(spec[:-1]) // 100
    v = int(spec)
    return v if v >= 0 else n + v


@pytest.fixture(scope="session")
def pristine(tmp_path_factory):
    root = tmp_path_factory.mktemp("mutation_sources")
    out = {}
    for name, (writer, key, _) in _stores().items():
        path = root / f"{name}.zarr"
        writer(path)
        assert (path / key).is_file(), f"{name}: no chunk file {key}"
        out[name] = path
    return out


def _sharded_index_flip(name: str, offset: int, n: int) -> bool:
    """Whether a flip at `offset` lands in a shard's crc32c-protected index (96 bytes + 4 of crc)."""
    index = 6 * 16 + 4
    if "idxend-crc" in name:
        return offset >= n - index
    if "idxstart-crc" in name:
        return offset < index
    return False


@pytest.mark.parametrize("mutation", MUTATIONS)
@pytest.mark.parametrize("name", STORE_NAMES)
def test_corrupt_chunk_is_decoded_or_refused_cleanly(zring, pristine, tmp_path, name, mutation):
    _, key, detect_from = _stores()[name]
    store = tmp_path / "m.zarr"
    shutil.copytree(pristine[name], store)
    chunk = store / key
    data = bytearray(chunk.read_bytes())
    n = len(data)
    kind, _, where = mutation.partition("@")
    must_fail = False
    if kind == "flip":
        off = _offset(where, n)
        if off >= n:
            pytest.skip(f"{name}: chunk {key} has only {n} bytes")
        data[off] ^= 0x5A
        # bz2's last byte may be padding after the stream CRC: a flip there can be invisible.
        last_is_padding = name == "v2-bz2" and off == n - 1
        must_fail = (detect_from is not None and off >= detect_from and not last_is_padding) or \
            _sharded_index_flip(name, off, n) or (name == "v3-zstd-checksum" and off >= 6)
    elif kind == "cut":
        data = data[:_offset(where, n)]
        must_fail = True
    else:
        data += bytes(range(0xF0, 0xF0 + int(where)))
    chunk.write_bytes(bytes(data))

    r = zring.run("checksum", store)
    if r.returncode == 0 and not must_fail:
        return  # a payload change the format cannot see; only crashing would be wrong
    assert_clean_failure(r, key)
