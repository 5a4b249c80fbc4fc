// Test helpers for the bytes -> bytes codecs (test code only): JSON configurations, codec
// construction, and the inputs every codec is exercised with.
//
//   simdjson::dom::parser parser;
//   auto codec = MakeCodecForTest(parser, "zstd", R"({"level": 3})");
//   std::vector<std::byte> in = SmoothUint16(1 << 20);
#ifndef ZRING_ZARR_CODEC_CODEC_TEST_UTIL_H_
#define ZRING_ZARR_CODEC_CODEC_TEST_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/buffer.h"
#include "zarr/codec/bytes_codec.h"

namespace zring::zarr::testing {

// Makes codec `id` from a JSON object text; the parser must outlive the call only.
inline absl::StatusOr<std::unique_ptr<BytesCodec>> MakeCodecForTest(
    simdjson::dom::parser& parser, std::string_view id, std::string_view config_json,
    uint32_t element_size_bytes = 1) {
  simdjson::dom::object config;
  if (parser.parse(config_json.data(), config_json.size()).get(config) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("test config is not a JSON object: " +
                                      std::string(config_json));
  }
  return MakeBytesCodec(id, config, {.element_size_bytes = element_size_bytes});
}

// MakeCodecForTest for a configuration the test expects to be valid: records a test failure and
// returns nullptr when it is not.
inline std::unique_ptr<BytesCodec> MakeValidCodec(std::string_view id,
                                                  std::string_view config_json = "{}",
                                                  uint32_t element_size_bytes = 1) {
  simdjson::dom::parser parser;
  auto made = MakeCodecForTest(parser, id, config_json, element_size_bytes);
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  return made.ok() ? std::move(made).value() : nullptr;
}

inline std::vector<std::byte> Bytes(std::string_view text) {
  std::vector<std::byte> out(text.size());
  if (!text.empty()) std::memcpy(out.data(), text.data(), text.size());
  return out;
}

// Bytes from a hex string ("1f8b08...").
inline std::vector<std::byte> FromHex(std::string_view hex) {
  std::vector<std::byte> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<std::byte>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

inline std::vector<std::byte> RandomBytes(size_t n, uint32_t seed = 42) {
  std::mt19937 rng(seed);
  std::vector<std::byte> out(n);
  for (auto& b : out) b = static_cast<std::byte>(rng() & 0xff);
  return out;
}

// Little-endian uint16 samples of a slow wave with a little noise: typical sensor data, which
// shuffling compressors shrink well. n is in bytes; an odd n ends with half a sample.
inline std::vector<std::byte> SmoothUint16(size_t n, uint32_t seed = 7) {
  std::mt19937 rng(seed);
  std::vector<std::byte> out(n);
  for (size_t i = 0; i < n; ++i) {
    size_t k = i / 2;
    uint16_t v = static_cast<uint16_t>(30000 + (k % 2000) * 3 + (rng() & 3));
    out[i] = static_cast<std::byte>(i % 2 == 0 ? v & 0xff : v >> 8);
  }
  return out;
}

inline std::span<const std::byte> View(const std::vector<std::byte>& v) { return v; }
inline std::span<const std::byte> View(const Buffer& b) { return b.span(); }

inline bool SameBytes(std::span<const std::byte> a, std::span<const std::byte> b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace zring::zarr::testing

#endif  // ZRING_ZARR_CODEC_CODEC_TEST_UTIL_H_
