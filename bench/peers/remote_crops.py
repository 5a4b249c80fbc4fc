#!/usr/bin/env python3
"""Random crops over HTTP: zring against zarr-python 3 (fsspec and obstore), and zring over HTTP
against zring on the local files, in one run on loopback.

The store is served by nginx (Debian's /usr/sbin/nginx, started here on 127.0.0.1 with a
temporary prefix, HTTP/1.1; --h2c serves HTTP/2 with prior knowledge instead). Every reader reads
the same crops (a starts file, one "a,b,c" per line) in its own process, with one untimed warm-up
pass over all crops (page cache, connections), then one timed pass; each prints crops/s and the
sha256 of all crops in order (C order, little-endian). Readers:
  zring-local   `zring bench crops STORE` on the local directory
  zring-http    `zring bench crops URL` (its JSON carries requests/s, bytes/s and latencies)
  zarr-fsspec   zarr-python 3, zarr.storage.FsspecStore over fsspec's HTTP filesystem (aiohttp)
  zarr-obstore  zarr-python 3, zarr.storage.ObjectStore over obstore's HTTPStore
zarr-python reads one crop per call (z[box]), as a data loader does; zring reads its default
groups of crops per ReadCrops call. The readers run in turn, --rounds times (alternating, so
load changes hit all of them alike); the table shows each reader's median crops/s and its
ratio to zring-http, and checks every sha256 is the same.

Parameters:
  STORE          a Zarr store directory; omitted: --make-shape decides a store that is written
                 once with `zring create` into --workdir (v2, uint16, chunks 32x64x64, blosc lz4
                 with byte shuffle, the smooth pattern: like figure 1's store, smaller)
  --starts FILE  crop starts (written with numpy seed --seed when the file does not exist)
  --crop A,B,C   crop shape;  --n N  crops used (the first N of the starts file)
  --rounds R     timed rounds per reader;  --readers a,b  which readers, in this order
  --peer-n N     crops for the zarr-python readers (default: --n); they are much slower

Figure (the zarr-python reference store of figure 1, 2000 crops):
  .venv/bin/python bench/peers/remote_crops.py /work/benchdata/v2_ref256.zarr \\
      --starts /work/benchdata/starts_256_2000.txt --crop 4,128,128 --n 2000 --rounds 3 \\
      --zring build/tools/zring
Smoke run (a small generated store, seconds):
  .venv/bin/python bench/peers/remote_crops.py --make-shape 64,512,512 --n 100 --rounds 1 \\
      --zring build/tools/zring
"""
import argparse
import hashlib
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]
READERS = ("zring-http", "zring-local", "zarr-fsspec", "zarr-obstore")


def read_starts(path, n):
    with open(path) as f:
        rows = [tuple(int(v) for v in line.split(",")) for line in f if line.strip()]
    return rows[:n]


def make_starts(path, shape, crop, n, seed):
    import numpy as np
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        for _ in range(n):
            f.write(",".join(str(int(rng.integers(0, s - c + 1))) for s, c in zip(shape, crop)))
            f.write("\n")


def store_shape(store):
    for name in ("zarr.json", ".zarray"):
        p = os.path.join(store, name)
        if os.path.exists(p):
            with open(p) as f:
                return json.load(f)["shape"]
    raise SystemExit(f"{store}: no zarr.json or .zarray at its root (an array store is needed)")


# --- one reader, in its own process ---------------------------------------------------------

def open_zarr(kind, url):
    import zarr
    if kind == "zarr-fsspec":
        store = zarr.storage.FsspecStore.from_url(url, read_only=True)
    else:
        from obstore.store import HTTPStore
        store = zarr.storage.ObjectStore(
            HTTPStore.from_url(url, client_options={"allow_http": True}), read_only=True)
    return zarr.open_array(store=store, mode="r")


def run_zarr(kind, url, starts, crop):
    """A warm-up pass that hashes every crop, then the timed pass (which does no hashing)."""
    import numpy as np
    z = open_zarr(kind, url)
    boxes = [tuple(slice(a, a + c) for a, c in zip(s, crop)) for s in starts]

    def one_pass(h):
        for b in boxes:
            block = np.asarray(z[b])
            if h is not None:
                le = block.astype(block.dtype.newbyteorder("<"), copy=False)
                h.update(np.ascontiguousarray(le).tobytes())
    h = hashlib.sha256()
    one_pass(h)
    t0 = time.perf_counter()
    one_pass(None)
    seconds = time.perf_counter() - t0
    return {"crops": len(starts), "seconds": seconds, "crops_per_s": len(starts) / seconds,
            "sha256": h.hexdigest()}


# --- the driver -----------------------------------------------------------------------------

def zring_cmd(a, store_or_url, starts_file, n):
    cmd = [a.zring, "bench", "crops", store_or_url, "--crop", a.crop, "--n", str(n),
           "--starts", starts_file, "--warmup", "--checksum", "--json"]
    if store_or_url.startswith("http") and a.h2c:
        cmd += ["--storage-option", "h2c=true"]
    return cmd


def run_once(a, reader, store, url, starts_file):
    n = a.n if reader.startswith("zring") else (a.peer_n or a.n)
    if reader == "zring-local":
        cmd = zring_cmd(a, store, starts_file, n)
    elif reader == "zring-http":
        cmd = zring_cmd(a, url, starts_file, n)
    else:
        cmd = [sys.executable, __file__, "--run-reader", reader, "--url", url, "--crop", a.crop,
               "--n", str(n), "--starts", starts_file]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"{reader} failed (exit {p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    result = json.loads(p.stdout.strip().splitlines()[-1])
    result["n"] = n
    return result


