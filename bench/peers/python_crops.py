#!/usr/bin/python3
"""zring from Python: read_crops beside `zring bench crops`, and a PyTorch DataLoader of random
crops fed by zring beside the same DataLoader fed by zarr-python.

Part 1 (read_crops): the crops of a starts file (as bench/peers/crops_peers.py writes it) read by
`Array.read_crops` in groups of --group crops (zring bench crops' default, 500) into one reused
output, against `zring bench crops` on the same starts file in the same run; both warm the page
cache with one untimed pass first and report crops/s and the sha256 of all crops in order.
  --starts FILE   crop starts, one per line "a,b,c"; --n caps how many are used
  --crop A,B,C    the crop shape; --zring the zring binary
Part 2 (DataLoader): zring.torch.RandomCropDataset over the array (--loader-crops crops per
epoch, batches of --batch, --workers forked workers, each reader with --reader-threads decode
threads) and a map-style dataset reading the same crops with zarr-python (Debian's 2.13) one
crop at a time, in the same DataLoader settings; crops/s over one epoch after one warm-up epoch.
torch 1.13 has no uint16 tensors: both datasets convert crops to int32 (the same extra copy).

  PYTHONPATH=build/bindings/python:bindings/python /usr/bin/python3 bench/peers/python_crops.py \
      /work/benchdata/v2_ref256.zarr --starts /work/benchdata/starts_256_2000.txt \
      --zring build/tools/zring
"""
import argparse
import hashlib
import json
import subprocess
import time

import numpy as np


def read_starts(path, n):
    with open(path) as f:
        rows = [[int(v) for v in line.split(",")] for line in f if line.strip()]
    return np.asarray(rows[:n], dtype=np.int64)


def python_read_crops(store, starts, crop, group):
    import zring
    a = zring.open(store)
    out = np.empty((min(group, len(starts)),) + crop, dtype=a.dtype)

    def one_pass(h):
        seconds = 0.0
        for first in range(0, len(starts), group):
            part = starts[first:first + group]
            o = out[:len(part)]
            t0 = time.perf_counter()
            a.read_crops(part, crop, out=o)
            seconds += time.perf_counter() - t0
            if h is not None:
                h.update(o)  # the buffer itself, as the CLI hashes its own (no copy)
        return seconds

    one_pass(None)  # warm-up, untimed
    h = hashlib.sha256()
    seconds = one_pass(h)
    return {"crops_per_s": len(starts) / seconds, "seconds": seconds, "sha256": h.hexdigest()}


def cli_bench_crops(zring_bin, store, crop, n, starts_file, group):
    cmd = [zring_bin, "bench", "crops", store, "--crop", ",".join(map(str, crop)), "--n", str(n),
           "--starts", starts_file, "--group", str(group), "--warmup", "--checksum", "--json"]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True,
                                     text=True).stdout.strip().splitlines()[-1])


class ZarrCrops:
    """The crops of a RandomCropDataset, read with zarr-python one crop at a time."""

    def __init__(self, store, crop, origins_by_index):
        self.store, self.crop, self.origins = store, crop, origins_by_index
        self._z = None

    def __len__(self):
        return len(self.origins)

    def __getitem__(self, i):
        import torch
        import zarr
        if self._z is None:
            self._z = zarr.open_array(self.store, mode="r")
        box = tuple(slice(int(o), int(o) + c) for o, c in zip(self.origins[i], self.crop))
        return torch.from_numpy(self._z[box].astype(np.int32))


def loader_rate(dataset, batch, workers, collate=None):
    import torch.utils.data as tud
    kwargs = {"collate_fn": collate} if collate else {}
    loader = tud.DataLoader(dataset, batch_size=batch, num_workers=workers, shuffle=False,
                            multiprocessing_context="fork", persistent_workers=True, **kwargs)
    n = 0
    for b in loader:  # warm-up epoch: workers start, page cache
        n += b.shape[0]
    t0 = time.perf_counter()
    n = 0
    for b in loader:
        n += b.shape[0]
    return n / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("store")
    p.add_argument("--starts", required=True)
    p.add_argument("--crop", default="4,128,128")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--group", type=int, default=500)
    p.add_argument("--zring", default="build/tools/zring")
    p.add_argument("--loader-crops", type=int, default=1024)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--reader-threads", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3, help="alternating CLI / Python rounds")
    p.add_argument("--skip-loader", action="store_true")
    a = p.parse_args()
    crop = tuple(int(x) for x in a.crop.split(","))
    starts = read_starts(a.starts, a.n)

    # Alternating rounds, medians: on a shared machine the load drifts during a run.
    clis, pys = [], []
    for _ in range(a.rounds):
        clis.append(cli_bench_crops(a.zring, a.store, crop, len(starts), a.starts, a.group))
        pys.append(python_read_crops(a.store, starts, crop, a.group))
    cli_rate = float(np.median([r["crops_per_s"] for r in clis]))
    py_rate = float(np.median([r["crops_per_s"] for r in pys]))
    cli, py = clis[0], pys[0]
    print(f"{len(starts)} crops of {crop}, groups of {a.group}, median of {a.rounds} rounds")
    print(f"zring bench crops     {cli_rate:9.1f} crops/s  sha256 {cli['sha256']}")
    print(f"Array.read_crops      {py_rate:9.1f} crops/s  sha256 {py['sha256']}  "
          f"x{py_rate / cli_rate:.2f} of the CLI")
    same = len({r["sha256"] for r in clis + pys}) == 1
    print("sha256 equal" if same else "sha256 DIFFER")
    if a.skip_loader:
        return 0 if same else 1

    import torch
    import zring.torch as zt
    ds = zt.RandomCropDataset(a.store, crop, length=a.loader_crops, seed=0,
                              threads=a.reader_threads, dtype=torch.int32)
    origins = ds.origins(range(a.loader_crops))
    peer = ZarrCrops(a.store, crop, origins)
    r_zring = loader_rate(ds, a.batch, a.workers, collate=zt.collate)
    r_zarr = loader_rate(peer, a.batch, a.workers)
    import zarr
    print(f"DataLoader, {a.workers} workers, batches of {a.batch} x {crop}:")
    print(f"  zarr-python {zarr.__version__:8s} {r_zarr:9.1f} crops/s")
    print(f"  zring                {r_zring:9.1f} crops/s  x{r_zring / r_zarr:.2f}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
