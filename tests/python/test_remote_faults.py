"""Reads through a misbehaving HTTP server (tests/remote/fault_server.py on 127.0.0.1) still
return exact bytes, retry a bounded number of times, and fail only what they must.

- 503s and 429s (with Retry-After), dropped connections (before the answer, mid-body, by RST),
  slow answers and answers slower than the request timeout: `zring checksum URL` equals the local
  checksum, zring.open(url) equals zarr-python's values, and each path was asked at most
  1 + max_retries times.
- A chunk that always answers 503: the crops that need it fail with an error naming its URL
  after 1 + max_retries attempts; every other crop of the same call reads exactly.
- A 429 with Retry-After: 1 is retried after about a second.
- 403 is not retried and raises PermissionError naming the URL; 404 on metadata is
  FileNotFoundError naming the URL.
"""

from __future__ import annotations

import time

import numcodecs
import numpy as np
import pytest
import zarr

from conftest import assert_clean_failure, parse_checksum_lines
from py_bindings import zring as zpkg  # the package; `zring` is the CLI fixture
from remote_servers import storage_args

MAX_RETRIES = 4
SHAPE, CHUNKS = (24, 48, 48), (8, 16, 16)   # 3 x 3 x 3 = 27 chunks


# zarr-python 3 warns that v3 consolidated metadata is not in the spec yet; zring reads it.
pytestmark = pytest.mark.filterwarnings("ignore:Consolidated metadata:UserWarning")

@pytest.fixture(scope="module")
def store(tmp_path_factory, fault_server):
    """(local path, URL, values) of a v2 blosc array and a v3 sharded one, in one group."""
    root = tmp_path_factory.mktemp("remote_faults") / "f.zarr"
    rng = np.random.default_rng(3)
    data = rng.integers(0, 1000, SHAPE, dtype="<u2")
    g = zarr.open_group(str(root), mode="w", zarr_format=2)
    g.create_array("a", shape=SHAPE, chunks=CHUNKS, dtype="<u2",
                   compressors=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=1))[:] = data
    g3 = zarr.open_group(str(root.parent / "s.zarr"), mode="w", zarr_format=3)
    g3.create_array("s", shape=SHAPE, chunks=(4, 8, 8), shards=CHUNKS, dtype="<u2")[:] = data
    zarr.consolidate_metadata(str(root))
    zarr.consolidate_metadata(str(root.parent / "s.zarr"))
    return {"v2": (root, fault_server.publish("f.zarr", root)),
            "v3": (root.parent / "s.zarr", fault_server.publish("s.zarr", root.parent / "s.zarr")),
            "data": data}


def _checksum_equal(zring, local, url, **options):
    opts = {"max_retries": MAX_RETRIES, **options}
    r = zring.run("checksum", url, *storage_args(opts))
    assert r.returncode == 0, r.describe()
    assert parse_checksum_lines(r.stdout, r) == zring.checksums(local)


def _max_asks(fault_server, prefix):
    counts = fault_server.path_counts(prefix)
    assert counts, f"no request reached the server under {prefix}"
    return max(counts.values())


FAULTS = {
    "503": dict(error_rate=0.3),
    # Retry-After: 0 keeps the run short; every object fails once, then answers.
    "429_retry_after": dict(fail_first=1, error_status=429, retry_after=0),
    "drop": dict(drop_rate=0.2),
    "drop_mid_body": dict(drop_mid_rate=0.25),
    "drop_rst": dict(drop_rate=0.15, drop_mid_rate=0.15, rst=True),
    "slow": dict(delay_ms=150, trickle_ms=5, trickle_bytes=512, slow_every=3),
}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("fmt", ["v2", "v3"])
def test_faults_still_give_exact_bytes(zring, fault_server, store, fault, fmt):
    local, url = store[fmt]
    fault_server.set_faults(seed=11, fault_prefix="/" + local.name + "/", **FAULTS[fault])
    fault_server.reset_stats()
    _checksum_equal(zring, local, url)
    stats = fault_server.stats()
    injected = sum(stats["faults"].values())
    assert injected > 0, f"no {fault} fault was injected: {stats}"
    # Whole-array reads ask each object about once; a retried one at most 1 + MAX_RETRIES times.
    assert _max_asks(fault_server, "/" + local.name + "/") <= 3 * (1 + MAX_RETRIES)
    if fault == "429_retry_after" and fmt == "v2":  # one request per v2 chunk: failed, then OK
        chunk_counts = {p: n for p, n in fault_server.path_counts("/" + local.name + "/").items()
                        if "/." not in p and not p.endswith("zarr.json")}
        assert chunk_counts and all(n == 2 for n in chunk_counts.values()), chunk_counts


