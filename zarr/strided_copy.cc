#include "zarr/strided_copy.h"

#include <cstring>

namespace zring::zarr {
namespace {

template <size_t N>
void CopyRow(const std::byte* src, int64_t src_stride, std::byte* dst, int64_t dst_stride,
             uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    std::memcpy(dst, src, N);
    src += src_stride;
    dst += dst_stride;
  }
}

void CopyRowAny(const std::byte* src, int64_t src_stride, std::byte* dst, int64_t dst_stride,
                uint64_t count, size_t size) {
  if (src_stride == static_cast<int64_t>(size) && dst_stride == static_cast<int64_t>(size)) {
    std::memcpy(dst, src, count * size);
    return;
  }
  switch (size) {
    case 1: return CopyRow<1>(src, src_stride, dst, dst_stride, count);
    case 2: return CopyRow<2>(src, src_stride, dst, dst_stride, count);
    case 4: return CopyRow<4>(src, src_stride, dst, dst_stride, count);
    case 8: return CopyRow<8>(src, src_stride, dst, dst_stride, count);
    case 16: return CopyRow<16>(src, src_stride, dst, dst_stride, count);
    default:
      for (uint64_t i = 0; i < count; ++i) {
        std::memcpy(dst + i * dst_stride, src + i * src_stride, size);
      }
  }
}

}  // namespace

std::vector<int64_t> COrderStrides(std::span<const uint64_t> shape, size_t element_size_bytes) {
  std::vector<int64_t> strides(shape.size());
  int64_t s = static_cast<int64_t>(element_size_bytes);
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = s;
    s *= static_cast<int64_t>(shape[d]);
  }
  return strides;
}

void CopyStrided(const std::byte* src, std::span<const int64_t> src_strides, std::byte* dst,
                 std::span<const int64_t> dst_strides, std::span<const uint64_t> shape,
                 size_t size) {
  const size_t ndim = shape.size();
  for (uint64_t s : shape) {
    if (s == 0) return;
  }
  if (ndim == 0) {
    std::memcpy(dst, src, size);
    return;
  }
  // Odometer over all but the last dimension; the last is one row copy.
  std::vector<uint64_t> index(ndim, 0);
  const size_t last = ndim - 1;
  while (true) {
    CopyRowAny(src, src_strides[last], dst, dst_strides[last], shape[last], size);
    size_t d = last;
    while (true) {
      if (d == 0) return;
      --d;
      ++index[d];
      src += src_strides[d];
      dst += dst_strides[d];
      if (index[d] < shape[d]) break;
      src -= src_strides[d] * static_cast<int64_t>(shape[d]);
      dst -= dst_strides[d] * static_cast<int64_t>(shape[d]);
      index[d] = 0;
    }
  }
}

}  // namespace zring::zarr
