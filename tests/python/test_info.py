"""`zring info STORE --json` reports what the metadata and the directory say: the hierarchy, and per array
shape, data type, chunk and shard shape, codecs, fill value, dimension names, attributes, chunks
present and total, logical and stored bytes.

Expectations come from the metadata documents zarr-python wrote (read here with `json`) and from
listing the store's files, not from zring.
"""

from __future__ import annotations

import json
import math
import warnings

import numcodecs
import numpy as np
import pytest


def _info(zring, store) -> dict:
    r = zring.run("info", store, "--json")
    assert r.returncode == 0, r.describe()
    doc = json.loads(r.stdout)
    return {n["path"]: n for n in doc["nodes"]}


def _chunk_files(array_dir, skip_dirs=()):
    meta = {".zarray", ".zattrs", ".zgroup", "zarr.json", ".zmetadata"}
    return [f for f in array_dir.rglob("*") if f.is_file() and f.name not in meta
            and not any(d in f.relative_to(array_dir).parts for d in skip_dirs)]


def _names(codecs, key):
    return [c[key] for c in codecs]


@pytest.fixture
def v3_hierarchy(tmp_path):
    import zarr
    from zarr.codecs import ZstdCodec
    root = tmp_path / "h3.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = zarr.open_group(str(root), mode="w", zarr_format=3, attributes={"title": "t", "n": 3})
        a = g.create_array("sh", shape=(13, 11), chunks=(4, 5), shards=(8, 10), dtype="uint16",
                           fill_value=7, dimension_names=["y", "x"], attributes={"units": "m"},
                           compressors=[ZstdCodec(level=3)])
        a[1:7, 0:4] = 5
        a[12, 10] = 1
        b = g.create_array("sub/f", shape=(5,), chunks=(2,), dtype="complex64", fill_value=np.nan,
                           compressors=None)
        b[:3] = 1 + 2j
    return root


def test_info_v3_hierarchy_and_sharded_array(zring, v3_hierarchy):
    nodes = _info(zring, v3_hierarchy)
    assert {p: n["node_type"] for p, n in nodes.items()} == {
        "/": "group", "/sh": "array", "/sub": "group", "/sub/f": "array"}
    assert nodes["/"]["attributes"] == {"title": "t", "n": 3}
    assert all(n["zarr_format"] == 3 for n in nodes.values())

    meta = json.loads((v3_hierarchy / "sh" / "zarr.json").read_text())
    sh = nodes["/sh"]
    assert sh["shape"] == meta["shape"] == [13, 11]
    assert sh["data_type"] == meta["data_type"] == "uint16"
    assert sh["shard_shape"] == meta["chunk_grid"]["configuration"]["chunk_shape"] == [8, 10]
    assert sh["chunk_shape"] == meta["codecs"][0]["configuration"]["chunk_shape"] == [4, 5]
    assert _names(sh["codecs"], "name") == ["sharding_indexed"]
    cfg, want_cfg = sh["codecs"][0]["configuration"], meta["codecs"][0]["configuration"]
    assert _names(cfg["codecs"], "name") == _names(want_cfg["codecs"], "name") == ["bytes", "zstd"]
    assert cfg["codecs"][1]["configuration"]["level"] == 3
    assert _names(cfg["index_codecs"], "name") == ["bytes", "crc32c"]
    assert cfg["index_location"] == "end"
    assert sh["fill_value"] == 7
    assert sh["dimension_names"] == ["y", "x"]
    assert sh["attributes"] == {"units": "m"}
    shards = _chunk_files(v3_hierarchy / "sh")
    assert sh["chunks_total"] == 4 and sh["chunks_present"] == len(shards) == 2
    assert sh["logical_bytes"] == 13 * 11 * 2
    assert sh["stored_bytes"] == sum(f.stat().st_size for f in shards)

    f = nodes["/sub/f"]
    assert f["shape"] == [5] and f["data_type"] == "complex64" and f["chunk_shape"] == [2]
    assert f["shard_shape"] is None
    re, im = f["fill_value"]
    assert re == "NaN" and im == 0
    chunks = _chunk_files(v3_hierarchy / "sub" / "f")
    assert f["chunks_total"] == 3 and f["chunks_present"] == len(chunks) == 2
    assert f["logical_bytes"] == 40 and f["stored_bytes"] == sum(c.stat().st_size for c in chunks)


def test_info_v2_array_with_filters_and_f_order(zring, tmp_path):
    import zarr
    store = tmp_path / "a2.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = zarr.create_array(str(store), shape=(37, 3), chunks=(8, 2), dtype=">f8", fill_value=None,
                              filters=[numcodecs.Delta(">f8")], compressors=numcodecs.Zlib(level=5),
                              order="F", zarr_format=2, attributes={"a": [1, 2]},
                              chunk_key_encoding={"name": "v2", "separator": "/"})
        a[:20, :] = np.arange(60).reshape(20, 3)
    n = _info(zring, store)["/"]
    assert n["node_type"] == "array" and n["zarr_format"] == 2
    assert n["shape"] == [37, 3] and n["chunk_shape"] == [8, 2] and n["shard_shape"] is None
    assert n["data_type"] == ">f8" and n["order"] == "F"
    assert _names(n["codecs"], "id") == ["delta", "zlib"]
    assert n["codecs"][1]["level"] == 5
    assert n["fill_value"] is None
    assert n["attributes"] == {"a": [1, 2]}
    chunks = _chunk_files(store)
    assert n["chunks_total"] == 5 * 2 and n["chunks_present"] == len(chunks) == 3 * 2
    assert n["logical_bytes"] == 37 * 3 * 8
    assert n["stored_bytes"] == sum(c.stat().st_size for c in chunks)


