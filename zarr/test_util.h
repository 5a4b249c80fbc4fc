// Test helpers for zarr/ format-layer tests (test code only): typed byte buffers and JSON.
//
//   std::vector<std::byte> b = AsBytes(std::vector<int16_t>{1, -2, 3});
//   std::vector<int16_t> v = FromBytes<int16_t>(b);
#ifndef ZRING_ZARR_TEST_UTIL_H_
#define ZRING_ZARR_TEST_UTIL_H_

#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "simdjson.h"

namespace zring::zarr::testing {

template <typename T>
std::vector<std::byte> AsBytes(const std::vector<T>& values) {
  std::vector<std::byte> out(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

template <typename T>
std::vector<T> FromBytes(std::span<const std::byte> bytes) {
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

// Parses `json` into an element owned by `parser` (valid until its next parse).
inline simdjson::dom::element Json(simdjson::dom::parser& parser, std::string_view json) {
  return parser.parse(json.data(), json.size()).value();
}

inline std::string Hex(std::span<const std::byte> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (std::byte b : bytes) {
    s += kDigits[static_cast<unsigned>(b) >> 4];
    s += kDigits[static_cast<unsigned>(b) & 15];
  }
  return s;
}

}  // namespace zring::zarr::testing

#endif  // ZRING_ZARR_TEST_UTIL_H_
