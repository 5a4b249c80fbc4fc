// MakeArrayMetadata: SimpleArraySpec (shape, chunks, shards, a codec preset) -> ArrayMetadata,
// with the codec JSON zarr-python 3 and TensorStore write for the same choices:
//
//   v3 "blosc-lz4"  [bytes{endian little}, blosc{cname lz4, clevel 5, shuffle, typesize, 0}]
//   v3 sharded      [sharding_indexed{chunk_shape, codecs [bytes, <compressors>],
//                    index_codecs [bytes, crc32c], index_location end}]
//   v2 "blosc-lz4"  compressor {"id":"blosc","cname":"lz4","clevel":5,"shuffle":1,"blocksize":0},
//                   dtype "<u2", order C, dimension_separator "." (zarr-python 2's defaults)
#include <utility>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/array_writer.h"
#include "zarr/codec/codec_chain.h"
#include "zarr/errors.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

std::vector<std::string> SplitPlus(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = s.find('+', start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? s.npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// Blosc's shuffle for this item size: byte shuffle does nothing to 1-byte items, bit shuffle
// does (numcodecs' AUTOSHUFFLE makes the same choice).
bool BitShuffle(const DataType& t) { return t.size_bytes() == 1; }

absl::StatusOr<CodecSpec> V3Codec(std::string_view preset, int level, const DataType& type) {
  if (preset == "blosc-lz4" || preset == "blosc-zstd") {
    return CodecSpec{"blosc", fmt::format(
        R"({{"cname":"{}","clevel":{},"shuffle":"{}","typesize":{},"blocksize":0}})",
        preset.substr(6), level < 0 ? 5 : level, BitShuffle(type) ? "bitshuffle" : "shuffle",
        type.size_bytes())};
  }
  if (preset == "zstd") {
    return CodecSpec{"zstd", fmt::format(R"({{"level":{},"checksum":false}})", level < 0 ? 3 : level)};
  }
  if (preset == "gzip") return CodecSpec{"gzip", fmt::format(R"({{"level":{}}})", level < 0 ? 5 : level)};
  if (preset == "crc32c") return CodecSpec{"crc32c", "{}"};
  if (preset == "lz4") {
    return absl::InvalidArgumentError(
        "codec \"lz4\" (numcodecs LZ4) exists in Zarr v2 only; use \"blosc-lz4\" for v3");
  }
  return absl::InvalidArgumentError(fmt::format(
      "unknown codec \"{}\" (expected none, blosc-lz4, blosc-zstd, zstd, gzip, lz4 (v2), "
      "crc32c (v3), or a '+'-joined list)", preset));
}

absl::StatusOr<std::optional<CodecSpec>> V2Compressor(const std::vector<std::string>& presets,
                                                      int level, const DataType& type) {
  if (presets.size() != 1) {
    return absl::InvalidArgumentError(fmt::format(
        "Zarr v2 has one compressor; \"{}\" names {}", internal::Join(presets, "+"),
        presets.size()));
  }
  const std::string& p = presets[0];
  if (p == "none") return std::optional<CodecSpec>();
  if (p == "blosc-lz4" || p == "blosc-zstd") {
    return CodecSpec{"blosc", fmt::format(
        R"({{"id":"blosc","cname":"{}","clevel":{},"shuffle":{},"blocksize":0}})", p.substr(6),
        level < 0 ? 5 : level, BitShuffle(type) ? 2 : 1)};
  }
  if (p == "zstd") return CodecSpec{"zstd", fmt::format(R"({{"id":"zstd","level":{}}})", level < 0 ? 3 : level)};
  if (p == "gzip") return CodecSpec{"gzip", fmt::format(R"({{"id":"gzip","level":{}}})", level < 0 ? 5 : level)};
  if (p == "lz4") {
    return CodecSpec{"lz4", fmt::format(R"({{"id":"lz4","acceleration":{}}})", level < 0 ? 1 : level)};
  }
  if (p == "crc32c") {
    return absl::InvalidArgumentError("codec \"crc32c\" is a Zarr v3 checksum codec; not in v2");
  }
  return V3Codec(p, level, type).status();  // the same "unknown codec" message
}

std::string BytesCodecConfig(const DataType& type) {
  return type.swap_unit_bytes() > 1 ? R"({"endian":"little"})" : "{}";
}

absl::Status CheckSpecShapes(const SimpleArraySpec& spec) {
  if (spec.chunk_shape.size() != spec.shape.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "chunks [{}] have {} dimensions, the shape [{}] has {}", internal::Join(spec.chunk_shape),
        spec.chunk_shape.size(), internal::Join(spec.shape), spec.shape.size()));
  }
  for (uint64_t c : spec.chunk_shape) {
    if (c == 0) {
      return absl::InvalidArgumentError(
          fmt::format("chunks [{}]: every entry must be positive", internal::Join(spec.chunk_shape)));
    }
  }
  if (spec.shard_shape.empty()) return absl::OkStatus();
  if (spec.zarr_format != 3) {
    return absl::InvalidArgumentError("sharding needs Zarr v3 (--format 3)");
  }
  if (spec.shard_shape.size() != spec.shape.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "shard shape [{}] has {} dimensions, the shape [{}] has {}",
        internal::Join(spec.shard_shape), spec.shard_shape.size(), internal::Join(spec.shape),
        spec.shape.size()));
  }
  for (size_t d = 0; d < spec.shape.size(); ++d) {
    if (spec.shard_shape[d] == 0 || spec.shard_shape[d] % spec.chunk_shape[d] != 0) {
      return absl::InvalidArgumentError(fmt::format(
          "shard shape [{}] must be a positive multiple of the chunks [{}] in every dimension",
          internal::Join(spec.shard_shape), internal::Join(spec.chunk_shape)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ArrayMetadata> MakeArrayMetadata(const SimpleArraySpec& spec) {
  if (spec.zarr_format != 2 && spec.zarr_format != 3) {
    return absl::InvalidArgumentError(
        fmt::format("zarr format must be 2 or 3, got {}", spec.zarr_format));
  }
  ZRING_RETURN_IF_ERROR(CheckSpecShapes(spec));
  ArrayMetadata m;
  m.zarr_format = spec.zarr_format;
  m.shape = spec.shape;
  m.chunk_shape = spec.shard_shape.empty() ? spec.chunk_shape : spec.shard_shape;
  ZRING_ASSIGN_OR_RETURN(m.data_type, ParseDataTypeV3(spec.data_type));
  ZRING_RETURN_IF_ERROR(internal::CheckChunkSize(m.chunk_shape, m.data_type.size_bytes()));
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto fill_el, internal::ParseJson(parser, spec.fill_value_json));
  ZRING_ASSIGN_OR_RETURN(m.fill_value, ParseFillValue(fill_el, m.data_type, spec.zarr_format));
  {
    simdjson::dom::parser attrs_parser;
    auto attrs = internal::ParseJsonObject(attrs_parser, spec.attributes_json);
    if (!attrs.ok()) {
      return absl::InvalidArgumentError(
          fmt::format("attributes must be a JSON object: {}", MessageOf(attrs.status())));
    }
    m.attributes_json = simdjson::minify(*attrs);
  }
  if (!spec.dimension_names.empty()) {
    if (spec.zarr_format != 3) {
      return absl::InvalidArgumentError("dimension names need Zarr v3 (v2 has no field for them)");
    }
    if (spec.dimension_names.size() != spec.shape.size()) {
      return absl::InvalidArgumentError(fmt::format(
          "{} dimension names for {} dimensions", spec.dimension_names.size(), spec.shape.size()));
    }
    m.dimension_names = spec.dimension_names;
  }
  const std::vector<std::string> presets = SplitPlus(spec.codec);
  if (spec.zarr_format == 2) {
    m.chunk_key_encoding = {ChunkKeyEncoding::Kind::kV2, '.'};
    m.v2_endian = Endian::kLittle;
    m.v2_order = 'C';
    ZRING_ASSIGN_OR_RETURN(m.v2_compressor, V2Compressor(presets, spec.level, m.data_type));
  } else {
    m.chunk_key_encoding = {ChunkKeyEncoding::Kind::kDefault, '/'};
    std::vector<CodecSpec> codecs{{"bytes", BytesCodecConfig(m.data_type)}};
    for (const std::string& p : presets) {
      if (p == "none") continue;
      ZRING_ASSIGN_OR_RETURN(CodecSpec c, V3Codec(p, spec.level, m.data_type));
      codecs.push_back(std::move(c));
    }
    if (spec.shard_shape.empty()) {
      m.codecs = std::move(codecs);
    } else {
      std::vector<std::string> inner;
      for (const CodecSpec& c : codecs) {
        inner.push_back(c.configuration_json == "{}"
                            ? fmt::format(R"({{"name":"{}"}})", c.name)
                            : fmt::format(R"({{"name":"{}","configuration":{}}})", c.name,
                                          c.configuration_json));
      }
      m.codecs = {CodecSpec{"sharding_indexed", fmt::format(
          R"({{"chunk_shape":[{}],"codecs":[{}],"index_codecs":[{{"name":"bytes",)"
          R"("configuration":{{"endian":"little"}}}},{{"name":"crc32c"}}],"index_location":"end"}})",
          internal::Join(spec.chunk_shape), internal::Join(inner, ","))}};
    }
  }
  // Whatever the preset, the chain must build (levels in range, cnames compiled in, ...).
  auto chain = CodecChain::ForArray(m);
  if (!chain.ok()) return chain.status();
  return m;
}

}  // namespace zring::zarr
