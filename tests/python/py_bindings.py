"""Shared setup of the Python-binding tests (test_py_*.py): makes `import zring` load the package
from the source tree and its compiled module from the build directory, and writes the stores
the tests read, with zarr-python 3.

The build is $ZRING_BUILD or <repo>/build; the module is <build>/bindings/python/zring/_zring*.so.
A missing module fails the import (and so every test), never a skip: a broken build must not pass
as "nothing to test".
"""

from __future__ import annotations

import os
import pathlib
import sys

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("ZRING_BUILD") or REPO / "build")
PYTHONPATH = [str(BUILD / "bindings" / "python"), str(REPO / "bindings" / "python")]
for _p in reversed(PYTHONPATH):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import zring  # noqa: E402

if not hasattr(zring, "_zring"):
    raise ImportError(f"zring._zring is not built under {BUILD}/bindings/python/zring")

SYSTEM_PYTHON = "/usr/bin/python3"


def subprocess_env() -> dict:
    """The environment for a child interpreter that must import the same zring."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = os.pathsep.join(PYTHONPATH)
    return env


def smooth(shape, dtype, seed=0) -> np.ndarray:
    """Compressible data with noise, in `dtype`."""
    rng = np.random.default_rng(seed)
    grid = np.indices(shape).sum(axis=0).astype(np.float64)
    v = np.sin(grid / 7.0) * 1000 + rng.normal(0, 50, shape)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return v > 0
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return np.clip(v + (info.max // 2 if dt.kind == "u" else 0), info.min, info.max).astype(dt)
    if dt.kind == "c":
        return (v + 1j * v[::-1]).astype(dt)
    return v.astype(dt)


def write_stores(root: pathlib.Path) -> dict:
    """Writes the test stores with zarr-python 3; returns {name: path}."""
    import zarr

    paths = {}
    # v3 group: a 3-d uint16 array (default codecs: bytes + zstd), a sharded float32 one, a
    # partially written int32 one (missing chunks read as the fill value), 1-d coordinates.
    g = zarr.open_group(root / "v3.zarr", mode="w", zarr_format=3, attributes={"title": "t"})
    data = smooth((24, 40, 50), "uint16")
    a = g.create_array("t", shape=data.shape, chunks=(4, 8, 16), dtype="uint16", fill_value=7,
                       dimension_names=["time", "lat", "lon"], attributes={"units": "K"})
    a[:] = data
    s = g.create_array("s", shape=data.shape, shards=(8, 16, 32), chunks=(4, 8, 16),
                       dtype="float32", dimension_names=["time", "lat", "lon"])
    s[:] = data.astype("float32") / 3
    p = g.create_array("p", shape=data.shape, chunks=(4, 8, 16), dtype="int32", fill_value=-5,
                       dimension_names=["time", "lat", "lon"])
    p[4:12, 8:30, :] = data[4:12, 8:30, :].astype("int32")
    for name, n, lo, hi in (("time", 24, 0, 23), ("lat", 40, -60.0, 60.0), ("lon", 50, -25, 24)):
        c = g.create_array(name, shape=(n,), chunks=(16,), dtype="float64",
                           dimension_names=[name])
        c[:] = np.linspace(lo, hi, n)
    sub = g.create_group("sub")
    sub.create_array("b", shape=(10, 12), chunks=(3, 5), dtype="bool")[:] = smooth((10, 12), bool)
    paths["v3"] = root / "v3.zarr"

    # v2 group written by zarr-python 3 (blosc), dimensions in _ARRAY_DIMENSIONS.
    g2 = zarr.open_group(root / "v2.zarr", mode="w", zarr_format=2)
    for name, dtype in (("f8", "float64"), ("i1", "int8"), ("c8", "complex64"), ("u4", "uint32")):
        arr = g2.create_array(name, shape=(30, 20), chunks=(7, 6), dtype=dtype, fill_value=0)
        arr[:] = smooth((30, 20), dtype, seed=3)
        arr.attrs["_ARRAY_DIMENSIONS"] = ["y", "x"]
    paths["v2"] = root / "v2.zarr"
    return paths
