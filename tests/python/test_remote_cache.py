"""The local cache tier (storage option cache_dir) across processes, served by nginx.

- A second process reading the same crops with the same cache_dir transfers (almost) no bytes:
  it only revalidates what it finds (conditional GETs answered 304 - the ETag of an object is
  learned per process) and gets the same sha256.
- Corrupting or truncating every file in the cache never yields wrong bytes: a later process
  still gets the same sha256 (bad entries are misses, read again from the server).
- zring.open with cache_dir in a child Python process: the same values, no data transferred.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import zarr

import py_bindings
from remote_servers import storage_args

CROP = (4, 16, 16)


@pytest.fixture(scope="module")
def served(nginx, tmp_path_factory):
    """(local store, URL, starts file, values): a v3 sharded array and a v2 chunked one."""
    root = tmp_path_factory.mktemp("remote_cache")
    rng = np.random.default_rng(9)
    data = rng.integers(0, 60000, (32, 96, 96), dtype="<u2")
    zarr.create_array(str(root / "sharded.zarr"), shape=data.shape, chunks=(4, 16, 16),
                      shards=(8, 32, 32), dtype="<u2")[:] = data
    zarr.create_array(str(root / "chunked.zarr"), shape=data.shape, chunks=(8, 24, 24),
                      dtype="<u2", zarr_format=2)[:] = data
    starts = np.stack([rng.integers(0, s - c + 1, 60) for s, c in zip(data.shape, CROP)], axis=1)
    (root / "starts.txt").write_text("".join(",".join(map(str, s)) + "\n" for s in starts))
    base = nginx.url("cache", root)
    return root, base, root / "starts.txt", data, starts


def _bench(zring, url, starts_file, cache_dir, nginx):
    """`zring bench crops` through the cache: (sha256, [logged requests])."""
    mark = nginx.mark()
    r = zring.run("bench", "crops", url, "--crop", ",".join(map(str, CROP)), "--starts",
                  starts_file, "--checksum", "--json",
                  *storage_args({"cache_dir": cache_dir, "cache_bytes": 64 << 20}))
    assert r.returncode == 0, r.describe()
    sha = json.loads(r.stdout.strip().splitlines()[-1])["sha256"]
    return sha, nginx.requests_since(mark)


def _data_bytes(reqs, name):
    return sum(r.body_bytes for r in reqs if f"/{name}/" in r.uri and r.status in (200, 206))


@pytest.mark.parametrize("name", ["sharded.zarr", "chunked.zarr"])
def test_second_process_reads_from_the_cache(zring, nginx, served, tmp_path, name):
    root, base, starts_file, data, starts = served
    url = f"{base}/{name}"
    cache = tmp_path / "cache"
    local = zring.run("bench", "crops", root / name, "--crop", ",".join(map(str, CROP)),
                      "--starts", starts_file, "--checksum", "--json")
    assert local.returncode == 0, local.describe()
    sha1, first = _bench(zring, url, starts_file, cache, nginx)
    assert sha1 == json.loads(local.stdout.strip().splitlines()[-1])["sha256"]
    first_bytes = _data_bytes(first, name)
    assert first_bytes > 0 and any(cache.rglob("*")), "the first run cached nothing"

    sha2, second = _bench(zring, url, starts_file, cache, nginx)
    assert sha2 == sha1
    second_bytes = _data_bytes(second, name)
    assert second_bytes <= first_bytes * 0.02 + 4096, (second_bytes, first_bytes)
    assert any(r.status == 304 for r in second), "cached entries were not revalidated"
    # The crops are right, not only equal between runs: the first crop against the data.
    s = starts[0]
    want = data[s[0]:s[0] + CROP[0], s[1]:s[1] + CROP[1], s[2]:s[2] + CROP[2]]
    got = py_bindings.zring.open(url).read_crops(starts[:1], CROP)[0]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_cache_never_gives_wrong_bytes(zring, nginx, served, tmp_path, damage):
    root, base, starts_file, data, starts = served
    url = f"{base}/sharded.zarr"
    cache = tmp_path / "cache"
    sha1, _ = _bench(zring, url, starts_file, cache, nginx)
    files = [p for p in cache.rglob("*") if p.is_file() and p.stat().st_size > 0]
    assert files, "the first run cached nothing"
    damaged = 0
    for p in files:
        b = bytearray(p.read_bytes())
        if damage == "flip":
            for i in range(len(b) // 2, len(b), max(1, len(b) // 16)):
                b[i] ^= 0x5A
        else:
            b = b[:len(b) // 2]
        p.write_bytes(bytes(b))
        damaged += 1
    sha2, reqs = _bench(zring, url, starts_file, cache, nginx)
    assert sha2 == sha1, f"wrong bytes after damaging {damaged} cache files ({damage})"
    assert _data_bytes(reqs, "sharded.zarr") > 0, "damaged entries must be read again"
    # And the cache heals: the next process transfers almost nothing again.
    sha3, reqs3 = _bench(zring, url, starts_file, cache, nginx)
    assert sha3 == sha1
    assert _data_bytes(reqs3, "sharded.zarr") <= _data_bytes(reqs, "sharded.zarr") * 0.05 + 4096


CHILD = """
import sys, numpy as np
sys.path[:0] = {path!r}
import zring
a = zring.open({url!r}, storage_options={{"cache_dir": {cache!r}, "cache_bytes": "64MiB"}})
starts = np.array({starts!r})
sys.stdout.buffer.write(a.read_crops(starts, {crop!r}).tobytes())
"""


def test_python_processes_share_the_cache(nginx, served, tmp_path):
    root, base, starts_file, data, starts = served
    url = f"{base}/chunked.zarr"
    code = CHILD.format(path=py_bindings.PYTHONPATH, url=url, cache=str(tmp_path / "c"),
                        starts=starts[:20].tolist(), crop=CROP)
    want = np.stack([data[s[0]:s[0] + CROP[0], s[1]:s[1] + CROP[1], s[2]:s[2] + CROP[2]]
                     for s in starts[:20]])
    outs = []
    for _ in range(2):
        mark = nginx.mark()
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120,
                           env=py_bindings.subprocess_env())
        assert p.returncode == 0, p.stderr.decode(errors="replace")
        outs.append((p.stdout, _data_bytes(nginx.requests_since(mark), "chunked.zarr")))
    assert outs[0][0] == want.tobytes() and outs[1][0] == want.tobytes()
    assert outs[0][1] > 0 and outs[1][1] <= outs[0][1] * 0.02 + 4096, outs
    assert os.listdir(tmp_path / "c"), "nothing was cached"
