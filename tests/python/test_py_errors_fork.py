"""zring from Python: errors map to Python exceptions with the C++ message; pickling; reads in
processes forked after the parent read (os.fork and multiprocessing) give the same bytes and
never hang."""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import shutil
import signal

import numpy as np
import pytest
import zarr

import py_bindings
from py_bindings import zring

CROP = (4, 8, 16)


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    return py_bindings.write_stores(tmp_path_factory.mktemp("py_errors"))


def test_missing_store_and_node_raise_file_not_found(tmp_path, stores):
    with pytest.raises(FileNotFoundError, match="nope"):
        zring.open(tmp_path / "nope")
    with pytest.raises(FileNotFoundError) as e:
        zring.open(stores["v3"], "no/such/array")
    assert e.value.errno == 2
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no Zarr array or group"):
        zring.open(tmp_path / "empty")


def test_malformed_metadata_is_value_error(tmp_path):
    d = tmp_path / "bad.zarr"
    d.mkdir()
    (d / "zarr.json").write_text('{"zarr_format": 3, "node_type": "array", "shape": [4], '
                                 '"data_type": "int16", "chunk_grid": {"name": "regular", '
                                 '"configuration": {"chunk_shape": [0]}}, "chunk_key_encoding": '
                                 '{"name": "default"}, "fill_value": 0, "codecs": '
                                 '[{"name": "bytes"}]}')
    with pytest.raises(ValueError, match="chunk"):
        zring.open(d)


def test_corrupt_chunk_raises_corrupt_chunk_error_naming_the_chunk(tmp_path, stores):
    src = stores["v3"] / "t"
    dst = tmp_path / "t"
    shutil.copytree(src, dst)
    chunk = dst / "c" / "1" / "2" / "0"
    chunk.write_bytes(b"\x28\xb5\x2f\xfd garbage that is not a zstd frame")
    a = zring.open(dst)
    # Crops that do not touch the chunk still read.
    np.testing.assert_array_equal(a.read_crops([[0, 0, 0]], CROP)[0],
                                  zarr.open_array(src, mode="r")[0:4, 0:8, 0:16])
    with pytest.raises(zring.CorruptChunkError) as e:
        a.read_crops([[0, 0, 0], [4, 16, 0]], CROP)
    assert isinstance(e.value, OSError)
    msg = str(e.value)
    assert "crop 1" in msg and "c/1/2/0" in msg, msg
    with pytest.raises(zring.CorruptChunkError):
        a[5, 17, 3]


def test_truncated_shard_raises_corrupt_chunk_error(tmp_path, stores):
    dst = tmp_path / "s"
    shutil.copytree(stores["v3"] / "s", dst)
    shard = dst / "c" / "0" / "0" / "0"
    shard.write_bytes(shard.read_bytes()[:-7])
    with pytest.raises(zring.CorruptChunkError, match="c/0/0/0"):
        zring.open(dst)[0, 0, 0]


def test_arrays_pickle_as_path_and_options(stores):
    a = zring.open(stores["v3"], "t", threads=1, budget_bytes=1 << 20)
    a[0]
    b = pickle.loads(pickle.dumps(a))
    assert (b.store_path, b.path, b._core.threads, b._core.budget_bytes) == \
        (a.store_path, "t", 1, 1 << 20)
    assert b.stats()["chunks_decoded"] == 0  # reopened, not read yet
    np.testing.assert_array_equal(b[2:5], a[2:5])
    g = pickle.loads(pickle.dumps(zring.open(stores["v3"])))
    assert g.keys() == zring.open(stores["v3"]).keys()


def _starts(shape, n, seed):
    rng = np.random.default_rng(seed)
    return np.stack([rng.integers(0, s - c + 1, n) for s, c in zip(shape, CROP)], axis=1)


def _wait_child(pid, seconds=60):
    """Exit status of `pid`; kills it and fails when it runs for longer (a hang)."""
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"child {pid} hung for {seconds} s")


@pytest.mark.parametrize("name", ["t", "s"])
def test_os_fork_after_parent_read(tmp_path, stores, name):
    a = zring.open(stores["v3"], name)
    starts = _starts(a.shape, 64, 5)
    want = a.read_crops(starts, CROP)  # the parent's reader and engine now run threads
    result = tmp_path / "child.npy"
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            got = a.read_crops(starts, CROP)
            again = a.read_crops(starts[::-1].copy(), CROP)
            np.save(result, np.stack([got, again[::-1]]))
            code = 0 if a.stats()["chunks_decoded"] > 0 else 3
        finally:
            os._exit(code)
    assert _wait_child(pid) == 0
    child = np.load(result)
    np.testing.assert_array_equal(child[0], want)
    np.testing.assert_array_equal(child[1], want)
    # The parent's reader still works after the fork.
    np.testing.assert_array_equal(a.read_crops(starts, CROP), want)


def _child_read(args):
    a, starts = args
    out = a.read_crops(starts, CROP)
    return out.tobytes(), os.getpid()


def test_multiprocessing_fork_pool_after_parent_read(stores):
    a = zring.open(stores["v3"], "t")
    parts = [_starts(a.shape, 20, s) for s in range(4)]
    want = [a.read_crops(p, CROP).tobytes() for p in parts]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2) as pool:
        got = pool.map_async(_child_read, [(a, p) for p in parts]).get(timeout=120)
    assert [g for g, _ in got] == want
    assert all(pid != os.getpid() for _, pid in got)


def test_spawned_process_reopens_from_pickle(stores):
    a = zring.open(stores["v3"], "s")
    starts = _starts(a.shape, 10, 9)
    ctx = multiprocessing.get_context("spawn")
    # Spawned children import this module by name: give them the same sys.path.
    with ctx.Pool(1, initializer=_set_path, initargs=(py_bindings.PYTHONPATH,)) as pool:
        got, _ = pool.apply_async(_child_read, ((a, starts),)).get(timeout=120)
    assert got == a.read_crops(starts, CROP).tobytes()


def _set_path(paths):
    import sys
    for p in reversed(paths):
        sys.path.insert(0, p)


def test_fork_while_another_thread_reads(tmp_path, stores):
    """A fork taken while a thread of the parent is inside a read: the child's copy of that
    reader is abandoned (its locks may be held), so the child reads through a new one."""
    import threading
    a = zring.open(stores["v3"], "t", threads=1)
    starts = _starts(a.shape, 3000, 11)
    want = a.read_crops(starts[:50], CROP)
    stop = threading.Event()

    def spin():
        while not stop.is_set():
            a.read_crops(starts, CROP)

    t = threading.Thread(target=spin)
    t.start()
    try:
        import time
        time.sleep(0.05)
        result = tmp_path / "r.json"
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                got = a.read_crops(starts[:50], CROP)
                result.write_text(json.dumps(bool((got == want).all())))
                code = 0
            finally:
                os._exit(code)
        assert _wait_child(pid) == 0
        assert json.loads(result.read_text()) is True
    finally:
        stop.set()
        t.join()
