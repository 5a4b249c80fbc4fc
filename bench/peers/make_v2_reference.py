#!/usr/bin/python3
"""Writes the figure-1 reference store with Debian's zarr-python 2.13 (run with /usr/bin/python3).

A v2 array of uint16, chunks 32x64x64, blosc lz4 with byte shuffle (zarr-python's defaults for
clevel), holding smooth data plus noise, so chunks compress about as real imagery does.

  /usr/bin/python3 bench/peers/make_v2_reference.py /work/benchdata/v2_ref.zarr --shape 64,1024,1024
"""
import argparse

import numpy as np
import zarr
from numcodecs import Blosc


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("store")
    p.add_argument("--shape", default="256,1024,1024")
    p.add_argument("--chunks", default="32,64,64")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    shape = tuple(int(x) for x in a.shape.split(","))
    chunks = tuple(int(x) for x in a.chunks.split(","))
    z = zarr.open(a.store, mode="w", shape=shape, chunks=chunks, dtype="<u2",
                  compressor=Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE))
    rng = np.random.default_rng(a.seed)
    yy, xx = np.meshgrid(np.arange(shape[1], dtype=np.float32),
                         np.arange(shape[2], dtype=np.float32), indexing="ij")
    for z0 in range(0, shape[0], chunks[0]):
        z1 = min(z0 + chunks[0], shape[0])
        slab = np.empty((z1 - z0,) + shape[1:], dtype=np.uint16)
        for k in range(z1 - z0):
            t = (z0 + k) * 0.05
            smooth = 20000 + 8000 * np.sin(xx / 97.0 + t) * np.cos(yy / 131.0 - t)
            noise = rng.normal(0, 40, size=shape[1:]).astype(np.float32)
            slab[k] = np.clip(smooth + noise, 0, 65535).astype(np.uint16)
        z[z0:z1] = slab
        print(f"wrote {z1}/{shape[0]} planes", flush=True)


if __name__ == "__main__":
    main()
