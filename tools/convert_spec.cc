// Deriving the destination's description for `zring convert`: see convert_spec.h.
#include "tools/convert_spec.h"

#include <charconv>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "engine/status.h"
#include "fmt/format.h"
#include "simdjson.h"
#include "zarr/codec/sharding_codec.h"

namespace zring::tools {

std::string Dims(const std::vector<uint64_t>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(v[i]);
  }
  return out;
}

namespace {

absl::StatusOr<std::vector<uint64_t>> ParseShape(const std::string& text, const char* what,
                                                 size_t rank) {
  std::vector<uint64_t> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    uint64_t v = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size()) {
      return absl::InvalidArgumentError(
          fmt::format("{} \"{}\": \"{}\" is not a positive integer", what, text, item));
    }
    if (v == 0) {
      return absl::InvalidArgumentError(fmt::format("{} \"{}\": extents must be > 0", what, text));
    }
    out.push_back(v);
    start = comma + 1;
  }
  if (out.size() != rank) {
    return absl::InvalidArgumentError(fmt::format(
        "{} \"{}\" has {} dimensions, the source array has {}", what, text, out.size(), rank));
  }
  return out;
}

// The codec preset (and level) closest to the source's compression.
struct CodecChoice {
  std::string preset = "none";
  int level = -1;
};

// The compression level in a codec configuration ("clevel" for blosc, else "level"), or -1.
int LevelOf(simdjson::dom::element conf, const char* member) {
  int64_t level = -1;
  if (conf[member].get_int64().get(level) != simdjson::SUCCESS) return -1;
  return static_cast<int>(level);
}

// Looks at the source's bytes->bytes codecs (name, configuration), inside sharding when sharded.
CodecChoice ChooseCodec(const std::vector<zarr::CodecSpec>& codecs, int dst_format) {
  simdjson::dom::parser parser;
  for (const zarr::CodecSpec& c : codecs) {
    simdjson::dom::element conf;
    if (parser.parse(c.configuration_json).get(conf) != simdjson::SUCCESS) continue;
    if (c.name == "sharding_indexed") {
      simdjson::dom::array inner;
      if (conf["codecs"].get_array().get(inner) != simdjson::SUCCESS) continue;
      std::vector<zarr::CodecSpec> nested;
      for (simdjson::dom::element e : inner) {
        std::string_view name;
        if (e["name"].get_string().get(name) != simdjson::SUCCESS) continue;
        simdjson::dom::element cfg;
        std::string cfg_text = "{}";
        if (e["configuration"].get(cfg) == simdjson::SUCCESS) cfg_text = simdjson::to_string(cfg);
        nested.push_back({std::string(name), cfg_text});
      }
      return ChooseCodec(nested, dst_format);
    }
    if (c.name == "blosc") {
      std::string_view cname;
      const bool zstd = conf["cname"].get_string().get(cname) == simdjson::SUCCESS &&
                        cname == "zstd";
      return {zstd ? "blosc-zstd" : "blosc-lz4", LevelOf(conf, "clevel")};
    }
    if (c.name == "zstd") return {"zstd", LevelOf(conf, "level")};
    if (c.name == "gzip" || c.name == "zlib") return {"gzip", LevelOf(conf, "level")};
    if (c.name == "lz4") return {dst_format == 2 ? "lz4" : "blosc-lz4", -1};
    if (c.name == "bz2" || c.name == "lzma") return {"zstd", -1};
  }
  return {};
}

CodecChoice SourceCodec(const zarr::ArrayMetadata& m, int dst_format) {
  if (m.zarr_format == 2) {
    if (!m.v2_compressor) return {};
    return ChooseCodec({*m.v2_compressor}, dst_format);
  }
  return ChooseCodec(m.codecs, dst_format);
}

