"""Shared fixtures for the cross-implementation checks of the `zring` CLI.

Every test here runs the real `zring` binary as a subprocess and compares what it prints with what an
independent Zarr implementation (zarr-python 3, Debian's zarr-python 2.13, TensorStore, zarrita) wrote
and read back. The binary is $ZRING_BUILD/tools/zring, or <repo>/build/tools/zring when ZRING_BUILD is
unset; a missing binary is a failure, never a skip, so a broken build cannot pass as "nothing to
test".
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import subprocess
from dataclasses import dataclass

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
TESTS_PY = pathlib.Path(__file__).resolve().parent

# Loopback servers of the remote-store tests (nginx, moto, the fault server), as fixtures.
pytest_plugins = ["remote_servers"]

# A checksum of a few-kilobyte store takes milliseconds; a minute means zring hangs.
ZRING_TIMEOUT_S = 60


# zring bugs these tests have found and that are still open: bug -> (the stderr text that identifies
# it, the reason shown in every run). A case hit by one is an xfail only while zring fails with exactly
# that symptom; a wrong checksum or any other error still fails the test, and once the bug is fixed
# the case simply passes (then delete the entry).
KNOWN_ZRING_BUGS: dict = {}


def xfail_on_known_bug(result: "ZringResult", bug: str | None) -> None:
    """Marks the running test xfail when `result` shows the symptom of KNOWN_ZRING_BUGS[bug]."""
    if bug is None or result.returncode == 0:
        return
    symptom, reason = KNOWN_ZRING_BUGS[bug]
    if symptom in result.stderr:
        pytest.xfail(reason)


def _zring_path() -> pathlib.Path:
    """$ZRING_BUILD/tools/zring when ZRING_BUILD is set (never another build behind its back), else
    <repo>/build/tools/zring."""
    build = os.environ.get("ZRING_BUILD")
    return (pathlib.Path(build) if build else REPO / "build") / "tools" / "zring"


@dataclass
class ZringResult:
    returncode: int
    stdout: str
    stderr: str
    argv: list

    def describe(self) -> str:
        return (f"$ {' '.join(map(str, self.argv))}\nexit {self.returncode}\n"
                f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}")


class Zring:
    """Runs the zring binary; every call is bounded in time and never raises on a non-zero exit."""

    def __init__(self, path: pathlib.Path):
        self.path = path

    def run(self, *args) -> ZringResult:
        argv = [str(self.path), *map(str, args)]
        try:
            p = subprocess.run(argv, capture_output=True, text=True, timeout=ZRING_TIMEOUT_S,
                               errors="replace")
        except subprocess.TimeoutExpired as e:
            pytest.fail(f"zring hung for {ZRING_TIMEOUT_S} s: {' '.join(argv)}\n{e.stderr!r}")
        return ZringResult(p.returncode, p.stdout, p.stderr, argv)

    def checksums(self, store, array=None) -> dict:
        """`zring checksum STORE [ARRAY]` -> {array path: sha256 hex}; fails the test on a non-zero exit."""
        args = ["checksum", store] + ([array] if array is not None else [])
        r = self.run(*args)
        if r.returncode != 0:
            pytest.fail(f"zring checksum failed\n{r.describe()}")
        return parse_checksum_lines(r.stdout, r)

    def checksum_of_array_store(self, store) -> str:
        """The one checksum printed for a store whose root is itself an array. Array paths are Zarr
        node names, so a root array is "/"."""
        sums = self.checksums(store)
        assert list(sums) == ["/"], f"expected one line for the root array \"/\", got {sums}"
        return sums["/"]


def parse_checksum_lines(stdout: str, result: ZringResult | None = None) -> dict:
    """Parses `<64 hex>  <array path>` lines (two spaces, like sha256sum)."""
    out = {}
    for line in stdout.splitlines():
        if not line.strip():
            continue
        digest, sep, path = line.partition("  ")
        ok = sep and len(digest) == 64 and all(ch in "0123456789abcdef" for ch in digest)
        assert ok, f"malformed checksum line {line!r}" + (f"\n{result.describe()}" if result else "")
        assert path not in out, f"array {path!r} printed twice"
        out[path] = digest
    return out


def expected_sha256(array: np.ndarray) -> str:
    """sha256 of an array's values in C order, little-endian, in its own (declared) dtype.

    A big-endian declared dtype keeps its values: '>u2' 258 hashes as the bytes 02 01. bool is one byte
    0/1 and complex is (re, im) pairs, which is numpy's own layout.
    """
    le = array.dtype.newbyteorder("<")
    data = np.ascontiguousarray(array).astype(le, copy=False)
    return hashlib.sha256(data.tobytes()).hexdigest()


def assert_clean_failure(r: ZringResult, *must_name: str) -> None:
    """zring refused bad input: a non-zero exit by itself (not a signal, not an abort) that names
    what failed on stderr."""
    assert r.returncode != 0, f"zring accepted bad input\n{r.describe()}"
    assert 0 < r.returncode < 128, f"zring crashed (signal or abort)\n{r.describe()}"
    assert "AddressSanitizer" not in r.stderr and "runtime error:" not in r.stderr, r.describe()
    assert r.stderr.strip(), f"zring failed without saying why\n{r.describe()}"
    # A usage error is CLI11 rejecting the command line, not zring judging the input.
    assert "Run with --help" not in r.stderr, f"zring did not accept the command line\n{r.describe()}"
    for name in must_name:
        assert name in r.stderr, f"stderr does not name {name!r}\n{r.describe()}"


@pytest.fixture(scope="session")
def zring() -> Zring:
    path = _zring_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        where = os.environ.get("ZRING_BUILD", "<unset>")
        pytest.fail(f"zring binary not found at {path} (ZRING_BUILD={where}; without it the suite "
                    f"uses <repo>/build); build it first: tools/build.sh release", pytrace=False)
    return Zring(path)
