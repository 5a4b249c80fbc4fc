// Test helper for the numcodecs filter tests (test code only): builds a filter from JSON for a
// 1-d chunk of `n` elements of `type`.
#ifndef ZRING_ZARR_CODEC_FILTER_TEST_UTIL_H_
#define ZRING_ZARR_CODEC_FILTER_TEST_UTIL_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "zarr/codec/codec.h"

namespace zring::zarr::testing {

inline ChunkSpec Spec1d(DataType type, uint64_t n) {
  return ChunkSpec{type, {n}, FillValue(std::vector<std::byte>(type.size_bytes()), true)};
}

inline absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeFilter(std::string_view name,
                                                                     std::string_view json,
                                                                     DataType type, uint64_t n) {
  return MakeArrayToArrayCodec(name, json, Spec1d(type, n));
}

}  // namespace zring::zarr::testing

#endif  // ZRING_ZARR_CODEC_FILTER_TEST_UTIL_H_
