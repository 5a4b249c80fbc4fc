"""Stores served by nginx over HTTP read exactly as the same files on disk.

- Every array of the shared conformance fixtures (../shared/conformance, MANIFEST.json; skipped
  loudly when absent): `zring.open(url)` reads what `zring.open(path)` reads (or fails the same
  way), over HTTP/1.1 and over h2c; `zring checksum URL` prints what `zring checksum PATH` prints.
- Groups written by zarr-python 3 (v3 with a sharded and a partly written array, v2 with blosc),
  with consolidated metadata: `zring checksum URL` == local; arrays equal zarr-python's values;
  missing chunks read as the fill value (nginx answered 404 for them).
- Reads are ranged: shard indexes and inner chunks come as 206 answers to Range requests, far
  fewer bytes than the shards hold; with h2c=true every request is HTTP/2.
- A path with no Zarr metadata fails clearly, naming the URL; a group without consolidated
  metadata cannot be listed over plain HTTP (the error says so), its arrays still open by path.
- A forked child (DataLoader-style) reads crops over HTTP after the parent did.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil

import numpy as np
import pytest
import zarr

import py_bindings
from conftest import assert_clean_failure, parse_checksum_lines
from py_bindings import zring as zpkg  # the package; `zring` is the CLI fixture
from remote_servers import quote_path, storage_args

CONFORMANCE = pathlib.Path(os.environ.get("ZRING_CONFORMANCE_DIR")
                           or pathlib.Path(__file__).resolve().parents[3] / "shared"
                           / "conformance")
PROTOCOLS = ["http1", "h2c"]


def _opts(protocol: str) -> dict:
    return {"h2c": True} if protocol == "h2c" else {}


# zarr-python 3 warns that v3 consolidated metadata is not in the spec yet; zring reads it.
pytestmark = pytest.mark.filterwarnings("ignore:Consolidated metadata:UserWarning")

@pytest.fixture(scope="module")
def groups(tmp_path_factory):
    """{name: local path} of zarr-python groups with consolidated metadata, and an unconsolidated
    copy of the v3 one."""
    root = tmp_path_factory.mktemp("remote_http")
    paths = py_bindings.write_stores(root)
    shutil.copytree(paths["v3"], root / "v3_plain.zarr")
    for name in ("v3", "v2"):
        zarr.consolidate_metadata(str(paths[name]))
    paths["v3_plain"] = root / "v3_plain.zarr"
    return paths


@pytest.fixture(scope="module")
def served(nginx, groups):
    nginx.serve("groups", pathlib.Path(groups["v3"]).parent)
    return lambda name, protocol: nginx.base_url(protocol == "h2c") + "/groups/" + \
        quote_path(pathlib.Path(groups[name]).name)


# --- conformance fixtures --------------------------------------------------------------------

def _manifest():
    m = CONFORMANCE / "MANIFEST.json"
    if not m.is_file():
        return None
    return json.loads(m.read_text())["arrays"]


def _read_all(store, options=None):
    """("ok", bytes of the whole array in C order, "") or ("error", exception type, message)."""
    try:
        a = zpkg.open(store, storage_options=options)
        if not isinstance(a, zpkg.Array):
            return ("error", "Group", "")
        return ("ok", a[...].tobytes() if a.ndim else a.read((), ()).tobytes(), "")
    except Exception as e:  # noqa: BLE001  (compared, not hidden: both sides must agree)
        return ("error", type(e).__name__, str(e)[:300])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_conformance_fixtures_read_identically_over_http(nginx, protocol):
    entries = _manifest()
    if entries is None:
        pytest.skip(f"conformance fixtures absent: no MANIFEST.json in {CONFORMANCE} "
                    f"(set ZRING_CONFORMANCE_DIR)")
    base = nginx.base_url(protocol == "h2c") + nginx.serve("conformance", CONFORMANCE)
    # h2c: every 4th fixture (libcurl 7.88 pays ~40 ms per sequential request over h2c here,
    # so all of them would take half a minute); HTTP/1.1: all of them.
    entries = entries[::4] if protocol == "h2c" else entries
    mark = nginx.mark()
    differ, both_ok = [], 0
    for e in entries:
        local = _read_all(str(CONFORMANCE / e["path"]))
        remote = _read_all(base + "/" + quote_path(e["path"]), _opts(protocol))
        if local[:2] != remote[:2]:
            differ.append(f"{e['id']}: local {local[0]} {local[2]} / http {remote[0]} "
                          f"{remote[1] if remote[0] == 'error' else ''} {remote[2]}")
        both_ok += local[0] == "ok"
    assert not differ, f"{len(differ)} of {len(entries)} arrays differ over {protocol}:\n" + \
        "\n".join(differ)
    assert both_ok > len(entries) * 0.8, f"only {both_ok} of {len(entries)} arrays read at all"
    reqs = nginx.requests_since(mark)
    want = "HTTP/2.0" if protocol == "h2c" else "HTTP/1.1"
    assert reqs and {r.protocol for r in reqs} == {want}


def test_conformance_checksums_over_http_equal_local(zring, nginx):
    """`zring checksum URL` against `zring checksum PATH`, for every 8th fixture (the Python
    test above covers all of them in-process)."""
    entries = _manifest()
    if entries is None:
        pytest.skip(f"conformance fixtures absent: no MANIFEST.json in {CONFORMANCE}")
    base = nginx.base_url() + nginx.serve("conformance", CONFORMANCE)
    compared = 0
    for e in entries[::8]:
        local = zring.run("checksum", CONFORMANCE / e["path"])
        remote = zring.run("checksum", base + "/" + quote_path(e["path"]))
        if local.returncode != 0:
            assert remote.returncode != 0, \
                f"{e['id']}: local fails, HTTP reads\n{remote.describe()}"
            continue
        assert remote.returncode == 0, remote.describe()
        assert parse_checksum_lines(remote.stdout) == parse_checksum_lines(local.stdout), e["id"]
        compared += 1
    assert compared >= len(entries[::8]) // 2


# --- zarr-python groups ----------------------------------------------------------------------

@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("name", ["v3", "v2"])
def test_group_checksum_over_http_equals_local(zring, groups, served, name, protocol):
    local = zring.checksums(groups[name])
    assert len(local) >= 4
    r = zring.run("checksum", served(name, protocol), *storage_args(_opts(protocol)))
    assert r.returncode == 0, r.describe()
    assert parse_checksum_lines(r.stdout, r) == local


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_arrays_over_http_equal_zarr_python(groups, served, protocol):
    url = served("v3", protocol)
    g = zpkg.open(url, storage_options=_opts(protocol))
    assert isinstance(g, zpkg.Group)
    zg = zarr.open_group(groups["v3"], mode="r")
    assert g.keys() == sorted(zg.keys())
    for name in ("t", "s", "p", "lat", "sub/b"):
        a = g[name]
        np.testing.assert_array_equal(a[...], zg[name][...], err_msg=name)
    starts = np.array([[0, 0, 0], [5, 11, 13], [20, 32, 40], [3, 7, 33]])
    for name in ("t", "s", "p"):
        a = zpkg.open(url, name, storage_options=_opts(protocol))
        got = a.read_crops(starts, (4, 8, 10))
        for i, s in enumerate(starts):
            want = zg[name][s[0]:s[0] + 4, s[1]:s[1] + 8, s[2]:s[2] + 10]
            np.testing.assert_array_equal(got[i], want, err_msg=f"{name} crop {i}")


def test_missing_chunks_read_as_fill_value(groups, served, nginx):
    mark = nginx.mark()
    a = zpkg.open(served("v3", "http1"), "p")
    got = a[...]
    want = zarr.open_array(groups["v3"], path="p", mode="r")[...]
    np.testing.assert_array_equal(got, want)
    assert (got[0] == -5).all() and a.stats()["chunks_filled"] > 0
    statuses = [r.status for r in nginx.requests_since(mark) if "/p/c/" in r.uri]
    assert 404 in statuses and {200, 206} & set(statuses), statuses


def test_sharded_reads_are_ranged(groups, served, nginx):
    a = zpkg.open(served("v3", "http1"), "s")
    mark = nginx.mark()
    got = a.read_crops([[0, 0, 0], [9, 17, 35]], (2, 3, 4))
    z = zarr.open_array(groups["v3"], path="s", mode="r")
    np.testing.assert_array_equal(got[0], z[0:2, 0:3, 0:4])
    np.testing.assert_array_equal(got[1], z[9:11, 17:20, 35:39])
    shard_reqs = [r for r in nginx.requests_since(mark) if "/s/c/" in r.uri]
    assert shard_reqs, "no shard was read over HTTP"
    for r in shard_reqs:
        assert r.method == "GET" and r.range.startswith("bytes=") and r.status == 206, r
    shards = pathlib.Path(groups["v3"]) / "s" / "c"
    shard_bytes = sum((shards / k).stat().st_size for k in ("0/0/0", "1/1/1"))
    sent = sum(r.body_bytes for r in shard_reqs)
    # Two tiny crops need one inner chunk and the index of each of two shards, not the shards.
    assert sent < shard_bytes / 2, (sent, shard_bytes)
    assert any(r.range.startswith("bytes=-") for r in shard_reqs), \
        "shard indexes should be read as suffix ranges"


def test_h2c_requests_are_http2(groups, served, nginx):
    mark = nginx.mark()
    a = zpkg.open(served("v2", "h2c"), "f8", storage_options={"h2c": True})
    np.testing.assert_array_equal(a[...], zarr.open_array(groups["v2"], path="f8", mode="r")[...])
    reqs = nginx.requests_since(mark)
    assert reqs and all(r.protocol == "HTTP/2.0" for r in reqs), reqs


def test_no_metadata_is_a_clear_error_naming_the_url(zring, nginx, tmp_path):
    (tmp_path / "empty.zarr").mkdir()
    url = nginx.url("empty_dir", tmp_path) + "/empty.zarr"
    with pytest.raises(FileNotFoundError) as e:
        zpkg.open(url)
    assert url in str(e.value)
    r = zring.run("info", url)
    assert_clean_failure(r, "empty.zarr")
    r = zring.run("checksum", nginx.base_url() + "/no-such-store.zarr")
    assert_clean_failure(r, "no-such-store.zarr")


def test_unconsolidated_group_cannot_list_but_arrays_open(zring, groups, served):
    url = served("v3_plain", "http1")
    r = zring.run("checksum", url)
    assert_clean_failure(r, "consolidated")
    local = zring.checksums(groups["v3_plain"], "t")
    r = zring.run("checksum", url, "t")
    assert r.returncode == 0, r.describe()
    assert parse_checksum_lines(r.stdout, r) == local


def test_storage_options_are_checked(served):
    url = served("v2", "http1")
    a = zpkg.open(url, "u4", storage_options={"max_retries": 2, "http2": False,
                                               "request_timeout": 30.5})
    assert a.storage_options["max_retries"] == 2
    with pytest.raises(ValueError, match="no_such_option") as e:
        zpkg.open(url, "u4", storage_options={"no_such_option": "1"})
    assert "max_retries" in str(e.value)  # the known keys are listed
    with pytest.raises(ValueError, match="max_retries"):
        zpkg.open(url, "u4", storage_options={"max_retries": "many"})
    with pytest.raises(TypeError, match="client_kwargs"):
        zpkg.open(url, "u4", storage_options={"client_kwargs": {"a": 1}})


def test_forked_child_reads_over_http(groups, served):
    a = zpkg.open(served("v3", "http1"), "t")
    starts = np.array([[1, 2, 3], [10, 20, 30], [19, 31, 39]])
    want = a.read_crops(starts, (4, 8, 10))  # the parent has read: its client and engine exist
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read the same crops, send them back, never return into pytest
        code = 1
        try:
            os.close(r)
            data = a.read_crops(starts, (4, 8, 10)).tobytes()
            with os.fdopen(w, "wb") as f:
                f.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        got = f.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert got == want.tobytes()
    np.testing.assert_array_equal(want[0], zarr.open_array(groups["v3"], path="t",
                                                           mode="r")[1:5, 2:10, 3:13])
    # The parent still reads after its child.
    np.testing.assert_array_equal(a.read_crops(starts, (4, 8, 10)), want)


def test_pickled_array_reopens_with_its_storage_options(served):
    import pickle
    a = zpkg.open(served("v2", "h2c"), "c8", storage_options={"h2c": True})
    b = pickle.loads(pickle.dumps(a))
    assert b.storage_options == {"h2c": True}
    np.testing.assert_array_equal(b[...], a[...])
