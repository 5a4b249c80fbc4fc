// zring._zring: the compiled core of the `zring` Python package (bindings/python/zring/).
//
// It exposes thin objects: Array (metadata, ReadCrops into caller buffers, stats), ArrayStack,
// the sampler functions, and node listing. Indexing, dtype handling, `out=` coercion (torch
// tensors, __array_interface__) and pickling live in the pure-Python package, which is the
// supported API; this module's signatures are described in zring/_zring.pyi.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "bindings/python/src/errors.h"
#include "bindings/python/src/py_array.h"
#include "bindings/python/src/py_sampler.h"
#include "zarr/codec/sharding_codec.h"
#include "zarr/hierarchy.h"
#include "zarr/metadata/array_metadata.h"

namespace py = pybind11;

namespace zring::python {
namespace {

std::string Text(const zarr::Buffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// The value at `key`, or nullopt when it does not exist (other errors raise).
std::optional<std::string> GetIfPresent(const zarr::Store& store, const std::string& key) {
  auto got = store.Get(key);
  if (got.ok()) return Text(*got);
  if (got.status().code() == absl::StatusCode::kNotFound) return std::nullopt;
  ThrowStatus(got.status(), ErrorContext::kOpen, store.Describe());
}

// ("array" | "group", zarr_format, attributes JSON) of the node at `path`; FileNotFoundError
// when there is no metadata document there.
std::tuple<std::string, int, std::string> NodeInfo(const std::string& store_path,
                                                   const std::string& path,
                                                   const StorageOptionPairs& storage_options) {
  auto store = OpenStore(store_path, storage_options);
  const std::string prefix = zarr::NormalizePath(path);
  if (auto v3 = GetIfPresent(*store, zarr::JoinKey(prefix, "zarr.json"))) {
    auto type = zarr::NodeTypeV3(*v3);
    if (!type.ok()) ThrowStatus(type.status(), ErrorContext::kOpen, store_path + "/" + prefix);
    if (*type == zarr::NodeType::kArray) return {"array", 3, "{}"};
    auto g = zarr::ParseGroupMetadataV3(*v3);
    if (!g.ok()) ThrowStatus(g.status(), ErrorContext::kOpen, store_path + "/" + prefix);
    return {"group", 3, g->attributes_json};
  }
  if (GetIfPresent(*store, zarr::JoinKey(prefix, ".zarray"))) return {"array", 2, "{}"};
  const std::string zattrs = GetIfPresent(*store, zarr::JoinKey(prefix, ".zattrs")).value_or("");
  if (auto zgroup = GetIfPresent(*store, zarr::JoinKey(prefix, ".zgroup"))) {
    auto g = zarr::ParseGroupMetadataV2(*zgroup, zattrs);
    if (!g.ok()) ThrowStatus(g.status(), ErrorContext::kOpen, store_path + "/" + prefix);
    return {"group", 2, g->attributes_json};
  }
  // A directory without metadata that holds nodes further down is a v2 implicit group. A
  // store that cannot list (plain HTTP) has no implicit groups: nothing is there.
  auto nodes = zarr::ListHierarchy(*store, prefix);
  if (!nodes.ok() && nodes.status().code() != absl::StatusCode::kUnimplemented) {
    ThrowStatus(nodes.status(), ErrorContext::kOpen);
  }
  if (nodes.ok() && !prefix.empty() && !nodes->empty()) return {"group", 2, "{}"};
  const std::string where = prefix.empty() ? store_path : store_path + "/" + prefix;
  PyErr_SetObject(PyExc_FileNotFoundError,
                  py::make_tuple(ENOENT, "no Zarr array or group (zarr.json, .zarray or .zgroup) "
                                         "at " + where).ptr());
  throw py::error_already_set();
}

// (node path "/a/b", "array" | "group") of every node below `path`.
std::vector<std::pair<std::string, std::string>> ListNodes(
    const std::string& store_path, const std::string& path,
    const StorageOptionPairs& storage_options) {
  auto store = OpenStore(store_path, storage_options);
  auto nodes = zarr::ListHierarchy(*store, zarr::NormalizePath(path));
  if (!nodes.ok()) ThrowStatus(nodes.status(), ErrorContext::kOpen);
  std::vector<std::pair<std::string, std::string>> out;
  for (const zarr::NodeInfo& n : *nodes) {
    out.emplace_back(n.path, n.type == zarr::NodeType::kArray ? "array" : "group");
  }
  return out;
}

py::tuple Tuple(const std::vector<uint64_t>& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = v[i];
  return t;
}

void BindArray(py::module_& m) {
  py::class_<PyArray>(m, "Array")
      .def(py::init<const std::string&, const std::string&, int, uint64_t,
                    const StorageOptionPairs&>(),
           py::arg("store_path"), py::arg("path") = "", py::arg("threads") = 0,
           py::arg("budget_bytes") = uint64_t{256} << 20,
           py::arg("storage_options") = StorageOptionPairs{})
      .def_property_readonly("store_path", &PyArray::store_path)
      .def_property_readonly("path", [](const PyArray& a) { return a.array().path(); })
      .def_property_readonly("threads", &PyArray::threads)
      .def_property_readonly("budget_bytes", &PyArray::budget_bytes)
      .def_property_readonly("zarr_format",
                             [](const PyArray& a) { return a.array().metadata().zarr_format; })
      .def_property_readonly("shape",
                             [](const PyArray& a) { return Tuple(a.array().metadata().shape); })
      .def_property_readonly("typestr",
                             [](const PyArray& a) {
                               return a.array().data_type().NumpyString(zarr::Endian::kLittle);
                             })
      .def_property_readonly("data_type_name",
                             [](const PyArray& a) { return a.array().data_type().Name(); })
      .def_property_readonly("chunks",
                             [](const PyArray& a) {
                               const auto* sh = a.array().codec_chain().sharding();
                               return Tuple(sh ? sh->inner_chunk_shape()
                                               : a.array().metadata().chunk_shape);
                             })
      .def_property_readonly("shards",
                             [](const PyArray& a) -> py::object {
                               if (!a.array().codec_chain().sharding()) return py::none();
                               return Tuple(a.array().metadata().chunk_shape);
                             })
      .def_property_readonly("fill_value_bytes",
                             [](const PyArray& a) {
                               auto b = a.array().metadata().fill_value.bytes();
                               return py::bytes(reinterpret_cast<const char*>(b.data()), b.size());
                             })
      .def_property_readonly("fill_value_defined",
                             [](const PyArray& a) {
                               return a.array().metadata().fill_value.defined();
                             })
      .def_property_readonly("attrs_json",
                             [](const PyArray& a) { return a.array().metadata().attributes_json; })
      .def_property_readonly("dimension_names",
                             [](const PyArray& a) { return a.array().metadata().dimension_names; })
      .def("describe", [](const PyArray& a) { return a.array().Describe(); })
      .def("read_crops_into", &PyArray::ReadCrops, py::arg("starts"), py::arg("shape"),
           py::arg("out"),
           "Reads N crops of `shape` at the rows of `starts` (C-contiguous int64 (N, ndim)) into "
           "`out` (writable buffer (N, *shape), non-negative strides); GIL released.")
      .def("stats", &PyArray::Stats, "This process's crop-reader counters.");
}

}  // namespace
}  // namespace zring::python

PYBIND11_MODULE(_zring, m) {
  m.doc() = "zring's compiled core; use the `zring` package.";
  zring::python::RegisterErrors(m);
  zring::python::BindArray(m);
  zring::python::BindSampler(m);
  m.def("node_info", &zring::python::NodeInfo, py::arg("store_path"), py::arg("path") = "",
        py::arg("storage_options") = zring::python::StorageOptionPairs{},
        "(kind, zarr_format, attributes JSON) of the node at `path`.");
  m.def("list_nodes", &zring::python::ListNodes, py::arg("store_path"), py::arg("path") = "",
        py::arg("storage_options") = zring::python::StorageOptionPairs{},
        "(node path, kind) of every array and group below `path`.");
}
