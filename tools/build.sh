#!/usr/bin/env bash
# Configures (once) and builds one build directory.
#   tools/build.sh [release|asan|fuzz]     (default: release)
# release -> build/        optimized, asserts on; the tools, tests and benchmarks
# asan    -> build-asan/   AddressSanitizer + UndefinedBehaviorSanitizer, debug
# fuzz    -> build-fuzz/   clang-14 with libFuzzer targets
# Warnings are errors when CI=true.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kind="${1:-release}"
werror=false
if [ "${CI:-}" = true ]; then werror=true; fi
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(ccache); fi

case "$kind" in
  release) dir=build; opts=(-Dbuildtype=release -Db_ndebug=false) ;;
  asan) dir=build-asan; opts=(-Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dbenchmarks=disabled) ;;
  fuzz) dir=build-fuzz; opts=(-Dbuildtype=debugoptimized -Dfuzzers=true -Db_sanitize=address,undefined -Db_lundef=false -Dbenchmarks=disabled -Dtests=disabled) ;;
  *) echo "usage: tools/build.sh [release|asan|fuzz]" >&2; exit 2 ;;
esac

cd "$root"
if [ ! -f "$dir/build.ninja" ]; then
  if [ "$kind" = fuzz ]; then
    export CC="${launcher[*]} clang-14" CXX="${launcher[*]} clang++-14"
  else
    export CC="${launcher[*]} gcc" CXX="${launcher[*]} g++"
  fi
  log="$(mktemp)"
  if ! meson setup "$dir" "${opts[@]}" -Dwerror="$werror" >"$log" 2>&1; then
    cat "$log" >&2; rm -f "$log"; exit 1
  fi
  rm -f "$log"
else
  meson configure "$dir" -Dwerror="$werror" >/dev/null 2>&1
fi
ninja -C "$dir" >/dev/null 2>&1 || ninja -C "$dir"
