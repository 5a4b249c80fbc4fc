"""A v2 grid written by Debian's zarr-python 2.13 (numcodecs 0.11): a second, older v2 writer.

Run by the tests as `/usr/bin/python3 gen_zarr2_debian.py OUTDIR`: it writes one store per case under
OUTDIR and OUTDIR/manifest.json with, per case id, the store path and the sha256 of the array as zarr 2.13
reads it back (C order, little-endian, declared dtype). The case table (`CASES`) imports nothing beyond
the standard library so the pytest side can read the ids at collection time without zarr 2 installed in
its venv. Before hashing, the read-back is checked against the data the case meant to write.
"""

import hashlib
import json
import os
import sys
import zlib

# (id suffix, dtype, shape, chunks, compressor, filters, order, separator, fill, missing)
# fill: a JSON-able scalar, "nan"/"inf"/"-inf", or None (null: such cases write every chunk, since
# zarr 2 leaves missing chunks of a null-fill array undefined).
_B = "blosc"
CASES = [
    ("bool-blosc-lz4-bitshuffle", "|b1", (13, 11), (4, 5), (_B, "lz4", 2), [], "C", ".", True, True),
    ("int8-zlib-F", "|i1", (13, 11), (4, 5), ("zlib",), [], "F", ".", -5, True),
    ("int16-delta-gzip-slash", "<i2", (37,), (8,), ("gzip",), [("delta",)], "C", "/", 0, True),
    ("int32-bz2-F-slash", "<i4", (5, 6, 7), (2, 4, 3), ("bz2",), [], "F", "/", 9, True),
    ("int64-zstd-null", "<i8", (13, 11), (4, 5), ("zstd",), [], "C", ".", None, False),
    ("uint8-lz4", "|u1", (37,), (8,), ("lz4",), [], "C", ".", 200, True),
    ("uint16-blosc-zstd-shuffle-F", "<u2", (13, 11), (4, 5), (_B, "zstd", 1), [], "F", ".", 7, True),
    ("uint32-blosc-zlib-noshuffle", "<u4", (9, 10), (9, 3), (_B, "zlib", 0), [], "C", "/", 0, True),
    ("uint64-blosc-blosclz-bitshuffle", "<u8", (13, 11), (4, 5), (_B, "blosclz", 2), [], "C", ".",
     0, True),
    ("float16-blosc-lz4hc-shuffle", "<f2", (13, 11), (4, 5), (_B, "lz4hc", 1), [], "C", ".", "-inf",
     True),
    ("float32-none-nan-F", "<f4", (13, 11), (4, 5), None, [], "F", "/", "nan", True),
    ("float64-fixedscaleoffset-zlib", "<f8", (13, 11), (4, 5), ("zlib",),
     [("fixedscaleoffset", 10, 100, "<i4")], "C", ".", 0, True),
    ("float64-quantize-blosc-lz4-slash", "<f8", (13, 11), (4, 5), (_B, "lz4", 1), [("quantize", 3)],
     "C", "/", 1.5, True),
    ("float32-astype-f2", "<f4", (37,), (8,), ("gzip",), [("astype", "<f2")], "C", ".", "inf",
     True),
    ("float32-bitround-zstd", "<f4", (13, 11), (4, 5), ("zstd",), [("bitround", 9)], "C", ".", 0,
     True),
    ("float64-shuffle-filter-F", "<f8", (13, 11), (4, 5), ("zlib",), [("shuffle",)], "F", ".", 0,
     True),
    ("complex64-gzip-nan", "<c8", (13, 11), (4, 5), ("gzip",), [], "C", ".", "nan", True),
    ("complex128-blosc-zstd-bitshuffle-F", "<c16", (5, 6, 7), (2, 4, 3), (_B, "zstd", 2), [], "F",
     "/", 0, True),
    ("be-uint16-blosc-lz4-shuffle", ">u2", (13, 11), (4, 5), (_B, "lz4", 1), [], "C", ".", 513,
     True),
    ("be-float64-F-slash", ">f8", (13, 11), (4, 5), ("zlib",), [], "F", "/", 0.25, True),
    ("be-int64-null", ">i8", (37,), (8,), ("bz2",), [], "C", ".", None, False),
    ("S5-zstd-F", "|S5", (13, 11), (4, 5), ("zstd",), [], "F", ".", "", True),
    ("U3-blosc-lz4-shuffle", "<U3", (13, 11), (4, 5), (_B, "lz4", 1), [], "C", "/", "", True),
    ("datetime64ns-zlib", "<M8[ns]", (37,), (8,), ("zlib",), [], "C", ".", 0, True),
    ("timedelta64s-F", "<m8[s]", (13, 11), (4, 5), None, [], "F", ".", 0, True),
    ("int16-delta-astype-int8", "<i2", (37,), (8,), ("lz4",), [("delta", "<i1")], "C", ".", 0, True),
    ("uint8-one-chunk-larger-than-array", "|u1", (3, 2), (10, 10), ("zlib",), [], "F", ".", 1, False),
    ("float64-null-F-slash", "<f8", (13, 11), (4, 5), (_B, "zstd", 2), [], "F", "/", None, False),
    # 32 KiB chunks of compressible values: blosc stores small or incompressible chunks memcpy'd,
    # so only these run its codecs and (bit)shuffles for real.
    ("big-uint16-blosc-lz4-bitshuffle-F", "<u2", (150, 130), (64, 64), (_B, "lz4", 2), [], "F", ".",
     0, True),
    ("big-float64-blosc-zstd-shuffle", "<f8", (150, 130), (64, 64), (_B, "zstd", 1), [], "C", "/",
     "nan", True),
    ("big-be-int32-blosc-zlib-shuffle-F", ">i4", (150, 130), (64, 64), (_B, "zlib", 1), [], "F", "/",
     -1, False),
    ("big-complex64-blosc-lz4hc-bitshuffle", "<c8", (150, 130), (64, 64), (_B, "lz4hc", 2), [], "C",
     ".", 0, True),
    ("big-int64-delta-blosc-blosclz-shuffle", "<i8", (150, 130), (64, 64), (_B, "blosclz", 1),
     [("delta",)], "C", ".", 0, False),
]
CASE_IDS = ["zarr2.13-" + c[0] for c in CASES]
# Codecs zarr 2.13 writes that the issue does not ask zring to read: zring must either decode them
# exactly or refuse them naming the codec, never guess.
OPTIONAL_CASES = [
    ("opt-bool-packbits", "|b1", (37,), (8,), None, [("packbits",)], "C", ".", False, True),
    ("opt-int32-lzma", "<i4", (13, 11), (4, 5), ("lzma",), [], "C", ".", 0, True),
    ("opt-float32-adler32", "<f4", (37,), (8,), ("adler32",), [], "C", ".", 0, True),
]
OPTIONAL_IDS = ["zarr2.13-" + c[0] for c in OPTIONAL_CASES]
OPTIONAL_CODEC = {"zarr2.13-opt-bool-packbits": "packbits", "zarr2.13-opt-int32-lzma": "lzma",
                  "zarr2.13-opt-float32-adler32": "adler32"}

