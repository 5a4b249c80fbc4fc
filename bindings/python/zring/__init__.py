"""zring: fast reads of chunked N-d arrays (Zarr v2 and v3) from local disks and object stores.

    import zring
    a = zring.open("/data/era5.zarr/temperature")      # an Array (or a Group for a group)
    r = zring.open("s3://bucket/era5.zarr", "temperature",
                   storage_options={"region": "eu-west-1", "anon": True})
    a.shape, a.dtype, a.chunks, a.shards, a.fill_value, a.attrs, a.dimension_names
    block = a[3, 10:20, :]                               # numpy array
    box = a.read((0, 0, 0), (4, 128, 128))               # or a.read((slice(0, 4), ...))
    crops = a.read_crops(starts, (4, 128, 128))          # (N, 4, 128, 128); starts: (N, 3) ints

Results are numpy arrays: they export the buffer protocol and DLPack (numpy's own
``__dlpack__``/``__dlpack_device__``, which serve the legacy capsule and, with numpy >= 2.1 and a
``max_version`` argument, the versioned one), so ``torch.from_numpy`` and ``torch.from_dlpack``
share their memory.

``out=`` takes any writable buffer of the right data type and shape - a numpy array (also a
strided view such as one channel of a batch), a CPU torch tensor (pinned or not), anything with
the buffer protocol or ``__array_interface__`` - and is filled in place, with no other copy.

Reads release the GIL. A read of many crops runs as one pipeline; when crops fail, the first
failure is raised: corrupt stored data as :class:`CorruptChunkError` (an ``OSError``), a store
that has gone as ``FileNotFoundError``, other I/O failures as ``OSError``; bad arguments raise
``ValueError`` or ``IndexError`` before anything is read. Messages carry zring's text (store,
array, chunk key and what was expected).

Remote stores: ``http://``, ``https://``, ``s3://bucket/prefix`` and ``gs://bucket/prefix``
URLs read the same way (ranged GETs, retries, HTTP/2 where offered). ``storage_options`` is a
dict as fsspec/obstore users pass it - ``region``, ``endpoint_url``, ``anon``,
``access_key_id``/``key``, ``secret_access_key``/``secret``, ``token``, ``profile``,
``max_requests``, ``max_retries``, ``connect_timeout``, ``request_timeout``, ``http2``, ``h2c``,
``coalesce_gap``, ``cache_dir``, ``cache_bytes``, ... (an unknown key raises ValueError listing
the known ones); values may be str, bool, int or float. Credentials not given come from the
usual AWS environment variables and files. A 404 chunk reads as the fill value; 403 raises
PermissionError naming the URL.

Processes: each Array reads through a reader made at its first read in a process; a process
forked after reading (DataLoader workers, multiprocessing) makes its own (and its own HTTP
connections), never touching the parent's threads. Arrays pickle as (store path, array path,
options, storage options) and reopen lazily.
"""

from __future__ import annotations

import json
import operator
import os
import pkgutil
from typing import Any, Iterator, Optional, Sequence, Tuple, Union

import numpy as np

# The compiled module may sit in another directory of sys.path (a meson build directory) than
# these files (the source tree): let the package span both.
__path__ = pkgutil.extend_path(__path__, __name__)  # type: ignore[name-defined]

from . import _zring  # noqa: E402
from ._zring import CorruptChunkError  # noqa: E402

__all__ = ["Array", "ArrayStack", "CorruptChunkError", "Group", "open"]

_DEFAULT_BUDGET_BYTES = 256 << 20


def _numpy_dtype(typestr: str) -> np.dtype:
    return np.dtype(typestr)


