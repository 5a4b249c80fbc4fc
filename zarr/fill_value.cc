#include "zarr/fill_value.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "absl/strings/escaping.h"
#include "fmt/format.h"

namespace zring::zarr {
namespace {

static_assert(std::endian::native == std::endian::little,
              "zring's canonical element form is little-endian and assumes a little-endian host");

std::string Describe(simdjson::dom::element json) { return simdjson::minify(json); }

absl::Status Invalid(simdjson::dom::element json, const DataType& type) {
  return absl::InvalidArgumentError(
      fmt::format("fill_value {} is not a valid {}", Describe(json), type.Name()));
}

template <typename T>
void Put(std::vector<std::byte>& out, size_t offset, T v) {
  std::memcpy(out.data() + offset, &v, sizeof(T));
}

// A float from a number or one of the special strings; hex strings are handled by the caller
// (they are bit patterns of a specific width).
absl::StatusOr<double> ParseFloatJson(simdjson::dom::element json, const DataType& type) {
  double d;
  if (json.get(d) == simdjson::SUCCESS) return d;
  int64_t i;
  if (json.get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  uint64_t u;
  if (json.get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  std::string_view s;
  if (json.get(s) == simdjson::SUCCESS) {
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  return Invalid(json, type);
}

// Parses "0x..." into `width` bytes (little-endian) when `json` is such a string.
bool ParseHexBits(simdjson::dom::element json, uint32_t width, std::vector<std::byte>& out,
                  size_t offset) {
  std::string_view s;
  if (json.get(s) != simdjson::SUCCESS || s.size() != 2 + 2 * width || s.substr(0, 2) != "0x") {
    return false;
  }
  uint64_t bits = 0;
  for (char c : s.substr(2)) {
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return false;
    bits = (bits << 4) | static_cast<uint64_t>(v);
  }
  std::memcpy(out.data() + offset, &bits, width);  // little-endian host: low bytes first
  return true;
}

absl::Status PutFloat(simdjson::dom::element json, const DataType& type, uint32_t width,
                      bool bfloat, std::vector<std::byte>& out, size_t offset) {
  if (ParseHexBits(json, width, out, offset)) return absl::OkStatus();
  auto d = ParseFloatJson(json, type);
  if (!d.ok()) return d.status();
  if (bfloat) {
    Put(out, offset, FloatToBFloat16Bits(static_cast<float>(*d)));
  } else if (width == 2) {
    Put(out, offset, FloatToHalfBits(static_cast<float>(*d)));
  } else if (width == 4) {
    Put(out, offset, static_cast<float>(*d));
  } else {
    Put(out, offset, *d);
  }
  return absl::OkStatus();
}

absl::Status PutInteger(simdjson::dom::element json, const DataType& type,
                        std::vector<std::byte>& out) {
  const uint32_t n = type.size_bytes();
  const bool is_signed = type.kind() != DataKind::kUInt;
  int64_t i;
  uint64_t u;
  double d;
  bool negative = false;
  if (json.get(i) == simdjson::SUCCESS) {
    u = static_cast<uint64_t>(i);
    negative = i < 0;
  } else if (json.get(u) == simdjson::SUCCESS) {
    negative = false;
  } else if (json.get(d) == simdjson::SUCCESS && std::isfinite(d) && d == std::floor(d) &&
             std::fabs(d) < 9.007199254740992e15) {
    // Some writers store integral fill values of integer arrays as 0.0.
    negative = d < 0;
    u = static_cast<uint64_t>(static_cast<int64_t>(d));
  } else {
    return Invalid(json, type);
  }
  if (is_signed) {
    const uint64_t magnitude_max = n == 8 ? (uint64_t{1} << 63) : (uint64_t{1} << (8 * n - 1));
    if (!negative && u > magnitude_max - 1) return Invalid(json, type);
    if (negative && (0 - u) > magnitude_max) return Invalid(json, type);
  } else if (negative || (n < 8 && (u >> (8 * n)) != 0)) {
    return Invalid(json, type);
  }
  std::memcpy(out.data(), &u, n);  // little-endian host: the low n bytes
  return absl::OkStatus();
}

absl::Status PutRaw(simdjson::dom::element json, const DataType& type, int zarr_format,
                    std::vector<std::byte>& out) {
  const uint32_t n = type.size_bytes();
  std::string_view s;
  if (type.kind() == DataKind::kDateTime || type.kind() == DataKind::kTimeDelta) {
    int64_t v;
    if (json.get(v) == simdjson::SUCCESS) {
      Put(out, 0, v);
      return absl::OkStatus();
    }
    if (json.get(s) == simdjson::SUCCESS && s == "NaT") {
      Put(out, 0, std::numeric_limits<int64_t>::min());
      return absl::OkStatus();
    }
    return Invalid(json, type);
  }
  if (type.kind() == DataKind::kUnicode && json.get(s) == simdjson::SUCCESS) {
    // v2 writes unicode fill values as the string itself; store as UCS4, zero padded.
    size_t unit = 0;
    for (size_t i = 0; i < s.size();) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      const int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
      if (i + len > s.size()) return Invalid(json, type);
      uint32_t cp = len == 1 ? c : (c & (0x7F >> len));
      for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      if (unit * 4 + 4 > n) return Invalid(json, type);
      Put(out, unit * 4, cp);
      ++unit;
      i += len;
    }
    return absl::OkStatus();
  }
  if (json.get(s) == simdjson::SUCCESS && zarr_format == 2) {
    std::string decoded;
    if (!absl::Base64Unescape(absl::string_view(s.data(), s.size()), &decoded) ||
        decoded.size() > n) {
      return Invalid(json, type);
    }
    std::memcpy(out.data(), decoded.data(), decoded.size());
    return absl::OkStatus();
  }
  simdjson::dom::array arr;
  if (json.get(arr) == simdjson::SUCCESS && arr.size() == n) {
    size_t i = 0;
    for (simdjson::dom::element e : arr) {
      uint64_t b;
      if (e.get(b) != simdjson::SUCCESS || b > 255) return Invalid(json, type);
      out[i++] = static_cast<std::byte>(b);
    }
    return absl::OkStatus();
  }
  return Invalid(json, type);
}

}  // namespace

bool FillValue::IsAllZero() const {
  for (std::byte b : bytes_) {
    if (b != std::byte{0}) return false;
  }
  return true;
}

void FillValue::FillInto(std::span<std::byte> out) const {
  const size_t n = bytes_.size();
  if (n == 0) return;
  if (IsAllZero()) {
    std::memset(out.data(), 0, out.size());
    return;
  }
  if (n == 1) {
    std::memset(out.data(), static_cast<int>(bytes_[0]), out.size());
    return;
  }
  // Write one element, then double the filled prefix with memcpy.
  size_t filled = std::min(n, out.size());
  std::memcpy(out.data(), bytes_.data(), filled);
  while (filled < out.size()) {
    const size_t step = std::min(filled, out.size() - filled);
    std::memcpy(out.data() + filled, out.data(), step);
    filled += step;
  }
}

std::string FillValue::ToJson(const DataType& type) const {
  if (!defined_) return "null";
  auto float_json = [](double v) -> std::string {
    if (std::isnan(v)) return "\"NaN\"";
    if (std::isinf(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return fmt::format("{}", v);
  };
  auto read_float = [&](size_t offset, uint32_t width) -> double {
    if (type.kind() == DataKind::kBFloat16) {
      uint16_t h;
      std::memcpy(&h, bytes_.data() + offset, 2);
      return BFloat16BitsToFloat(h);
    }
    if (width == 2) {
      uint16_t h;
      std::memcpy(&h, bytes_.data() + offset, 2);
      return HalfBitsToFloat(h);
    }
    if (width == 4) {
      float f;
      std::memcpy(&f, bytes_.data() + offset, 4);
      return f;
    }
    double d;
    std::memcpy(&d, bytes_.data() + offset, 8);
    return d;
  };
  switch (type.kind()) {
    case DataKind::kBool: return bytes_[0] != std::byte{0} ? "true" : "false";
    case DataKind::kInt: {
      int64_t v = 0;
      std::memcpy(&v, bytes_.data(), bytes_.size());
      const int shift = 64 - 8 * static_cast<int>(bytes_.size());
      return fmt::format("{}", shift == 0 ? v : (v << shift) >> shift);
    }
    case DataKind::kUInt: {
      uint64_t v = 0;
      std::memcpy(&v, bytes_.data(), bytes_.size());
      return fmt::format("{}", v);
    }
    case DataKind::kFloat:
    case DataKind::kBFloat16: return float_json(read_float(0, type.size_bytes()));
    case DataKind::kComplex: {
      const uint32_t half = type.size_bytes() / 2;
      return fmt::format("[{}, {}]", float_json(read_float(0, half)),
                         float_json(read_float(half, half)));
    }
    case DataKind::kDateTime:
    case DataKind::kTimeDelta: {
      int64_t v;
      std::memcpy(&v, bytes_.data(), 8);
      return fmt::format("{}", v);
    }
    default: {
      std::string s = "[";
      for (size_t i = 0; i < bytes_.size(); ++i) {
        s += fmt::format("{}{}", i ? ", " : "", static_cast<int>(bytes_[i]));
      }
      return s + "]";
    }
  }
}

absl::StatusOr<FillValue> ParseFillValue(simdjson::dom::element json, const DataType& type,
                                         int zarr_format) {
  std::vector<std::byte> bytes(type.size_bytes(), std::byte{0});
  if (json.is_null()) {
    if (zarr_format == 2) return FillValue(std::move(bytes), false);
    return absl::InvalidArgumentError(
        fmt::format("fill_value null is not allowed in Zarr v3 (data type {})", type.Name()));
  }
  absl::Status st;
  switch (type.kind()) {
    case DataKind::kBool: {
      bool b;
      int64_t i;
      if (json.get(b) == simdjson::SUCCESS) {
        bytes[0] = std::byte{b ? uint8_t{1} : uint8_t{0}};
      } else if (json.get(i) == simdjson::SUCCESS && (i == 0 || i == 1)) {
        bytes[0] = std::byte{static_cast<uint8_t>(i)};
      } else {
        return Invalid(json, type);
      }
      break;
    }
    case DataKind::kInt:
    case DataKind::kUInt: st = PutInteger(json, type, bytes); break;
    case DataKind::kFloat:
      st = PutFloat(json, type, type.size_bytes(), false, bytes, 0);
      break;
    case DataKind::kBFloat16: st = PutFloat(json, type, 2, true, bytes, 0); break;
    case DataKind::kComplex: {
      simdjson::dom::array arr;
      const uint32_t half = type.size_bytes() / 2;
      if (json.get(arr) == simdjson::SUCCESS) {
        if (arr.size() != 2) return Invalid(json, type);
        st = PutFloat(arr.at(0).value_unsafe(), type, half, false, bytes, 0);
        if (st.ok()) st = PutFloat(arr.at(1).value_unsafe(), type, half, false, bytes, half);
      } else {
        // A bare real number: imaginary part zero (zarr-python 2 accepts this).
        st = PutFloat(json, type, half, false, bytes, 0);
      }
      break;
    }
    default: st = PutRaw(json, type, zarr_format, bytes); break;
  }
  if (!st.ok()) return st;
  return FillValue(std::move(bytes), true);
}

uint16_t FloatToHalfBits(float value) {
  uint32_t f = std::bit_cast<uint32_t>(value);
  const uint32_t sign = (f >> 16) & 0x8000u;
  f &= 0x7fffffffu;
  if (f >= 0x7f800000u) {  // Inf or NaN: keep NaN quiet and non-zero
    const uint32_t nan_bits = f > 0x7f800000u ? (0x200u | ((f >> 13) & 0x3ffu)) : 0;
    return static_cast<uint16_t>(sign | 0x7c00u | nan_bits);
  }
  if (f >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to infinity
  if (f < 0x38800000u) {  // subnormal half (or zero): shift with round-to-nearest-even
    if (f < 0x33000000u) return static_cast<uint16_t>(sign);
    // value = mant * 2^(exp - 150) and a half subnormal counts units of 2^-24.
    const uint32_t exp = f >> 23;
    const uint32_t mant = (f & 0x7fffffu) | 0x800000u;
    const uint32_t drop = 126 - exp;
    uint32_t h = mant >> drop;
    const uint32_t rem = mant & ((1u << drop) - 1);
    const uint32_t mid = 1u << (drop - 1);
    if (rem > mid || (rem == mid && (h & 1u))) ++h;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = ((f - 0x38000000u) >> 13);
  const uint32_t rem = f & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

float HalfBitsToFloat(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exp = (bits >> 10) & 0x1fu;
  const uint32_t mant = bits & 0x3ffu;
  uint32_t f;
  if (exp == 0) {
    if (mant == 0) {
      f = sign;
    } else {  // subnormal: value = mant * 2^-24
      const float v = static_cast<float>(mant) * 5.9604644775390625e-8f;
      return sign ? -v : v;
    }
  } else if (exp == 31) {
    f = sign | 0x7f800000u | (mant << 13);
  } else {
    f = sign | ((exp + 112) << 23) | (mant << 13);
  }
  return std::bit_cast<float>(f);
}

uint16_t FloatToBFloat16Bits(float value) {
  const uint32_t f = std::bit_cast<uint32_t>(value);
  if ((f & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((f >> 16) | 0x40u);
  const uint32_t rounding = 0x7fffu + ((f >> 16) & 1u);
  return static_cast<uint16_t>((f + rounding) >> 16);
}

float BFloat16BitsToFloat(uint16_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

}  // namespace zring::zarr
