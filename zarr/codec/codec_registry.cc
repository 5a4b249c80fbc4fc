// Array codec registry: maps v3 names, zarr-python 3's "numcodecs.<id>" names and v2 ids of the
// array -> array and array -> bytes codecs to their factories.
#include <string_view>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/codec/codec.h"
#include "zarr/codec/endian_codec.h"
#include "zarr/codec/filter_codecs.h"
#include "zarr/codec/sharding_codec.h"
#include "zarr/codec/transpose_codec.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

constexpr std::string_view kNumcodecsPrefix = "numcodecs.";

struct FilterEntry {
  std::string_view id;
  FilterFactory make;
};
constexpr FilterEntry kFilters[] = {
    {"delta", &MakeDeltaCodec},         {"fixedscaleoffset", &MakeFixedScaleOffsetCodec},
    {"astype", &MakeAsTypeCodec},       {"quantize", &MakeQuantizeCodec},
    {"bitround", &MakeBitRoundCodec},
};

const FilterEntry* FindFilter(std::string_view name) {
  if (name.starts_with(kNumcodecsPrefix)) name.remove_prefix(kNumcodecsPrefix.size());
  for (const FilterEntry& f : kFilters) {
    if (f.id == name) return &f;
  }
  return nullptr;
}

}  // namespace

uint64_t ChunkSpec::NumElements() const {
  uint64_t n = 1;
  for (uint64_t s : shape) n *= s;
  return n;
}

bool IsArrayToArrayCodec(std::string_view name) {
  return name == "transpose" || FindFilter(name) != nullptr;
}

bool IsArrayToBytesCodec(std::string_view name) {
  return name == "bytes" || name == "endian" || name == "sharding_indexed";
}

absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeArrayToArrayCodec(
    std::string_view name, std::string_view configuration_json, const ChunkSpec& decoded) {
  if (name == "transpose") return MakeTransposeCodec(configuration_json, decoded);
  const FilterEntry* filter = FindFilter(name);
  if (filter == nullptr) {
    return absl::InvalidArgumentError(fmt::format("unknown array -> array codec \"{}\"", name));
  }
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto config, internal::ParseJsonObject(parser, configuration_json));
  return filter->make(config, decoded);
}

absl::StatusOr<std::unique_ptr<ArrayToBytesCodec>> MakeArrayToBytesCodec(
    std::string_view name, std::string_view configuration_json, const ChunkSpec& decoded) {
  // "endian" is the name early v3 drafts (and zarrita 0.3) gave the bytes codec.
  if (name == "bytes" || name == "endian") return MakeEndianCodec(configuration_json, decoded);
  if (name == "sharding_indexed") {
    ZRING_ASSIGN_OR_RETURN(auto codec, ShardingCodec::Make(configuration_json, decoded));
    return std::unique_ptr<ArrayToBytesCodec>(std::move(codec));
  }
  return absl::InvalidArgumentError(fmt::format("unknown array -> bytes codec \"{}\"", name));
}

}  // namespace zring::zarr
