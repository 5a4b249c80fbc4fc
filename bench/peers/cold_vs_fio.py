#!/usr/bin/python3
"""Cold crop reads against fio on the same byte ranges (figure 3 of the crop benchmarks).

`zring bench crops STORE --direct --iolog FILE` reads the crops with O_DIRECT (every read goes to
the device, whatever the page cache holds) and writes the stored byte ranges it reads - each
chunk or inner chunk once per ReadCrops call, each shard index once - as a fio iolog. fio then
replays exactly those reads (`--read_iolog`, O_DIRECT, io_uring, --iodepth, no stalls), widened
to 4 KiB as O_DIRECT needs (zring widens inside the same way). Rounds alternate zring and fio;
the figure is the ratio of the two rates of the same logical bytes (the iolog's ranges):
fio's time over zring's, median over rounds. zring's time includes planning, shard index
reads, decoding and assembling the crops; fio only reads.

  /usr/bin/python3 bench/peers/cold_vs_fio.py /work/benchdata/v3_sharded.zarr \
      --starts /work/benchdata/starts_v3_300.txt --crop 4,128,128 --zring build/tools/zring
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile


def zring_run(args, iolog=None):
    cmd = [args.zring, "bench", "crops", args.store, "--crop", args.crop, "--n", str(args.n),
           "--direct", "--json", "--group", str(args.group)]
    if args.starts:
        cmd += ["--starts", args.starts]
    if args.array:
        cmd += ["--array", args.array]
    if iolog:
        cmd += ["--iolog", iolog]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def fio_run(iolog, depth):
    cmd = ["fio", "--name=replay", f"--read_iolog={iolog}", "--ioengine=io_uring", "--direct=1",
           f"--iodepth={depth}", "--replay_no_stall=1", "--output-format=json"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    read = json.loads(out.stdout)["jobs"][0]["read"]
    return read["runtime"] / 1e3, read["io_bytes"], read["total_ios"]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("store")
    p.add_argument("--array", default="")
    p.add_argument("--crop", default="4,128,128")
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--starts")
    p.add_argument("--group", type=int, default=500)
    p.add_argument("--zring", default="build/tools/zring")
    p.add_argument("--fio-depth", type=int, default=128)
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        iolog = os.path.join(tmp, "crops.iolog")
        first = zring_run(args, iolog)  # also an untimed first round (opens, allocations)
        logical = first["bytes_read"]
        ratios, zr, fr = [], [], []
        for r in range(args.rounds):
            z = zring_run(args)
            f_seconds, f_bytes, f_ios = fio_run(iolog, args.fio_depth)
            zr.append(logical / z["seconds"])
            fr.append(logical / f_seconds)
            ratios.append(f_seconds / z["seconds"])
            print(f"round {r}: zring {z['seconds']:.3f} s ({logical / z['seconds'] / 1e6:.1f} MB/s, "
                  f"{z['crops_per_s']:.1f} crops/s), fio {f_seconds:.3f} s "
                  f"({logical / f_seconds / 1e6:.1f} MB/s, {f_ios} reads), ratio {ratios[-1]:.3f}")
        print(f"bytes: {logical} (the ranges zring read; fio read {f_bytes} after widening, "
              f"short at ends of files)")
        print(f"median MB/s: zring {statistics.median(zr) / 1e6:.1f}, fio {statistics.median(fr) / 1e6:.1f}")
        print(f"ratio zring/fio (median of {args.rounds} alternating rounds): "
              f"{statistics.median(ratios):.3f}")


if __name__ == "__main__":
    main()