LOSSY = {"fixedscaleoffset", "quantize", "astype", "bitround", "delta"}


def _compressor(spec):
    import numcodecs
    if spec is None:
        return None
    name = spec[0]
    if name == "blosc":
        return numcodecs.Blosc(cname=spec[1], clevel=5, shuffle=spec[2])
    return {"zlib": numcodecs.Zlib(level=5), "gzip": numcodecs.GZip(level=5),
            "zstd": numcodecs.Zstd(level=3), "lz4": numcodecs.LZ4(), "bz2": numcodecs.BZ2(level=5),
            "lzma": numcodecs.LZMA(preset=1), "adler32": numcodecs.Adler32()}[name]


def _filter(spec, dt):
    import numcodecs
    name = spec[0]
    if name == "delta":
        return numcodecs.Delta(dtype=dt.str, astype=spec[1] if len(spec) > 1 else None)
    if name == "fixedscaleoffset":
        return numcodecs.FixedScaleOffset(offset=spec[1], scale=spec[2], dtype=dt.str, astype=spec[3])
    if name == "quantize":
        return numcodecs.Quantize(digits=spec[1], dtype=dt.str)
    if name == "astype":
        return numcodecs.AsType(encode_dtype=spec[1], decode_dtype=dt.str)
    if name == "bitround":
        return numcodecs.BitRound(keepbits=spec[1])
    if name == "shuffle":
        return numcodecs.Shuffle(elementsize=dt.itemsize)
    if name == "packbits":
        return numcodecs.PackBits()
    raise ValueError(name)


