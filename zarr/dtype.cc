#include "zarr/dtype.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

#include "fmt/format.h"

namespace zring::zarr {
namespace {

absl::Status Unsupported(std::string_view what, std::string_view s) {
  return absl::InvalidArgumentError(fmt::format("unknown {} data type \"{}\"", what, s));
}

absl::StatusOr<uint32_t> ParseCount(std::string_view digits, std::string_view whole) {
  uint32_t n = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) {
    return Unsupported("v2", whole);
  }
  return n;
}

}  // namespace

uint32_t DataType::swap_unit_bytes() const {
  switch (kind_) {
    case DataKind::kBytes:
    case DataKind::kBool:
      return 1;
    case DataKind::kUnicode:
      return 4;
    case DataKind::kComplex:
      return size_bytes_ / 2;
    default:
      return size_bytes_;
  }
}

std::string DataType::Name() const {
  const uint32_t bits = size_bytes_ * 8;
  switch (kind_) {
    case DataKind::kBool: return "bool";
    case DataKind::kInt: return fmt::format("int{}", bits);
    case DataKind::kUInt: return fmt::format("uint{}", bits);
    case DataKind::kFloat: return fmt::format("float{}", bits);
    case DataKind::kBFloat16: return "bfloat16";
    case DataKind::kComplex: return fmt::format("complex{}", bits);
    case DataKind::kBytes: return fmt::format("S{}", size_bytes_);
    case DataKind::kUnicode: return fmt::format("U{}", size_bytes_ / 4);
    case DataKind::kDateTime: return fmt::format("M8[{}]", unit_);
    case DataKind::kTimeDelta: return fmt::format("m8[{}]", unit_);
  }
  return "?";
}

std::string DataType::NumpyString(Endian endian) const {
  const char order = swap_unit_bytes() == 1 ? '|' : (endian == Endian::kLittle ? '<' : '>');
  switch (kind_) {
    case DataKind::kBool: return "|b1";
    case DataKind::kInt: return fmt::format("{}i{}", order, size_bytes_);
    case DataKind::kUInt: return fmt::format("{}u{}", order, size_bytes_);
    case DataKind::kFloat: return fmt::format("{}f{}", order, size_bytes_);
    case DataKind::kBFloat16: return fmt::format("{}V2", order);
    case DataKind::kComplex: return fmt::format("{}c{}", order, size_bytes_);
    case DataKind::kBytes: return fmt::format("|S{}", size_bytes_);
    case DataKind::kUnicode: return fmt::format("{}U{}", order, size_bytes_ / 4);
    case DataKind::kDateTime: return fmt::format("{}M8[{}]", order, unit_);
    case DataKind::kTimeDelta: return fmt::format("{}m8[{}]", order, unit_);
  }
  return "?";
}

absl::StatusOr<DataTypeV2> ParseDataTypeV2(std::string_view s) {
  if (s.size() < 2) return Unsupported("v2", s);
  DataTypeV2 out;
  switch (s[0]) {
    case '<': case '|': case '=': out.endian = Endian::kLittle; break;
    case '>': out.endian = Endian::kBig; break;
    default: return Unsupported("v2", s);
  }
  const char code = s[1];
  const std::string_view rest = s.substr(2);
  if (code == 'O') {
    return absl::UnimplementedError(
        fmt::format("variable-length object data type \"{}\" is not supported", s));
  }
  if (code == 'M' || code == 'm') {
    // "M8[ns]": always 8 bytes; the unit is kept only for display.
    if (rest.size() < 4 || rest[0] != '8' || rest[1] != '[' || rest.back() != ']') {
      return Unsupported("v2", s);
    }
    out.type = DataType(code == 'M' ? DataKind::kDateTime : DataKind::kTimeDelta, 8,
                        std::string(rest.substr(2, rest.size() - 3)));
    return out;
  }
  auto count = ParseCount(rest, s);
  if (!count.ok()) return count.status();
  const uint32_t n = *count;
  auto sized = [&](DataKind kind, std::initializer_list<uint32_t> allowed)
      -> absl::StatusOr<DataTypeV2> {
    if (std::find(allowed.begin(), allowed.end(), n) == allowed.end()) {
      return Unsupported("v2", s);
    }
    out.type = DataType(kind, n);
    return out;
  };
  switch (code) {
    case 'b': return sized(DataKind::kBool, {1});
    case 'i': return sized(DataKind::kInt, {1, 2, 4, 8});
    case 'u': return sized(DataKind::kUInt, {1, 2, 4, 8});
    case 'f': return sized(DataKind::kFloat, {2, 4, 8});
    case 'c': return sized(DataKind::kComplex, {8, 16});
    case 'S':
    case 'V':
      if (n == 0) {
        return absl::UnimplementedError(
            fmt::format("variable-length bytes data type \"{}\" is not supported", s));
      }
      out.type = DataType(DataKind::kBytes, n);
      return out;
    case 'U':
      if (n == 0) {
        return absl::UnimplementedError(
            fmt::format("variable-length unicode data type \"{}\" is not supported", s));
      }
      if (n > (1u << 28)) return Unsupported("v2", s);
      out.type = DataType(DataKind::kUnicode, n * 4);
      return out;
    default:
      return Unsupported("v2", s);
  }
}