constexpr std::string_view kXarrayDimensions = "_ARRAY_DIMENSIONS";

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Dimension names cross formats through the attribute xarray uses for them in v2
// ("_ARRAY_DIMENSIONS"): v3 -> v2 writes it, v2 -> v3 turns it back into dimension_names, so a
// round trip returns the original metadata.
absl::Status MapDimensionNames(const zarr::ArrayMetadata& m, zarr::SimpleArraySpec& spec) {
  if (m.zarr_format == spec.zarr_format) return absl::OkStatus();
  simdjson::dom::parser parser;
  simdjson::dom::object attrs;
  if (parser.parse(m.attributes_json).get_object().get(attrs) != simdjson::SUCCESS) {
    return absl::OkStatus();  // not an object: left as it is
  }
  std::vector<std::string> members;
  std::optional<simdjson::dom::array> xarray_dims;
  for (const auto field : attrs) {
    if (field.key == kXarrayDimensions) {
      simdjson::dom::array dims;
      if (field.value.get_array().get(dims) == simdjson::SUCCESS) xarray_dims = dims;
    }
    members.push_back(JsonString(field.key) + ": " + simdjson::to_string(field.value));
  }
  if (spec.zarr_format == 2) {
    spec.dimension_names.clear();
    if (m.dimension_names.empty() || xarray_dims) return absl::OkStatus();
    std::vector<std::string> names;
    for (const auto& name : m.dimension_names) {
      if (!name) {
        std::fprintf(stderr,
                     "zring convert: warning: some dimensions have no name; v2 cannot store "
                     "partial dimension names, so they are dropped\n");
        return absl::OkStatus();
      }
      names.push_back(JsonString(*name));
    }
    std::string list;
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) list += ", ";
      list += names[i];
    }
    members.push_back(fmt::format("{}: [{}]", JsonString(kXarrayDimensions), list));
  } else {
    if (!xarray_dims || xarray_dims->size() != m.ndim()) return absl::OkStatus();
    std::vector<std::optional<std::string>> names;
    for (simdjson::dom::element e : *xarray_dims) {
      std::string_view name;
      if (e.get_string().get(name) != simdjson::SUCCESS) return absl::OkStatus();
      names.emplace_back(std::string(name));
    }
    spec.dimension_names = std::move(names);
    std::erase_if(members, [](const std::string& member) {
      return member.rfind(JsonString(kXarrayDimensions) + ":", 0) == 0;
    });
  }
  std::string text = "{";
  for (size_t i = 0; i < members.size(); ++i) {
    if (i > 0) text += ", ";
    text += members[i];
  }
  spec.attributes_json = text + "}";
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<zarr::SimpleArraySpec> BuildSpec(const ConvertOptions& opt,
                                                const zarr::Array& src) {
  const zarr::ArrayMetadata& m = src.metadata();
  const size_t rank = m.ndim();
  const zarr::ShardingCodec* src_sharding = src.codec_chain().sharding();
  zarr::SimpleArraySpec spec;
  spec.zarr_format = opt.format != 0 ? opt.format : (!opt.shard.empty() && opt.shard != "none")
                                                        ? 3
                                                        : m.zarr_format;
  spec.shape = m.shape;
  if (opt.chunks.empty()) {
    spec.chunk_shape = src_sharding ? src_sharding->inner_chunk_shape() : m.chunk_shape;
  } else {
    ZRING_ASSIGN_OR_RETURN(spec.chunk_shape, ParseShape(opt.chunks, "--chunks", rank));
  }
  if (opt.shard == "none") {
    spec.shard_shape.clear();
  } else if (!opt.shard.empty()) {
    if (spec.zarr_format == 2) {
      return absl::InvalidArgumentError("--shard needs --format 3 (Zarr v2 has no sharding)");
    }
    ZRING_ASSIGN_OR_RETURN(spec.shard_shape, ParseShape(opt.shard, "--shard", rank));
  } else if (src_sharding != nullptr && spec.zarr_format == 3) {
    spec.shard_shape = m.chunk_shape;
  }
  for (size_t d = 0; d < spec.shard_shape.size(); ++d) {
    if (spec.shard_shape[d] % spec.chunk_shape[d] != 0) {
      return absl::InvalidArgumentError(fmt::format(
          "shard shape {} is not a multiple of the chunk shape {} in dimension {}{}",
          Dims(spec.shard_shape), Dims(spec.chunk_shape), d,
          opt.shard.empty() ? " (the source's shard shape; pass --shard or --shard none)" : ""));
    }
  }
  spec.data_type = m.data_type.Name();
  spec.fill_value_json =
      !m.fill_value.defined() && spec.zarr_format == 2 ? "null" : m.fill_value.ToJson(m.data_type);
  spec.codec = opt.codec;
  spec.level = opt.level;
  if (opt.codec.empty()) {
    const CodecChoice choice = SourceCodec(m, spec.zarr_format);
    spec.codec = choice.preset;
    if (opt.level < 0) spec.level = choice.level;
  }
  spec.dimension_names = m.dimension_names;
  spec.attributes_json = m.attributes_json;
  ZRING_RETURN_IF_ERROR(MapDimensionNames(m, spec));
  return spec;
}

}  // namespace zring::tools