def make_store(a):
    work = pathlib.Path(a.workdir)
    store = work / f"remote_crops_{a.make_shape.replace(',', 'x')}.zarr"
    done = pathlib.Path(str(store) + ".complete")
    if not done.exists():
        work.mkdir(parents=True, exist_ok=True)
        print(f"writing {store} with zring create (once)", flush=True)
        subprocess.run([a.zring, "create", str(store), "--format", "2", "--shape", a.make_shape,
                        "--chunks", "32,64,64", "--dtype", "uint16", "--codec", "blosc-lz4",
                        "--pattern", "smooth", "--seed", "0", "--overwrite"], check=True,
                       stdout=subprocess.DEVNULL)
        done.touch()
    return str(store)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("store", nargs="?")
    p.add_argument("--make-shape", default="64,1024,1024")
    p.add_argument("--workdir", default=str(REPO / "build" / "bench-data"))
    p.add_argument("--crop", default="4,128,128")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--peer-n", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--starts")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--readers", default=",".join(READERS))
    p.add_argument("--zring", default=str(REPO / "build" / "tools" / "zring"))
    p.add_argument("--h2c", action="store_true", help="serve and read HTTP/2 (prior knowledge)")
    p.add_argument("--run-reader", help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    a = p.parse_args()
    crop = tuple(int(x) for x in a.crop.split(","))
    if a.run_reader:
        print(json.dumps(run_zarr(a.run_reader, a.url, read_starts(a.starts, a.n), crop)))
        return 0

    store = os.path.abspath(a.store) if a.store else make_store(a)
    default_starts = f"starts_{os.path.basename(store)}_{a.crop.replace(',', 'x')}_{a.n}.txt"
    starts_file = a.starts or str(pathlib.Path(a.workdir) / default_starts)
    if not os.path.exists(starts_file):
        make_starts(starts_file, store_shape(store), crop, a.n, a.seed)
    readers = [r for r in a.readers.split(",") if r]
    unknown = set(readers) - set(READERS)
    if unknown:
        raise SystemExit(f"unknown readers {sorted(unknown)}; known: {', '.join(READERS)}")

    sys.path.insert(0, str(REPO / "tests" / "python"))
    import remote_servers
    prefix = pathlib.Path(tempfile.mkdtemp(prefix="zring-bench-nginx-"))
    nginx = remote_servers.start_nginx(prefix)
    try:
        url = nginx.url("store", store, h2c=a.h2c)
        print(f"store {store}\nserved at {url} by nginx ({'h2c' if a.h2c else 'HTTP/1.1'}); "
              f"crops {a.crop}, starts {starts_file}\n", flush=True)
        runs = {r: [] for r in readers}
        for rnd in range(a.rounds):
            for r in readers:
                res = run_once(a, r, store, url, starts_file)
                runs[r].append(res)
                print(f"round {rnd + 1}: {r:13s} {res['crops_per_s']:9.1f} crops/s "
                      f"({res['n']} crops)", flush=True)
    finally:
        remote_servers.stop(nginx.proc)
        shutil.rmtree(prefix, ignore_errors=True)
    report(runs, readers)
    return 0 if check_sums(runs, a) else 1


def report(runs, readers):
    med = {r: statistics.median(x["crops_per_s"] for x in runs[r]) for r in readers}
    ref = "zring-http" if "zring-http" in med else readers[0]
    print(f"\nmedian of {len(runs[readers[0]])} rounds; ratio = reader / {ref}")
    for r in readers:
        extra = ""
        last = runs[r][-1]
        if "requests_per_s" in last:
            extra = (f"  (last round: {last['requests_per_s']:.0f} requests/s, "
                     f"{last.get('http_bytes_per_s', 0) / 1e6:.0f} MB/s, latency p50 "
                     f"{last.get('latency_p50_ms', 0):.2f} ms, "
                     f"p99 {last.get('latency_p99_ms', 0):.2f} ms)")
        print(f"{r:13s} {med[r]:9.1f} crops/s  x{med[r] / med[ref]:.3f}{extra}")
    if "zring-local" in med and "zring-http" in med:
        cost = med["zring-http"] / med["zring-local"]
        print(f"zring over HTTP / zring on local files: {cost:.3f}")
    for peer in ("zarr-fsspec", "zarr-obstore"):
        if peer in med and "zring-http" in med:
            print(f"zring-http / {peer}: {med['zring-http'] / med[peer]:.2f}")


def check_sums(runs, a):
    """Readers that read the same number of crops must agree on the sha256."""
    by_n = {}
    for r, results in runs.items():
        for res in results:
            by_n.setdefault(res["n"], {}).setdefault(res["sha256"], set()).add(r)
    ok = True
    for n, sums in sorted(by_n.items()):
        if len(sums) == 1:
            print(f"sha256 equal over {n} crops: {next(iter(sums))}")
        else:
            ok = False
            print(f"sha256 DIFFER over {n} crops: {sums}")
    if a.peer_n and a.peer_n != a.n:
        print("(zarr-python readers read fewer crops: their sha256 is compared among themselves)")
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
