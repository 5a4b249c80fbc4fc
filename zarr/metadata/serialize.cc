// Metadata documents as text, the inverse of metadata/v2.cc and v3.cc: ArrayMetadata ->
// zarr.json or .zarray (+ .zattrs), group documents, and the codec presets of SimpleArraySpec.
//
// Documents are written indented like zarr-python writes them (two spaces, short arrays of
// numbers on one line) so people can read them; codec configurations are copied verbatim from
// the metadata, which keeps unknown members a reader may rely on.
#include <cstring>
#include <utility>

#include "absl/strings/escaping.h"
#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/array_writer.h"
#include "zarr/codec/codec_chain.h"
#include "zarr/errors.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

// `s` as a JSON string literal (RFC 8259 escapes; non-ASCII bytes pass through as UTF-8).
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Re-indents compact (or any) JSON text: objects one member per line, arrays of scalars on one
// line, two spaces per level. Whitespace inside strings is kept.
std::string Pretty(std::string_view json) {
  std::string out;
  int depth = 0;
  auto newline = [&] {
    out += '\n';
    out.append(static_cast<size_t>(2 * depth), ' ');
  };
  // True when the array opening at `i` holds no object or array (printed inline).
  auto flat_array = [&](size_t i) {
    bool in_string = false;
    for (size_t j = i + 1; j < json.size(); ++j) {
      const char c = json[j];
      if (in_string) {
        if (c == '\\') ++j;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        return false;
      } else if (c == ']') {
        return true;
      }
    }
    return true;
  };
  int flat_depth = 0;  // > 0 while inside an inline array
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"') {
      const size_t start = i;
      for (++i; i < json.size() && json[i] != '"'; ++i) {
        if (json[i] == '\\') ++i;
      }
      out.append(json.substr(start, i - start + 1));
      continue;
    }
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    size_t next = i + 1;
    while (next < json.size() && (json[next] == ' ' || json[next] == '\n')) ++next;
    const bool empty = next < json.size() && (json[next] == '}' || json[next] == ']');
    if (flat_depth > 0) {
      if (c == ',') out += ", ";
      else out += c;
      if (c == ']') --flat_depth;
      continue;
    }
    if (c == '{' || c == '[') {
      out += c;
      if (empty) {
        out += json[next];
        i = next;
      } else if (c == '[' && flat_array(i)) {
        flat_depth = 1;
      } else {
        ++depth;
        newline();
      }
    } else if (c == '}' || c == ']') {
      --depth;
      newline();
      out += c;
    } else if (c == ',') {
      out += ',';
      newline();
    } else if (c == ':') {
      out += ": ";
    } else {
      out += c;
    }
  }
  return out + "\n";
}

// The attributes as compact JSON; kInvalidArgument unless they are a JSON object.
absl::StatusOr<std::string> CheckedAttributes(std::string_view attributes_json) {
  simdjson::dom::parser parser;
  auto obj = internal::ParseJsonObject(parser, attributes_json.empty() ? "{}" : attributes_json);
  if (!obj.ok()) {
    return absl::InvalidArgumentError(
        fmt::format("attributes must be a JSON object: {}", MessageOf(obj.status())));
  }
  return simdjson::minify(*obj);
}

std::string UintList(const std::vector<uint64_t>& v) {
  return fmt::format("[{}]", internal::Join(v));
}

std::string CodecV3(const CodecSpec& c) {
  if (c.configuration_json.empty() || c.configuration_json == "{}") {
    return fmt::format(R"({{"name":{}}})", Quote(c.name));
  }
  return fmt::format(R"({{"name":{},"configuration":{}}})", Quote(c.name), c.configuration_json);
}

