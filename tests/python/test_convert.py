"""`zring convert`: re-chunk / re-shard / re-compress, checked against zarr-python and by checksums.

- A v2 store written by zarr-python (partly written, so some chunks are missing; fill value 7;
  attributes with xarray's dimension names) goes to v3 sharded and back to v2: --verify passes, the
  values equal what zarr-python wrote, attributes, fill value and dimension names carry over.
- A convert killed with SIGKILL at seeded random moments (3 times) leaves a store whose every stored
  chunk decodes (zarr-python 3 and `zring checksum` read it all), and re-running the same command
  resumes, passes --verify and writes exactly the files an uninterrupted convert writes.
- Two processes converting disjoint shard-aligned halves at once (the hidden `--region` option,
  START:STOP per dimension on destination grid boundaries) write exactly what one process writes.
- Bad input fails cleanly, naming what is wrong; a full disk (a 2 MiB tmpfs, when this process may
  mount one) fails cleanly and leaves no torn chunk.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import random
import re
import signal
import subprocess
import sys
import time

import numcodecs
import numpy as np
import pytest
import zarr

from conftest import assert_clean_failure, expected_sha256

JOURNAL = ".zring-convert-progress"

# Runs argv[1:] as a child and prints "maxrss_kib=<its peak RSS>" on stderr; exits with its code.
MAXRSS_PROBE = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(f"maxrss_kib={usage.ru_maxrss}", file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _files(store) -> dict:
    """Relative path -> sha256 of every file of a store but the convert journals and temp files."""
    out = {}
    for p in sorted(pathlib.Path(store).rglob("*")):
        if p.is_file() and not p.name.startswith(JOURNAL) and ".tmp." not in p.name:
            out[str(p.relative_to(store))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def _ok(r):
    assert r.returncode == 0, r.describe()
    return r


@pytest.fixture(scope="module")
def v2_source(tmp_path_factory):
    """A zarr-python v2 store like the reference one, small: uint16, blosc lz4 + shuffle."""
    path = tmp_path_factory.mktemp("convert") / "src_v2.zarr"
    rng = np.random.default_rng(5)
    data = np.full((40, 96, 80), 7, dtype="<u2")
    data[:20, :, 40:70] = rng.integers(0, 60000, size=(20, 96, 30), dtype="<u2")
    a = zarr.create_array(str(path), shape=data.shape, chunks=(8, 32, 32), dtype="<u2",
                          zarr_format=2, fill_value=7,
                          compressors=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=1),
                          attributes={"units": "K", "scale": 0.5, "_ARRAY_DIMENSIONS": ["t", "y", "x"]})
    a[:20, :, 40:70] = data[:20, :, 40:70]
    return path, data


def test_v2_to_v3_sharded_and_back(zring, v2_source, tmp_path):
    src, data = v2_source
    chunk_files = [p for p in src.iterdir() if not p.name.startswith(".")]
    assert 0 < len(chunk_files) < 5 * 3 * 3, "the source should miss some chunks"
    v3 = tmp_path / "v3.zarr"
    r = _ok(zring.run("convert", src, v3, "--format", "3", "--chunks", "4,16,16", "--shard",
                      "8,32,48", "--codec", "blosc-lz4", "--verify"))
    assert "verify: OK" in r.stdout
    meta = json.loads((v3 / "zarr.json").read_text())
    assert meta["chunk_grid"]["configuration"]["chunk_shape"] == [8, 32, 48]
    assert meta["codecs"][0]["name"] == "sharding_indexed"
    assert meta["codecs"][0]["configuration"]["chunk_shape"] == [4, 16, 16]
    a3 = zarr.open_array(str(v3), mode="r")
    np.testing.assert_array_equal(a3[...], data)
    assert a3.fill_value == 7 and a3.dtype == np.dtype("uint16")
    assert a3.metadata.dimension_names == ("t", "y", "x")
    assert dict(a3.attrs) == {"units": "K", "scale": 0.5}

    back = tmp_path / "back_v2.zarr"
    r = _ok(zring.run("convert", v3, back, "--format", "2", "--chunks", "10,20,30", "--codec",
                      "zstd", "--verify"))
    assert "verify: OK" in r.stdout
    a2 = zarr.open_array(str(back), mode="r")
    assert a2.metadata.zarr_format == 2 and a2.chunks == (10, 20, 30)
    np.testing.assert_array_equal(a2[...], data)
    assert a2.fill_value == 7
    assert dict(a2.attrs) == {"units": "K", "scale": 0.5, "_ARRAY_DIMENSIONS": ["t", "y", "x"]}
    sums = {zring.checksum_of_array_store(p) for p in (src, v3, back)}
    assert sums == {expected_sha256(data)}


def test_defaults_keep_the_source_grid_and_codec(zring, v2_source, tmp_path):
    src, data = v2_source
    dst = tmp_path / "same.zarr"
    _ok(zring.run("convert", src, dst, "--quiet"))
    have = json.loads((dst / ".zarray").read_text())
    assert have["chunks"] == [8, 32, 32]
    assert have["compressor"]["id"] == "blosc" and have["compressor"]["cname"] == "lz4"
    np.testing.assert_array_equal(zarr.open_array(str(dst), mode="r")[...], data)
    # The same command again: the journal says it is finished, nothing is rewritten.
    before = {p: p.stat().st_mtime_ns for p in dst.rglob("*") if p.is_file()}
    r = _ok(zring.run("convert", src, dst, "--quiet"))
    assert "nothing to do" in r.stdout
    assert before == {p: p.stat().st_mtime_ns for p in dst.rglob("*") if p.is_file()}


def test_nested_array_path_and_v3_dimension_names(zring, tmp_path):
    src = tmp_path / "grouped.zarr"
    g = zarr.open_group(str(src), mode="w")
    a = g.create_array("sub/temp", shape=(20, 30), chunks=(5, 10), dtype="float32",
                       fill_value=float("nan"), dimension_names=["y", None])
    vals = np.arange(360, dtype="float32").reshape(12, 30)
    a[:12, :] = vals
    dst = tmp_path / "out.zarr"
    _ok(zring.run("convert", src, dst, "--array", "sub/temp", "--shard", "10,30", "--verify"))
    b = zarr.open_group(str(dst), mode="r")["sub/temp"]
    assert b.metadata.dimension_names == ("y", None)
    got = b[...]
    np.testing.assert_array_equal(got[:12], vals)
    assert np.isnan(got[12:]).all()


def _kill_source(zring, root):
    src = root / "kill_src.zarr"
    _ok(zring.run("create", src, "--format", "2", "--shape", "64,512,1024", "--chunks", "16,64,64",
                  "--dtype", "uint16", "--pattern", "smooth", "--codec", "blosc-lz4"))
    return src


KILL_ARGS = ["--format", "3", "--chunks", "8,64,64", "--shard", "8,128,128", "--codec", "gzip",
             "--level", "6", "--threads", "1", "--memory", "16", "--quiet"]


def test_killed_convert_leaves_decodable_chunks_and_resumes_exactly(zring, tmp_path):
    src = _kill_source(zring, tmp_path)
    whole = tmp_path / "whole.zarr"
    t0 = time.monotonic()
    r = _ok(zring.run("convert", src, whole, *KILL_ARGS))
    full_s = time.monotonic() - t0
    slabs = int(re.search(r"(\d+) slabs", r.stdout).group(1))
    assert slabs >= 8, r.stdout

    dst = tmp_path / "killed.zarr"
    journal = dst / JOURNAL
    rng = random.Random(20261122)
    slab_s = full_s / slabs
    kills = partial = 0
    for _ in range(3):
        before = journal.read_text() if journal.exists() else ""
        p = subprocess.Popen([str(zring.path), "convert", str(src), str(dst), *KILL_ARGS],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        # Kill at a random moment after this run finished a slab: mid-way through the next one.
        deadline = time.monotonic() + 30
        while p.poll() is None and time.monotonic() < deadline:
            if journal.exists() and journal.read_text() != before:
                break
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 1.0) * slab_s)
        p.send_signal(signal.SIGKILL)
        out, err = p.communicate(timeout=60)
        if p.returncode == -signal.SIGKILL:
            kills += 1
        else:
            assert p.returncode == 0, err
        shards = [f for f in (dst / "c").rglob("*") if f.is_file() and ".tmp." not in f.name]
        partial += 0 < len(shards) < 8 * 4 * 8
        # Every stored shard decodes: a torn one would fail these whole-array reads.
        zarr.open_array(str(dst), mode="r")[...]
        _ok(zring.run("checksum", dst))
    assert kills == 3 and partial >= 2, (kills, partial, f"{full_s:.2f} s for a full run")
    r = _ok(zring.run("convert", src, dst, *KILL_ARGS, "--verify"))
    assert "verify: OK" in r.stdout
    assert _files(dst) == _files(whole)
    assert "state complete" in journal.read_text()
    assert [f.name for f in dst.rglob("*") if ".tmp." in f.name] == []


def test_two_processes_writing_halves_equal_one(zring, tmp_path):
    src = tmp_path / "halves_src.zarr"
    _ok(zring.run("create", src, "--shape", "48,160,96", "--chunks", "8,32,32", "--dtype", "int32",
                  "--pattern", "random", "--seed", "3", "--codec", "zstd"))
    args = ["--chunks", "8,32,32", "--shard", "16,64,96", "--codec", "blosc-zstd", "--quiet"]
    one = tmp_path / "one.zarr"
    _ok(zring.run("convert", src, one, *args))
    two = tmp_path / "two.zarr"
    procs = [subprocess.Popen([str(zring.path), "convert", str(src), str(two), *args, "--region",
                               region], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for region in ("0:32,:,:", "32:48,:,:")]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    assert zring.checksum_of_array_store(two) == zring.checksum_of_array_store(one) == \
        zring.checksum_of_array_store(src)
    assert _files(two) == _files(one)


@pytest.mark.parametrize("region, names", [
    ("0:64,:,:", ["outside the array"]),
    ("0:8,:,:", ["not on a destination grid boundary", "16"]),
    ("0:16,:", ["2 dimensions", "3"]),
    ("16:0,:,:", ["empty"]),
])
def test_bad_regions_are_refused(zring, tmp_path, region, names):
    src = tmp_path / "r_src.zarr"
    _ok(zring.run("create", src, "--shape", "48,64,64", "--chunks", "8,32,32", "--pattern", "arange"))
    r = zring.run("convert", src, tmp_path / "r_dst.zarr", "--shard", "16,64,64", "--region", region)
    assert_clean_failure(r, *names)


def test_bad_arguments_fail_cleanly(zring, v2_source, tmp_path):
    src, _ = v2_source
    dst = tmp_path / "dst.zarr"
    assert_clean_failure(zring.run("convert", tmp_path / "missing.zarr", dst), "missing.zarr")
    assert_clean_failure(zring.run("convert", src, dst, "--chunks", "4,16"), "--chunks",
                         "2 dimensions")
    assert_clean_failure(zring.run("convert", src, dst, "--chunks", "4,0,16"), "> 0")
    assert_clean_failure(zring.run("convert", src, dst, "--chunks", "4,16,16", "--shard",
                                   "6,32,32"), "not a multiple")
    assert_clean_failure(zring.run("convert", src, dst, "--shard", "8,32,32", "--format", "2"),
                         "--format 3")
    assert_clean_failure(zring.run("convert", src, dst, "--codec", "snappy"), "snappy")
    assert not dst.exists() or not any(dst.rglob("*.zarray")), "a refused convert wrote metadata"
    # Another array already at the destination: refused without --overwrite, replaced with it.
    _ok(zring.run("convert", src, dst, "--chunks", "8,16,16", "--quiet"))
    stale = dst / "0.0.4"  # a chunk of the 8x16x16 grid that the 8x16x32 grid does not have
    assert stale.is_file()
    r = zring.run("convert", src, dst, "--chunks", "8,16,32", "--quiet")
    assert_clean_failure(r, "different array", "--overwrite", "[8, 16, 32]")
    _ok(zring.run("convert", src, dst, "--chunks", "8,16,32", "--quiet", "--overwrite"))
    assert json.loads((dst / ".zarray").read_text())["chunks"] == [8, 16, 32]
    assert not stale.exists(), "--overwrite left a chunk of the old array behind"
    # A destination inside a regular file cannot be created, even as root.
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    assert_clean_failure(zring.run("convert", src, blocker / "dst.zarr"), "a_file")
    assert_clean_failure(zring.run("convert", src, src), "same directory")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory anyway")
def test_read_only_destination_fails_cleanly(zring, v2_source, tmp_path):
    src, _ = v2_source
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        assert_clean_failure(zring.run("convert", src, ro / "dst.zarr"), "dst.zarr")
    finally:
        ro.chmod(0o700)


@pytest.fixture
def tiny_tmpfs(tmp_path):
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a 2 MiB tmpfs to simulate a full disk: {p.stderr.strip()}")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=False)


def test_full_disk_fails_cleanly_and_leaves_no_torn_chunk(zring, tmp_path, tiny_tmpfs):
    src = tmp_path / "big_src.zarr"
    _ok(zring.run("create", src, "--shape", "64,256,256", "--chunks", "16,64,64", "--dtype", "uint16",
                  "--pattern", "random", "--codec", "none"))
    dst = tiny_tmpfs / "dst.zarr"
    r = zring.run("convert", src, dst, "--chunks", "16,64,64", "--codec", "none", "--quiet")
    assert_clean_failure(r, "No space left on device")
    # Whatever was stored decodes; nothing half-written is visible under a chunk key.
    if (dst / "zarr.json").exists():
        zarr.open_array(str(dst), mode="r")[...]
        _ok(zring.run("checksum", dst))
    leftovers = [p.name for p in dst.rglob("*") if ".tmp." in p.name]
    assert leftovers == [], f"temporary files left behind: {leftovers}"


def test_unusual_sources_convert_exactly(zring, tmp_path):
    """A 0-d array; a big-endian Fortran-order v2 array to v3 sharded; a sharded v3 array with
    default options (its sharding is kept)."""
    s0 = tmp_path / "scalar.zarr"
    a = zarr.create_array(str(s0), shape=(), dtype="float64", fill_value=1.5)
    a[...] = 3.25
    be = tmp_path / "be.zarr"
    b = zarr.create_array(str(be), shape=(30, 20), chunks=(7, 6), dtype=">i4", zarr_format=2,
                          order="F", fill_value=-1)
    vals = np.arange(340, dtype=">i4").reshape(20, 17)
    b[:20, 3:] = vals
    out0 = tmp_path / "scalar_out.zarr"
    _ok(zring.run("convert", s0, out0, "--verify", "--quiet"))
    assert zarr.open_array(str(out0), mode="r")[...] == 3.25
    sharded = tmp_path / "be_sharded.zarr"
    _ok(zring.run("convert", be, sharded, "--shard", "14,12", "--verify", "--quiet"))
    got = zarr.open_array(str(sharded), mode="r")
    assert got.dtype == np.dtype("int32") and got.fill_value == -1
    np.testing.assert_array_equal(got[:20, 3:], vals)
    assert (got[20:] == -1).all() and (got[:, :3] == -1).all()
    again = tmp_path / "be_sharded_again.zarr"
    _ok(zring.run("convert", sharded, again, "--verify", "--quiet"))
    meta = json.loads((again / "zarr.json").read_text())
    assert meta["chunk_grid"]["configuration"]["chunk_shape"] == [14, 12]
    assert meta["codecs"][0]["configuration"]["chunk_shape"] == [7, 6]


def test_peak_memory_stays_within_the_bound(zring, tmp_path):
    """Peak RSS of a 128 MiB convert with --memory 48 stays under 48 + 64 MiB (the issue's bound:
    --memory plus the process's own footprint)."""
    if b"__asan_init" in zring.path.read_bytes():
        pytest.skip("AddressSanitizer's shadow memory and quarantine inflate RSS")
    src = tmp_path / "mem_src.zarr"
    _ok(zring.run("create", src, "--format", "2", "--shape", "128,512,1024", "--chunks", "16,64,64",
                  "--dtype", "uint16", "--pattern", "smooth", "--codec", "blosc-lz4"))
    dst = tmp_path / "mem_dst.zarr"
    argv = [str(zring.path), "convert", str(src), str(dst), "--chunks", "4,64,64", "--shard",
            "16,256,256", "--memory", "48", "--quiet"]
    # ru_maxrss survives exec, so a child forked straight from this (large) pytest process would
    # report pytest's size. A fresh small interpreter forks zring and reports its own child's.
    p = subprocess.run([sys.executable, "-S", "-c", MAXRSS_PROBE, *argv], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    peak_mib = int(p.stderr.strip().splitlines()[-1].split("=")[1]) / 1024
    assert peak_mib < 48 + 64, f"peak RSS {peak_mib:.1f} MiB\n{p.stdout}"
    assert zring.checksum_of_array_store(dst) == zring.checksum_of_array_store(src)


def test_verify_fails_loudly_on_a_wrong_destination(zring, v2_source, tmp_path):
    src, _ = v2_source
    dst = tmp_path / "tampered.zarr"
    _ok(zring.run("convert", src, dst, "--codec", "none", "--quiet"))
    # Swap in another chunk's (valid) bytes: every chunk still decodes, the values are wrong.
    a, b = dst / "0.0.1", dst / "0.0.2"
    assert a.read_bytes() != b.read_bytes()
    a.write_bytes(b.read_bytes())
    r = zring.run("convert", src, dst, "--codec", "none", "--quiet", "--verify")
    assert_clean_failure(r, "VERIFY FAILED")
    assert "nothing to do" in r.stdout
