"""xarray backend: ``xr.open_dataset(store, engine="zring")`` reads Zarr groups through zring.

Every array of the group becomes a variable backed lazily by zring (a BackendArray wrapped in
xarray's LazilyIndexedArray): nothing is read until values are needed, and then only the box the
selection covers. Dimension names come from v3 ``dimension_names`` or v2's ``_ARRAY_DIMENSIONS``
attribute (``dim_<i>`` per variable when neither is there); 1-d arrays named like their dimension
become index coordinates (read whole, as xarray loads indexes), so value-based selection such as
``ds.sel(lat=51.5, lon=0.0, method="nearest")`` reads only the chunks of the point it selects.

CF decoding (``mask_and_scale``, ``decode_times``, ...) is xarray's own ``decode_cf``; v2 arrays
with a fill value carry it as ``_FillValue`` as with xarray's zarr backend. Registered through
the ``xarray.backends`` entry point ``zring`` (pyproject.toml); the class can also be passed
directly: ``xr.open_dataset(path, engine=ZringBackendEntrypoint)``.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, Optional

import numpy as np
import xarray as xr
from xarray.backends import BackendArray, BackendEntrypoint
from xarray.core import indexing

import zring

__all__ = ["ZringBackendArray", "ZringBackendEntrypoint"]


class ZringBackendArray(BackendArray):
    """One zring.Array seen by xarray: basic (orthogonal slices and ints) indexing only;
    xarray applies any other indexing to the result."""

    def __init__(self, array: zring.Array):
        self.array = array
        self.shape = array.shape
        self.dtype = array.dtype

    def __getitem__(self, key: indexing.ExplicitIndexer) -> np.ndarray:
        return indexing.explicit_indexing_adapter(key, self.shape, indexing.IndexingSupport.BASIC,
                                                  self._raw_indexing_method)

    def _raw_indexing_method(self, key: tuple) -> np.ndarray:
        return np.asarray(self.array[key])


def _dims(name: str, array: zring.Array) -> tuple:
    names = array.dimension_names
    if names is not None and all(isinstance(n, str) for n in names):
        return tuple(names)
    return tuple(f"dim_{i}" for i in range(array.ndim))


def _attrs(array: zring.Array) -> dict:
    attrs = {k: v for k, v in array.attrs.items() if k != "_ARRAY_DIMENSIONS"}
    if array.zarr_format == 2 and array.fill_value is not None and "_FillValue" not in attrs:
        fv = array.fill_value
        attrs["_FillValue"] = fv.item() if isinstance(fv, np.generic) else fv
    return attrs


class ZringBackendEntrypoint(BackendEntrypoint):
    description = "Open Zarr v2/v3 groups from local directories with zring"
    open_dataset_parameters = ("filename_or_obj", "drop_variables", "group", "mask_and_scale",
                               "decode_times", "decode_timedelta", "use_cftime",
                               "concat_characters", "decode_coords")

    def open_dataset(self, filename_or_obj: Any, *, drop_variables: Optional[Iterable[str]] = None,
                     group: Optional[str] = None, mask_and_scale: bool = True,
                     decode_times: bool = True, decode_timedelta: Any = None,
                     use_cftime: Any = None, concat_characters: bool = True,
                     decode_coords: Any = True) -> xr.Dataset:
        path = os.fspath(filename_or_obj)
        node = zring.open(path, group or "")
        if isinstance(node, zring.Array):
            members = [(os.path.basename(os.path.normpath(path)) or "data", node)]
            attrs: dict = {}
        else:
            members = node.arrays()
            attrs = dict(node.attrs)
        drop = set(drop_variables or ())
        variables = {}
        for name, array in members:
            if name in drop:
                continue
            data = indexing.LazilyIndexedArray(ZringBackendArray(array))
            variables[name] = xr.Variable(_dims(name, array), data, _attrs(array))
        ds = xr.Dataset(variables, attrs=attrs)
        ds = xr.decode_cf(ds, mask_and_scale=mask_and_scale, decode_times=decode_times,
                          decode_timedelta=decode_timedelta, use_cftime=use_cftime,
                          concat_characters=concat_characters, decode_coords=decode_coords)
        return ds

    def guess_can_open(self, filename_or_obj: Any) -> bool:
        try:
            path = os.fspath(filename_or_obj)
        except TypeError:
            return False
        if not isinstance(path, str) or not os.path.isdir(path):
            return False
        return any(os.path.exists(os.path.join(path, f)) for f in ("zarr.json", ".zgroup",
                                                                    ".zarray"))