def _data(np, dt, shape, rng, special, narrow, smooth):
    n = int(np.prod(shape)) if shape else 1
    k = dt.kind
    if smooth:  # slowly varying with a little noise: compressible before and after shuffling
        base = np.arange(n) // 3 % 50 + rng.integers(0, 3, size=n)
        v = np.sin(base / 7.0) * 100 if k in "fc" else base
        return v.astype(dt).reshape(shape)
    if k == "b":
        v = rng.random(n) < 0.5
    elif k in "iu":
        info = np.iinfo(dt)
        lo, hi = (0, 50) if narrow else (int(info.min), int(info.max))
        v = rng.integers(lo, hi, size=n, endpoint=True, dtype=dt.newbyteorder("="))
    elif k == "f":
        v = rng.standard_normal(n) * (10 if narrow else 1000)
    elif k == "c":
        v = rng.standard_normal(n) * 100 + 1j * rng.standard_normal(n)
    elif k == "S":
        v = [bytes(rng.integers(97, 123, size=rng.integers(0, dt.itemsize + 1)).astype("u1"))
             for _ in range(n)]
    elif k == "U":
        alphabet = ["a", "b", "\u00e9", "\u4e2d", "\U0001f600"]
        v = ["".join(rng.choice(alphabet, size=rng.integers(0, 4))) for _ in range(n)]
    elif k in "Mm":
        v = rng.integers(-2**62, 2**62, size=n)
    v = np.array(v).astype(dt) if k not in "Mm" else np.array(v).view(dt.newbyteorder("=")).astype(dt)
    if special and k in "fc" and n >= 4:
        v[0], v[1], v[2], v[3] = np.nan, np.inf, -np.inf, -0.0
    return v.reshape(shape)


def _fill(np, dt, fill):
    if fill is None:
        return None
    if fill in ("nan", "inf", "-inf"):
        return float(fill)
    if dt.kind == "S":
        return fill.encode()
    return fill


def _region(shape, chunks, missing):
    if not missing:
        return tuple(slice(0, s) for s in shape)
    out = []
    for s, c in zip(shape, chunks):
        nchunks = -(-s // c)
        stop = min(s, c * max(1, nchunks // 2) - (1 if c > 1 else 0))
        out.append(slice(1 if stop > 1 else 0, max(stop, 1)))
    return tuple(out)


def write_all(outdir):
    import numpy as np
    import zarr
    manifest = {}
    for case, cid in zip(CASES + OPTIONAL_CASES, CASE_IDS + OPTIONAL_IDS):
        _, dts, shape, chunks, comp, filt, order, sep, fill, missing = case
        dt = np.dtype(dts)
        path = os.path.join(outdir, cid + ".zarr")
        entry = {"path": path}
        manifest[cid] = entry
        try:
            fv = _fill(np, dt, fill)
            a = zarr.open_array(path, mode="w", shape=shape, chunks=chunks, dtype=dt,
                                compressor=_compressor(comp), filters=[_filter(f, dt) for f in filt] or None,
                                order=order, dimension_separator=sep, fill_value=fv)
            rng = np.random.default_rng(zlib.crc32(cid.encode()))
            region = _region(shape, chunks, missing)
            sub = tuple(r.stop - r.start for r in region)
            lossy = any(f[0] in LOSSY for f in filt)
            data = _data(np, dt, sub, rng, special=not lossy, narrow=lossy,
                         smooth=cid.startswith("zarr2.13-big-"))
            intended = np.full(shape, fv if fv is not None else 0, dtype=dt)
            intended[region] = data
            a[region] = data
            got = a[...]
            if lossy:
                ok = np.allclose(got.astype("f8"), intended.astype("f8"), rtol=0.02, atol=0.05,
                                 equal_nan=True)
            else:
                ok = got.tobytes() == intended.tobytes()
            if not ok:
                entry["error"] = "zarr 2.13 read back other values than it wrote"
                continue
            le = np.ascontiguousarray(got).astype(dt.newbyteorder("<"))
            entry["sha256"] = hashlib.sha256(le.tobytes()).hexdigest()
            entry["nchunk_files"] = sum(len([f for f in fs if not f.startswith(".")])
                                        for _, _, fs in os.walk(path))
        except Exception as e:  # reported per case by the test, with zarr 2.13's message
            entry["error"] = f"{type(e).__name__}: {e}"
    # A consolidated group: .zmetadata beside .zgroup, arrays in a subgroup.
    gpath = os.path.join(outdir, "consolidated.zarr")
    g = zarr.open_group(gpath, mode="w")
    x = g.create_dataset("x", shape=(6, 7), chunks=(4, 4), dtype="<i4", fill_value=3)
    x[:3, :5] = np.arange(15, dtype="<i4").reshape(3, 5)
    y = g.create_group("inner").create_dataset("y", shape=(9,), chunks=(2,), dtype=">f4",
                                                 fill_value=-1.0, compressor=_compressor(("zstd",)))
    y[1:6] = np.linspace(0, 1, 5)
    zarr.consolidate_metadata(gpath)
    manifest["consolidated"] = {"path": gpath, "arrays": {
        name: hashlib.sha256(np.ascontiguousarray(arr[...]).astype(arr.dtype.newbyteorder("<"))
                             .tobytes()).hexdigest() for name, arr in (("x", x), ("inner/y", y))}}
    manifest["versions"] = {"zarr": zarr.__version__, "numpy": np.__version__}
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    write_all(sys.argv[1])
