#!/usr/bin/env bash
# Runs every test: sets up, builds, then
#   1. all GoogleTest suites (release build)
#   2. the engine and format-layer suites again under ASan + UBSan
#   3. each libFuzzer target for a short bounded time (ZRING_FUZZ_SECONDS, default 10)
#   4. pytest (cross-checks against zarr-python, TensorStore, zarrita; the CLI; the Python package)
#      and remote stores (test_remote_*.py: nginx, moto's S3 and a fault server on 127.0.0.1)
#   5. pytest under Debian's python3 (the package with torch 1.13 and zarr-python 2.13)
# Usage: tools/test.sh            (everything)
#        ZRING_FUZZ_SECONDS=600 tools/test.sh    (longer fuzzing)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/tools/setup.sh"

echo "== build (release)"
tools/build.sh release
echo "== GoogleTest (release)"
meson test -C build --no-rebuild --print-errorlogs --num-processes 2

echo "== build (asan+ubsan)"
tools/build.sh asan
echo "== GoogleTest (asan+ubsan)"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  meson test -C build-asan --no-rebuild --print-errorlogs --num-processes 2 --suite sanitized

if [ -d "$root/tests/fuzz" ]; then
  echo "== libFuzzer (${ZRING_FUZZ_SECONDS:-10} s per target)"
  tools/build.sh fuzz
  "$root/tests/fuzz/run.sh" "$root/build-fuzz" "${ZRING_FUZZ_SECONDS:-10}"
fi

if [ -d "$root/tests/python" ]; then
  echo "== pytest"
  ZRING_BUILD="$root/build" "$root/.venv/bin/python" -m pytest -q "$root/tests/python"
fi

if [ -d "$root/tests/python_debian" ]; then
  echo "== pytest (Debian python3: torch 1.13, zarr-python 2.13)"
  ZRING_BUILD="$root/build" /usr/bin/python3 -m pytest -q "$root/tests/python_debian"
fi
