// ArraySha256: the SHA-256 of a whole array decoded to zring's canonical layout (C order,
// little-endian, declared data type, bool as one byte 0/1), computed with bounded memory.
//
// The array is streamed in slabs in C order: whole chunk-rows of the first dimension when one
// fits in `memory_cap_bytes`, else fewer rows, else recursing into the next dimension. So arrays
// larger than RAM work; memory is about one slab plus one chunk.
//
//   ZRING_ASSIGN_OR_RETURN(std::string hex, ArraySha256(*array, 256 << 20));
#ifndef ZRING_ZARR_CHECKSUM_H_
#define ZRING_ZARR_CHECKSUM_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "zarr/array.h"

namespace zring::zarr {

inline constexpr uint64_t kDefaultChecksumMemoryBytes = uint64_t{256} << 20;

// Lower-case hex SHA-256 of the decoded array.
absl::StatusOr<std::string> ArraySha256(const Array& array,
                                        uint64_t memory_cap_bytes = kDefaultChecksumMemoryBytes);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CHECKSUM_H_
