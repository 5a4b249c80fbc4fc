"""Stores written by `zring create`, read by independent implementations.

A grid of data types x codec presets x layouts (v2, v3, v3 sharded) is written with `zring create
--pattern random|arange` (shape 13x17 with 4x5 chunks and 8x10 shards, so edge chunks and edge shards
are partial). Each store is then read whole by:
  - zarr-python 3 (.venv)                  every case
  - TensorStore (.venv)                    every case
  - Debian's zarr-python 2.13 (/usr/bin/python3)   the v2 cases
  - zarrita under node (tests/node/read_stores.mjs) the v3 cases but complex64 (zarrita has no
                                                      complex type)
and the sha256 of what it reads (C order, little-endian, declared dtype) must equal `zring checksum`
of the store, i.e. the bytes zring was given. For the arange pattern the values themselves are also
checked against numpy (the C-order linear index converted to the type), so zring's writer and its
checksum cannot agree on wrong data. The peers are real dependencies of the suite (tools/setup.sh
installs them): a missing one fails, never skips.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest
import tensorstore as ts
import zarr

from conftest import REPO, expected_sha256

SYSTEM_PYTHON = "/usr/bin/python3"
NODE_DIR = REPO / "tests" / "node"

SHAPE = (13, 17)
CHUNKS = (4, 5)
SHARD = (8, 10)
DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32",
          "float64", "bool", "complex64"]
CODECS = ["none", "blosc-lz4", "blosc-zstd", "zstd", "gzip"]
LAYOUTS = ["v2", "v3", "v3-sharded"]


def _cases():
    out = []
    for li, layout in enumerate(LAYOUTS):
        for di, dtype in enumerate(DTYPES):
            for ci, codec in enumerate(CODECS):
                pattern = "random" if (li + di + ci) % 2 == 0 else "arange"
                out.append((f"{layout}-{dtype}-{codec}-{pattern}", layout, dtype, codec, pattern))
    # All fill value: nothing but metadata is stored, and every reader sees the fill value.
    for layout in LAYOUTS:
        out.append((f"{layout}-float32-zstd-zeros", layout, "float32", "zstd", "zeros"))
    return out


CASES = _cases()
CASE_IDS = [c[0] for c in CASES]
BY_ID = {c[0]: c for c in CASES}
V2_IDS = [c[0] for c in CASES if c[1] == "v2"]
ZARRITA_IDS = [c[0] for c in CASES if c[1] != "v2" and c[2] != "complex64"]

# Read by Debian's zarr 2.13 under the system interpreter: argv = store paths; prints JSON
# {path: {dtype, shape, sha256}} with the same canonical layout as conftest.expected_sha256.
ZARR2_READER = r"""
import hashlib, json, sys
import numpy as np
import zarr
out = {}
for p in sys.argv[1:]:
    try:
        a = zarr.open_array(p, mode="r")[...]
        le = a.dtype.newbyteorder("<")
        data = np.ascontiguousarray(a).astype(le, copy=False)
        out[p] = {"dtype": a.dtype.str, "shape": list(a.shape),
                  "sha256": hashlib.sha256(data.tobytes()).hexdigest(), "zarr": zarr.__version__}
    except Exception as e:
        out[p] = {"error": repr(e)}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def written(zring, tmp_path_factory):
    """case id -> (store path, zring's checksum). One `zring create` per case."""
    root = tmp_path_factory.mktemp("write_oracles")
    out = {}
    for cid, layout, dtype, codec, pattern in CASES:
        path = root / f"{cid}.zarr"
        args = ["create", path, "--shape", ",".join(map(str, SHAPE)),
                "--chunks", ",".join(map(str, CHUNKS)), "--dtype", dtype, "--codec", codec,
                "--pattern", pattern, "--seed", len(out) + 1,
                "--format", "2" if layout == "v2" else "3"]
        if layout == "v3-sharded":
            args += ["--shard", ",".join(map(str, SHARD))]
        r = zring.run(*args)
        if r.returncode != 0:
            out[cid] = (path, None, r.describe())
            continue
        out[cid] = (path, zring.checksum_of_array_store(path), None)
    return out


def _store(written, cid):
    path, sha, error = written[cid]
    assert error is None, f"zring create failed:\n{error}"
    return path, sha


def _expected_arange(dtype: str) -> np.ndarray:
    n = int(np.prod(SHAPE))
    idx = np.arange(n, dtype=np.uint64)
    return idx.astype(np.dtype(dtype)).reshape(SHAPE)


