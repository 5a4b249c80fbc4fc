#!/usr/bin/env bash
# The main job: sets up, builds, makes a sample sharded store, and benchmarks random crops on it
# and raw reads against fio.
#
#   1. build/demo-data/sample_v3.zarr (made once, by `zring create`): Zarr v3, uint16
#      512x1024x1024 (1 GiB logical), smooth fields plus noise, shards 16x256x256 of inner chunks
#      4x64x64, blosc lz4 with byte shuffle.
#   2. `zring bench crops`: 2000 random 4x128x128 crops (page cache warm), with the sha256 of all
#      crops in order and the whole-chunk decode ceiling measured in the same run.
#   3. `zring bench io --vs-fio`: 4 KiB random reads from the page cache, zring and fio
#      alternating on the same 2 GiB file in one run; prints the ratio.
# Usage: tools/demo.sh [SECONDS_FOR_IO_RUN]      (default 6)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
secs="${1:-6}"
"$root/tools/setup.sh"
echo "== building zring (build/)"
tools/build.sh release
zring="$root/build/tools/zring"
data="$root/build/demo-data"
mkdir -p "$data"

store="$data/sample_v3.zarr"
# The marker beside the store says a create finished (a killed one is simply redone).
if [ ! -f "$store.complete" ]; then
  echo "== 1/3 writing the sample store $store with zring create (once; seconds)"
  "$zring" create "$store" --shape 512,1024,1024 --chunks 4,64,64 --shard 16,256,256 \
    --dtype uint16 --codec blosc-lz4 --pattern smooth --seed 0 --overwrite
  touch "$store.complete"
fi
"$zring" info "$store" | head -20

echo
echo "== 2/3 random crops: 2000 x 4x128x128 from $store (warm)"
"$zring" bench crops "$store" --crop 4,128,128 --n 2000 --seed 0 --warmup --checksum --ceiling

echo
echo "== 3/3 raw reads: 4 KiB random, page cache warm, 2 threads, zring vs fio in one run"
"$zring" bench io "$data/bench-2g.bin" --pattern randread --bs 4k --depth 128 --threads 2 \
  --seconds "$secs" --vs-fio
