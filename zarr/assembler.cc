#include "zarr/assembler.h"

#include <cstring>

#include "absl/container/inlined_vector.h"
#include "fmt/format.h"
#include "zarr/strided_copy.h"

namespace zring::zarr {

absl::Status CheckOutput(const Box& crop, const CropOutput& out, size_t element_size_bytes) {
  const size_t ndim = crop.shape.size();
  if (!out.strides_elements.empty() && out.strides_elements.size() != ndim) {
    return absl::InvalidArgumentError(
        fmt::format("output for crop {}: {} strides for a rank-{} crop", DescribeBox(crop),
                    out.strides_elements.size(), ndim));
  }
  // Bytes from the start of the buffer to the end of the last element addressed.
  uint64_t needed = element_size_bytes;
  if (out.strides_elements.empty()) {
    needed = crop.NumElements() * element_size_bytes;
  } else {
    for (size_t d = 0; d < ndim; ++d) {
      if (out.strides_elements[d] < 0) {
        return absl::InvalidArgumentError(fmt::format(
            "output for crop {}: stride {} of dimension {} is negative", DescribeBox(crop),
            out.strides_elements[d], d));
      }
      if (crop.shape[d] == 0) needed = 0;
      if (needed == 0) break;
      needed += (crop.shape[d] - 1) * static_cast<uint64_t>(out.strides_elements[d]) *
                element_size_bytes;
    }
  }
  if (out.data.size() < needed) {
    return absl::InvalidArgumentError(
        fmt::format("output for crop {} holds {} bytes, the crop needs {}", DescribeBox(crop),
                    out.data.size(), needed));
  }
  return absl::OkStatus();
}

std::vector<int64_t> OutputStridesBytes(std::span<const uint64_t> crop_shape,
                                        const CropOutput& out, size_t element_size_bytes) {
  if (out.strides_elements.empty()) return COrderStrides(crop_shape, element_size_bytes);
  std::vector<int64_t> strides(out.strides_elements);
  for (int64_t& s : strides) s *= static_cast<int64_t>(element_size_bytes);
  return strides;
}

namespace {

int64_t OffsetOf(std::span<const uint64_t> at, std::span<const int64_t> strides) {
  int64_t off = 0;
  for (size_t d = 0; d < at.size(); ++d) off += static_cast<int64_t>(at[d]) * strides[d];
  return off;
}

}  // namespace

void AssembleSlice(const std::byte* chunk, std::span<const uint64_t> chunk_shape,
                   const ChunkSlice& slice, std::span<const uint64_t> crop_shape,
                   const CropOutput& out, size_t element_size_bytes,
                   uint64_t chunk_offset_bytes) {
  // Runs per chunk slice, dozens of times per crop: strides stay on the stack.
  const size_t ndim = chunk_shape.size();
  absl::InlinedVector<int64_t, 8> src_strides(ndim), dst_strides(ndim);
  int64_t s = static_cast<int64_t>(element_size_bytes), t = s;
  for (size_t d = ndim; d-- > 0;) {
    src_strides[d] = s;
    s *= static_cast<int64_t>(chunk_shape[d]);
    if (out.strides_elements.empty()) {
      dst_strides[d] = t;
      t *= static_cast<int64_t>(crop_shape[d]);
    } else {
      dst_strides[d] = out.strides_elements[d] * static_cast<int64_t>(element_size_bytes);
    }
  }
  const int64_t from =
      OffsetOf(slice.in_chunk, src_strides) - static_cast<int64_t>(chunk_offset_bytes);
  CopyStrided(chunk + from, src_strides, out.data.data() + OffsetOf(slice.in_crop, dst_strides),
              dst_strides, slice.extent, element_size_bytes);
}

void FillSlice(std::span<const std::byte> fill, const ChunkSlice& slice,
               std::span<const uint64_t> crop_shape, const CropOutput& out) {
  const size_t elem = fill.size();
  const size_t ndim = slice.extent.size();
  const std::vector<int64_t> strides = OutputStridesBytes(crop_shape, out, elem);
  std::byte* base = out.data.data() + OffsetOf(slice.in_crop, strides);
  if (ndim == 0) {
    std::memcpy(base, fill.data(), elem);
    return;
  }
  // One row of the innermost dimension is filled, then the rest of the slice walks rows.
  const uint64_t row = slice.extent[ndim - 1];
  const int64_t inner = strides[ndim - 1];
  std::vector<uint64_t> idx(ndim, 0);
  while (true) {
    std::byte* p = base;
    for (size_t d = 0; d + 1 < ndim; ++d) p += static_cast<int64_t>(idx[d]) * strides[d];
    for (uint64_t i = 0; i < row; ++i) std::memcpy(p + static_cast<int64_t>(i) * inner, fill.data(), elem);
    size_t d = ndim - 1;
    while (d-- > 0) {
      if (++idx[d] < slice.extent[d]) break;
      idx[d] = 0;
    }
    if (d == static_cast<size_t>(-1)) break;
  }
}

}  // namespace zring::zarr
