"""zring's checksum against Debian's zarr-python 2.13 (/usr/bin/python3), a second, older v2 writer.

gen_zarr2_debian.py runs under the system interpreter (python3-zarr, numcodecs 0.11) and writes the
stores plus a manifest with the sha256 of what zarr 2.13 reads back. The system interpreter and its
zarr are part of tools/setup.sh's apt list, so their absence is a failure, not a skip.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

import gen_zarr2_debian
from conftest import TESTS_PY, assert_clean_failure, parse_checksum_lines, xfail_on_known_bug

SYSTEM_PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="session")
def zarr2_manifest(tmp_path_factory):
    out = tmp_path_factory.mktemp("zarr2_debian")
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.fail(f"{SYSTEM_PYTHON} is missing; tools/setup.sh installs it with python3-zarr")
    # Run from a neutral directory so the venv's packages never shadow the system zarr 2.13.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    p = subprocess.run([SYSTEM_PYTHON, "-s", str(TESTS_PY / "gen_zarr2_debian.py"), str(out)],
                       capture_output=True, text=True, timeout=300, cwd=out, env=env)
    if p.returncode != 0:
        pytest.fail(f"gen_zarr2_debian.py failed (exit {p.returncode}):\n{p.stderr}")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["versions"]["zarr"].startswith("2."), manifest["versions"]
    return manifest


# Cases that hit a still-open zring bug (see conftest.KNOWN_ZRING_BUGS).
KNOWN_BUGS: dict = {}


@pytest.mark.parametrize("case_id", gen_zarr2_debian.CASE_IDS)
def test_checksum_matches_zarr_2_13(zring, zarr2_manifest, case_id):
    entry = zarr2_manifest[case_id]
    assert "error" not in entry, f"zarr 2.13 could not write the case: {entry['error']}"
    xfail_on_known_bug(zring.run("checksum", entry["path"]), KNOWN_BUGS.get(case_id))
    assert zring.checksum_of_array_store(entry["path"]) == entry["sha256"]


@pytest.mark.parametrize("case_id", gen_zarr2_debian.OPTIONAL_IDS)
def test_codec_beyond_the_issue_is_decoded_exactly_or_refused(zring, zarr2_manifest, case_id):
    entry = zarr2_manifest[case_id]
    assert "error" not in entry, f"zarr 2.13 could not write the case: {entry['error']}"
    r = zring.run("checksum", entry["path"])
    if r.returncode == 0:
        assert parse_checksum_lines(r.stdout, r) == {"/": entry["sha256"]}
    else:
        assert_clean_failure(r, gen_zarr2_debian.OPTIONAL_CODEC[case_id])


def test_consolidated_group_from_zarr_2_13(zring, zarr2_manifest):
    entry = zarr2_manifest["consolidated"]
    want = {"/" + name: sha for name, sha in entry["arrays"].items()}
    assert zring.checksums(entry["path"]) == want


def test_some_zarr_2_13_stores_really_miss_chunks(zarr2_manifest):
    """Guards the grid: missing chunks must be missing on disk, or the fill path goes untested."""
    sparse = [cid for cid, case in zip(gen_zarr2_debian.CASE_IDS, gen_zarr2_debian.CASES)
              if case[-1] and zarr2_manifest[cid].get("nchunk_files", 99) < 4]
    assert len(sparse) >= 10, sparse
