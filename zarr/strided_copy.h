// CopyStrided: copies an N-d block of fixed-size elements between two strided layouts.
//
// Used wherever zring moves a box of elements: transposes, placing inner chunks in a shard,
// placing a chunk's in-bounds part into a caller's output. Strides are in bytes and may be any
// value (including ones that walk dimensions in a permuted order). Dimensions contiguous on both
// sides merge; the innermost is copied with one memcpy per row when both sides are contiguous
// there (rows of up to 256 bytes with inline constant-size moves). No allocation up to rank 8.
//
//   // Copy a 2x3 block of float32 from a row-major 4x5 array into a row-major 2x3 buffer.
//   CopyStrided(src + (1 * 5 + 2) * 4, {20, 4}, dst, {12, 4}, {2, 3}, 4);
#ifndef ZRING_ZARR_STRIDED_COPY_H_
#define ZRING_ZARR_STRIDED_COPY_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace zring::zarr {

// The caller guarantees every addressed element lies inside both buffers.
void CopyStrided(const std::byte* src, std::span<const int64_t> src_strides_bytes, std::byte* dst,
                 std::span<const int64_t> dst_strides_bytes, std::span<const uint64_t> shape,
                 size_t element_size_bytes);

// C-order (row-major) byte strides of an array of `shape` with elements of `element_size_bytes`.
std::vector<int64_t> COrderStrides(std::span<const uint64_t> shape, size_t element_size_bytes);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_STRIDED_COPY_H_
