"""Debian-interpreter checks of the zring package: PyTorch datasets and DataLoader workers
(python3-torch 1.13, CPU), DLPack with torch, and values against zarr-python 2.13.

Run with /usr/bin/python3 -m pytest tests/python_debian (tools/test.sh does). The package comes
from the source tree and the compiled module from $ZRING_BUILD (default <repo>/build); a missing
module, torch or zarr is a failure: tools/setup.sh installs all of them.
"""

from __future__ import annotations

import os
import pathlib
import sys

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("ZRING_BUILD") or REPO / "build")
for _p in (str(REPO / "bindings" / "python"), str(BUILD / "bindings" / "python")):
    if _p not in sys.path:
        sys.path.insert(0, _p)


def smooth(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    v = np.sin(np.indices(shape).sum(axis=0) / 7.0) * 1000 + rng.normal(0, 50, shape)
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return v > 0
    if dt.kind in "iu":
        info = np.iinfo(dt)
        return np.clip(v + (info.max // 2 if dt.kind == "u" else 0), info.min, info.max).astype(dt)
    return v.astype(dt)


@pytest.fixture(scope="session")
def group_store(tmp_path_factory):
    """A v2 group written by zarr-python 2.13: arrays a, b, c (int16, 3-d, one shape) for
    channel stacking, u (uint16, which torch 1.13 has no type for), and a 1-d coordinate."""
    import zarr
    path = tmp_path_factory.mktemp("torch") / "g.zarr"
    g = zarr.open_group(str(path), mode="w")
    for k, name in enumerate("abc"):
        arr = g.create_dataset(name, shape=(12, 96, 80), chunks=(4, 32, 32), dtype="int16")
        arr[:] = smooth((12, 96, 80), "int16", seed=k)
    g.create_dataset("u", shape=(12, 96, 80), chunks=(4, 16, 32), dtype="uint16")[:] = \
        smooth((12, 96, 80), "uint16", seed=7)
    g.create_dataset("x", shape=(80,), chunks=(80,), dtype="float64")[:] = np.arange(80.0)
    return path
