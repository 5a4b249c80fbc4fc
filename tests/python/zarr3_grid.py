"""The grid of small arrays that zarr-python 3 writes (v2 and v3) for zring's whole-array checksums.

Not a Cartesian product: a covering design. Every dtype, codec, filter, fill-value form, order, chunk key
encoding and sharding layout appears at least once, rotated against the other axes so that their risky
pairings (big-endian with byte shuffle, F order with partial edge chunks, delta on narrow integers,
sharding with missing inner chunks and partial edge shards, ...) are covered too. Each case is its own
store whose root is the array. Cases are plain data so test ids exist at collection time; `write_case`
does the writing and returns the array as zarr-python reads it back.
"""

from __future__ import annotations

import math
import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np

V2_DTYPES = ["|b1", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8",
             "<c8", "<c16", ">u2", ">f8", ">i4", ">c16", "|S5", "<U3", "<M8[ns]",
             ">i2", ">u4", ">i8", ">u8", ">f2", ">f4", ">c8", "<m8[ms]", ">M8[s]", ">U2"]
V3_DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
             "float16", "float32", "float64", "complex64", "complex128"]
BLOSC_CNAMES = ["lz4", "lz4hc", "zstd", "zlib", "blosclz"]
SHUFFLES = ["noshuffle", "shuffle", "bitshuffle"]
BLOSC = [f"blosc-{c}-{s}" for c in BLOSC_CNAMES for s in SHUFFLES]
V2_CODECS = ["none", "gzip", "zstd", "zlib", "lz4", "bz2"] + BLOSC
V3_CODECS = ["none", "gzip", "zstd", "crc32c", "zstd+crc32c"] + BLOSC
V2_FILTERS = ["delta", "fixedscaleoffset", "astype", "quantize", "bitround", "shuffle"]
FILLS = ["zero", "nonzero", "nan", "inf", "-inf", "null"]
# (shape, chunks): every preset has partial edge chunks except the 0-d and empty ones.
SHAPES = [((13, 11), (4, 5)), ((37,), (8,)), ((5, 6, 7), (2, 4, 3)), ((9, 10), (9, 3))]
# v3 chunk key encodings: (name, separator).
V3_KEYS = [("default", "/"), ("default", "."), ("v2", "."), ("v2", "/")]
LOSSY_FILTERS = {"fixedscaleoffset", "astype", "quantize", "bitround"}
# Filters whose encoding does not survive NaN/inf in the data (delta turns them into NaN runs).
NO_SPECIALS = LOSSY_FILTERS | {"delta"}


@dataclass
class Case:
    id: str
    fmt: int
    dtype: str
    shape: tuple
    chunks: tuple
    codec: str = "none"
    filters: list = field(default_factory=list)
    order: str = "C"            # v2 memory order of a chunk
    sep: str = "."              # v2 dimension_separator
    key: tuple = ("default", "/")  # v3 chunk key encoding
    fill: str = "zero"
    missing: bool = False       # leave some chunks (and inner chunks) unwritten
    endian: str = "little"      # v3 bytes codec
    transpose: tuple | None = None  # v3 transpose codec order
    shard: dict | None = None   # v3: {"shape": outer, "index": "end"|"start", "index_crc": bool,
                                #      "nested": inner-inner shape or None}
    smooth: bool = False        # compressible values, so blosc really compresses and shuffles

    @property
    def lossy(self) -> bool:
        # delta on floats rounds: cumsum(diff(x)) != x in the last bits.
        float_delta = "delta" in self.filters and np.dtype(self.dtype).kind == "f"
        return bool(LOSSY_FILTERS.intersection(self.filters)) or float_delta


def _short_dtype(dt: str) -> str:
    d = np.dtype(dt)
    if d.kind in "SU":
        return ("be-" if d.byteorder == ">" else "") + \
            f"{d.kind}{d.itemsize // (4 if d.kind == 'U' else 1)}"
    if d.kind in "Mm":
        unit = np.datetime_data(d)[0]
        return ("be-" if d.byteorder == ">" else "") + {"M": "datetime64", "m": "timedelta64"}[
            d.kind] + unit
    name = d.name if d.kind != "b" else "bool"
    return ("be-" if d.byteorder == ">" else "") + name


