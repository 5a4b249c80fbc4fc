// Assembly: placing decoded chunks (or the fill value, for chunks that are not stored) into a
// crop's output buffer.
//
// A decoded chunk is in zring's canonical layout (C order, little-endian, the full chunk shape,
// as CodecChain::Decode writes it). The output is caller memory described by CropOutput: C order
// by default, or any non-negative element strides. Slices come from PlanCrop, so different
// chunks write disjoint elements of one output and may be assembled from different threads at
// once without locking.
//
//   CropOutput out{.data = buffer};                       // C order over crop.shape
//   ZRING_RETURN_IF_ERROR(CheckOutput(crop, out, elem));
//   AssembleSlice(chunk.data(), chunk_shape, slice, crop.shape, out, elem);
//   FillSlice(fill_value.bytes(), slice, crop.shape, out);
#ifndef ZRING_ZARR_ASSEMBLER_H_
#define ZRING_ZARR_ASSEMBLER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "zarr/chunk_grid.h"
#include "zarr/crop_plan.h"

namespace zring::zarr {

// A caller's destination for one crop. The memory must stay valid and untouched by the caller
// until the read that fills it has returned.
struct CropOutput {
  std::span<std::byte> data;
  // Element strides per dimension (not bytes); empty means C order over the crop's shape.
  std::vector<int64_t> strides_elements;
};

// InvalidArgument when `out` has the wrong rank of strides, a negative stride, or is too small
// for every element of `crop` (the message names the crop and both sizes).
absl::Status CheckOutput(const Box& crop, const CropOutput& out, size_t element_size_bytes);

// The output's strides in bytes (C order over `crop_shape` when none were given).
std::vector<int64_t> OutputStridesBytes(std::span<const uint64_t> crop_shape,
                                        const CropOutput& out, size_t element_size_bytes);

// Copies `slice` of the decoded chunk (full `chunk_shape`, C order) into `out`. `chunk` holds
// the chunk's bytes from byte `chunk_offset_bytes` on (0: the whole chunk; more when only a
// byte range of it was read or decoded), and must hold every byte of the slice.
void AssembleSlice(const std::byte* chunk, std::span<const uint64_t> chunk_shape,
                   const ChunkSlice& slice, std::span<const uint64_t> crop_shape,
                   const CropOutput& out, size_t element_size_bytes,
                   uint64_t chunk_offset_bytes = 0);

// Writes the one-element `fill` into every element of `slice` in `out`.
void FillSlice(std::span<const std::byte> fill, const ChunkSlice& slice,
               std::span<const uint64_t> crop_shape, const CropOutput& out);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_ASSEMBLER_H_