# v3 fill values in the forms the spec allows, edited into zarr.json by hand, and what `info` must
# report for them (the value, in any spelling JSON allows for it).
FILLS = {
    "float32-nan": ("float32", "NaN", "NaN"),
    "float64-inf": ("float64", "Infinity", "Infinity"),
    "float16-neginf": ("float16", "-Infinity", "-Infinity"),
    "float32-hex-one": ("float32", "0x3f800000", 1.0),
    "float64-hex-minus-two": ("float64", "0xc000000000000000", -2.0),
    "complex128-pair": ("complex128", [1.5, "-Infinity"], [1.5, "-Infinity"]),
    "bool-true": ("bool", True, True),
    "int64-min": ("int64", -2**63, -2**63),
    "uint64-max": ("uint64", 2**64 - 1, 2**64 - 1),
}


def _array_with_fill(tmp_path, dtype, fill_json):
    import zarr
    store = tmp_path / "f.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zarr.create_array(str(store), shape=(3,), chunks=(2,), dtype=dtype, fill_value=0,
                          zarr_format=3)
    meta = json.loads((store / "zarr.json").read_text())
    meta["fill_value"] = fill_json
    (store / "zarr.json").write_text(json.dumps(meta))
    return store


@pytest.mark.parametrize("name", list(FILLS))
def test_info_reports_fill_value_forms(zring, tmp_path, name):
    dtype, fill_json, want = FILLS[name]
    store = _array_with_fill(tmp_path, dtype, fill_json)
    got = _info(zring, store)["/"]["fill_value"]
    assert got == want or (isinstance(want, float) and isinstance(got, (int, float)) and got == want)


def test_info_on_a_non_store_is_a_clean_error(zring, tmp_path):
    (tmp_path / "empty").mkdir()
    r = zring.run("info", tmp_path / "empty", "--json")
    assert 0 < r.returncode < 128 and "empty" in r.stderr, r.describe()


def test_info_text_output_names_every_node(zring, v3_hierarchy):
    r = zring.run("info", v3_hierarchy)
    assert r.returncode == 0, r.describe()
    for path in ("/sh", "/sub", "/sub/f"):
        assert any(line.startswith(path + " ") for line in r.stdout.splitlines()), r.stdout
    assert "[13, 11]" in r.stdout and "uint16" in r.stdout and "[8, 10]" in r.stdout


def test_info_lists_consolidated_v2_group(zring, tmp_path):
    """A v2 group with consolidated metadata (.zmetadata beside the per-node documents)."""
    import zarr
    root = tmp_path / "c2.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = zarr.open_group(str(root), mode="w", zarr_format=2)
        g.create_array("x", shape=(4,), chunks=(2,), dtype="int8", fill_value=1)
        g.create_group("y").create_array("z", shape=(2, 2), chunks=(1, 1), dtype="<f4")
        zarr.consolidate_metadata(str(root), zarr_format=2)
    nodes = _info(zring, root)
    assert {p: n["node_type"] for p, n in nodes.items()} == {
        "/": "group", "/x": "array", "/y": "group", "/y/z": "array"}
    assert nodes["/y/z"]["data_type"] == "<f4" and nodes["/y/z"]["chunks_total"] == 4
    assert nodes["/x"]["chunks_present"] == 0 and nodes["/x"]["stored_bytes"] == 0
    assert math.prod(nodes["/y/z"]["shape"]) * 4 == nodes["/y/z"]["logical_bytes"]


@pytest.mark.parametrize("fmt,key", [(3, ("default", "/")), (3, ("default", ".")), (3, ("v2", ".")),
                                     (3, ("v2", "/")), (2, ("v2", ".")), (2, ("v2", "/"))],
                         ids=["v3-default-slash", "v3-default-dot", "v3-v2-dot", "v3-v2-slash",
                              "v2-dot", "v2-slash"])
def test_info_counts_chunks_under_every_key_encoding(zring, tmp_path, fmt, key):
    import zarr
    store = tmp_path / "k.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = zarr.create_array(str(store), shape=(7, 9, 5), chunks=(2, 4, 5), dtype="<i2",
                              fill_value=0, zarr_format=fmt,
                              chunk_key_encoding={"name": key[0], "separator": key[1]})
        a[:5, 3:, :] = 1
    n = _info(zring, store)["/"]
    chunks = _chunk_files(store)
    assert n["chunks_total"] == 4 * 3 * 1
    assert n["chunks_present"] == len(chunks) == 3 * 3
    assert n["stored_bytes"] == sum(c.stat().st_size for c in chunks)
