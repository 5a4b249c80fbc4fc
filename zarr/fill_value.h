// FillValue: the value of elements in chunks that are not stored, as one element's bytes in
// zring's canonical form (little-endian, the array's DataType).
//
// Parses every JSON form the v2 and v3 specs allow: numbers, booleans, "NaN", "Infinity",
// "-Infinity", hex-encoded bit patterns ("0x7fc00000"), [re, im] pairs for complex types, base64
// strings for v2 fixed-length bytes, plain strings for v2 unicode, arrays of byte values for v3
// raw types, and v2 `null`. A v2 `null` leaves the value undefined by the spec; zring then uses
// zeros (what zarr-python 3 and zarrs return) and records defined() == false.
//
//   ZRING_ASSIGN_OR_RETURN(FillValue fv, ParseFillValue(json["fill_value"], dtype, 3));
//   std::span<const std::byte> one_element = fv.bytes();
#ifndef ZRING_ZARR_FILL_VALUE_H_
#define ZRING_ZARR_FILL_VALUE_H_

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/dtype.h"

namespace zring::zarr {

class FillValue {
 public:
  FillValue() = default;
  FillValue(std::vector<std::byte> bytes, bool defined)
      : bytes_(std::move(bytes)), defined_(defined) {}

  // Exactly one element, canonical little-endian.
  std::span<const std::byte> bytes() const { return bytes_; }
  // False for a v2 `null` fill value (the bytes are then zeros).
  bool defined() const { return defined_; }
  bool IsAllZero() const;

  // Writes `count` copies of the element to `out` (which holds count * element size bytes).
  void FillInto(std::span<std::byte> out) const;

  // The JSON form zring shows to people and writes to v3 metadata ("NaN", 0, [1.0, 2.0], ...).
  std::string ToJson(const DataType& type) const;

 private:
  std::vector<std::byte> bytes_;
  bool defined_ = true;
};

// Parses `json` as a fill value of `type` under `zarr_format` (2 or 3) rules. Errors are
// kInvalidArgument naming the expected form, e.g. `fill_value "abc" is not a valid float32`.
absl::StatusOr<FillValue> ParseFillValue(simdjson::dom::element json, const DataType& type,
                                         int zarr_format);

// IEEE half and bfloat16 conversions (round to nearest even), used by fill values and filters.
uint16_t FloatToHalfBits(float value);
float HalfBitsToFloat(uint16_t bits);
uint16_t FloatToBFloat16Bits(float value);
float BFloat16BitsToFloat(uint16_t bits);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_FILL_VALUE_H_
