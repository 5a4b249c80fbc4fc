"""PyTorch datasets over zring: deterministic random crops for training loops.

    from torch.utils.data import DataLoader
    import zring.torch

    ds = zring.torch.RandomCropDataset("/data/scene.zarr", (4, 128, 128), arrays=["b2", "b3", "b4"],
                                       length=100_000, seed=0)
    sampler = zring.torch.CropSampler(ds, rank=rank, world_size=world)   # or DistributedSampler
    loader = DataLoader(ds, batch_size=32, sampler=sampler, num_workers=4,
                        collate_fn=zring.torch.collate)
    for epoch in range(10):
        sampler.set_epoch(epoch)
        for batch in loader:            # (32, 4, 128, 128, 3) uint16 tensor
            ...

Determinism: crop `i` of epoch `e` is a pure function of (seed, e, i) (zarr/sampler.h), so the
crops a run sees do not depend on num_workers, world size or restarts. The epoch reaches the
workers either through the indices CropSampler yields, ``(epoch, i)`` pairs (which also works
with persistent_workers, whose dataset copies never see a later ``set_epoch``), or through
``ds.set_epoch(e)`` before the workers start (plain integer indices, e.g. DistributedSampler
without persistent workers).

Processes: the dataset pickles as (store, options) and opens the store lazily, at the first
read in each process; nothing (threads, rings) exists before that. A worker forked after the
parent read gets its own reader (zring.Array is fork-aware) and never waits on the parent's.

Batches: ``__getitems__`` (used by DataLoader for batched fetches) reads the whole batch in one
pipeline call into one tensor; with ``collate_fn=zring.torch.collate`` that tensor is the batch,
with no further copy (the default collate works too, and stacks a copy).
"""

from __future__ import annotations

import math
from typing import Any, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.utils.data

import zring
from zring import _zring

__all__ = ["CropSampler", "RandomCropDataset", "collate", "crop_origins"]


def crop_origins(array_shape: Sequence[int], crop: Sequence[int], seed: int, length: int,
                 epoch: int, indices: Any, roi: Optional[Tuple[Sequence[int], Sequence[int]]] = None
                 ) -> np.ndarray:
    """Origins ((N, ndim) int64) of crops `indices` of `epoch`: the C++ sampler's pure function
    of (seed, epoch, index)."""
    idx = np.ascontiguousarray(np.asarray(indices, dtype=np.int64).reshape(-1))
    out = np.empty((idx.shape[0], len(crop)), dtype=np.int64)
    begin, end = roi if roi is not None else (None, None)
    _zring.crop_origins(list(array_shape), list(crop), seed, length, epoch, idx, out,
                        None if begin is None else list(begin), None if end is None else list(end))
    return out


class _Batch(list):
    """Samples that are views of one batch tensor; `collate` returns the tensor itself."""

    def __init__(self, batch: torch.Tensor):
        super().__init__(batch.unbind(0))
        self.batch = batch


def collate(samples: Any) -> Any:
    """DataLoader collate_fn: the batch tensor of a `__getitems__` result without a copy; any
    other list goes through torch's default collate."""
    if isinstance(samples, _Batch):
        return samples.batch
    return torch.utils.data.default_collate(samples)