def _option_pairs(storage_options: Optional[dict]) -> list:
    """storage_options as the (key, value) strings the core parses: bools as "true"/"false",
    numbers in decimal; None values are left out (the option's default)."""
    if storage_options is None:
        return []
    if not isinstance(storage_options, dict):
        raise TypeError(f"storage_options must be a dict, not {type(storage_options).__name__}")
    pairs = []
    for key, value in storage_options.items():
        if not isinstance(key, str):
            raise TypeError(f"storage_options keys must be str, got {key!r}")
        if value is None:
            continue
        if isinstance(value, (bool, np.bool_)):
            text = "true" if value else "false"
        elif isinstance(value, (int, float, np.integer, np.floating)):
            text = str(value)
        elif isinstance(value, (str, os.PathLike)):
            text = os.fspath(value)
        else:
            raise TypeError(f"storage_options[{key!r}] must be str, bool, int or float, "
                            f"not {type(value).__name__}")
        pairs.append((key, text))
    return pairs


def _writable_view(out: Any) -> np.ndarray:
    """A numpy array sharing memory with `out` (a buffer, __array_interface__ or a CPU tensor)."""
    if isinstance(out, np.ndarray):
        return out
    if hasattr(out, "__array_interface__") or _has_buffer(out):
        return np.asarray(out)
    numpy_method = getattr(out, "numpy", None)
    if callable(numpy_method) and type(out).__module__.startswith("torch"):
        # torch.Tensor has neither the buffer protocol nor __array_interface__; .numpy() is a
        # view of a CPU tensor's memory (and raises for GPU tensors or ones requiring grad).
        try:
            return numpy_method()
        except (RuntimeError, TypeError) as e:
            raise ValueError(f"out: {e}") from None
    raise TypeError(f"out must support the buffer protocol or __array_interface__, "
                    f"not {type(out).__name__}")


def _has_buffer(obj: Any) -> bool:
    try:
        memoryview(obj)
    except TypeError:
        return False
    return True


