"""The zring xarray backend against xarray's own zarr backend (zarr-python 3) on the same stores,
and selection that reads only what it needs.

The backend is registered the way `pip install .` registers it - an `xarray.backends` entry point
read from pyproject.toml - through a dist-info directory made for this test, so engine="zring"
resolves exactly as in an installed package.
"""

from __future__ import annotations

import shutil
import sys
import tomllib

import numpy as np
import pytest
import xarray as xr
import zarr

import py_bindings
from py_bindings import REPO, zring


@pytest.fixture(scope="module", autouse=True)
def entry_point(tmp_path_factory):
    eps = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]
    d = tmp_path_factory.mktemp("dist") / "zring-0.0.0.dist-info"
    d.mkdir()
    (d / "METADATA").write_text("Metadata-Version: 2.1\nName: zring\nVersion: 0.0.0\n")
    group = "xarray.backends"
    lines = [f"[{group}]"] + [f"{k} = {v}" for k, v in eps[group].items()]
    (d / "entry_points.txt").write_text("\n".join(lines) + "\n")
    sys.path.append(str(d.parent))
    from xarray.backends import plugins
    plugins.list_engines.cache_clear()
    yield
    sys.path.remove(str(d.parent))
    plugins.list_engines.cache_clear()


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    return py_bindings.write_stores(tmp_path_factory.mktemp("py_xarray"))


def test_engine_is_registered():
    assert "zring" in xr.backends.list_engines()


@pytest.mark.parametrize("store", ["v3", "v2"])
def test_dataset_equals_xarray_zarr_backend(stores, store):
    ours = xr.open_dataset(stores[store], engine="zring")
    theirs = xr.open_dataset(stores[store], engine="zarr", consolidated=False)
    assert set(ours.data_vars) == set(theirs.data_vars)
    assert set(ours.coords) == set(theirs.coords)
    for name in list(ours.data_vars) + list(ours.coords):
        assert ours[name].dims == theirs[name].dims, name
        np.testing.assert_array_equal(ours[name].values, theirs[name].values, err_msg=name)
    assert ours.attrs == theirs.attrs


def test_variables_are_lazy_until_selected(stores):
    ds = xr.open_dataset(stores["v3"], engine="zring")
    var = ds["t"].variable
    assert not isinstance(var._data, np.ndarray)
    assert ds["t"].attrs["units"] == "K"
    assert set(ds.indexes) == {"lat", "lon", "time"}


def test_nearest_selection_reads_only_its_chunk(tmp_path, stores):
    # Every chunk of "t" except the one holding the selected point is overwritten with garbage:
    # reading any of them would raise CorruptChunkError.
    src = stores["v3"]
    dst = tmp_path / "v3.zarr"
    shutil.copytree(src, dst)
    z = zarr.open_array(src, path="t", mode="r")
    lat = np.linspace(-60.0, 60.0, 40)
    lon = np.linspace(-25, 24, 50)
    i_lat = int(np.abs(lat - 51.5).argmin())
    i_lon = int(np.abs(lon - 0.0).argmin())
    keep = f"{5 // 4}/{i_lat // 8}/{i_lon // 16}"
    corrupted = 0
    for chunk in (dst / "t" / "c").rglob("*"):
        if chunk.is_file() and chunk.relative_to(dst / "t" / "c").as_posix() != keep:
            chunk.write_bytes(b"not a chunk")
            corrupted += 1
    assert corrupted > 10
    ds = xr.open_dataset(dst, engine="zring")
    point = ds["t"].isel(time=5).sel(lat=51.5, lon=0.0, method="nearest")
    assert point.values == z[5, i_lat, i_lon]
    assert float(point["lat"]) == lat[i_lat]
    with pytest.raises(zring.CorruptChunkError):
        ds["t"].isel(time=0).values


def test_selection_decodes_few_chunks(stores):
    ds = xr.open_dataset(stores["v3"], engine="zring")
    backend = ds["s"].variable._data
    # Dig the zring.Array out of xarray's lazy wrappers to read its counters.
    while not hasattr(backend, "array") or not isinstance(backend.array, zring.Array):
        backend = backend.array
    before = backend.array.stats()["chunks_decoded"]
    box = ds["s"].sel(time=slice(2, 5), lat=slice(-10, 10), lon=slice(0, 10)).values
    z = zarr.open_array(stores["v3"], path="s", mode="r")
    lat = np.linspace(-60.0, 60.0, 40)
    lon = np.linspace(-25, 24, 50)
    la = np.where((lat >= -10) & (lat <= 10))[0]
    lo = np.where((lon >= 0) & (lon <= 10))[0]
    np.testing.assert_array_equal(box, z[2:6, la[0]:la[-1] + 1, lo[0]:lo[-1] + 1])
    decoded = backend.array.stats()["chunks_decoded"] - before
    assert 0 < decoded <= 4, decoded  # the selection spans 1 x 2 x 2 chunks of 4 x 8 x 16
