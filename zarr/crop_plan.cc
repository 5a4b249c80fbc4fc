#include "zarr/crop_plan.h"

#include <algorithm>

#include "fmt/format.h"

namespace zring::zarr {
namespace {

std::string JoinNumbers(std::span<const uint64_t> v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(v[i]);
  }
  return s;
}

}  // namespace

std::string DescribeBox(const Box& box) {
  std::string s = "[";
  for (size_t d = 0; d < box.origin.size(); ++d) {
    if (d > 0) s += ", ";
    const uint64_t extent = d < box.shape.size() ? box.shape[d] : 0;
    s += fmt::format("{}:{}", box.origin[d], box.origin[d] + extent);
  }
  return s + "]";
}

absl::Status ValidateCrop(const Box& crop, std::span<const uint64_t> array_shape) {
  auto shape_text = [&] { return fmt::format("({})", JoinNumbers(array_shape)); };
  if (crop.origin.size() != array_shape.size() || crop.shape.size() != array_shape.size()) {
    return absl::InvalidArgumentError(
        fmt::format("crop with origin ({}) and shape ({}) has rank {}, array of shape {} has "
                    "rank {}",
                    JoinNumbers(crop.origin), JoinNumbers(crop.shape),
                    crop.origin.size(), shape_text(), array_shape.size()));
  }
  for (size_t d = 0; d < array_shape.size(); ++d) {
    if (crop.shape[d] == 0) {
      return absl::InvalidArgumentError(fmt::format(
          "crop {} is empty along dimension {} (array shape {})", DescribeBox(crop), d,
          shape_text()));
    }
    // Written so that origin + shape cannot wrap.
    if (crop.origin[d] >= array_shape[d] || crop.shape[d] > array_shape[d] - crop.origin[d]) {
      return absl::InvalidArgumentError(fmt::format(
          "crop {} reaches past the array along dimension {} (array shape {})",
          DescribeBox(crop), d, shape_text()));
    }
  }
  return absl::OkStatus();
}

uint64_t CountCropChunks(const Box& crop, std::span<const uint64_t> chunk_shape) {
  uint64_t n = 1;
  for (size_t d = 0; d < chunk_shape.size(); ++d) {
    const uint64_t first = crop.origin[d] / chunk_shape[d];
    const uint64_t last = (crop.origin[d] + crop.shape[d] - 1) / chunk_shape[d];
    n *= last - first + 1;
  }
  return n;
}

std::vector<ChunkSlice> PlanCrop(const Box& crop, std::span<const uint64_t> chunk_shape) {
  std::vector<ChunkSlice> slices;
  PlanCrop(crop, chunk_shape, slices);
  return slices;
}

void PlanCrop(const Box& crop, std::span<const uint64_t> chunk_shape,
              std::vector<ChunkSlice>& out) {
  const size_t ndim = chunk_shape.size();
  DimVector first(ndim), last(ndim);
  for (size_t d = 0; d < ndim; ++d) {
    first[d] = crop.origin[d] / chunk_shape[d];
    last[d] = (crop.origin[d] + crop.shape[d] - 1) / chunk_shape[d];
  }
  // Slots kept from an earlier plan are overwritten in place (their DimVectors keep their
  // storage); only a longer plan adds slots.
  const size_t count = CountCropChunks(crop, chunk_shape);
  out.resize(count);
  DimVector idx = first;
  for (size_t k = 0; k < count; ++k) {
    ChunkSlice& s = out[k];
    s.chunk_index.assign(idx.begin(), idx.end());
    s.in_chunk.resize(ndim);
    s.in_crop.resize(ndim);
    s.extent.resize(ndim);
    for (size_t d = 0; d < ndim; ++d) {
      const uint64_t c0 = idx[d] * chunk_shape[d];
      const uint64_t b0 = std::max(c0, crop.origin[d]);
      const uint64_t b1 = std::min(c0 + chunk_shape[d], crop.origin[d] + crop.shape[d]);
      s.in_chunk[d] = b0 - c0;
      s.in_crop[d] = b0 - crop.origin[d];
      s.extent[d] = b1 - b0;
    }
    size_t d = ndim;
    while (d-- > 0) {
      if (++idx[d] <= last[d]) break;
      idx[d] = first[d];
    }
  }
}

ShardLocation LocateInShard(std::span<const uint64_t> inner_index,
                            std::span<const uint64_t> chunks_per_shard) {
  ShardLocation loc;
  loc.shard_index.resize(inner_index.size());
  for (size_t d = 0; d < inner_index.size(); ++d) {
    loc.shard_index[d] = inner_index[d] / chunks_per_shard[d];
    loc.inner_number = loc.inner_number * chunks_per_shard[d] + inner_index[d] % chunks_per_shard[d];
  }
  return loc;
}

std::pair<uint64_t, uint64_t> SliceByteRange(const ChunkSlice& slice,
                                             std::span<const uint64_t> chunk_shape,
                                             size_t element_size_bytes) {
  uint64_t first = 0, last = 0;
  for (size_t d = 0; d < chunk_shape.size(); ++d) {
    first = first * chunk_shape[d] + slice.in_chunk[d];
    last = last * chunk_shape[d] + slice.in_chunk[d] + slice.extent[d] - 1;
  }
  return {first * element_size_bytes, (last + 1) * element_size_bytes};
}

bool ReadInPart(uint64_t chunk_bytes, uint64_t lo, uint64_t hi, bool chunk_file) {
  if (lo >= hi || hi > chunk_bytes) return false;
  const uint64_t saved = chunk_bytes - (hi - lo);
  if (!chunk_file) return saved > 0;
  return saved * 4 >= chunk_bytes && saved >= kMinRangeReadSavingBytes;
}

}  // namespace zring::zarr
