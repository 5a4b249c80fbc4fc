// Zarr v2 metadata: .zarray, .zgroup, .zattrs and consolidated .zmetadata.
#include <utility>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/errors.h"
#include "zarr/metadata/array_metadata.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

using internal::Member;
using internal::Required;

absl::StatusOr<std::string> ParseAttributes(std::string_view zattrs) {
  if (zattrs.empty()) return std::string("{}");
  simdjson::dom::parser parser;
  auto obj = internal::ParseJsonObject(parser, zattrs);
  if (!obj.ok()) {
    return WithPrefix(obj.status(), ".zattrs");
  }
  return simdjson::minify(*obj);
}

absl::StatusOr<CodecSpec> ParseV2Codec(simdjson::dom::element e, std::string_view where) {
  simdjson::dom::object obj;
  if (e.get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        fmt::format("{} must be an object with an \"id\", got {}", where, internal::Minify(e)));
  }
  auto id = Member(obj, "id");
  std::string_view name;
  if (!id || id->get(name) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        fmt::format("{} has no string \"id\": {}", where, internal::Minify(e)));
  }
  return CodecSpec{std::string(name), simdjson::minify(obj)};
}

absl::Status ParseZarrayInto(simdjson::dom::object obj, ArrayMetadata& m) {
  ZRING_ASSIGN_OR_RETURN(auto format_el, Required(obj, "zarr_format"));
  ZRING_ASSIGN_OR_RETURN(int64_t format, internal::Int(format_el, "zarr_format"));
  if (format != 2) {
    return absl::InvalidArgumentError(fmt::format("zarr_format is {}, expected 2", format));
  }
  m.zarr_format = 2;
  ZRING_ASSIGN_OR_RETURN(auto shape_el, Required(obj, "shape"));
  ZRING_ASSIGN_OR_RETURN(m.shape, internal::UintArray(shape_el, "shape"));
  ZRING_ASSIGN_OR_RETURN(auto chunks_el, Required(obj, "chunks"));
  ZRING_ASSIGN_OR_RETURN(m.chunk_shape, internal::UintArray(chunks_el, "chunks"));
  if (m.chunk_shape.size() != m.shape.size()) {
    return absl::InvalidArgumentError(
        fmt::format("\"chunks\" has {} dimensions but \"shape\" has {}", m.chunk_shape.size(),
                    m.shape.size()));
  }
  for (uint64_t c : m.chunk_shape) {
    if (c == 0) return absl::InvalidArgumentError("\"chunks\" entries must be positive");
  }
  ZRING_ASSIGN_OR_RETURN(auto dtype_el, Required(obj, "dtype"));
  if (dtype_el.is_array()) {
    return absl::UnimplementedError(fmt::format("structured data type {} is not supported",
                                                internal::Minify(dtype_el)));
  }
  ZRING_ASSIGN_OR_RETURN(std::string_view dtype_str, internal::String(dtype_el, "dtype"));
  ZRING_ASSIGN_OR_RETURN(DataTypeV2 dtype, ParseDataTypeV2(dtype_str));
  m.data_type = dtype.type;
  m.v2_endian = dtype.endian;
  ZRING_ASSIGN_OR_RETURN(auto fill_el, Required(obj, "fill_value"));
  ZRING_ASSIGN_OR_RETURN(m.fill_value, ParseFillValue(fill_el, m.data_type, 2));
  ZRING_RETURN_IF_ERROR(internal::CheckChunkSize(m.chunk_shape, m.data_type.size_bytes()));
  ZRING_ASSIGN_OR_RETURN(auto order_el, Required(obj, "order"));
  ZRING_ASSIGN_OR_RETURN(std::string_view order, internal::String(order_el, "order"));
  if (order != "C" && order != "F") {
    return absl::InvalidArgumentError(
        fmt::format("\"order\" must be \"C\" or \"F\", got \"{}\"", order));
  }
  m.v2_order = order[0];
  ZRING_ASSIGN_OR_RETURN(auto comp_el, Required(obj, "compressor"));
  if (!comp_el.is_null()) {
    ZRING_ASSIGN_OR_RETURN(CodecSpec c, ParseV2Codec(comp_el, "\"compressor\""));
    m.v2_compressor = std::move(c);
  }
  if (auto filters = Member(obj, "filters"); filters && !filters->is_null()) {
    simdjson::dom::array arr;
    if (filters->get(arr) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(
          fmt::format("\"filters\" must be null or an array, got {}", internal::Minify(*filters)));
    }
    for (simdjson::dom::element f : arr) {
      ZRING_ASSIGN_OR_RETURN(CodecSpec c, ParseV2Codec(f, "a filter"));
      m.v2_filters.push_back(std::move(c));
    }
  }
  m.chunk_key_encoding = {ChunkKeyEncoding::Kind::kV2, '.'};
  if (auto sep = Member(obj, "dimension_separator"); sep && !sep->is_null()) {
    ZRING_ASSIGN_OR_RETURN(std::string_view s, internal::String(*sep, "dimension_separator"));
    if (s != "." && s != "/") {
      return absl::InvalidArgumentError(
          fmt::format("\"dimension_separator\" must be \".\" or \"/\", got \"{}\"", s));
    }
    m.chunk_key_encoding.separator = s[0];
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ArrayMetadata> ParseArrayMetadataV2(std::string_view zarray,
                                                   std::string_view zattrs) {
  simdjson::dom::parser parser;
  auto obj = internal::ParseJsonObject(parser, zarray);
  if (!obj.ok()) return obj.status();
  ArrayMetadata m;
  ZRING_RETURN_IF_ERROR(ParseZarrayInto(*obj, m));
  ZRING_ASSIGN_OR_RETURN(m.attributes_json, ParseAttributes(zattrs));
  return m;
}

absl::StatusOr<GroupMetadata> ParseGroupMetadataV2(std::string_view zgroup,
                                                   std::string_view zattrs) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto obj, internal::ParseJsonObject(parser, zgroup));
  ZRING_ASSIGN_OR_RETURN(auto format_el, Required(obj, "zarr_format"));
  ZRING_ASSIGN_OR_RETURN(int64_t format, internal::Int(format_el, "zarr_format"));
  if (format != 2) {
    return absl::InvalidArgumentError(fmt::format("zarr_format is {}, expected 2", format));
  }
  GroupMetadata g;
  g.zarr_format = 2;
  ZRING_ASSIGN_OR_RETURN(g.attributes_json, ParseAttributes(zattrs));
  return g;
}

absl::StatusOr<std::map<std::string, ConsolidatedEntry>> ParseConsolidatedV2(
    std::string_view zmetadata) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto obj, internal::ParseJsonObject(parser, zmetadata));
  ZRING_ASSIGN_OR_RETURN(auto meta_el, Required(obj, "metadata"));
  ZRING_ASSIGN_OR_RETURN(auto meta, internal::Object(meta_el, "metadata"));
  std::map<std::string, ConsolidatedEntry> out;
  for (auto [key, value] : meta) {
    const size_t slash = key.rfind('/');
    const std::string_view file = slash == std::string_view::npos ? key : key.substr(slash + 1);
    const std::string path(slash == std::string_view::npos ? std::string_view()
                                                           : key.substr(0, slash));
    if (!value.is_object()) {
      return absl::InvalidArgumentError(fmt::format("\"metadata\"[\"{}\"] is not an object", key));
    }
    ConsolidatedEntry& e = out[path];
    if (file == ".zarray") e.zarray_or_zarr_json = simdjson::minify(value);
    else if (file == ".zgroup") e.zgroup = simdjson::minify(value);
    else if (file == ".zattrs") e.zattrs = simdjson::minify(value);
  }
  return out;
}

}  // namespace zring::zarr
