#!/usr/bin/python3
"""Random-crop peers for `zring bench crops`: the same crops, the same figures, the same sha256.

Writes the starts file when it does not exist (N random starts, numpy seed --seed), then reads
every crop with each peer in --peers, each in its own process, one after the other:
  zarr2        Debian's zarr-python 2.13 (/usr/bin/python3; its defaults: blosc's own threads)
  zarr3        zarr-python 3 from --venv-python, default codec pipeline
  zarrs        zarr-python 3 with the zarrs codec pipeline (PyPI zarrs)
  tensorstore  TensorStore (PyPI tensorstore), zarr or zarr3 driver
  zring        `zring bench crops` on the same starts file
and prints crops/s, output MB/s, the sha256 of all crops concatenated in order (C order,
little-endian) and each peer's rate as a ratio to the first peer's.

  /usr/bin/python3 bench/peers/crops_peers.py /work/benchdata/v2_ref256.zarr \
      --crop 4,128,128 --n 2000 --starts /work/benchdata/starts_256_2000.txt \
      --zring build-crops/tools/zring --warmup --peers zarr2,zring
"""
import argparse
import hashlib
import json
import os
import subprocess
import time

import numpy as np
import zarr


def make_starts(path, shape, crop, n, seed):
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        for _ in range(n):
            f.write(",".join(str(int(rng.integers(0, s - c + 1))) for s, c in zip(shape, crop)))
            f.write("\n")


def read_starts(path, n):
    with open(path) as f:
        rows = [tuple(int(v) for v in line.split(",")) for line in f if line.strip()]
    return rows[:n]


def open_peer(name, store):
    if name == "tensorstore":
        import tensorstore as ts
        import zarr
        fmt = 3 if os.path.exists(os.path.join(store, "zarr.json")) else 2
        t = ts.open({"driver": "zarr3" if fmt == 3 else "zarr",
                     "kvstore": {"driver": "file", "path": store}}).result()
        return lambda sl: t[sl].read().result()
    import zarr
    if name == "zarrs":
        import zarrs  # noqa: F401  (registers the pipeline)
        zarr.config.set({"codec_pipeline.path": "zarrs.ZarrsCodecPipeline"})
    z = zarr.open_array(store, mode="r")
    return lambda sl: z[sl]


def run_peer(name, store, starts, crop, warmup):
    read = open_peer(name, store)
    def once(h):
        for s in starts:
            block = np.asarray(read(tuple(slice(a, a + c) for a, c in zip(s, crop))))
            if h is not None:
                le = block.astype(block.dtype.newbyteorder("<"), copy=False)
                h.update(np.ascontiguousarray(le).tobytes())
        return block.dtype.itemsize
    if warmup:
        once(None)
    t0 = time.perf_counter()
    itemsize = once(None)
    seconds = time.perf_counter() - t0
    h = hashlib.sha256()
    once(h)  # hashed in a separate pass so the timed one does no hashing, like zring's
    out_bytes = len(starts) * int(np.prod(crop)) * itemsize
    return {"crops_per_s": len(starts) / seconds, "out_bytes_per_s": out_bytes / seconds,
            "seconds": seconds, "sha256": h.hexdigest()}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("store")
    p.add_argument("--crop", default="4,128,128")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--starts", required=True)
    p.add_argument("--peers", default="zarr2,zring")
    p.add_argument("--zring", default="build/tools/zring")
    p.add_argument("--zring-args", default="",
                   help="extra arguments for zring bench crops, e.g. '--group 1' (one crop per call)")
    p.add_argument("--venv-python", default=".venv/bin/python")
    p.add_argument("--warmup", action="store_true", help="read every crop once, untimed, first")
    p.add_argument("--run-peer", help=argparse.SUPPRESS)
    a = p.parse_args()
    crop = tuple(int(x) for x in a.crop.split(","))
    if a.run_peer:
        starts = read_starts(a.starts, a.n)
        print(json.dumps(run_peer(a.run_peer, a.store, starts, crop, a.warmup)))
        return 0
    if not os.path.exists(a.starts):
        meta = os.path.join(a.store, "zarr.json")
        if not os.path.exists(meta):
            meta = os.path.join(a.store, ".zarray")
        with open(meta) as f:
            make_starts(a.starts, json.load(f)["shape"], crop, a.n, a.seed)
    results = {}
    for name in a.peers.split(","):
        if name == "zring":
            cmd = [a.zring, "bench", "crops", a.store, "--crop", a.crop, "--n", str(a.n),
                   "--starts", a.starts, "--checksum", "--json"] + a.zring_args.split()
        else:
            interp = "/usr/bin/python3" if name == "zarr2" else a.venv_python
            cmd = [interp, os.path.abspath(__file__), a.store, "--crop", a.crop, "--n", str(a.n),
                   "--starts", a.starts, "--run-peer", "zarr" if name == "zarr2" else name]
        if a.warmup:
            cmd.append("--warmup")
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
    ref = next(iter(results.values()))
    for name, r in results.items():
        print(f"{name:12s} {r['crops_per_s']:10.1f} crops/s {r['out_bytes_per_s'] / 1e6:9.1f} "
              f"out MB/s  x{r['crops_per_s'] / ref['crops_per_s']:.2f}  sha256 {r['sha256']}")
    same = len({r["sha256"] for r in results.values()}) == 1
    print("sha256 equal" if same else "sha256 DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