def _buffer_target(view: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """`view` checked against `dtype`, as something whose buffer the core can write."""
    if view.dtype != dtype:
        raise ValueError(f"out has dtype {view.dtype}, the array {dtype}")
    if not view.flags.writeable:
        raise ValueError("out is read-only")
    if dtype.kind in "mM":
        # datetime64/timedelta64 export no buffer; their int64 view is the same memory.
        return view.view(np.int64)
    return view


def _starts_array(starts: Any, ndim: int) -> np.ndarray:
    s = np.asarray(starts)
    if s.ndim == 1 and s.size == 0:
        s = s.reshape(0, ndim)
    if s.ndim != 2 or s.shape[1] != ndim:
        raise ValueError(f"starts must have shape (N, {ndim}), got {s.shape}")
    if s.size and s.dtype.kind not in "iu":
        raise ValueError(f"starts must be integers, got {s.dtype}")
    return np.ascontiguousarray(s, dtype=np.int64)


def _crop_shape(shape: Sequence[int], ndim: int) -> Tuple[int, ...]:
    t = tuple(operator.index(x) for x in shape)
    if len(t) != ndim:
        raise ValueError(f"crop shape {t} has {len(t)} dimensions, the array {ndim}")
    if any(x < 0 for x in t):
        raise ValueError(f"crop shape {t} has a negative extent")
    return t


def _normalize_key(key: Any, shape: Tuple[int, ...]):
    """Basic indexing -> (origin, box shape, steps, dims to drop). Ints, slices (positive step),
    Ellipsis; negative indices count from the end; out-of-range ints raise IndexError."""
    if not isinstance(key, tuple):
        key = (key,)
    if sum(k is Ellipsis for k in key) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if Ellipsis in key:
        i = key.index(Ellipsis)
        fill = len(shape) - (len(key) - 1)
        key = key[:i] + (slice(None),) * fill + key[i + 1:]
    if len(key) > len(shape):
        raise IndexError(f"too many indices: array is {len(shape)}-dimensional, "
                         f"but {len(key)} were indexed")
    key = key + (slice(None),) * (len(shape) - len(key))
    origin, extent, steps, drop = [], [], [], []
    for d, (k, n) in enumerate(zip(key, shape)):
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            if step <= 0:
                raise IndexError(f"dimension {d}: zring supports only positive slice steps")
            count = max(0, (stop - start + step - 1) // step)
            origin.append(start if count else 0)
            extent.append((count - 1) * step + 1 if count else 0)
            steps.append(step)
        else:
            try:
                i = operator.index(k)
            except TypeError:
                raise IndexError(f"dimension {d}: only integers, slices and '...' are valid "
                                 f"indices, not {type(k).__name__}") from None
            if i < -n or i >= n:
                raise IndexError(f"index {i} is out of bounds for dimension {d} with size {n}")
            origin.append(i % n)
            extent.append(1)
            steps.append(1)
            drop.append(d)
    return tuple(origin), tuple(extent), tuple(steps), tuple(drop)


class Array:
    """A Zarr v2 or v3 array in a local directory or a remote store. See the module docstring."""

    def __init__(self, store: str, path: str = "", *, threads: int = 0,
                 budget_bytes: int = _DEFAULT_BUDGET_BYTES,
                 storage_options: Optional[dict] = None):
        self._storage_options = dict(storage_options or {})
        self._core = _zring.Array(_store_str(store), path, threads, budget_bytes,
                                  _option_pairs(storage_options))
        self._dtype = _numpy_dtype(self._core.typestr)
        self._shape = tuple(self._core.shape)

    # Pickle as (store, path, options): the reader is per process and made at first read.
    def __reduce__(self):
        c = self._core
        return (_reopen_array, (c.store_path, c.path, c.threads, c.budget_bytes,
                                self._storage_options))

    @property
    def storage_options(self) -> dict:
        """The storage options the array was opened with (a copy)."""
        return dict(self._storage_options)

    @property
    def store_path(self) -> str:
        return self._core.store_path

    @property
    def path(self) -> str:
        """The array's path in the store ("" for the root)."""
        return self._core.path

    @property
    def shape(self) -> Tuple[int, ...]:
        return self._shape

    @property
    def ndim(self) -> int:
        return len(self._shape)

    @property
    def size(self) -> int:
        return int(np.prod(self._shape, dtype=np.uint64))

    @property
    def dtype(self) -> np.dtype:
        """The numpy data type of results (little-endian; bfloat16 reads as 2-byte void)."""
        return self._dtype

    @property
    def chunks(self) -> Tuple[int, ...]:
        """The shape of the chunks data is decoded in (the inner chunks of a sharded array)."""
        return tuple(self._core.chunks)

    @property
    def shards(self) -> Optional[Tuple[int, ...]]:
        """The shard shape of a sharded array, else None."""
        s = self._core.shards
        return None if s is None else tuple(s)

    @property
    def fill_value(self) -> Any:
        """The fill value as a numpy scalar (None for a v2 `null`)."""
        if not self._core.fill_value_defined:
            return None
        return np.frombuffer(self._core.fill_value_bytes, dtype=self._dtype)[0]

    @property
    def attrs(self) -> dict:
        return json.loads(self._core.attrs_json)

    @property
    def dimension_names(self) -> Optional[Tuple[Optional[str], ...]]:
        """v3 `dimension_names`, else v2's `_ARRAY_DIMENSIONS` attribute, else None."""
        names = self._core.dimension_names
        if names:
            return tuple(names)
        dims = self.attrs.get("_ARRAY_DIMENSIONS")
        if isinstance(dims, list) and len(dims) == self.ndim:
            return tuple(dims)
        return None

    @property
    def zarr_format(self) -> int:
        return self._core.zarr_format

    def __len__(self) -> int:
        if not self._shape:
            raise TypeError("len() of a 0-d array")
        return self._shape[0]

    def __repr__(self) -> str:
        return (f"<zring.Array {self._core.describe()} shape={self._shape} dtype={self._dtype} "
                f"chunks={self.chunks}>")

    def __getitem__(self, key: Any) -> np.ndarray:
        """Basic indexing: ints, slices (positive steps; a step > 1 reads the bounding box),
        Ellipsis. Returns a new numpy array."""
        origin, extent, steps, drop = _normalize_key(key, self._shape)
        box = self.read(origin, extent)
        if any(s != 1 for s in steps):
            box = np.ascontiguousarray(box[tuple(slice(None, None, s) for s in steps)])
        if drop:
            box = box.reshape(tuple(n for d, n in enumerate(box.shape) if d not in drop))
        return box

    def __array__(self, dtype=None, copy=None):
        a = self.read((0,) * self.ndim, self._shape)
        return a if dtype is None else a.astype(dtype, copy=False)

    def read(self, origin: Union[Sequence[int], Sequence[slice]],
             shape: Optional[Sequence[int]] = None, out: Any = None) -> Any:
        """Reads one box: `read(origin, shape)` or `read((slice(a, b), ...))` (step-1 slices).

        Returns an array of `shape` (or `out`, filled, when given). Raises IndexError when the
        box leaves the array."""
        if shape is None:
            key = tuple(origin)
            if not all(isinstance(k, slice) and k.step in (None, 1) for k in key) \
                    or len(key) != self.ndim:
                raise ValueError("read(box): box must be one step-1 slice per dimension")
            # Unlike indexing, a box is not clipped: a bound outside the array is an IndexError.
            origin = tuple(0 if k.start is None else operator.index(k.start) for k in key)
            stop = [n if k.stop is None else operator.index(k.stop)
                    for k, n in zip(key, self._shape)]
            if any(b < 0 or e < b for b, e in zip(origin, stop)):
                raise IndexError(f"read(box): {key} is not a box inside the array")
            shape = tuple(e - b for b, e in zip(origin, stop))
        shape = _crop_shape(shape, self.ndim)
        starts = _starts_array([tuple(origin)], self.ndim)
        if out is None:
            result = np.empty((1,) + shape, dtype=self._dtype)
            self._core.read_crops_into(starts, shape, _buffer_target(result, self._dtype))
            return result[0]
        view = _writable_view(out)
        if view.shape != shape:
            raise ValueError(f"out has shape {view.shape}, expected {shape}")
        self._core.read_crops_into(starts, shape,
                                   _buffer_target(view.reshape((1,) + shape), self._dtype))
        return out

    def read_crops(self, starts: Any, shape: Sequence[int], out: Any = None) -> Any:
        """Reads N crops of `shape` whose origins are the rows of `starts` ((N, ndim) integers).

        Returns an (N, *shape) array, or `out` filled in place: any writable buffer of the
        array's dtype and shape (N, *shape), C-contiguous or with positive strides (e.g.
        ``batch[:, c]``). All crops are read in one pipeline (each chunk is decoded once for all
        the crops that need it); the GIL is released meanwhile. When crops fail, the first
        failure is raised (CorruptChunkError, FileNotFoundError or OSError)."""
        shape = _crop_shape(shape, self.ndim)
        s = _starts_array(starts, self.ndim)
        if out is None:
            result = np.empty((s.shape[0],) + shape, dtype=self._dtype)
            self._core.read_crops_into(s, shape, _buffer_target(result, self._dtype))
            return result
        view = _writable_view(out)
        self._core.read_crops_into(s, shape, _buffer_target(view, self._dtype))
        return out

    def stats(self) -> dict:
        """This process's reader counters: chunks_decoded, chunks_filled, bytes_read, ..."""
        return self._core.stats()


def _reopen_array(store_path, path, threads, budget_bytes, storage_options=None):
    return Array(store_path, path, threads=threads, budget_bytes=budget_bytes,
                 storage_options=storage_options)


def _store_str(store: Any) -> str:
    """A store path (str or os.PathLike) or URL as a str."""
    return os.fspath(store) if isinstance(store, os.PathLike) else str(store)


class ArrayStack:
    """Several arrays of one shape and dtype read box by box, stacked as the last axis:
    ``read_crops(starts, shape)`` -> (N, *shape, C), channel c from ``arrays[c]``."""

    def __init__(self, arrays: Sequence[Array]):
        self.arrays = list(arrays)
        if not self.arrays:
            raise ValueError("ArrayStack needs at least one array")
        self._core = _zring.ArrayStack([a._core for a in self.arrays])

    def __reduce__(self):
        return (ArrayStack, (self.arrays,))

    @property
    def shape(self) -> Tuple[int, ...]:
        return self.arrays[0].shape + (len(self.arrays),)

    @property
    def dtype(self) -> np.dtype:
        return self.arrays[0].dtype

    def read_crops(self, starts: Any, shape: Sequence[int], out: Any = None) -> Any:
        a0 = self.arrays[0]
        shape = _crop_shape(shape, a0.ndim)
        s = _starts_array(starts, a0.ndim)
        want = (s.shape[0],) + shape + (len(self.arrays),)
        if out is None:
            result = np.empty(want, dtype=a0.dtype)
            self._core.read_crops_into(s, shape, _buffer_target(result, a0.dtype))
            return result
        view = _writable_view(out)
        if view.shape != want or not view.flags.c_contiguous:
            raise ValueError(f"out must be C-contiguous with shape {want}, got {view.shape}")
        self._core.read_crops_into(s, shape, _buffer_target(view, a0.dtype))
        return out


class Group:
    """A Zarr group: ``g["name"]`` / ``g["a/b"]`` open children, ``g.arrays()`` lists arrays."""

    def __init__(self, store: str, path: str = "", *, threads: int = 0,
                 budget_bytes: int = _DEFAULT_BUDGET_BYTES,
                 storage_options: Optional[dict] = None):
        self.store_path = _store_str(store)
        self.path = path.strip("/")
        self._pairs = _option_pairs(storage_options)
        kind, self.zarr_format, attrs_json = _zring.node_info(self.store_path, self.path,
                                                              self._pairs)
        if kind != "group":
            raise ValueError(f"{self.store_path}/{self.path} is an array, not a group")
        self.attrs = json.loads(attrs_json)
        self._options = {"threads": threads, "budget_bytes": budget_bytes,
                         "storage_options": dict(storage_options or {})}

    def __reduce__(self):
        return (_reopen_group, (self.store_path, self.path, self._options))

    def _children(self) -> dict:
        base = "/" + self.path if self.path else ""
        kinds: dict = {}
        for node, kind in _zring.list_nodes(self.store_path, self.path, self._pairs):
            if node == (base or "/"):
                continue
            rel = node[len(base):].lstrip("/")
            name, _, rest = rel.partition("/")
            kinds[name] = "group" if rest else kinds.get(name, kind)
        return dict(sorted(kinds.items()))

    def keys(self) -> list:
        return list(self._children())

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __contains__(self, name: str) -> bool:
        try:
            self[name]
        except (FileNotFoundError, KeyError):
            return False
        return True

    def arrays(self) -> list:
        """(name, Array) for every array directly in this group, sorted by name."""
        return [(n, self[n]) for n, k in self._children().items() if k == "array"]

    def groups(self) -> list:
        return [(n, self[n]) for n, k in self._children().items() if k == "group"]

    def __getitem__(self, name: str) -> Union[Array, "Group"]:
        path = "/".join(p for p in (self.path, name.strip("/")) if p)
        try:
            return open(self.store_path, path, **self._options)
        except FileNotFoundError:
            raise KeyError(name) from None

    def __repr__(self) -> str:
        return f"<zring.Group {self.store_path} path={'/' + self.path}>"


def _reopen_group(store_path, path, options):
    return Group(store_path, path, **options)


def open(store: Any, path: str = "", *, threads: int = 0,
         budget_bytes: int = _DEFAULT_BUDGET_BYTES,
         storage_options: Optional[dict] = None) -> Union[Array, Group]:
    """Opens the array or group at `path` inside `store`: a directory, or the URL of a remote
    store (http://, https://, s3://bucket/prefix, gs://bucket/prefix).

    `threads`: decode workers per array (0: one per core); `budget_bytes`: stored bytes in
    flight per read; `storage_options`: the remote store's options (see the module docstring;
    ignored for a directory). FileNotFoundError when there is no store or node;
    PermissionError when the server refuses (403); ValueError for malformed metadata or bad
    options; NotImplementedError for valid but unsupported features."""
    store = _store_str(store)
    kind, _, _ = _zring.node_info(store, path, _option_pairs(storage_options))
    if kind == "array":
        return Array(store, path, threads=threads, budget_bytes=budget_bytes,
                     storage_options=storage_options)
    return Group(store, path, threads=threads, budget_bytes=budget_bytes,
                 storage_options=storage_options)
