// Helpers for the numcodecs filters (internal): dispatch on a DataType to a C++ element type,
// element-wise casts with numpy's semantics, and the numpy dtype strings filters are configured
// with ("<i2", "int16", "f4").
#ifndef ZRING_ZARR_CODEC_NUMERIC_H_
#define ZRING_ZARR_CODEC_NUMERIC_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>

#include "absl/status/statusor.h"
#include "fmt/format.h"
#include "zarr/dtype.h"
#include "zarr/fill_value.h"

namespace zring::zarr::internal {

// IEEE half precision as numpy computes with it: every operation in float32, rounded back to
// half (round to nearest even). Trivially copyable, two bytes, so LoadAt/StoreAt work on it.
struct Half {
  uint16_t bits = 0;
  Half() = default;
  explicit Half(float v) : bits(FloatToHalfBits(v)) {}
  explicit Half(double v) : bits(FloatToHalfBits(static_cast<float>(v))) {}
  explicit operator float() const { return HalfBitsToFloat(bits); }
  friend Half operator+(Half a, Half b) { return Half(float(a) + float(b)); }
  friend Half operator-(Half a, Half b) { return Half(float(a) - float(b)); }
  friend Half operator*(Half a, Half b) { return Half(float(a) * float(b)); }
  friend Half operator/(Half a, Half b) { return Half(float(a) / float(b)); }
};
static_assert(sizeof(Half) == 2);

// numpy's around (half to even) for every element type the filters use.
template <typename T>
T RoundHalfEven(T v) {
  if constexpr (std::is_same_v<T, Half>) {
    return Half(std::nearbyint(float(v)));
  } else {
    return std::nearbyint(v);
  }
}

// A numpy dtype as numcodecs writes it: v2 type strings ("<f4", "|u1"), bare names ("int16",
// "float32", "f8"). Only integer and float32/64 types are accepted by the filters.
absl::StatusOr<DataTypeV2> ParseFilterDtype(std::string_view s);

// Calls f.template operator()<T>() with T the element type of `type` (int8..uint64, Half, float,
// double). Other types are kUnimplemented naming `codec`.
template <typename F>
absl::Status VisitNumeric(const DataType& type, std::string_view codec, F&& f) {
  const uint32_t n = type.size_bytes();
  switch (type.kind()) {
    case DataKind::kInt:
      if (n == 1) return f.template operator()<int8_t>();
      if (n == 2) return f.template operator()<int16_t>();
      if (n == 4) return f.template operator()<int32_t>();
      return f.template operator()<int64_t>();
    case DataKind::kUInt:
      if (n == 1) return f.template operator()<uint8_t>();
      if (n == 2) return f.template operator()<uint16_t>();
      if (n == 4) return f.template operator()<uint32_t>();
      return f.template operator()<uint64_t>();
    case DataKind::kFloat:
      if (n == 2) return f.template operator()<Half>();
      if (n == 4) return f.template operator()<float>();
      if (n == 8) return f.template operator()<double>();
      break;
    default:
      break;
  }
  return absl::UnimplementedError(
      fmt::format("codec \"{}\": data type {} is not supported", codec, type.Name()));
}

// static_cast with numpy's behaviour where C++'s would be undefined: float -> integer of NaN,
// infinities or out-of-range values wraps through int64 like numpy on x86 (giving the minimum).
template <typename To, typename From>
To NumpyCast(From v) {
  if constexpr (std::is_same_v<From, Half>) {
    return NumpyCast<To>(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, Half>) {
    return Half(static_cast<double>(v));
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (!(v >= -9.2233720368547758e18 && v < 9.2233720368547758e18)) {
      return static_cast<To>(std::numeric_limits<int64_t>::min());
    }
    return static_cast<To>(static_cast<int64_t>(v));
  } else {
    return static_cast<To>(v);
  }
}

template <typename T>
T LoadAt(std::span<const std::byte> bytes, size_t i) {
  T v;
  std::memcpy(&v, bytes.data() + i * sizeof(T), sizeof(T));
  return v;
}

template <typename T>
void StoreAt(std::span<std::byte> bytes, size_t i, T v) {
  std::memcpy(bytes.data() + i * sizeof(T), &v, sizeof(T));
}

// Element-wise numpy astype from `from` to `to` over `count` elements (canonical layouts).
absl::Status CastElements(const DataType& from, std::span<const std::byte> in, const DataType& to,
                          std::span<std::byte> out, size_t count, std::string_view codec);

}  // namespace zring::zarr::internal

#endif  // ZRING_ZARR_CODEC_NUMERIC_H_
