#!/usr/bin/env python3
"""Writes a v3 sharded uint16 store with zarr-python 3 (the repo's .venv), smooth data plus noise.
Defaults make the crop issue's figure-2 store: uncompressed inner chunks of 4 KiB (2x32x32) in shards
of 16x256x256. `--codec blosc-lz4` compresses inner chunks (blosc lz4, byte shuffle).

  .venv/bin/python bench/peers/make_v3_sharded.py /work/benchdata/v3_sharded.zarr --shape 64,1024,1024
"""
import argparse

import numpy as np
import zarr


def compressors(codec):
    if codec == "none":
        return None
    return zarr.codecs.BloscCodec(cname="lz4", clevel=5, shuffle="shuffle", typesize=2)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("store")
    p.add_argument("--shape", default="64,1024,1024")
    p.add_argument("--shards", default="16,256,256")
    p.add_argument("--chunks", default="2,32,32")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--codec", choices=["none", "blosc-lz4"], default="none")
    a = p.parse_args()
    shape = tuple(int(x) for x in a.shape.split(","))
    shards = tuple(int(x) for x in a.shards.split(","))
    chunks = tuple(int(x) for x in a.chunks.split(","))
    z = zarr.create_array(a.store, shape=shape, shards=shards, chunks=chunks, dtype="uint16",
                          compressors=compressors(a.codec), fill_value=0, overwrite=True)
    rng = np.random.default_rng(a.seed)
    yy, xx = np.meshgrid(np.arange(shape[1], dtype=np.float32),
                         np.arange(shape[2], dtype=np.float32), indexing="ij")
    for z0 in range(0, shape[0], shards[0]):
        z1 = min(z0 + shards[0], shape[0])
        slab = np.empty((z1 - z0,) + shape[1:], dtype=np.uint16)
        for k in range(z1 - z0):
            t = (z0 + k) * 0.05
            smooth = 20000 + 8000 * np.sin(xx / 97.0 + t) * np.cos(yy / 131.0 - t)
            slab[k] = np.clip(smooth + rng.normal(0, 40, size=shape[1:]), 1, 65535).astype(np.uint16)
        z[z0:z1] = slab
        print(f"wrote {z1}/{shape[0]} planes", flush=True)


if __name__ == "__main__":
    main()
