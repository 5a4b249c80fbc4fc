#!/usr/bin/python3
"""Convert figure: `zring convert` of the zarr-python v2 reference store against zarr-python 2.13.

The source is the v2 reference store (256x1024x1024 uint16, chunks 32x64x64, blosc lz4 + shuffle;
bench/peers/make_v2_reference.py writes it). It is converted
  - by zring to v3 sharded blosc-lz4 (inner chunks 4x64x64, shards 16x256x256), once with
    --memory 256 (to show the memory bound) and once with the default --memory 1024;
  - by Debian's zarr-python 2.13 (this interpreter) to v2 blosc-lz4 chunks 16x256x256, the
    nearest thing it can do (it has no sharding): a loop over slabs of whole destination chunks,
    src[z0:z1] -> dst[z0:z1], as a user would write it to keep memory bounded.
Each run is timed with /usr/bin/time -v (wall time, peak RSS). The source's files are read once
first so every run starts from the same warm page cache. Every output's `zring checksum` is
compared with the source's, so a fast wrong result cannot pass. Figures: MB/s of logical
(decoded) data, peak RSS, and zring's speed-up over zarr-python 2.13.

  /usr/bin/python3 bench/peers/convert_peers.py --zring build/tools/zring \\
      --src /work/benchdata/v2_ref256.zarr --out /work/benchdata/convert_out
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

ZARR2_RECHUNK = r"""
import sys, zarr
from numcodecs import Blosc
src = zarr.open_array(sys.argv[1], mode="r")
step = int(sys.argv[3])
dst = zarr.open_array(sys.argv[2], mode="w", shape=src.shape, dtype=src.dtype,
                      chunks=(step, 256, 256), fill_value=src.fill_value,
                      compressor=Blosc(cname="lz4", clevel=5, shuffle=Blosc.SHUFFLE))
for z0 in range(0, src.shape[0], step):
    dst[z0:z0 + step] = src[z0:z0 + step]
dst.attrs.update(src.attrs.asdict())
"""


def timed(argv):
    """Runs argv under /usr/bin/time -v; returns (wall seconds, peak RSS MiB, stdout)."""
    p = subprocess.run(["/usr/bin/time", "-v", *argv], capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(argv)}\n{p.stderr}")
    wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    h, m, s = wall.groups()
    seconds = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return seconds, rss_kib / 1024, p.stdout


def checksum(zring, store):
    p = subprocess.run([zring, "checksum", store], capture_output=True, text=True, check=True)
    return p.stdout.split()[0]


def warm(store):
    for path in pathlib.Path(store).rglob("*"):
        if path.is_file():
            path.read_bytes()


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                if l.startswith("model name")), "?")
    return f"{os.cpu_count()} cores ({cpu}), load average {os.getloadavg()[0]:.1f} at start"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--zring", default="build/tools/zring")
    p.add_argument("--src", default="/work/benchdata/v2_ref256.zarr")
    p.add_argument("--out", default="/work/benchdata/convert_out")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    src_meta = json.loads((pathlib.Path(a.src) / ".zarray").read_text())
    logical_mb = 2 * src_meta["shape"][0] * src_meta["shape"][1] * src_meta["shape"][2] / 1e6
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    want = checksum(a.zring, a.src)
    print(f"machine: {machine()}")
    print(f"source: {a.src} {src_meta['shape']} chunks {src_meta['chunks']} "
          f"({logical_mb:.0f} MB logical), sha256 {want[:16]}...")
    rows = []
    for memory in (256, 1024):
        dst = out / f"zring_v3_sharded_m{memory}.zarr"
        shutil.rmtree(dst, ignore_errors=True)
        argv = [a.zring, "convert", a.src, str(dst), "--format", "3", "--chunks", "4,64,64",
                "--shard", "16,256,256", "--codec", "blosc-lz4", "--memory", str(memory),
                "--quiet"]
        warm(a.src)
        secs, rss, _ = timed(argv)
        ok = checksum(a.zring, str(dst)) == want
        rows.append({"tool": f"zring convert --memory {memory}", "seconds": secs,
                     "mb_per_s": logical_mb / secs, "peak_rss_mib": rss,
                     "rss_bound_mib": memory + 64, "checksum_ok": ok, "command": " ".join(argv)})
    dst = out / "zarr2_13_v2_rechunk.zarr"
    shutil.rmtree(dst, ignore_errors=True)
    argv = ["/usr/bin/python3", "-s", "-c", ZARR2_RECHUNK, a.src, str(dst), "16"]
    warm(a.src)
    secs, rss, _ = timed(argv)
    ok = checksum(a.zring, str(dst)) == want
    rows.append({"tool": "zarr-python 2.13 v2->v2 rechunk", "seconds": secs,
                 "mb_per_s": logical_mb / secs, "peak_rss_mib": rss, "rss_bound_mib": None,
                 "checksum_ok": ok,
                 "command": "/usr/bin/python3 -s -c <ZARR2_RECHUNK in convert_peers.py> "
                            f"{a.src} {dst} 16"})
    ref = rows[-1]["seconds"]
    for r in rows:
        r["speedup_vs_zarr2"] = ref / r["seconds"]
    if a.json:
        print(json.dumps(rows, indent=1))
    print(f"{'tool':34} {'seconds':>8} {'MB/s':>8} {'peak RSS MiB':>13} {'bound':>6} "
          f"{'x zarr2':>8} checksum")
    for r in rows:
        bound = f"{r['rss_bound_mib']}" if r["rss_bound_mib"] else "-"
        print(f"{r['tool']:34} {r['seconds']:8.2f} {r['mb_per_s']:8.1f} {r['peak_rss_mib']:13.1f} "
              f"{bound:>6} {r['speedup_vs_zarr2']:8.2f} {'OK' if r['checksum_ok'] else 'WRONG'}")
    for r in rows:
        print(f"$ {r['command']}")
    bad = [r["tool"] for r in rows if not r["checksum_ok"]]
    over = [r["tool"] for r in rows if r["rss_bound_mib"] and r["peak_rss_mib"] > r["rss_bound_mib"]]
    if bad or over:
        sys.exit(f"wrong checksum: {bad}; over the memory bound: {over}")


if __name__ == "__main__":
    main()
