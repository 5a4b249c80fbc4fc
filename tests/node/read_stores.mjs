// Reads whole Zarr v3 arrays with zarrita (an independent JavaScript implementation) and prints
// JSON {path: {dtype, shape, sha256}} on stdout (or {path: {error}} for an array zarrita could not
// read), where sha256 covers the array in C order, little-endian (x86 typed arrays are
// little-endian), bool as one byte 0/1 - the layout `zring checksum` hashes.
//
// Usage: node read_stores.mjs STORE [STORE ...]     (each store's root is an array)
import { createHash } from "node:crypto";

import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error("usage: node read_stores.mjs STORE [STORE ...]");
  process.exit(2);
}

// zarr.get may return a strided view: gather it into C order, element by element.
function cOrderBytes(dtype, chunk) {
  const shape = chunk.shape;
  const n = shape.reduce((a, b) => a * b, 1);
  const isBool = dtype === "bool";
  const Ctor = isBool ? Uint8Array : chunk.data.constructor;
  const out = new Ctor(n);
  const cStride = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) cStride[i] = cStride[i + 1] * shape[i + 1];
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < shape.length; d++) {
      off += (Math.floor(i / cStride[d]) % shape[d]) * chunk.stride[d];
    }
    out[i] = isBool ? (chunk.data.get(off) ? 1 : 0) : chunk.data[off];
  }
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

const result = {};
for (const p of paths) {
  try {
    const arr = await zarr.open(zarr.root(new FileSystemStore(p)), { kind: "array" });
    const got = await zarr.get(arr);
    const bytes = cOrderBytes(arr.dtype, got);
    result[p] = { dtype: arr.dtype, shape: arr.shape,
      sha256: createHash("sha256").update(bytes).digest("hex") };
  } catch (e) {
    result[p] = { error: String(e && e.stack ? e.stack : e) };
  }
}
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
