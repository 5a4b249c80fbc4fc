#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a bounded time; fails if any target finds a
# crash, a sanitizer report, a leak, a timeout or an out-of-memory.
#   tests/fuzz/run.sh BUILD_DIR SECONDS          (tools/build.sh fuzz makes build-fuzz/)
#   tests/fuzz/run.sh build-fuzz 600 zstd        (only targets whose name contains "zstd")
# libFuzzer's random seed is ZRING_FUZZ_SEED (default 1), so the bounded run in the test command
# explores the same way each time; set it to 0 for a fresh random seed.
# Seeds: fuzz_seed_writer's chunks, tests/fuzz/corpus/<target>/ when present, and the numcodecs
# fixtures of ../shared/conformance (or $ZRING_CONFORMANCE_DIR) when present, all gathered into
# BUILD_DIR/fuzz-corpus/<target>/, which also keeps what the fuzzer discovers. Crashing inputs go
# to BUILD_DIR/fuzz-artifacts/<target>/; rerun one with: BUILD_DIR/tests/fuzz/<target> FILE
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: tests/fuzz/run.sh BUILD_DIR SECONDS [NAME_FILTER]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="$(cd "$1" && pwd)"
seconds="$2"
filter="${3:-}"
bin="$build/tests/fuzz"
conformance="${ZRING_CONFORMANCE_DIR:-$root/../shared/conformance}"

if [ ! -x "$bin/fuzz_seed_writer" ]; then
  echo "no fuzz targets in $bin: build with tools/build.sh fuzz (meson -Dfuzzers=true)" >&2
  exit 1
fi
corpus="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
logs="$build/fuzz-logs"
mkdir -p "$corpus" "$artifacts" "$logs"
"$bin/fuzz_seed_writer" "$corpus" >/dev/null

failed=()
ran=0
for target in "$bin"/*_fuzzer; do
  name="$(basename "$target")"
  [ -x "$target" ] || continue
  if [ -n "$filter" ] && [[ "$name" != *"$filter"* ]]; then continue; fi
  mkdir -p "$corpus/$name" "$artifacts/$name"
  # numcodecs fixtures are real chunks from another writer: good seeds for the matching decoder.
  codec="${name%_fuzzer}"; codec="${codec%_decode}"; codec="${codec%_range}"
  if [ -d "$conformance/numcodecs/fixture/$codec" ]; then
    find "$conformance/numcodecs/fixture/$codec" -name '*.dat' -size -1024k | while read -r f; do
      cp -n "$f" "$corpus/$name/numcodecs-$(echo "$f" | md5sum | cut -c1-12).dat"
    done
  fi
  dirs=("$corpus/$name")
  if [ -d "$here/corpus/$name" ]; then dirs+=("$here/corpus/$name"); fi
  log="$logs/$name.log"
  echo "-- $name: ${seconds}s, $(ls "${dirs[@]}" | wc -l) seeds"
  rc=0
  stamp="$logs/$name.start"; touch "$stamp"
  # -max_total_time bounds the fuzzing; `timeout` bounds everything else (a hang while loading
  # the corpus, a stuck input). ASan's leak check is on: a leak is a failure too.
  timeout -k 10 "$((seconds + 120))" "$target" "${dirs[@]}" \
    -max_total_time="$seconds" -seed="${ZRING_FUZZ_SEED:-1}" -timeout=20 -rss_limit_mb=2048 -max_len=1048576 \
    -artifact_prefix="$artifacts/$name/" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  ran=$((ran + 1))
  if [ "$rc" -ne 0 ]; then
    echo "!! $name failed (exit $rc; 124 = hard timeout); log: $log" >&2
    grep -E "ERROR|SUMMARY|Test unit written|deadly signal|zring-fuzz:|  first:|  second:|#[0-9]+ 0x" "$log" | head -30 >&2 || true
    # The crashing input itself, so a failure seen only in a CI log can be replayed locally:
    #   base64 -d > crash.bin <<< '...'; BUILD_DIR/tests/fuzz/<target> crash.bin
    find "$artifacts/$name" -type f -newer "$stamp" | while read -r crash; do
      if [ "$(stat -c %s "$crash")" -le 65536 ]; then
        echo "   input $(basename "$crash") (base64):" >&2
        base64 -w 0 "$crash" >&2; echo >&2
      fi
    done
    failed+=("$name")
  else
    grep -E "stat::number_of_executed_units|stat::new_units_added" "$log" | tr -s ' \n' ' ' | \
      sed 's/^/   /'; echo
  fi
done

if [ "$ran" -eq 0 ]; then
  echo "no fuzz target matched in $bin" >&2
  exit 1
fi
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzzing found problems in: ${failed[*]}" >&2
  exit 1
fi
echo "fuzzing: $ran targets ran ${seconds}s each, no crash"
