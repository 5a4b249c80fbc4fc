#!/usr/bin/env bash
# Installs everything zring needs to build and test, and nothing when all of it is present.
#   - C/C++ libraries and tools: Debian 12 packages (apt-get; needs root or sudo)
#   - Python test dependencies: a project-local venv at .venv (tests/python/requirements.txt)
#   - node test dependencies: tests/node/node_modules (tests/node/package.json)
# Idempotent: a second run prints nothing and changes nothing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

apt_packages=(
  build-essential pkg-config meson ninja-build ccache
  liburing-dev libboost-dev libsimdjson-dev libabsl-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  libblosc-dev libzstd-dev liblz4-dev zlib1g-dev libdeflate-dev libbz2-dev libisal-dev
  libcurl4-openssl-dev libssl-dev libcli11-dev libfmt-dev pybind11-dev
  clang-14 libfuzzer-14-dev libclang-rt-14-dev
  fio nginx-light python3-zarr python3-numpy
  python3-dev python3-torch python3-pytest
)

missing=()
for p in "${apt_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" != 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Python: a venv beside the checkout, reinstalled only when the requirements change.
py="${ZRING_PYTHON:-python3}"
req="$root/tests/python/requirements.txt"
venv="$root/.venv"
if [ -f "$req" ]; then
  stamp="$venv/.requirements.sha256"
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: installing Python test dependencies into .venv"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"
    echo "$want" >"$stamp"
  fi
fi

# node: zarrita for cross-checks, in tests/node/node_modules.
pkg="$root/tests/node/package.json"
if [ -f "$pkg" ] && command -v npm >/dev/null 2>&1; then
  nstamp="$root/tests/node/node_modules/.package.sha256"
  nwant="$(sha256sum "$pkg" | cut -d' ' -f1)"
  if [ "$(cat "$nstamp" 2>/dev/null)" != "$nwant" ]; then
    echo "setup: installing node test dependencies into tests/node/node_modules"
    (cd "$root/tests/node" && npm install --silent --no-audit --no-fund >/dev/null)
    echo "$nwant" >"$nstamp"
  fi
fi
