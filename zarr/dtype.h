// DataType: the element type of a Zarr array, parsed from v2 numpy type strings ("<i2", "|b1",
// ">c8", "<U7", "<M8[ns]") or v3 names ("int16", "bfloat16", "complex64").
//
// zring keeps decoded elements in one canonical in-memory form: little-endian, C order, one
// element = size_bytes(). Byte order on disk is not part of the type: v2's '<'/'>' become the
// endianness of the `bytes` stage of the codec chain (DataTypeV2::endian). Types that are only
// read as their raw representation (fixed-length bytes "S", UCS4 unicode "U", datetime64 /
// timedelta64) keep the byte pattern and swap in units of swap_unit_bytes() when converting
// between byte orders (1 for bytes, 4 for UCS4 code units, half the size for complex).
//
//   ZRING_ASSIGN_OR_RETURN(DataTypeV2 t, ParseDataTypeV2("<f4"));   // float32, little endian
//   ZRING_ASSIGN_OR_RETURN(DataType u, ParseDataTypeV3("uint16"));
#ifndef ZRING_ZARR_DTYPE_H_
#define ZRING_ZARR_DTYPE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace zring::zarr {

enum class DataKind : uint8_t {
  kBool,
  kInt,
  kUInt,
  kFloat,     // float16, float32, float64
  kBFloat16,
  kComplex,   // complex64, complex128: real then imaginary
  kBytes,     // v2 "S<n>", "V<n>": raw, no byte swap
  kUnicode,   // v2 "U<n>": n UCS4 code units
  kDateTime,  // v2 "M8[unit]": int64 raw representation
  kTimeDelta, // v2 "m8[unit]": int64 raw representation
};

enum class Endian : uint8_t { kLittle, kBig };

class DataType {
 public:
  DataType() = default;
  DataType(DataKind kind, uint32_t size_bytes, std::string unit = "")
      : kind_(kind), size_bytes_(size_bytes), unit_(std::move(unit)) {}

  DataKind kind() const { return kind_; }
  uint32_t size_bytes() const { return size_bytes_; }
  // Byte-swap granularity: swapping byte order reverses each unit of this many bytes.
  uint32_t swap_unit_bytes() const;
  // datetime64/timedelta64 unit ("ns", "D", ...); empty otherwise.
  const std::string& unit() const { return unit_; }

  // The v3 name ("float32") or, for v2-only types, the numpy form without byte order ("S7").
  std::string Name() const;
  // The numpy type string with the given byte order ("<f4", "|u1", ">U3").
  std::string NumpyString(Endian endian) const;
  // Numbers and bool; false for the raw-representation kinds (bytes, unicode, datetimes).
  bool IsNumeric() const { return kind_ <= DataKind::kComplex; }

  friend bool operator==(const DataType& a, const DataType& b) {
    return a.kind_ == b.kind_ && a.size_bytes_ == b.size_bytes_ && a.unit_ == b.unit_;
  }

 private:
  DataKind kind_ = DataKind::kUInt;
  uint32_t size_bytes_ = 1;
  std::string unit_;
};

// A v2 dtype: the type plus its byte order on disk ('|' -> little, it does not matter).
struct DataTypeV2 {
  DataType type;
  Endian endian = Endian::kLittle;
};

// Parses a v2 numpy type string. Object ("|O") and other variable-length types are
// kUnimplemented ("variable-length ... not supported"); anything else unknown is kInvalidArgument.
absl::StatusOr<DataTypeV2> ParseDataTypeV2(std::string_view s);

// Parses a v3 data type name. "string"/"variable_length_bytes" are kUnimplemented; unknown names
// kInvalidArgument.
absl::StatusOr<DataType> ParseDataTypeV3(std::string_view name);

// Reverses the byte order of `count` elements of `type` in place.
void SwapBytes(const DataType& type, std::byte* data, size_t count);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_DTYPE_H_
