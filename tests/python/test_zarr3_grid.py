"""zring's whole-array checksum against zarr-python 3 (PyPI) over a covering grid of v2 and v3 stores.

The grid (zarr3_grid.py) is written once per session. For each array the expected sha256 comes from
what zarr-python reads back, and zarr-python's read-back is itself checked against the data the case
meant to write (exactly for lossless codecs, approximately for lossy filters), so a writer that
silently drops data cannot make a wrong expectation.

A v2 `fill_value: null` leaves missing chunks undefined by the spec; the cases that have both expect
zeros there, as zarr-python 3 and TensorStore read them.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import zarr3_grid
from conftest import expected_sha256, xfail_on_known_bug

# Grid cases that hit a still-open zring bug (see conftest.KNOWN_ZRING_BUGS).
KNOWN_BUGS: dict = {}


@pytest.fixture(scope="session")
def grid(tmp_path_factory):
    root = tmp_path_factory.mktemp("zarr3_grid")
    out = {}
    for case in zarr3_grid.CASES:
        path = root / f"{case.id}.zarr"
        try:
            got, intended = zarr3_grid.write_case(case, path)
        except Exception as e:  # reported by the case's own test, not as a session error
            out[case.id] = (path, None, f"zarr-python could not write it: {type(e).__name__}: {e}")
            continue
        out[case.id] = (path, (got, intended), None)
    return out


def _check_readback(case, got: np.ndarray, intended: np.ndarray) -> None:
    assert got.shape == tuple(case.shape) and got.dtype == intended.dtype
    if not case.lossy:
        assert got.tobytes() == intended.tobytes(), "zarr-python read back other values than it wrote"
        return
    g, w = got.astype("f8"), intended.astype("f8")
    # Errors accumulate (delta on float16 sums rounded differences), so the absolute slack scales
    # with the data; it still catches a writer that scrambles values, which moves them by ~1x.
    scale = np.nanmax(np.abs(w[np.isfinite(w)]), initial=1.0)
    close = np.isclose(g, w, rtol=0.02, atol=max(0.05, 0.01 * scale), equal_nan=True)
    assert close.all(), f"lossy filter moved values too far: {g[~close][:4]} vs {w[~close][:4]}"


@pytest.mark.parametrize("case", zarr3_grid.CASES, ids=[c.id for c in zarr3_grid.CASES])
def test_checksum_matches_zarr_python(zring, grid, case):
    path, arrays, err = grid[case.id]
    assert err is None, err
    got, intended = arrays
    _check_readback(case, got, intended)
    xfail_on_known_bug(zring.run("checksum", path), KNOWN_BUGS.get(case.id))
    assert zring.checksum_of_array_store(path) == expected_sha256(got)


def test_missing_chunks_are_missing_on_disk(grid):
    """Guards the grid: a case marked `missing` must leave chunk (or shard) files out, or the fill-value
    path goes untested."""
    for case in zarr3_grid.CASES:
        if not case.missing:
            continue
        path = grid[case.id][0]
        files = [f for f in path.rglob("*") if f.is_file() and f.name not in
                 (".zarray", ".zattrs", "zarr.json")]
        grid_shape = case.shard["shape"] if case.shard else case.chunks
        total = int(np.prod([-(-s // c) for s, c in zip(case.shape, grid_shape)]))
        assert len(files) < total, f"{case.id}: {len(files)} of {total} chunks on disk"


def _blosc_frames(path):
    """Yields the blosc frames under a store (v3 shards hold inner chunks at offsets; skipped)."""
    for f in path.rglob("*"):
        if f.is_file() and f.name not in (".zarray", ".zattrs", "zarr.json"):
            yield f.read_bytes()


def test_every_blosc_variant_really_compresses_and_shuffles(grid):
    """Guards the grid: for each blosc cname x shuffle, in v2 and v3, some chunk was really compressed
    (not stored memcpy'd) with that shuffle flag in its header, so zring's decoder and unshuffle run."""
    flags_for = {"noshuffle": 0x0, "shuffle": 0x1, "bitshuffle": 0x4}
    seen = set()
    for case in zarr3_grid.CASES:
        if not case.codec.startswith("blosc-") or case.shard:
            continue
        shuffle = case.codec.split("-")[2]
        for frame in _blosc_frames(grid[case.id][0]):
            flags = frame[2]
            if flags & 0x2 == 0 and flags & 0x5 == flags_for[shuffle]:
                seen.add((case.fmt, case.codec))
    missing = {(f, c) for f in (2, 3) for c in zarr3_grid.BLOSC} - seen
    assert not missing, f"no really compressed chunk for {sorted(missing)}"


def test_grid_covers_every_axis():
    """The covering design really covers: each dtype, codec, filter, fill form, order, key encoding and
    sharding layout appears at least once (a refactor of the grid must not quietly drop one)."""
    cases = zarr3_grid.CASES
    v2 = [c for c in cases if c.fmt == 2]
    v3 = [c for c in cases if c.fmt == 3]
    assert set(zarr3_grid.V2_DTYPES) <= {c.dtype for c in v2}
    assert set(zarr3_grid.V3_DTYPES) <= {c.dtype for c in v3}
    assert set(zarr3_grid.V2_CODECS) <= {c.codec for c in v2}
    assert set(zarr3_grid.V3_CODECS) <= {c.codec for c in v3}
    assert set(zarr3_grid.V2_FILTERS) <= {f for c in v2 for f in c.filters}
    assert set(zarr3_grid.FILLS) <= {c.fill for c in v2}
    assert {"zero", "nonzero", "nan", "inf", "-inf"} <= {c.fill for c in v3}
    assert {(c.order, c.sep) for c in v2} >= {("C", "."), ("C", "/"), ("F", "."), ("F", "/")}
    assert set(zarr3_grid.V3_KEYS) <= {c.key for c in v3}
    sharded = [c for c in v3 if c.shard]
    assert {c.shard["index"] for c in sharded} == {"start", "end"}
    assert {c.shard["index_crc"] for c in sharded} == {True, False}
    assert any(c.shard["nested"] for c in sharded)
    assert any(c.shard and c.missing and c.codec != "none" for c in sharded)
    assert any(c.endian == "big" for c in v3) and any(c.transpose for c in v3)
    assert sum(c.missing for c in cases) >= len(cases) // 3
    assert len({c.id for c in cases}) == len(cases) and len(cases) < 400
    assert set(KNOWN_BUGS) <= {c.id for c in cases}, "a known-bug entry names no case"


def _write_hierarchy(root, zarr_format, consolidated=False):
    import zarr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = zarr.open_group(str(root), mode="w", zarr_format=zarr_format)
        a = g.create_array("a", shape=(7, 5), chunks=(3, 2), dtype="int16", fill_value=-1)
        a[:4, :3] = np.arange(12, dtype="int16").reshape(4, 3)
        sub = g.create_group("sub")
        b = sub.create_array("b", shape=(10,), chunks=(4,), dtype="float32", fill_value=0.5)
        b[2:9] = np.linspace(-1, 1, 7, dtype="float32")
        sub.create_group("empty_group")
        if consolidated:
            zarr.consolidate_metadata(str(root), zarr_format=zarr_format)
        return {"/a": a[...], "/sub/b": b[...]}


@pytest.mark.parametrize("zarr_format,consolidated", [(2, False), (3, False), (2, True), (3, True)],
                         ids=["v2-group", "v3-group", "v2-group-consolidated", "v3-group-consolidated"])
def test_checksum_lists_every_array_of_a_hierarchy(zring, tmp_path, zarr_format, consolidated):
    arrays = _write_hierarchy(tmp_path / "h.zarr", zarr_format, consolidated)
    want = {k: expected_sha256(v) for k, v in arrays.items()}
    assert zring.checksums(tmp_path / "h.zarr") == want


@pytest.mark.parametrize("zarr_format", [2, 3], ids=["v2-group", "v3-group"])
@pytest.mark.parametrize("name", ["sub/b", "/sub/b"])
def test_checksum_of_one_named_array(zring, tmp_path, zarr_format, name):
    arrays = _write_hierarchy(tmp_path / "h.zarr", zarr_format)
    got = zring.checksums(tmp_path / "h.zarr", name)
    assert got == {"/sub/b": expected_sha256(arrays["/sub/b"])}


def test_checksum_finds_arrays_under_implicit_v2_groups(zring, tmp_path):
    """v2 allows groups without .zgroup: arrays below plain directories are still listed."""
    import zarr
    root = tmp_path / "implicit"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = zarr.create_array(str(root / "x" / "y"), shape=(5,), chunks=(2,), dtype="<u4",
                              fill_value=9, zarr_format=2)
        a[1:3] = [1, 2]
    assert zring.checksums(root) == {"/x/y": expected_sha256(a[...])}


def test_checksum_prints_node_names_with_spaces_and_unicode(zring, tmp_path):
    import zarr
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = zarr.open_group(str(tmp_path / "n.zarr"), mode="w", zarr_format=3)
        want = {}
        for name in ["temp 2m", "r\u00e9sum\u00e9", "a.b"]:
            a = g.create_array(name, shape=(3,), chunks=(2,), dtype="int8", fill_value=len(name))
            a[0] = 1
            want["/" + name] = expected_sha256(a[...])
    assert zring.checksums(tmp_path / "n.zarr") == want
