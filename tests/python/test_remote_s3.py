"""Stores in S3 (moto's server on 127.0.0.1, checking every SigV4 signature) read as on disk.

- Good credentials (storage options, or the AWS_* environment): a v2 group and a v3 group with
  a sharded array read byte-identically to the local files (`zring checksum`, zring.open).
- Bad credentials (a wrong secret, an unknown key id): a clear error naming 403 / access denied
  and the object; PermissionError from Python.
- Anonymous reads (anon=true) from a server that allows them.
- A group without consolidated metadata is listed through ListObjectsV2 (`zring info`,
  `zring checksum` of the whole group, zring.Group.keys()).
The zring processes run with an empty HOME and no AWS_* variables unless a test sets them, so
the machine's own credentials never take part.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess

import numpy as np
import pytest
import zarr

import py_bindings
from conftest import ZringResult, assert_clean_failure, parse_checksum_lines
from py_bindings import zring as zpkg  # the package; `zring` is the CLI fixture
from remote_servers import clean_aws_env, storage_args


# zarr-python 3 warns that v3 consolidated metadata is not in the spec yet; zring reads it.
pytestmark = pytest.mark.filterwarnings("ignore:Consolidated metadata:UserWarning")

@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """{name: path}: v3 and v2 groups consolidated, and a v3 group that is not."""
    root = tmp_path_factory.mktemp("remote_s3")
    paths = py_bindings.write_stores(root)
    shutil.copytree(paths["v3"], root / "v3_plain.zarr")
    paths["v3_plain"] = root / "v3_plain.zarr"
    for name in ("v3", "v2"):
        zarr.consolidate_metadata(str(paths[name]))
    return paths


@pytest.fixture(scope="module")
def uploaded(moto_s3, local):
    return {name: moto_s3.upload(path, f"stores/{name}.zarr") for name, path in local.items()}


def run_clean(zring, *args, env_extra=None):
    """zring with no credentials of the machine in sight (plus `env_extra`)."""
    argv = [str(zring.path), *map(str, args)]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60,
                       env=clean_aws_env(env_extra or {}))
    return ZringResult(p.returncode, p.stdout, p.stderr, argv)


@pytest.mark.parametrize("name", ["v3", "v2"])
def test_checksum_with_good_credentials_equals_local(zring, moto_s3, local, uploaded, name):
    want = zring.checksums(local[name])
    assert len(want) >= 4
    r = run_clean(zring, "checksum", uploaded[name], *storage_args(moto_s3.storage_options()))
    assert r.returncode == 0, r.describe()
    assert parse_checksum_lines(r.stdout, r) == want


def test_credentials_from_the_environment(zring, moto_s3, local, uploaded):
    want = zring.checksums(local["v3"], "s")
    r = run_clean(zring, "checksum", uploaded["v3"], "s", "--storage-option",
                  f"endpoint_url={moto_s3.endpoint}",
                  env_extra={"AWS_ACCESS_KEY_ID": moto_s3.access_key_id,
                             "AWS_SECRET_ACCESS_KEY": moto_s3.secret_access_key,
                             "AWS_REGION": "us-east-1"})
    assert r.returncode == 0, r.describe()
    assert parse_checksum_lines(r.stdout, r) == want


def test_python_reads_s3_arrays_like_zarr_python(moto_s3, local, uploaded):
    opts = moto_s3.storage_options()
    zg = zarr.open_group(local["v3"], mode="r")
    for name in ("t", "s", "p"):
        a = zpkg.open(uploaded["v3"], name, storage_options=opts)
        np.testing.assert_array_equal(a[...], zg[name][...], err_msg=name)
        starts = np.array([[0, 0, 0], [7, 13, 21], [20, 32, 40]])
        got = a.read_crops(starts, (4, 8, 10))
        for i, s in enumerate(starts):
            np.testing.assert_array_equal(got[i], zg[name][s[0]:s[0] + 4, s[1]:s[1] + 8,
                                                           s[2]:s[2] + 10])
    a = zpkg.open(uploaded["v2"], "c8", storage_options=opts)
    np.testing.assert_array_equal(a[...], zarr.open_array(local["v2"], path="c8", mode="r")[...])


@pytest.mark.parametrize("bad", ["wrong_secret", "unknown_key"])
def test_bad_credentials_are_a_clear_403(zring, moto_s3, uploaded, bad):
    opts = moto_s3.storage_options()
    if bad == "wrong_secret":
        opts["secret_access_key"] = "not-the-secret"
    else:
        opts["access_key_id"] = "AKIAZZZZZZZZZZZZZZZZ"
    r = run_clean(zring, "checksum", uploaded["v3"], "t", *storage_args(opts))
    assert_clean_failure(r, "403", moto_s3.bucket)
    with pytest.raises(PermissionError) as e:
        zpkg.open(uploaded["v3"], "t", storage_options=opts)
    assert "403" in str(e.value) and moto_s3.bucket in str(e.value)


def test_unsigned_requests_are_refused_by_the_checking_server(zring, moto_s3, uploaded):
    """The server really checks: anonymous requests do not read the private bucket."""
    r = run_clean(zring, "checksum", uploaded["v3"], "t",
                  *storage_args({"endpoint_url": moto_s3.endpoint, "anon": True,
                                 "max_retries": 0}))
    assert_clean_failure(r, moto_s3.bucket)


def test_anonymous_read_where_allowed(zring, moto_s3_public, local):
    url = moto_s3_public.upload(local["v2"], "public/v2.zarr")
    want = zring.checksums(local["v2"])
    r = run_clean(zring, "checksum", url,
                  *storage_args({"endpoint_url": moto_s3_public.endpoint, "anon": True}))
    assert r.returncode == 0, r.describe()
    assert parse_checksum_lines(r.stdout, r) == want
    a = zpkg.open(url, "u4", storage_options={"endpoint_url": moto_s3_public.endpoint,
                                              "anon": True})
    np.testing.assert_array_equal(a[...], zarr.open_array(local["v2"], path="u4", mode="r")[...])


def test_listing_through_list_objects_v2(zring, moto_s3, local, uploaded):
    """No consolidated metadata: the hierarchy comes from ListObjectsV2."""
    assert not any(p.name == ".zmetadata" for p in pathlib.Path(local["v3_plain"]).iterdir())
    opts = storage_args(moto_s3.storage_options())
    r = run_clean(zring, "info", uploaded["v3_plain"], *opts)
    assert r.returncode == 0, r.describe()
    for name in ("t", "s", "p", "lat", "lon", "time", "sub", "b"):
        assert name in r.stdout, f"{name} missing from zring info\n{r.describe()}"
    r = run_clean(zring, "checksum", uploaded["v3_plain"], *opts)
    assert r.returncode == 0, r.describe()
    assert parse_checksum_lines(r.stdout, r) == zring.checksums(local["v3_plain"])
    g = zpkg.open(uploaded["v3_plain"], storage_options=moto_s3.storage_options())
    assert g.keys() == sorted(zarr.open_group(local["v3_plain"], mode="r").keys())
