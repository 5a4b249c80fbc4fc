"""zring's checksum of v3 stores written by zarrita (npm) under node.

tests/node/crosscheck.mjs writes the arrays, reads them back through zarrita, and prints the sha256 of
the whole array it meant to write (and writes those raw bytes beside each store). zring must agree.
node and tests/node/node_modules come from tools/setup.sh; their absence fails the test.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import shutil
import subprocess

import pytest

from conftest import REPO

NODE_DIR = REPO / "tests" / "node"
CASE_NAMES = [
    "zarrita-int32-bytes",
    "zarrita-float64-bytesbig-zstd",
    "zarrita-uint16-blosc-lz4-shuffle-keydot",
    "zarrita-float32-transpose-blosc-zstd-bitshuffle",
    "zarrita-int64-zstd",
    "zarrita-bool-bytes",
    "zarrita-uint8-blosc-blosclz-noshuffle-keydot",
]


@pytest.fixture(scope="session")
def zarrita_stores(tmp_path_factory):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; tools/setup.sh expects it for the zarrita cross-checks")
    if not (NODE_DIR / "node_modules" / "zarrita").is_dir():
        pytest.fail(f"{NODE_DIR}/node_modules/zarrita is missing; run tools/setup.sh")
    out = tmp_path_factory.mktemp("zarrita")
    p = subprocess.run([node, str(NODE_DIR / "crosscheck.mjs"), str(out)], capture_output=True,
                       text=True, timeout=120, cwd=NODE_DIR)
    if p.returncode != 0:
        pytest.fail(f"crosscheck.mjs failed (exit {p.returncode}):\n{p.stderr}")
    result = json.loads(p.stdout)
    assert sorted(result) == sorted(CASE_NAMES), "crosscheck.mjs and this test list other cases"
    return out, result


@pytest.mark.parametrize("name", CASE_NAMES)
def test_checksum_matches_zarrita(zring, zarrita_stores, name):
    out, result = zarrita_stores
    entry = result[name]
    assert "error" not in entry, entry["error"]
    raw = (pathlib.Path(out) / f"{name}.raw").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == entry["sha256"]
    assert zring.checksum_of_array_store(entry["path"]) == entry["sha256"]
