// Zarr v3 metadata: zarr.json for arrays and groups, and inline consolidated metadata.
#include <utility>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/metadata/array_metadata.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

using internal::Member;
using internal::Required;

absl::Status CheckFormat3(simdjson::dom::object obj) {
  ZRING_ASSIGN_OR_RETURN(auto format_el, Required(obj, "zarr_format"));
  ZRING_ASSIGN_OR_RETURN(int64_t format, internal::Int(format_el, "zarr_format"));
  if (format != 3) {
    return absl::InvalidArgumentError(fmt::format("zarr_format is {}, expected 3", format));
  }
  return absl::OkStatus();
}

// A named configuration: either "name" or {"name": ..., "configuration": {...}}.
absl::StatusOr<CodecSpec> NamedConfig(simdjson::dom::element e, std::string_view where) {
  std::string_view name;
  if (e.get(name) == simdjson::SUCCESS) return CodecSpec{std::string(name), "{}"};
  simdjson::dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(fmt::format("{} must be an object with a \"name\", got {}",
                                                  where, internal::Minify(e)));
  }
  auto name_el = Member(obj, "name");
  if (!name_el || name_el->get(name) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        fmt::format("{} has no string \"name\": {}", where, internal::Minify(e)));
  }
  CodecSpec spec{std::string(name), "{}"};
  if (auto config = Member(obj, "configuration"); config && !config->is_null()) {
    if (!config->is_object()) {
      return absl::InvalidArgumentError(
          fmt::format("{} \"{}\": \"configuration\" must be an object", where, name));
    }
    spec.configuration_json = simdjson::minify(*config);
  }
  return spec;
}

absl::StatusOr<std::string> Attributes(simdjson::dom::object obj) {
  auto attrs = Member(obj, "attributes");
  if (!attrs || attrs->is_null()) return std::string("{}");
  if (!attrs->is_object()) return absl::InvalidArgumentError("\"attributes\" must be an object");
  return simdjson::minify(*attrs);
}

absl::Status ParseGridAndKeys(simdjson::dom::object obj, ArrayMetadata& m) {
  ZRING_ASSIGN_OR_RETURN(auto grid_el, Required(obj, "chunk_grid"));
  ZRING_ASSIGN_OR_RETURN(CodecSpec grid, NamedConfig(grid_el, "\"chunk_grid\""));
  if (grid.name != "regular") {
    return absl::UnimplementedError(
        fmt::format("chunk_grid \"{}\" is not supported (only \"regular\")", grid.name));
  }
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto config, internal::ParseJsonObject(parser, grid.configuration_json));
  ZRING_ASSIGN_OR_RETURN(auto cs_el, Required(config, "chunk_shape"));
  ZRING_ASSIGN_OR_RETURN(m.chunk_shape, internal::UintArray(cs_el, "chunk_shape"));
  if (m.chunk_shape.size() != m.shape.size()) {
    return absl::InvalidArgumentError(
        fmt::format("\"chunk_shape\" has {} dimensions but \"shape\" has {}",
                    m.chunk_shape.size(), m.shape.size()));
  }
  for (uint64_t c : m.chunk_shape) {
    if (c == 0) return absl::InvalidArgumentError("\"chunk_shape\" entries must be positive");
  }
  ZRING_ASSIGN_OR_RETURN(auto cke_el, Required(obj, "chunk_key_encoding"));
  ZRING_ASSIGN_OR_RETURN(CodecSpec cke, NamedConfig(cke_el, "\"chunk_key_encoding\""));
  if (cke.name == "default") {
    m.chunk_key_encoding = {ChunkKeyEncoding::Kind::kDefault, '/'};
  } else if (cke.name == "v2") {
    m.chunk_key_encoding = {ChunkKeyEncoding::Kind::kV2, '.'};
  } else {
    return absl::UnimplementedError(
        fmt::format("chunk_key_encoding \"{}\" is not supported", cke.name));
  }
  ZRING_ASSIGN_OR_RETURN(auto cke_config,
                         internal::ParseJsonObject(parser, cke.configuration_json));
  if (auto sep = Member(cke_config, "separator")) {
    ZRING_ASSIGN_OR_RETURN(std::string_view s, internal::String(*sep, "separator"));
    if (s != "." && s != "/") {
      return absl::InvalidArgumentError(
          fmt::format("chunk_key_encoding separator must be \".\" or \"/\", got \"{}\"", s));
    }
    m.chunk_key_encoding.separator = s[0];
  }
  return absl::OkStatus();
}

