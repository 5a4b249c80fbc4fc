// Writes a few Zarr v3 arrays with zarrita (an independent JavaScript implementation), reads each back
// through zarrita, and prints JSON {name: {path, dtype, sha256}} on stdout, where sha256 is computed
// from the script's own typed array of the intended whole array (C order, little-endian: x86 typed
// arrays are little-endian, and bool is one byte 0/1). The pytest side compares zring's checksum with it.
//
// Usage: node crosscheck.mjs OUTDIR
// Arrays are written only in part, so some chunks are missing (read back as the fill value) and edge
// chunks are partial.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";

const outdir = process.argv[2];
if (!outdir) {
  console.error("usage: node crosscheck.mjs OUTDIR");
  process.exit(2);
}

// A small deterministic generator so every run writes the same values.
function lcg(seed) {
  let s = BigInt(seed) & 0xffffffffffffffffn;
  return () => {
    s = (s * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number(s >> 11n) / 2 ** 53;
  };
}

const CONSTRUCTORS = {
  int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array,
  uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array,
  float32: Float32Array, float64: Float64Array, bool: Uint8Array,
};

function randomValue(dtype, rnd) {
  const r = rnd();
  switch (dtype) {
    case "bool": return r < 0.5 ? 1 : 0;
    case "int64": return BigInt(Math.floor((r - 0.5) * 2 ** 53)) * 977n;
    case "uint64": return BigInt(Math.floor(r * 2 ** 53)) * 1931n;
    case "float32": case "float64": return (r - 0.5) * 2000;
    default: {
      const bits = { int8: 8, int16: 16, int32: 32, uint8: 8, uint16: 16, uint32: 32 }[dtype];
      const v = Math.floor(r * 2 ** bits);
      return dtype.startsWith("u") ? v : v - 2 ** (bits - 1);
    }
  }
}

const BYTES_LE = { name: "bytes", configuration: { endian: "little" } };
const BYTES_BE = { name: "bytes", configuration: { endian: "big" } };

const blosc = (cname, shuffle, typesize) => ({ name: "blosc",
  configuration: { cname, clevel: 5, shuffle, typesize, blocksize: 0 } });
const ZSTD = { name: "zstd", configuration: { level: 3, checksum: false } };

// zarrita 0.7.5 encodes only through its numcodecs (blosc, zstd) and the array codecs; its gzip, zlib
// and crc32c are decode-only, so those are not written here.
// name -> [dtype, shape, chunkShape, codecs, fill, separator, region [[start, stop] per dim]]
const CASES = {
  "zarrita-int32-bytes": ["int32", [13, 11], [4, 5], [BYTES_LE], 0, "/", [[1, 7], [2, 9]]],
  "zarrita-float64-bytesbig-zstd": ["float64", [37], [8], [BYTES_BE, ZSTD], -1.5, "/", [[3, 20]]],
  "zarrita-uint16-blosc-lz4-shuffle-keydot": ["uint16", [13, 11], [4, 5],
    [BYTES_LE, blosc("lz4", "shuffle", 2)], 7, ".", [[0, 8], [0, 11]]],
  "zarrita-float32-transpose-blosc-zstd-bitshuffle": ["float32", [5, 6, 7], [2, 4, 3], [
    { name: "transpose", configuration: { order: [2, 0, 1] } }, BYTES_LE,
    blosc("zstd", "bitshuffle", 4)], 0.25, "/", [[1, 4], [0, 6], [2, 7]]],
  "zarrita-int64-zstd": ["int64", [9, 10], [9, 3], [BYTES_LE, ZSTD], 0, "/", [[0, 9], [1, 8]]],
  "zarrita-bool-bytes": ["bool", [13, 11], [4, 5], [BYTES_LE], 1, "/", [[2, 12], [0, 6]]],
  "zarrita-uint8-blosc-blosclz-noshuffle-keydot": ["uint8", [37], [8],
    [BYTES_LE, blosc("blosclz", "noshuffle", 1)], 200, ".", [[5, 30]]],
};

function strides(shape) {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

function typedFill(dtype, n, fill) {
  const Ctor = CONSTRUCTORS[dtype];
  const a = new Ctor(n);
  const v = Ctor === BigInt64Array || Ctor === BigUint64Array ? BigInt(fill) : fill;
  a.fill(v);
  return a;
}

// zarr.get may return a strided view (a transpose codec yields F-like strides): gather it into C order.
function toCOrder(dtype, chunk) {
  const n = chunk.shape.reduce((a, b) => a * b, 1);
  const out = typedFill(dtype, n, 0);
  const cStride = strides(chunk.shape);
  const src = chunk.data;
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < chunk.shape.length; d++) {
      off += (Math.floor(i / cStride[d]) % chunk.shape[d]) * chunk.stride[d];
    }
    const v = dtype === "bool" ? src.get(off) : src[off];
    out[i] = dtype === "bool" ? (v ? 1 : 0) : v;
  }
  return out;
}

function bytesOf(typed) {
  return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
}

async function writeCase(name, seed) {
  const [dtype, shape, chunkShape, codecs, fill, sep, region] = CASES[name];
  const dir = path.join(outdir, `${name}.zarr`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const store = new FileSystemStore(dir);
  // 64-bit integer fills stay JS numbers: zarrita writes the metadata with JSON.stringify.
  const fillValue = dtype === "bool" ? Boolean(fill) : fill;
  const arr = await zarr.create(zarr.root(store), {
    shape, chunkShape, dtype, codecs, fillValue, chunkSeparator: sep,
  });

  const n = shape.reduce((a, b) => a * b, 1);
  const whole = typedFill(dtype, n, fill);
  const subShape = region.map(([a, b]) => b - a);
  const m = subShape.reduce((a, b) => a * b, 1);
  const sub = typedFill(dtype, m, 0);
  const rnd = lcg(seed);
  const wholeStride = strides(shape);
  const subStride = strides(subShape);
  for (let i = 0; i < m; i++) {
    const v = randomValue(dtype, rnd);
    sub[i] = v;
    let off = 0;
    for (let d = 0; d < shape.length; d++) {
      const idx = Math.floor(i / subStride[d]) % subShape[d];
      off += (region[d][0] + idx) * wholeStride[d];
    }
    whole[off] = v;
  }
  const data = dtype === "bool" ? new zarr.BoolArray(sub.buffer) : sub;
  await zarr.set(arr, region.map(([a, b]) => zarr.slice(a, b)),
    { data, shape: subShape, stride: subStride });

  // The intended bytes go beside the store, so a failure can be looked at with other tools.
  fs.writeFileSync(path.join(outdir, `${name}.raw`), bytesOf(whole));
  // Read the whole array back through zarrita and check it byte for byte.
  const reopened = await zarr.open(zarr.root(new FileSystemStore(dir)), { kind: "array" });
  const back = await zarr.get(reopened);
  const backBytes = bytesOf(toCOrder(dtype, back));
  if (!backBytes.equals(bytesOf(whole))) {
    throw new Error(`${name}: zarrita read back other values than it wrote`);
  }
  return { path: dir, dtype, sha256: createHash("sha256").update(bytesOf(whole)).digest("hex") };
}

const result = {};
let seed = 1;
for (const name of Object.keys(CASES)) {
  try {
    result[name] = await writeCase(name, seed++);
  } catch (e) {
    result[name] = { error: String(e && e.stack ? e.stack : e) };
  }
}
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