// v2 unicode fill values are the string itself: UCS4 code units -> UTF-8, trailing NULs dropped.
std::string Ucs4ToUtf8(std::span<const std::byte> bytes) {
  std::vector<uint32_t> units(bytes.size() / 4);
  if (!units.empty()) std::memcpy(units.data(), bytes.data(), units.size() * 4);
  while (!units.empty() && units.back() == 0) units.pop_back();
  std::string out;
  for (uint32_t cp : units) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

std::string FillValueV2(const ArrayMetadata& m) {
  const FillValue& fv = m.fill_value;
  if (!fv.defined()) return "null";
  switch (m.data_type.kind()) {
    case DataKind::kBytes: {
      std::string raw(reinterpret_cast<const char*>(fv.bytes().data()), fv.bytes().size());
      std::string b64;
      absl::Base64Escape(raw, &b64);
      return Quote(b64);
    }
    case DataKind::kUnicode: return Quote(Ucs4ToUtf8(fv.bytes()));
    default: return fv.ToJson(m.data_type);
  }
}

absl::Status CheckShapes(const ArrayMetadata& m) {
  if (m.chunk_shape.size() != m.shape.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "chunk shape [{}] has {} dimensions, the shape [{}] has {}", internal::Join(m.chunk_shape),
        m.chunk_shape.size(), internal::Join(m.shape), m.shape.size()));
  }
  for (uint64_t c : m.chunk_shape) {
    if (c == 0) {
      return absl::InvalidArgumentError(fmt::format("chunk shape [{}] has a zero entry",
                                                    internal::Join(m.chunk_shape)));
    }
  }
  if (m.fill_value.bytes().size() != m.data_type.size_bytes()) {
    return absl::InvalidArgumentError(fmt::format(
        "fill value holds {} bytes, data type {} has {}", m.fill_value.bytes().size(),
        m.data_type.Name(), m.data_type.size_bytes()));
  }
  if (!m.dimension_names.empty() && m.dimension_names.size() != m.shape.size()) {
    return absl::InvalidArgumentError(fmt::format("{} dimension names for {} dimensions",
                                                  m.dimension_names.size(), m.shape.size()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ArrayMetadataToJsonV3(const ArrayMetadata& m) {
  ZRING_RETURN_IF_ERROR(CheckShapes(m));
  auto v3_type = ParseDataTypeV3(m.data_type.Name());
  if (!v3_type.ok() || !(*v3_type == m.data_type)) {
    return absl::InvalidArgumentError(fmt::format(
        "data type {} has no Zarr v3 name (v3 has no fixed-length strings or datetimes)",
        m.data_type.Name()));
  }
  if (m.codecs.empty()) {
    return absl::InvalidArgumentError("a v3 array needs at least one codec (\"bytes\")");
  }
  if (!m.fill_value.defined()) {
    return absl::InvalidArgumentError("Zarr v3 has no null fill value");
  }
  ZRING_ASSIGN_OR_RETURN(std::string attrs, CheckedAttributes(m.attributes_json));
  std::vector<std::string> codecs;
  for (const CodecSpec& c : m.codecs) codecs.push_back(CodecV3(c));
  std::string doc = fmt::format(
      R"({{"zarr_format":3,"node_type":"array","shape":{},"data_type":{},)"
      R"("chunk_grid":{{"name":"regular","configuration":{{"chunk_shape":{}}}}},)"
      R"("chunk_key_encoding":{},"fill_value":{},"codecs":[{}],"attributes":{})",
      UintList(m.shape), Quote(m.data_type.Name()), UintList(m.chunk_shape),
      m.chunk_key_encoding.ToJson(), m.fill_value.ToJson(m.data_type), internal::Join(codecs, ","),
      attrs);
  if (!m.dimension_names.empty()) {
    std::vector<std::string> names;
    for (const auto& n : m.dimension_names) names.push_back(n ? Quote(*n) : "null");
    doc += fmt::format(R"(,"dimension_names":[{}])", internal::Join(names, ","));
  }
  doc += R"(,"storage_transformers":[]})";
  return Pretty(doc);
}

absl::StatusOr<std::string> ArrayMetadataToZarrayV2(const ArrayMetadata& m) {
  ZRING_RETURN_IF_ERROR(CheckShapes(m));
  const std::string dtype = m.data_type.NumpyString(m.v2_endian);
  auto parsed = ParseDataTypeV2(dtype);
  if (!parsed.ok() || !(parsed->type == m.data_type)) {
    return absl::InvalidArgumentError(
        fmt::format("data type {} has no Zarr v2 (numpy) form", m.data_type.Name()));
  }
  if (m.chunk_key_encoding.kind != ChunkKeyEncoding::Kind::kV2) {
    return absl::InvalidArgumentError(
        "Zarr v2 chunk keys are \"v2\" keys (\"0.1\" or \"0/1\"), not v3 \"default\" keys");
  }
  if (m.v2_order != 'C' && m.v2_order != 'F') {
    return absl::InvalidArgumentError(fmt::format("v2 order must be C or F, not '{}'", m.v2_order));
  }
  std::string filters = "null";
  if (!m.v2_filters.empty()) {
    std::vector<std::string> f;
    for (const CodecSpec& c : m.v2_filters) f.push_back(c.configuration_json);
    filters = fmt::format("[{}]", internal::Join(f, ","));
  }
  // Dimension names have no field in v2 (xarray keeps them in attributes); they are dropped.
  return Pretty(fmt::format(
      R"({{"zarr_format":2,"shape":{},"chunks":{},"dtype":{},"fill_value":{},"order":"{}",)"
      R"("filters":{},"compressor":{},"dimension_separator":"{}"}})",
      UintList(m.shape), UintList(m.chunk_shape), Quote(dtype), FillValueV2(m), m.v2_order,
      filters, m.v2_compressor ? m.v2_compressor->configuration_json : "null",
      m.chunk_key_encoding.separator));
}

absl::StatusOr<std::string> AttributesToZattrsV2(std::string_view attributes_json) {
  ZRING_ASSIGN_OR_RETURN(std::string attrs, CheckedAttributes(attributes_json));
  if (attrs == "{}") return std::string();
  return Pretty(attrs);
}

absl::StatusOr<std::string> GroupMetadataToJsonV3(const GroupMetadata& g) {
  ZRING_ASSIGN_OR_RETURN(std::string attrs, CheckedAttributes(g.attributes_json));
  return Pretty(fmt::format(R"({{"zarr_format":3,"node_type":"group","attributes":{}}})", attrs));
}

std::string GroupMetadataToZgroupV2() { return Pretty(R"({"zarr_format":2})"); }

}  // namespace zring::zarr