def _check_values(cid, a: np.ndarray):
    _, _, dtype, _, pattern = BY_ID[cid]
    assert a.dtype == np.dtype(dtype), f"{cid}: read as {a.dtype}"
    assert a.shape == SHAPE
    if pattern == "zeros":
        assert not np.any(a), f"{cid}: zeros pattern read back non-zero values"
    if pattern == "arange" and np.dtype(dtype).kind in "iuf":
        np.testing.assert_array_equal(a, _expected_arange(dtype))
    if pattern == "random" and dtype != "bool":
        # A writer that dropped the data would read back the fill value everywhere.
        assert np.count_nonzero(a) > a.size // 2, f"{cid}: random data reads back mostly zero"


@pytest.mark.parametrize("cid", CASE_IDS)
def test_zarr_python_3_reads_what_zring_wrote(written, cid):
    path, sha = _store(written, cid)
    a = zarr.open_array(str(path), mode="r")[...]
    _check_values(cid, a)
    assert expected_sha256(a) == sha


@pytest.mark.parametrize("cid", CASE_IDS)
def test_tensorstore_reads_what_zring_wrote(written, cid):
    path, sha = _store(written, cid)
    driver = "zarr" if BY_ID[cid][1] == "v2" else "zarr3"
    t = ts.open({"driver": driver, "kvstore": {"driver": "file", "path": str(path)}},
                open=True, read=True).result()
    a = t.read().result()
    _check_values(cid, a)
    assert expected_sha256(a) == sha


def test_zeros_pattern_stores_no_chunk(written):
    """Chunks equal to the fill value everywhere are not written, as the specs allow."""
    for layout in LAYOUTS:
        path, _ = _store(written, f"{layout}-float32-zstd-zeros")
        files = sorted(p.name for p in pathlib.Path(path).rglob("*") if p.is_file())
        assert set(files) <= {"zarr.json", ".zarray", ".zattrs", ".zgroup"}, (layout, files)


@pytest.fixture(scope="module")
def zarr2_reads(written):
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.fail(f"{SYSTEM_PYTHON} is missing; tools/setup.sh installs it with python3-zarr")
    paths = [str(written[cid][0]) for cid in V2_IDS if written[cid][2] is None]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    p = subprocess.run([SYSTEM_PYTHON, "-s", "-c", ZARR2_READER, *paths], capture_output=True,
                       text=True, timeout=300, cwd="/", env=env)
    if p.returncode != 0:
        pytest.fail(f"zarr 2.13 reader failed (exit {p.returncode}):\n{p.stderr}")
    return json.loads(p.stdout)


@pytest.mark.parametrize("cid", V2_IDS)
def test_zarr_python_2_13_reads_what_zring_wrote(written, zarr2_reads, cid):
    path, sha = _store(written, cid)
    got = zarr2_reads[str(path)]
    assert "error" not in got, got["error"]
    assert got["zarr"].startswith("2."), got
    assert got["shape"] == list(SHAPE)
    assert np.dtype(got["dtype"]) == np.dtype(BY_ID[cid][2]).newbyteorder("<")
    assert got["sha256"] == sha


@pytest.fixture(scope="module")
def zarrita_reads(written):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; tools/setup.sh expects it for the zarrita cross-checks")
    if not (NODE_DIR / "node_modules" / "zarrita").is_dir():
        pytest.fail(f"{NODE_DIR}/node_modules/zarrita is missing; run tools/setup.sh")
    paths = [str(written[cid][0]) for cid in ZARRITA_IDS if written[cid][2] is None]
    p = subprocess.run([node, str(NODE_DIR / "read_stores.mjs"), *paths], capture_output=True,
                       text=True, timeout=300, cwd=NODE_DIR)
    if p.returncode != 0:
        pytest.fail(f"read_stores.mjs failed (exit {p.returncode}):\n{p.stderr}")
    return json.loads(p.stdout)


@pytest.mark.parametrize("cid", ZARRITA_IDS)
def test_zarrita_reads_what_zring_wrote(written, zarrita_reads, cid):
    path, sha = _store(written, cid)
    got = zarrita_reads[str(path)]
    assert "error" not in got, got["error"]
    assert got["shape"] == list(SHAPE)
    assert got["dtype"] == BY_ID[cid][2]
    assert got["sha256"] == sha