absl::Status ParseArrayInto(simdjson::dom::object obj, ArrayMetadata& m) {
  ZRING_RETURN_IF_ERROR(CheckFormat3(obj));
  m.zarr_format = 3;
  ZRING_ASSIGN_OR_RETURN(auto shape_el, Required(obj, "shape"));
  ZRING_ASSIGN_OR_RETURN(m.shape, internal::UintArray(shape_el, "shape"));
  ZRING_ASSIGN_OR_RETURN(auto dtype_el, Required(obj, "data_type"));
  ZRING_ASSIGN_OR_RETURN(CodecSpec dtype, NamedConfig(dtype_el, "\"data_type\""));
  ZRING_ASSIGN_OR_RETURN(m.data_type, ParseDataTypeV3(dtype.name));
  ZRING_RETURN_IF_ERROR(ParseGridAndKeys(obj, m));
  ZRING_ASSIGN_OR_RETURN(auto fill_el, Required(obj, "fill_value"));
  ZRING_ASSIGN_OR_RETURN(m.fill_value, ParseFillValue(fill_el, m.data_type, 3));
  ZRING_RETURN_IF_ERROR(internal::CheckChunkSize(m.chunk_shape, m.data_type.size_bytes()));
  ZRING_ASSIGN_OR_RETURN(auto codecs_el, Required(obj, "codecs"));
  simdjson::dom::array codecs;
  if (codecs_el.get(codecs) != simdjson::SUCCESS || codecs.size() == 0) {
    return absl::InvalidArgumentError("\"codecs\" must be a non-empty array");
  }
  for (simdjson::dom::element c : codecs) {
    ZRING_ASSIGN_OR_RETURN(CodecSpec spec, NamedConfig(c, "a codec"));
    m.codecs.push_back(std::move(spec));
  }
  if (auto st = Member(obj, "storage_transformers"); st && !st->is_null()) {
    simdjson::dom::array arr;
    if (st->get(arr) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError("\"storage_transformers\" must be an array");
    }
    if (arr.size() != 0) {
      return absl::UnimplementedError(
          fmt::format("storage_transformers {} are not supported", internal::Minify(*st)));
    }
  }
  if (auto names = Member(obj, "dimension_names"); names && !names->is_null()) {
    simdjson::dom::array arr;
    if (names->get(arr) != simdjson::SUCCESS || arr.size() != m.shape.size()) {
      return absl::InvalidArgumentError(fmt::format(
          "\"dimension_names\" must be an array of {} strings or nulls", m.shape.size()));
    }
    for (simdjson::dom::element n : arr) {
      std::string_view s;
      if (n.is_null()) m.dimension_names.emplace_back(std::nullopt);
      else if (n.get(s) == simdjson::SUCCESS) m.dimension_names.emplace_back(std::string(s));
      else return absl::InvalidArgumentError("\"dimension_names\" entries must be strings or null");
    }
  }
  ZRING_ASSIGN_OR_RETURN(m.attributes_json, Attributes(obj));
  return absl::OkStatus();
}

absl::StatusOr<NodeType> NodeTypeOf(simdjson::dom::object obj) {
  ZRING_ASSIGN_OR_RETURN(auto type_el, Required(obj, "node_type"));
  ZRING_ASSIGN_OR_RETURN(std::string_view type, internal::String(type_el, "node_type"));
  if (type == "array") return NodeType::kArray;
  if (type == "group") return NodeType::kGroup;
  return absl::InvalidArgumentError(
      fmt::format("\"node_type\" must be \"array\" or \"group\", got \"{}\"", type));
}

}  // namespace

absl::StatusOr<NodeType> NodeTypeV3(std::string_view zarr_json) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto obj, internal::ParseJsonObject(parser, zarr_json));
  ZRING_RETURN_IF_ERROR(CheckFormat3(obj));
  return NodeTypeOf(obj);
}

absl::StatusOr<ArrayMetadata> ParseArrayMetadataV3(std::string_view zarr_json) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto obj, internal::ParseJsonObject(parser, zarr_json));
  ZRING_ASSIGN_OR_RETURN(NodeType type, NodeTypeOf(obj));
  if (type != NodeType::kArray) return absl::InvalidArgumentError("node_type is not \"array\"");
  ArrayMetadata m;
  ZRING_RETURN_IF_ERROR(ParseArrayInto(obj, m));
  return m;
}

absl::StatusOr<GroupMetadata> ParseGroupMetadataV3(std::string_view zarr_json) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto obj, internal::ParseJsonObject(parser, zarr_json));
  ZRING_RETURN_IF_ERROR(CheckFormat3(obj));
  ZRING_ASSIGN_OR_RETURN(NodeType type, NodeTypeOf(obj));
  if (type != NodeType::kGroup) return absl::InvalidArgumentError("node_type is not \"group\"");
  GroupMetadata g;
  g.zarr_format = 3;
  ZRING_ASSIGN_OR_RETURN(g.attributes_json, Attributes(obj));
  return g;
}

absl::StatusOr<std::map<std::string, ConsolidatedEntry>> ParseConsolidatedV3(
    std::string_view group_zarr_json) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto obj, internal::ParseJsonObject(parser, group_zarr_json));
  std::map<std::string, ConsolidatedEntry> out;
  auto cm = Member(obj, "consolidated_metadata");
  if (!cm || cm->is_null()) return out;
  ZRING_ASSIGN_OR_RETURN(auto cm_obj, internal::Object(*cm, "consolidated_metadata"));
  ZRING_ASSIGN_OR_RETURN(auto meta_el, Required(cm_obj, "metadata"));
  ZRING_ASSIGN_OR_RETURN(auto meta, internal::Object(meta_el, "consolidated_metadata.metadata"));
  for (auto [key, value] : meta) {
    if (!value.is_object()) {
      return absl::InvalidArgumentError(
          fmt::format("consolidated_metadata.metadata[\"{}\"] is not an object", key));
    }
    out[std::string(key)].zarray_or_zarr_json = simdjson::minify(value);
  }
  return out;
}

}  // namespace zring::zarr