def test_python_reads_through_faults(fault_server, store):
    local, url = store["v3"]
    fault_server.set_faults(seed=5, fault_prefix="/s.zarr/s/", error_rate=0.2, drop_rate=0.1,
                            drop_mid_rate=0.1)
    a = zpkg.open(url, "s", storage_options={"max_retries": 6})
    np.testing.assert_array_equal(a[...], store["data"])
    starts = np.array([[0, 0, 0], [5, 9, 17], [16, 40, 40], [11, 23, 3]])
    got = a.read_crops(starts, (8, 8, 8))
    for i, s in enumerate(starts):
        np.testing.assert_array_equal(got[i], store["data"][s[0]:s[0] + 8, s[1]:s[1] + 8,
                                                            s[2]:s[2] + 8])
    assert fault_server.stats()["faults"]["error"] > 0


def test_request_timeouts_are_retried(zring, fault_server, store):
    local, url = store["v2"]
    fault_server.set_faults(fault_prefix="/f.zarr/a/", delay_ms=1500, slow_every=6)
    fault_server.reset_stats()
    _checksum_equal(zring, local, url, request_timeout=0.5)
    assert fault_server.stats()["faults"]["slow"] > 0


def test_a_permanently_failing_chunk_fails_only_its_crops(fault_server, store):
    local, url = store["v2"]
    bad = "/f.zarr/a/1.0.2"   # chunk (1, 0, 2): z 8..16, y 0..16, x 32..48
    fault_server.set_faults(fail_paths={bad: 503})
    fault_server.reset_stats()
    a = zpkg.open(url, "a", storage_options={"max_retries": 2})
    data = store["data"]
    good = np.array([[0, 0, 0], [16, 30, 0], [2, 20, 20], [0, 32, 32]])
    needs_bad = np.array([[9, 3, 35]])
    starts = np.concatenate([good[:2], needs_bad, good[2:]])
    with pytest.raises(OSError) as e:
        a.read_crops(starts, (4, 8, 8))
    msg = str(e.value)
    # The first failed crop is the one that needs the bad chunk (number 2), not crop 0.
    assert "crop 2" in msg and "1.0.2" in msg and "503" in msg, msg
    asks = fault_server.path_counts(bad)[bad]
    assert 1 < asks <= 1 + 2, f"{bad} asked {asks} times with max_retries=2"
    got = a.read_crops(good, (4, 8, 8))
    for i, s in enumerate(good):
        np.testing.assert_array_equal(got[i], data[s[0]:s[0] + 4, s[1]:s[1] + 8, s[2]:s[2] + 8])


def test_403_is_not_retried_and_names_the_url(zring, fault_server, store):
    local, url = store["v2"]
    bad = "/f.zarr/a/0.1.1"
    fault_server.set_faults(fail_paths={bad: 403})
    fault_server.reset_stats()
    a = zpkg.open(url, "a", storage_options={"max_retries": 3})
    with pytest.raises(PermissionError) as e:
        a.read_crops([[0, 16, 16]], (2, 2, 2))
    assert "0.1.1" in str(e.value) and "403" in str(e.value), str(e.value)
    assert fault_server.path_counts(bad)[bad] == 1
    r = zring.run("checksum", url, "a")
    assert_clean_failure(r, "403", "0.1.1")


def test_missing_metadata_is_not_found_naming_the_url(zring, fault_server, store):
    local, url = store["v2"]
    fault_server.set_faults(fail_paths={"/f.zarr/a/.zarray": 404, "/f.zarr/.zmetadata": 404})
    with pytest.raises(FileNotFoundError) as e:
        zpkg.open(url, "a")
    assert url in str(e.value), str(e.value)
    r = zring.run("info", url + "/a")
    assert_clean_failure(r, url)


def test_retry_after_is_honoured(fault_server, store):
    local, url = store["v2"]
    path = "/f.zarr/a/0.0.0"
    fault_server.set_faults(fault_prefix=path, fail_first=1, error_status=429, retry_after=1)
    fault_server.reset_stats()
    a = zpkg.open(url, "a", storage_options={"max_retries": 3})
    t0 = time.monotonic()
    got = a.read_crops([[1, 2, 3]], (4, 4, 4))
    elapsed = time.monotonic() - t0
    np.testing.assert_array_equal(got[0], store["data"][1:5, 2:6, 3:7])
    assert fault_server.path_counts(path)[path] == 2
    # Backoff alone starts at tens of milliseconds: waiting ~1 s is the server's Retry-After.
    assert elapsed >= 0.9, f"retried after {elapsed:.3f} s, Retry-After said 1 s"