def _make_id(c: Case) -> str:
    parts = [f"v{c.fmt}", _short_dtype(c.dtype), c.codec]
    parts += c.filters
    if c.fmt == 2:
        parts += [c.order, "slash" if c.sep == "/" else "dot"]
    else:
        name, sep = c.key
        parts.append(f"key{name}{'slash' if sep == '/' else 'dot'}")
        if c.endian == "big":
            parts.append("bytesbig")
        if c.transpose:
            parts.append("transpose" + "".join(map(str, c.transpose)))
        if c.shard:
            s = c.shard
            parts.append("sharded-idx" + s["index"] + ("" if s["index_crc"] else "-idxnocrc"))
            if s.get("nested"):
                parts.append("nested")
    parts.append("fill" + {"-inf": "neginf"}.get(c.fill, c.fill))
    parts.append("x".join(map(str, c.shape)) or "0d")
    if c.smooth:
        parts.append("smooth")
    if c.missing:
        parts.append("missing")
    return "-".join(parts)


def _fills_for(dt: str) -> list:
    kind = np.dtype(dt).kind
    if kind in "fc":
        return FILLS
    return ["zero", "nonzero", "null"]


def _filter_fits(flt: str, dt: str) -> bool:
    """Whether numcodecs' filter accepts this dtype (guards the filter table below)."""
    kind = np.dtype(dt).kind
    if flt in ("fixedscaleoffset", "quantize", "bitround"):
        return dt in ("<f2", "<f4", "<f8")
    if flt == "astype":
        return dt in ("<f4", "<f8", "<i8")
    if flt == "delta":
        return kind in "iuf" and np.dtype(dt).byteorder != ">"
    return flt == "shuffle"


def _filter_order(flt: str, k: int) -> str:
    # zarr-python 3.1.6 stores bitround/quantize/astype output in C layout even when the array says F,
    # which turns the data into garbage (consistently, so still decodable); keep those cases in C so
    # the generator's own sanity check stays meaningful. Delta, fixedscaleoffset and shuffle pair
    # with F order.
    return "C" if flt in ("bitround", "quantize", "astype") else "CF"[k % 2]


