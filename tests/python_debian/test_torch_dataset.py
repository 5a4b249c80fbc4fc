"""zring.torch.RandomCropDataset with torch 1.13: items equal direct reads; DataLoader workers
forked after the parent read; the same crops for the same (seed, epoch) whatever num_workers
and world size; DistributedSampler / CropSampler coverage; persistent workers across epochs."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest
import torch
import zarr
from torch.utils.data import BatchSampler, DataLoader, DistributedSampler, SequentialSampler

import zring
import zring.torch as zt

CROP = (4, 32, 24)
ABC = ["a", "b", "c"]
LOADER_TIMEOUT_S = 120  # a DataLoader worker that hangs fails the test instead of the suite


def _threads() -> int:
    return len(os.listdir("/proc/self/task"))


def _expected(store, names, origins):
    """Crops read by zarr-python 2.13, stacked like the dataset's items."""
    arrays = [zarr.open_array(str(store), path=n, mode="r") for n in names]
    out = []
    for o in origins:
        box = tuple(slice(int(s), int(s) + c) for s, c in zip(o, CROP))
        chans = [a[box] for a in arrays]
        out.append(np.stack(chans, axis=-1))  # a list of arrays always has a channel axis
    return np.stack(out)


def test_items_equal_zarr_reads_and_no_threads_before_first_read(group_store):
    before = _threads()
    ds = zt.RandomCropDataset(group_store, CROP, arrays=["a", "b", "c"], length=50, seed=3)
    ds2 = pickle.loads(pickle.dumps(ds))
    assert _threads() == before, "opening or unpickling a dataset started threads"
    assert ds._reader is None and ds2._reader is None
    idx = [0, 7, 49, 7]
    batch = ds.read_batch(idx)
    assert _threads() > before
    assert batch.shape == (4,) + CROP + (3,) and batch.dtype == torch.int16
    np.testing.assert_array_equal(batch.numpy(), _expected(group_store, ABC, ds.origins(idx)))
    np.testing.assert_array_equal(ds[7].numpy(), batch[1].numpy())
    np.testing.assert_array_equal(ds2[49].numpy(), batch[2].numpy())
    with pytest.raises(IndexError):
        ds[50]


