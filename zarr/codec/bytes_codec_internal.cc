// Shared helpers of the bytes -> bytes codecs: configuration readers and error factories.
#include "zarr/codec/bytes_codec_internal.h"

#include <algorithm>
#include <cstring>

#include "fmt/format.h"

namespace zring::zarr::internal {

absl::Status InvalidParameter(std::string_view codec, std::string_view param,
                              std::string_view problem) {
  return absl::InvalidArgumentError(
      fmt::format("codec \"{}\": parameter \"{}\" {}", codec, param, problem));
}

absl::Status CorruptFrame(std::string_view codec, std::string_view what) {
  return absl::DataLossError(fmt::format("{}: {}", codec, what));
}

absl::Status DecodedSizeMismatch(std::string_view codec, uint64_t expected, uint64_t found) {
  return absl::DataLossError(
      fmt::format("{}: expected {} decoded bytes, frame holds {}", codec, expected, found));
}

absl::Status DecodedSizeOverLimit(std::string_view codec, uint64_t claimed, uint64_t limit) {
  return absl::DataLossError(fmt::format(
      "{}: frame claims {} decoded bytes, more than the limit of {}", codec, claimed, limit));
}

std::optional<simdjson::dom::element> GetMember(simdjson::dom::object config,
                                                std::string_view key) {
  simdjson::dom::element value;
  if (config.at_key(key).get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

std::string DescribeJson(simdjson::dom::element value) {
  std::string text = simdjson::minify(value);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

absl::StatusOr<int64_t> GetInt(simdjson::dom::object config, std::string_view codec,
                               std::string_view key, int64_t fallback, int64_t min,
                               int64_t max) {
  std::optional<simdjson::dom::element> value = GetMember(config, key);
  if (!value.has_value()) return fallback;
  int64_t n = 0;
  bool is_int = false;
  if (value->is_int64()) {
    n = value->get_int64().value_unsafe();
    is_int = true;
  }
  if (!is_int || n < min || n > max) {
    return InvalidParameter(codec, key,
                            fmt::format("must be an integer in [{}, {}], got {}", min, max,
                                        DescribeJson(*value)));
  }
  return n;
}

absl::StatusOr<bool> GetBool(simdjson::dom::object config, std::string_view codec,
                             std::string_view key, bool fallback) {
  std::optional<simdjson::dom::element> value = GetMember(config, key);
  if (!value.has_value()) return fallback;
  if (!value->is_bool()) {
    return InvalidParameter(codec, key,
                            fmt::format("must be true or false, got {}", DescribeJson(*value)));
  }
  return value->get_bool().value_unsafe();
}

uint32_t LoadLe32(const std::byte* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

void StoreLe32(std::byte* p, uint32_t value) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>((value >> (8 * i)) & 0xff);
}

bool GrowForStreaming(Buffer& decoded, size_t used, size_t encoded_size, size_t limit) {
  if (used < decoded.size()) return true;
  if (decoded.size() >= limit) return false;
  constexpr size_t kMinStep = size_t{64} << 10;
  size_t want = std::max({decoded.size() * 2, encoded_size * 4, kMinStep});
  decoded.Resize(std::min(want, limit));
  return true;
}

}  // namespace zring::zarr::internal