def _v2_cases() -> list:
    out = []
    # v2: every dtype, rotated against codec, order, separator, fill form and shape.
    for i, dt in enumerate(V2_DTYPES):
        # datetime64 with a null fill is NaT in zarr-python but 0 elsewhere: not a defined value.
        fills = [f for f in _fills_for(dt) if not (f == "null" and np.dtype(dt).kind in "Mm")]
        shape, chunks = SHAPES[i % len(SHAPES)]
        out.append(Case("", 2, dt, shape, chunks, codec=V2_CODECS[(i * 5) % len(V2_CODECS)],
                        order="CF"[i % 2], sep="./"[(i // 2) % 2], fill=fills[i % len(fills)],
                        missing=i % 3 != 0))
    # v2: every codec, on multi-byte dtypes (shuffles act per element) incl. big-endian ones.
    rot = ["<u2", "<f8", ">u2", "<i4", ">f8", "<c8", "<i8", "<f4", "|b1", "<f2", ">c16", "|u1"]
    for j, codec in enumerate(V2_CODECS):
        shape, chunks = SHAPES[(j + 1) % len(SHAPES)]
        dt = rot[j % len(rot)]
        out.append(Case("", 2, dt, shape, chunks, codec=codec, order="FC"[j % 2],
                        sep="/."[(j // 2) % 2], fill=_fills_for(dt)[j % len(_fills_for(dt))],
                        missing=j % 2 == 0))
    # v2 filters: alone, and paired with a compressor, F order, '/' keys and missing chunks.
    filter_dtypes = {"delta": ["<i2", "|u1", "<f8", "<f2"],
                     "fixedscaleoffset": ["<f8", "<f4", "<f2"], "astype": ["<f8", "<i8"],
                     "quantize": ["<f8", "<f4", "<f2"], "bitround": ["<f4", "<f8", "<f2"],
                     "shuffle": ["<u4", ">f8"]}
    for flt in V2_FILTERS:
        for k, dt in enumerate(filter_dtypes[flt]):
            assert _filter_fits(flt, dt), (flt, dt)
            out.append(Case("", 2, dt, (13, 11), (4, 5), codec=["none", "blosc-lz4-bitshuffle",
                            "zstd"][k % 3], filters=[flt], order=_filter_order(flt, k), sep="./"[k % 2],
                            fill=["zero", "nonzero"][k % 2], missing=k % 2 == 1))
    out.append(Case("", 2, "<f8", (37,), (8,), codec="blosc-zstd-shuffle",
                    filters=["delta", "quantize"], fill="nonzero", missing=True))
    # v2 fills: every form with missing chunks, on a float and (where allowed) an int dtype.
    for f in FILLS:
        out.append(Case("", 2, "<f4", (13, 11), (4, 5), codec="zlib", fill=f, missing=True,
                        order="F"))
        if f in ("zero", "nonzero", "null"):
            out.append(Case("", 2, "<i2", (37,), (8,), codec="none", fill=f, missing=True))
    out.append(Case("", 2, "<c16", (13, 11), (4, 5), codec="gzip", fill="nan", missing=True))
    # v2 odd shapes: 0-d, empty, one chunk larger than the array, 3-D F order with byte shuffle.
    out.append(Case("", 2, "<i4", (), (), codec="zstd", fill="nonzero"))
    out.append(Case("", 2, "<f8", (0, 5), (2, 2), fill="nonzero"))
    out.append(Case("", 2, "<u2", (3, 2), (10, 10), codec="blosc-blosclz-shuffle", order="F"))
    out.append(Case("", 2, ">u2", (5, 6, 7), (2, 4, 3), codec="blosc-lz4-shuffle", order="F",
                    sep="/", missing=True, fill="nonzero"))
    out.append(Case("", 2, "<U3", (13, 11), (4, 5), codec="blosc-zstd-shuffle", order="F",
                    fill="nonzero", missing=True))
    out.append(Case("", 2, "|S5", (13, 11), (4, 5), codec="zstd", order="F", sep="/"))
    # Five dimensions, every one with a partial edge chunk: index arithmetic beyond 3-D.
    out.append(Case("", 2, "<i4", (3, 4, 2, 5, 3), (2, 3, 2, 2, 2), codec="blosc-lz4-shuffle",
                    order="F", sep="/", missing=True, fill="nonzero"))
    return out


def _v3_cases() -> list:
    out = []
    # v3: every dtype, rotated against codec, chunk key encoding, fill form and shape.
    for i, dt in enumerate(V3_DTYPES):
        fills = [f for f in _fills_for(dt) if f != "null"]
        shape, chunks = SHAPES[i % len(SHAPES)]
        out.append(Case("", 3, dt, shape, chunks, codec=V3_CODECS[(i * 3) % len(V3_CODECS)],
                        key=V3_KEYS[i % len(V3_KEYS)], fill=fills[i % len(fills)], missing=i % 3 != 1,
                        endian="big" if i % 5 == 4 else "little"))
    rot3 = ["uint16", "float64", "int32", "complex64", "float16", "int64", "bool", "float32"]
    for j, codec in enumerate(V3_CODECS):
        shape, chunks = SHAPES[(j + 2) % len(SHAPES)]
        out.append(Case("", 3, rot3[j % len(rot3)], shape, chunks, codec=codec,
                        key=V3_KEYS[(j + 1) % len(V3_KEYS)], fill=["zero", "nonzero"][j % 2],
                        missing=j % 2 == 1, endian="big" if j % 4 == 3 else "little"))
    for f in ["nan", "inf", "-inf"]:
        out.append(Case("", 3, "float32", (13, 11), (4, 5), codec="gzip", fill=f, missing=True))
    out.append(Case("", 3, "complex128", (37,), (8,), codec="zstd", fill="nan", missing=True))
    out.append(Case("", 3, "uint16", (13, 11), (4, 5), codec="blosc-lz4-shuffle", transpose=(1, 0),
                    missing=True, fill="nonzero"))
    out.append(Case("", 3, "float64", (5, 6, 7), (2, 4, 3), codec="zstd", transpose=(2, 0, 1),
                    endian="big", missing=True))
    out.append(Case("", 3, "int32", (), (), codec="gzip", fill="nonzero"))
    out.append(Case("", 3, "uint16", (3, 2), (10, 10), codec="zstd", fill="nonzero"))
    out.append(Case("", 3, "float32", (3, 4, 2, 5, 3), (2, 3, 2, 2, 2), codec="gzip",
                    key=("v2", "."), missing=True, fill="nan", transpose=(4, 2, 0, 1, 3)))
    out.append(Case("", 3, "int16", (3, 4, 2, 5, 3), (1, 3, 1, 2, 2), codec="zstd", missing=True,
                    fill="nonzero", shard={"shape": (2, 3, 2, 4, 2), "index": "start",
                                           "index_crc": True, "nested": None}))
    out.append(Case("", 3, "float32", (0, 5), (2, 2), fill="nonzero"))
    return out


def _sharded_cases() -> list:
    out = []
    # v3 sharding: index at end and start, with and without crc32c on the index, compressed inner
    # chunks, partial edge shards, whole shards and single inner chunks missing, nested shards.
    sh = [  # (dtype, shape, inner chunks, shard shape, codec, index, index_crc, nested, extra)
        ("int32", (13, 11), (4, 5), (8, 10), "none", "end", True, None, {}),
        ("uint16", (13, 11), (4, 5), (8, 10), "blosc-lz4-shuffle", "start", True, None, {}),
        ("float64", (13, 11), (4, 5), (8, 10), "zstd", "end", False, None, {"fill": "nan"}),
        ("float32", (37,), (4,), (16,), "gzip", "start", False, None, {"fill": "nonzero"}),
        ("complex128", (5, 6, 7), (2, 2, 3), (4, 4, 3), "blosc-zstd-bitshuffle", "end", True, None, {}),
        ("bool", (13, 11), (4, 5), (8, 10), "blosc-blosclz-bitshuffle", "start", True, None, {}),
        ("float16", (13, 11), (4, 5), (8, 10), "zstd+crc32c", "end", True, None, {"fill": "-inf"}),
        ("uint64", (13, 11), (4, 5), (8, 10), "gzip", "start", True, None, {"endian": "big"}),
        ("int16", (13, 11), (4, 5), (8, 10), "zstd", "end", True, None, {"transpose": (1, 0)}),
        ("float32", (5, 6, 7), (2, 4, 3), (4, 4, 6), "none", "start", True, None,
         {"transpose": (2, 0, 1), "key": ("v2", "/")}),
        ("int8", (13, 11), (4, 5), (8, 10), "none", "end", True, None,
         {"key": ("default", ".")}),
        ("uint32", (17, 11), (4, 4), (8, 8), "gzip", "start", True, (2, 2), {}),
        ("float64", (17, 11), (4, 4), (8, 8), "blosc-zlib-shuffle", "end", False, (2, 2),
         {"fill": "nonzero"}),
    ]
    for dt, shape, inner, outer, codec, index, crc, nested, extra in sh:
        for missing in (False, True):
            out.append(Case("", 3, dt, shape, inner, codec=codec, missing=missing,
                            shard={"shape": outer, "index": index, "index_crc": crc,
                                   "nested": nested}, **extra))
    return out


def _big_blosc_cases() -> list:
    out = []
    # blosc stores a chunk under 128 bytes, or one it cannot shrink, memcpy'd: no codec and no shuffle
    # runs. So every blosc variant also gets 32 KiB chunks of compressible values, with partial edge
    # chunks, missing chunks, and (v2) F order.
    big_dtypes = ["<u2", "<f8", "<i4", ">f8", "<c8", "<i8", "|b1", "<f4", ">u2", "<f2", "<u8", "<i2",
                  ">i4", "<c16", "|u1"]
    for j, codec in enumerate(BLOSC):
        dt = big_dtypes[j % len(big_dtypes)]
        out.append(Case("", 2, dt, (150, 130), (64, 64), codec=codec, order="CF"[j % 2],
                        sep="./"[(j // 2) % 2], fill="nonzero", missing=j % 3 == 0, smooth=True))
        dt3 = np.dtype(big_dtypes[(j + 5) % len(big_dtypes)]).newbyteorder("=").name
        dt3 = "bool" if dt3 == "bool" else dt3
        out.append(Case("", 3, dt3, (150, 130), (64, 64), codec=codec, fill="zero",
                        key=V3_KEYS[j % len(V3_KEYS)], missing=j % 3 == 1, smooth=True,
                        endian="big" if j % 4 == 2 else "little"))
    out.append(Case("", 3, "float64", (150, 130), (64, 64), codec="blosc-zstd-shuffle",
                    missing=True, smooth=True, shard={"shape": (128, 128), "index": "start",
                                                      "index_crc": True, "nested": None}))
    return out


def _cases() -> list:
    out = _v2_cases() + _v3_cases() + _sharded_cases() + _big_blosc_cases()
    seen = {}
    for c in out:
        base = _make_id(c)
        n = seen.get(base, 0)
        seen[base] = n + 1
        c.id = base if n == 0 else f"{base}-{n + 1}"
    return out


CASES = _cases()


# ---------------------------------------------------------------------------------------------------
# Writing (imports zarr lazily so collection stays cheap).

def _rng(case_id: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(case_id.encode()))


def _smooth_data(dt: np.dtype, n: int, rng: np.random.Generator) -> np.ndarray:
    """Slowly varying values with a little noise: compressible, and (after shuffling) more so."""
    base = np.arange(n)
    noise = rng.integers(0, 3, size=n)
    kind = dt.kind
    if kind == "b":
        return ((base // 7) % 2 + noise // 2) % 2 == 1
    if kind in "iu":
        v = (base // 3) % 50 + noise
        return (v if kind == "u" else v - 25).astype(dt)
    wave = np.round(np.sin(base / 50.0) * 100 + noise, 1)
    if kind == "c":
        return (wave + 1j * np.round(np.cos(base / 70.0) * 10, 2)).astype(dt)
    return wave.astype(dt)


def make_data(dt: np.dtype, shape: tuple, rng: np.random.Generator, special: bool,
              smooth: bool = False) -> np.ndarray:
    """Values that exercise every byte of the dtype; `special` sprinkles NaN, +-inf and -0.0."""
    n = math.prod(shape)
    kind = dt.kind
    if smooth:
        v = _smooth_data(dt, n, rng)
        if special and kind in "fc" and n >= 4:
            v[0], v[1], v[2], v[3] = np.nan, np.inf, -np.inf, -0.0
        return v.reshape(shape)
    if kind == "b":
        v = rng.random(n) < 0.5
    elif kind in "iu":
        info = np.iinfo(dt)
        v = rng.integers(info.min, info.max, size=n, endpoint=True, dtype=dt.newbyteorder("="))
    elif kind == "f":
        v = (rng.standard_normal(n) * 1000).astype(dt)
    elif kind == "c":
        v = (rng.standard_normal(n) * 100 + 1j * rng.standard_normal(n) * 100).astype(dt)
    elif kind == "S":
        letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz0123456789", dtype="S1")
        v = np.array([b"".join(rng.choice(letters, rng.integers(1, dt.itemsize + 1)))
                      for _ in range(n)], dtype=dt)
    elif kind == "U":
        alphabet = list("ab\u00e9\u4e2d\U0001f600z")
        width = dt.itemsize // 4
        v = np.array(["".join(rng.choice(alphabet, rng.integers(1, width + 1))) for _ in range(n)],
                     dtype=dt)
    elif kind in "Mm":
        v = rng.integers(-2**62, 2**62, size=n).view(dt.newbyteorder("="))
    else:
        raise ValueError(f"no data generator for {dt}")
    v = v.astype(dt)
    if special and kind in "fc" and n >= 4:
        v[0], v[1], v[2], v[3] = np.nan, np.inf, -np.inf, -0.0
    return v.reshape(shape)


def fill_scalar(case: Case, dt: np.dtype):
    """The fill value as zarr-python takes it, and as numpy stores it in missing chunks."""
    f = case.fill
    if f == "null":
        return None
    if f == "zero":
        return {"b": False, "S": b"", "U": ""}.get(dt.kind, 0)
    if f == "nonzero":
        return {"b": True, "i": -3, "u": 7, "f": 1.5, "c": 1.5 - 2j, "S": b"ab", "U": "x\u00e9",
                "M": np.datetime64(1000, "ns"), "m": np.timedelta64(-5, "ms")}[dt.kind]
    return {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}[f]


def written_region(case: Case) -> tuple:
    """The part of the array the case writes. With `missing`, about the first half of the chunk grid in
    each dimension, starting one element in, so the first chunk is part data, part fill; later chunks
    (including partial edge ones) are never written and must read back as the fill value."""
    if not case.missing:
        return tuple(slice(0, s) for s in case.shape)
    region = []
    for s, c in zip(case.shape, case.chunks):
        nchunks = -(-s // c)
        stop = min(s, c * max(1, nchunks // 2 + (nchunks == 1)) - (1 if c > 1 else 0))
        region.append(slice(1 if stop > 1 else 0, max(stop, 1)))
    return tuple(region)


def _v2_codec(name: str):
    import numcodecs
    if name == "none":
        return None
    if name.startswith("blosc-"):
        _, cname, shuffle = name.split("-")
        sh = {"noshuffle": numcodecs.Blosc.NOSHUFFLE, "shuffle": numcodecs.Blosc.SHUFFLE,
              "bitshuffle": numcodecs.Blosc.BITSHUFFLE}[shuffle]
        return numcodecs.Blosc(cname=cname, clevel=5, shuffle=sh)
    return {"gzip": numcodecs.GZip(level=5), "zstd": numcodecs.Zstd(level=3),
            "zlib": numcodecs.Zlib(level=5), "lz4": numcodecs.LZ4(), "bz2": numcodecs.BZ2(level=5)}[name]


def _v2_filter(name: str, dt: np.dtype):
    import numcodecs
    s = dt.str
    if name == "delta":
        return numcodecs.Delta(dtype=s)
    if name == "fixedscaleoffset":
        return numcodecs.FixedScaleOffset(offset=10, scale=100, dtype=s, astype="<i4")
    if name == "astype":
        narrow = "<f4" if dt.kind == "f" else "<i2"
        return numcodecs.AsType(encode_dtype=narrow, decode_dtype=s)
    if name == "quantize":
        return numcodecs.Quantize(digits=3, dtype=s)
    if name == "bitround":
        return numcodecs.BitRound(keepbits=7)
    if name == "shuffle":
        return numcodecs.Shuffle(elementsize=dt.itemsize)
    raise ValueError(name)


def _v3_compressors(name: str, dt: np.dtype) -> list:
    from zarr.codecs import BloscCodec, Crc32cCodec, GzipCodec, ZstdCodec
    out = []
    for part in name.split("+"):
        if part == "none":
            continue
        if part.startswith("blosc-"):
            _, cname, shuffle = part.split("-")
            out.append(BloscCodec(cname=cname, clevel=5, shuffle=shuffle, typesize=dt.itemsize))
        else:
            out.append({"gzip": GzipCodec(level=5), "zstd": ZstdCodec(level=3),
                        "crc32c": Crc32cCodec()}[part])
    return out


def _create(case: Case, path, dt: np.dtype, fill):
    import zarr
    from zarr.codecs import BytesCodec, Crc32cCodec, ShardingCodec, TransposeCodec
    common = dict(store=str(path), shape=case.shape, dtype=dt, fill_value=fill, overwrite=True,
                  zarr_format=case.fmt)
    if case.fmt == 2:
        filters = [_v2_filter(f, dt) for f in case.filters] or None
        return zarr.create_array(chunks=case.chunks, filters=filters,
                                 compressors=_v2_codec(case.codec), order=case.order,
                                 chunk_key_encoding={"name": "v2", "separator": case.sep}, **common)
    filters = [TransposeCodec(order=case.transpose)] if case.transpose else None
    endian = None if dt.itemsize == 1 else case.endian
    name, sep = case.key
    cke = {"name": name, "separator": sep}
    comps = _v3_compressors(case.codec, dt)
    if not case.shard:
        return zarr.create_array(chunks=case.chunks, filters=filters, compressors=comps or None,
                                 serializer=BytesCodec(endian=endian), chunk_key_encoding=cke, **common)
    s = case.shard
    index_codecs = [BytesCodec(endian="little")] + ([Crc32cCodec()] if s["index_crc"] else [])
    # zarr-python 3.1.6 cannot write a transpose before sharding_indexed (KeyError); inside the shard
    # it can, which is the more interesting layout anyway.
    inner = filters or []
    inner = inner + [BytesCodec(endian=endian)] + comps
    if s.get("nested"):
        inner = [ShardingCodec(chunk_shape=s["nested"], codecs=inner, index_location=s["index"])]
    serializer = ShardingCodec(chunk_shape=case.chunks, codecs=inner, index_codecs=index_codecs,
                               index_location=s["index"])
    return zarr.create_array(chunks=s["shape"], filters=None, compressors=None,
                             serializer=serializer, chunk_key_encoding=cke, **common)


def write_case(case: Case, path) -> tuple:
    """Writes the case to `path` and returns (array read back by zarr-python, array the case meant)."""
    dt = np.dtype(case.dtype)
    fill = fill_scalar(case, dt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        arr = _create(case, path, dt, fill)
        region = written_region(case)
        intended = np.zeros(case.shape, dtype=dt) if fill is None else np.full(case.shape, fill, dt)
        sub_shape = tuple(r.stop - r.start for r in region)
        data = make_data(dt, sub_shape, _rng(case.id),
                         special=not NO_SPECIALS.intersection(case.filters), smooth=case.smooth)
        if "astype" in case.filters and dt.kind == "i":
            data = (data % 30000).astype(dt)  # must fit the int16 it is stored as
        if case.lossy and dt == np.float16:
            data = (data / 100).astype(dt)  # quantize and scale-offset multiply within float16
        intended[region] = data
        if math.prod(sub_shape) > 0:
            arr[region] = data
        got = arr[...]
    return np.asarray(got), intended