def test_single_array_and_default_arrays(group_store):
    one = zt.RandomCropDataset(group_store / "b", CROP, length=10)
    assert one[3].shape == CROP
    np.testing.assert_array_equal(
        one.read_batch(range(10)).numpy(),
        np.stack([zarr.open_array(str(group_store / "b"), mode="r")[
            tuple(slice(int(s), int(s) + c) for s, c in zip(o, CROP))]
            for o in one.origins(range(10))]))
    # By default every 3-d array of the group is a channel; here u's dtype differs from a's.
    with pytest.raises(ValueError, match="differ"):
        zt.RandomCropDataset(group_store, CROP, length=5)
    assert len(zt.RandomCropDataset(group_store, CROP, arrays=["a"])) == \
        (12 // 4) * (96 // 32) * (80 // 24)


def test_types_torch_lacks_convert_on_request(group_store):
    with pytest.raises(TypeError, match="dtype="):
        zt.RandomCropDataset(group_store, CROP, arrays=["u"], length=4)
    ds = zt.RandomCropDataset(group_store, CROP, arrays=["u"], length=4, dtype=torch.int32)
    batch = ds.read_batch(range(4))
    assert batch.dtype == torch.int32 and batch.shape == (4,) + CROP + (1,)
    want = _expected(group_store, ["u"], ds.origins(range(4)))
    np.testing.assert_array_equal(batch.numpy(), want)


def test_collate_returns_the_batch_read_without_a_copy(group_store):
    ds = zt.RandomCropDataset(group_store, CROP, arrays=ABC, length=20)
    samples = ds.__getitems__([1, 2, 3])
    batch = zt.collate(samples)
    assert batch.shape == (3,) + CROP + (3,)
    assert batch.data_ptr() == samples[0].data_ptr()
    np.testing.assert_array_equal(batch[2].numpy(), ds[3].numpy())


def _all_crops(loader, ds):
    """{index: crop bytes} over one pass of `loader` (a sampler of plain indices)."""
    got = {}
    order = list(loader.batch_sampler) if loader.batch_sampler is not None else None
    for batch_idx, batch in zip(order, loader):
        for i, crop in zip(batch_idx, batch):
            key = i if isinstance(i, int) else tuple(i)
            got[key] = crop.numpy().tobytes()
    return got


@pytest.mark.parametrize("num_workers", [0, 1, 2])
def test_same_crops_whatever_num_workers_after_parent_read(group_store, num_workers):
    ds = zt.RandomCropDataset(group_store, CROP, arrays=ABC, length=40, seed=11)
    ds.set_epoch(2)
    reference = ds.read_batch(list(range(40))).numpy()  # the parent reads first, then forks
    loader = DataLoader(ds, batch_size=6, num_workers=num_workers, collate_fn=zt.collate,
                        timeout=LOADER_TIMEOUT_S if num_workers else 0,
                        multiprocessing_context="fork" if num_workers else None)
    got = _all_crops(loader, ds)
    assert sorted(got) == list(range(40))
    for i in range(40):
        assert got[i] == reference[i].tobytes(), i


@pytest.mark.parametrize("world", [1, 2, 3])
def test_crop_sampler_covers_every_index_with_the_same_crops(group_store, world):
    ds = zt.RandomCropDataset(group_store, CROP, arrays=ABC, length=25, seed=5)
    reference = {e: ds.read_batch([(e, i) for i in range(25)]).numpy() for e in (0, 1)}
    assert (reference[0] != reference[1]).any()
    for epoch in (0, 1):
        seen = {}
        for rank in range(world):
            sampler = zt.CropSampler(ds, rank=rank, world_size=world)
            sampler.set_epoch(epoch)
            assert len(list(sampler)) == len(sampler) == -(-25 // world)
            loader = DataLoader(ds, batch_size=4, sampler=sampler, num_workers=2,
                                collate_fn=zt.collate, timeout=LOADER_TIMEOUT_S,
                                multiprocessing_context="fork")
            for (e, i), crop in _pairs(loader):
                assert e == epoch
                seen.setdefault(i, crop)
                assert seen[i] == crop
        assert sorted(seen) == list(range(25))
        for i, crop in seen.items():
            assert crop == reference[epoch][i].tobytes()


def _pairs(loader):
    for idx, batch in zip(loader.batch_sampler, loader):
        for ix, crop in zip(idx, batch):
            yield (int(ix[0]), int(ix[1])), crop.numpy().tobytes()


def test_torch_distributed_sampler_covers_every_index(group_store):
    ds = zt.RandomCropDataset(group_store, CROP, arrays=ABC, length=23, seed=1)
    reference = ds.read_batch(list(range(23))).numpy()
    seen = set()
    for rank in range(4):
        sampler = DistributedSampler(ds, num_replicas=4, rank=rank, shuffle=True, seed=9)
        sampler.set_epoch(0)
        loader = DataLoader(ds, batch_size=3, sampler=sampler, num_workers=2,
                            collate_fn=zt.collate, timeout=LOADER_TIMEOUT_S,
                            multiprocessing_context="fork")
        got = _all_crops(loader, ds)
        for i, crop in got.items():
            assert crop == reference[i].tobytes()
        seen |= set(got)
    assert seen == set(range(23))


def test_persistent_workers_follow_the_sampler_epoch(group_store):
    ds = zt.RandomCropDataset(group_store, CROP, arrays=ABC, length=12, seed=4)
    sampler = zt.CropSampler(ds, shuffle=False)
    loader = DataLoader(ds, batch_size=5, sampler=sampler, num_workers=2, persistent_workers=True,
                        collate_fn=zt.collate, timeout=LOADER_TIMEOUT_S,
                        multiprocessing_context="fork")
    epochs = []
    for epoch in range(3):
        sampler.set_epoch(epoch)
        crops = torch.cat(list(loader)).numpy()
        np.testing.assert_array_equal(crops, ds.read_batch([(epoch, i) for i in range(12)]))
        epochs.append(crops)
    assert (epochs[0] != epochs[1]).any() and (epochs[1] != epochs[2]).any()


def test_batch_sampler_as_index_reads_whole_batches(group_store):
    ds = zt.RandomCropDataset(group_store, CROP, arrays=ABC, length=10)
    loader = DataLoader(ds, batch_size=None, num_workers=2, timeout=LOADER_TIMEOUT_S,
                        sampler=BatchSampler(SequentialSampler(ds), 4, drop_last=False),
                        multiprocessing_context="fork")
    batches = list(loader)
    assert [b.shape[0] for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(torch.cat(batches).numpy(), ds.read_batch(range(10)).numpy())


def test_bad_arguments(group_store):
    with pytest.raises(ValueError, match="differ"):
        zt.RandomCropDataset(group_store, (4, 32), arrays=["a", "x"])
    with pytest.raises(ValueError):
        zt.RandomCropDataset(group_store, (13, 32, 24), arrays=["a"], length=3)
    with pytest.raises(ValueError, match="rank"):
        zt.CropSampler(zt.RandomCropDataset(group_store, CROP, arrays=ABC, length=3), rank=2,
                       world_size=2)
    with pytest.raises(FileNotFoundError):
        zt.RandomCropDataset(group_store / "nope", CROP)
    assert zring.open(group_store)["a"].shape == (12, 96, 80)