class RandomCropDataset(torch.utils.data.Dataset):
    """Map-style dataset of random crops of one array, or of several arrays stacked as channels.

    store:   a directory store path or a remote store URL (an array, or a group with `arrays`).
    crop:    the crop shape (one extent per array dimension).
    arrays:  names of arrays in the group, read with the same box and stacked as the last axis
             (..., C); None: the store's array, or - for a group - every array of the group with
             len(crop) dimensions (they must share shape and dtype), stacked likewise.
    length:  crops per epoch; None: how many disjoint crops tile the region.
    seed:    the sampler seed; the epoch comes from set_epoch or from (epoch, i) indices.
    roi:     (begin, end) per dimension: crops lie inside [begin, end).
    threads, budget_bytes: reader options per array (zring.open).
    storage_options: a remote store's options (zring.open), pickled into workers with the rest.
    dtype:   a torch dtype to convert crops to (one more copy per batch); needed for data types
             the installed torch has no tensor type for (uint16/uint32/uint64 before torch 2.3).
    Items are torch tensors of shape `crop` (one array) or (*crop, C).
    """

    def __init__(self, store: Any, crop: Sequence[int], arrays: Optional[Sequence[str]] = None,
                 length: Optional[int] = None, seed: int = 0,
                 roi: Optional[Tuple[Sequence[int], Sequence[int]]] = None, *, threads: int = 0,
                 budget_bytes: int = 256 << 20, dtype: Optional[torch.dtype] = None,
                 storage_options: Optional[dict] = None):
        self.store = str(store)
        self.storage_options = dict(storage_options or {})
        self.crop = tuple(int(c) for c in crop)
        self.arrays = None if arrays is None else [str(a) for a in arrays]
        self.seed = int(seed)
        self.roi = None if roi is None else (tuple(roi[0]), tuple(roi[1]))
        self.threads = threads
        self.budget_bytes = budget_bytes
        self.epoch = 0
        self._reader = None  # zring.Array or zring.ArrayStack, per process, made at first use
        self.dtype = dtype
        names, shape, stacked, np_dtype = self._describe()
        self._names, self.array_shape, self._stacked = names, shape, stacked
        self._convert_to = None
        if dtype is not None:
            self._convert_to = torch.empty(0, dtype=dtype).numpy().dtype
        else:
            try:
                torch.from_numpy(np.empty(0, dtype=np_dtype))
            except TypeError:
                raise TypeError(f"torch {torch.__version__} has no tensor type for {np_dtype}: "
                                f"pass dtype= (e.g. dtype=torch.int32) to convert crops") from None
        if length is None:
            begin, end = self.roi if self.roi else ((0,) * len(shape), shape)
            length = math.prod(max(0, (e - b) // c) for b, e, c in zip(begin, end, self.crop))
        self.length = int(length)
        # Checks crop, roi and length against the array now rather than in a worker.
        crop_origins(self.array_shape, self.crop, self.seed, self.length, 0, [], self.roi)

    def _describe(self) -> Tuple[List[str], Tuple[int, ...], bool, np.dtype]:
        """(array paths, shape, stacked, dtype) from metadata only; starts no reader."""
        node = zring.open(self.store, threads=self.threads, budget_bytes=self.budget_bytes,
                          storage_options=self.storage_options)
        if isinstance(node, zring.Array):
            if self.arrays is not None:
                raise ValueError(f"{self.store} is an array; `arrays` names arrays of a group")
            return [""], node.shape, False, node.dtype
        names = self.arrays
        if names is None:
            names = [n for n, a in node.arrays() if a.ndim == len(self.crop)]
            if not names:
                raise ValueError(f"group {self.store} has no {len(self.crop)}-d array")
        members = [node[n] for n in names]
        for n, a in zip(names, members):
            if not isinstance(a, zring.Array):
                raise ValueError(f"{n} in {self.store} is a group, not an array")
            if a.shape != members[0].shape or a.dtype != members[0].dtype:
                raise ValueError(f"arrays {names[0]} {members[0].shape} {members[0].dtype} and "
                                 f"{n} {a.shape} {a.dtype} differ: stacked arrays need one "
                                 f"shape and dtype")
        return list(names), members[0].shape, True, members[0].dtype

    def _open(self):
        if self._reader is None:
            opts = {"threads": self.threads, "budget_bytes": self.budget_bytes,
                    "storage_options": self.storage_options}
            arrays = [zring.Array(self.store, n, **opts) for n in self._names]
            self._reader = zring.ArrayStack(arrays) if self._stacked else arrays[0]
        return self._reader

    # Pickled as (store, options): the reader is never shipped to another process.
    def __getstate__(self):
        state = self.__dict__.copy()
        state["_reader"] = None
        return state

    def __len__(self) -> int:
        return self.length

    def set_epoch(self, epoch: int) -> None:
        """The epoch of plain integer indices (CropSampler's (epoch, i) pairs carry their own)."""
        self.epoch = int(epoch)

    def _split(self, indices: Sequence[Any]) -> List[Tuple[int, int]]:
        pairs = []
        for ix in indices:
            if isinstance(ix, (tuple, list)) and len(ix) == 2:
                e, i = int(ix[0]), int(ix[1])
            elif isinstance(ix, torch.Tensor) and ix.numel() == 2:
                e, i = (int(v) for v in ix.tolist())
            else:
                e, i = self.epoch, int(ix)
            if not 0 <= i < self.length:
                raise IndexError(f"index {i} is out of range for {self.length} crops")
            pairs.append((e, i))
        return pairs

    def origins(self, indices: Sequence[Any]) -> np.ndarray:
        """Crop origins ((N, ndim)) of `indices` (ints, or (epoch, i) pairs)."""
        pairs = self._split(indices)
        out = np.empty((len(pairs), len(self.crop)), dtype=np.int64)
        for e in sorted({e for e, _ in pairs}):
            rows = [k for k, (pe, _) in enumerate(pairs) if pe == e]
            out[rows] = crop_origins(self.array_shape, self.crop, self.seed, self.length, e,
                                     [pairs[k][1] for k in rows], self.roi)
        return out

    def read_batch(self, indices: Sequence[Any]) -> torch.Tensor:
        """One tensor (N, *crop[, C]) of crops `indices`, read in one pipeline call."""
        crops = self._open().read_crops(self.origins(indices), self.crop)
        if self._convert_to is not None:
            crops = crops.astype(self._convert_to)
        return torch.from_numpy(crops)

    def __getitem__(self, index: Union[int, Tuple[int, int], Sequence[Any]]) -> torch.Tensor:
        if isinstance(index, (list, np.ndarray)) or (
                isinstance(index, torch.Tensor) and index.dim() == 1 and index.numel() != 2):
            return self.read_batch(list(index))  # a BatchSampler's list as one index
        return self.read_batch([index])[0]

    def __getitems__(self, indices: Sequence[Any]) -> List[torch.Tensor]:
        return _Batch(self.read_batch(indices))


class CropSampler(torch.utils.data.Sampler):
    """DistributedSampler semantics over a RandomCropDataset, yielding (epoch, index) pairs.

    Rank `rank` of `world_size` reads indices rank, rank + world, ... of the epoch's order
    (shuffled by (seed, epoch) when `shuffle`), padded by repetition to a multiple of the world
    size or, with `drop_last`, cut to one (zarr/sampler.h RankIndices). Call set_epoch at the
    start of each epoch. rank / world_size default to torch.distributed's when it is initialised,
    else 0 / 1."""

    def __init__(self, dataset: RandomCropDataset, rank: Optional[int] = None,
                 world_size: Optional[int] = None, shuffle: bool = True, drop_last: bool = False,
                 seed: Optional[int] = None):
        dist = torch.distributed
        initialised = dist.is_available() and dist.is_initialized()
        self.rank = rank if rank is not None else (dist.get_rank() if initialised else 0)
        self.world_size = world_size if world_size is not None else (
            dist.get_world_size() if initialised else 1)
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f"rank {self.rank} is not in [0, {self.world_size})")
        self.length = len(dataset)
        self.seed = dataset.seed if seed is None else int(seed)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def indices(self) -> List[int]:
        return _zring.rank_indices(self.length, self.seed, self.epoch, self.rank, self.world_size,
                                   self.shuffle, self.drop_last)

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        e = self.epoch
        return iter([(e, i) for i in self.indices()])

    def __len__(self) -> int:
        if self.drop_last:
            return self.length // self.world_size
        return -(-self.length // self.world_size)