absl::StatusOr<DataType> ParseDataTypeV3(std::string_view name) {
  static constexpr std::pair<std::string_view, std::pair<DataKind, uint32_t>> kTypes[] = {
      {"bool", {DataKind::kBool, 1}},        {"int8", {DataKind::kInt, 1}},
      {"int16", {DataKind::kInt, 2}},        {"int32", {DataKind::kInt, 4}},
      {"int64", {DataKind::kInt, 8}},        {"uint8", {DataKind::kUInt, 1}},
      {"uint16", {DataKind::kUInt, 2}},      {"uint32", {DataKind::kUInt, 4}},
      {"uint64", {DataKind::kUInt, 8}},      {"float16", {DataKind::kFloat, 2}},
      {"float32", {DataKind::kFloat, 4}},    {"float64", {DataKind::kFloat, 8}},
      {"bfloat16", {DataKind::kBFloat16, 2}}, {"complex64", {DataKind::kComplex, 8}},
      {"complex128", {DataKind::kComplex, 16}},
  };
  for (const auto& [n, t] : kTypes) {
    if (n == name) return DataType(t.first, t.second);
  }
  // "r<bits>": raw bits, v3 core spec's opaque fixed-size type.
  if (name.size() > 1 && name[0] == 'r') {
    uint32_t bits = 0;
    auto [ptr, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), bits);
    if (ec == std::errc() && ptr == name.data() + name.size() && bits > 0 && bits % 8 == 0) {
      return DataType(DataKind::kBytes, bits / 8);
    }
  }
  if (name == "string" || name == "variable_length_bytes" || name == "bytes") {
    return absl::UnimplementedError(
        fmt::format("variable-length data type \"{}\" is not supported", name));
  }
  return Unsupported("v3", name);
}

namespace {

template <typename U, U (*Swap)(U)>
void SwapUnits(std::byte* data, size_t units) {
  for (size_t i = 0; i < units; ++i) {
    U v;
    std::memcpy(&v, data + i * sizeof(U), sizeof(U));
    v = Swap(v);
    std::memcpy(data + i * sizeof(U), &v, sizeof(U));
  }
}

uint16_t Bswap16(uint16_t v) { return __builtin_bswap16(v); }
uint32_t Bswap32(uint32_t v) { return __builtin_bswap32(v); }
uint64_t Bswap64(uint64_t v) { return __builtin_bswap64(v); }

}  // namespace

void SwapBytes(const DataType& type, std::byte* data, size_t count) {
  const uint32_t unit = type.swap_unit_bytes();
  if (unit <= 1) return;
  const size_t units = count * (type.size_bytes() / unit);
  switch (unit) {
    case 2: return SwapUnits<uint16_t, Bswap16>(data, units);
    case 4: return SwapUnits<uint32_t, Bswap32>(data, units);
    case 8: return SwapUnits<uint64_t, Bswap64>(data, units);
    default:
      for (size_t i = 0; i < units; ++i) std::reverse(data + i * unit, data + (i + 1) * unit);
  }
}

}  // namespace zring::zarr
