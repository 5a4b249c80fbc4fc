// Crop planning: which chunks a crop (an N-d box) touches, and for each, which part of the chunk
// lands where in the crop's output. Pure arithmetic: no I/O, no threads, no allocation beyond the
// returned plan.
//
// The plan works on any regular grid. For a sharded array, plan against the inner chunk shape
// (shards are whole multiples of it) and map each inner chunk to its shard with LocateInShard.
//
//   ZRING_RETURN_IF_ERROR(ValidateCrop(crop, array_shape));
//   for (const ChunkSlice& s : PlanCrop(crop, array_shape, chunk_shape)) {
//     // chunk s.chunk_index: copy [s.in_chunk, s.in_chunk + s.extent) of the chunk to
//     // [s.in_crop, s.in_crop + s.extent) of the crop's output.
//   }
//
// Invariants of a plan: slices are in C order of their chunk index; they tile the crop exactly
// (disjoint, covering every element); in_chunk + extent <= chunk_shape and
// in_crop + extent <= crop.shape in every dimension; every extent is > 0.
#ifndef ZRING_ZARR_CROP_PLAN_H_
#define ZRING_ZARR_CROP_PLAN_H_

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "zarr/chunk_grid.h"

namespace zring::zarr {

// Per-dimension numbers of a plan. Up to four dimensions live inline: a crop touches dozens of
// chunks, and a heap block per field and slice would cost more than the copy it plans.
using DimVector = absl::InlinedVector<uint64_t, 4>;

// The part of one chunk that one crop needs.
struct ChunkSlice {
  DimVector chunk_index;  // grid index of the chunk
  DimVector in_chunk;     // first element of the slice, relative to the chunk
  DimVector in_crop;      // first element of the slice, relative to the crop
  DimVector extent;       // elements per dimension, each > 0
};

// Where an inner chunk of a sharded array lives: its shard and its C-order number in the shard.
struct ShardLocation {
  DimVector shard_index;
  uint64_t inner_number = 0;
};

// "[0:4, 128:256]" for messages.
std::string DescribeBox(const Box& box);

// InvalidArgument, naming the crop and the array shape, when the crop's rank differs from the
// array's, any extent is zero, or the crop reaches past the array.
absl::Status ValidateCrop(const Box& crop, std::span<const uint64_t> array_shape);

// The slices of a valid crop (ValidateCrop passed) on the grid of `chunk_shape`.
std::vector<ChunkSlice> PlanCrop(const Box& crop, std::span<const uint64_t> chunk_shape);
// The same into `out` (cleared first), reusing its memory: no allocation once it has held a
// plan as large, for up to four dimensions.
void PlanCrop(const Box& crop, std::span<const uint64_t> chunk_shape,
              std::vector<ChunkSlice>& out);

// Number of chunks PlanCrop would return, without building them.
uint64_t CountCropChunks(const Box& crop, std::span<const uint64_t> chunk_shape);

// `inner_index` on the inner grid -> its shard and number inside it, with
// `chunks_per_shard` inner chunks per shard along each dimension.
ShardLocation LocateInShard(std::span<const uint64_t> inner_index,
                            std::span<const uint64_t> chunks_per_shard);

// The bytes of a decoded chunk (C order, `chunk_shape`, `element_size_bytes` per element) that
// `slice` touches: from its first element to its last, [first, second).
std::pair<uint64_t, uint64_t> SliceByteRange(const ChunkSlice& slice,
                                             std::span<const uint64_t> chunk_shape,
                                             size_t element_size_bytes);

// Whether a chunk stored as it is (no compression) of `chunk_bytes` is read only in its part
// [lo, hi) rather than whole (CropReaderOptions::range_read): an inner chunk of a shard whenever
// that is less; a chunk file of its own (`chunk_file`; reading it in part costs a stat first)
// when that saves at least a quarter of it and kMinRangeReadSavingBytes.
inline constexpr uint64_t kMinRangeReadSavingBytes = 16 << 10;
bool ReadInPart(uint64_t chunk_bytes, uint64_t lo, uint64_t hi, bool chunk_file);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CROP_PLAN_H_
