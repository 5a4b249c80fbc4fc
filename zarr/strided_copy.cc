#include "zarr/strided_copy.h"

#include <cstring>

#include "absl/container/inlined_vector.h"

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

// Rows of `n` bytes, lo < n <= 2 * lo, each copied as two overlapping constant-size moves (the
// first and the last `lo` bytes): no call, no byte loop, whatever n is in that range.
template <size_t Lo>
void CopyRowsOverlapping(const std::byte* src, int64_t src_row, std::byte* dst, int64_t dst_row,
                         uint64_t rows, size_t n) {
  for (uint64_t r = 0; r < rows; ++r) {
    std::memcpy(dst, src, Lo);
    std::memcpy(dst + n - Lo, src + n - Lo, Lo);
    src += src_row;
    dst += dst_row;
  }
}

// `rows` rows of `n` contiguous bytes; false when n is outside what this handles (1..256).
bool CopySmallRows(const std::byte* src, int64_t src_row, std::byte* dst, int64_t dst_row,
                   uint64_t rows, size_t n) {
  switch (n) {
    case 1: CopyRow<1>(src, src_row, dst, dst_row, rows); return true;
    case 2: CopyRow<2>(src, src_row, dst, dst_row, rows); return true;
    case 4: CopyRow<4>(src, src_row, dst, dst_row, rows); return true;
    case 8: CopyRow<8>(src, src_row, dst, dst_row, rows); return true;
    case 16: CopyRow<16>(src, src_row, dst, dst_row, rows); return true;
    case 32: CopyRow<32>(src, src_row, dst, dst_row, rows); return true;
    case 64: CopyRow<64>(src, src_row, dst, dst_row, rows); return true;
    case 128: CopyRow<128>(src, src_row, dst, dst_row, rows); return true;
    case 256: CopyRow<256>(src, src_row, dst, dst_row, rows); return true;
    default: break;
  }
  if (n == 0 || n > 256) return false;
  if (n > 128) CopyRowsOverlapping<128>(src, src_row, dst, dst_row, rows, n);
  else if (n > 64) CopyRowsOverlapping<64>(src, src_row, dst, dst_row, rows, n);
  else if (n > 32) CopyRowsOverlapping<32>(src, src_row, dst, dst_row, rows, n);
  else if (n > 16) CopyRowsOverlapping<16>(src, src_row, dst, dst_row, rows, n);
  else if (n > 8) CopyRowsOverlapping<8>(src, src_row, dst, dst_row, rows, n);
  else if (n > 4) CopyRowsOverlapping<4>(src, src_row, dst, dst_row, rows, n);
  else if (n > 2) CopyRowsOverlapping<2>(src, src_row, dst, dst_row, rows, n);
  return true;
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
  for (uint64_t s : shape) {
    if (s == 0) return;
  }
  if (shape.empty()) {
    std::memcpy(dst, src, size);
    return;
  }
  // Dimensions of one element are dropped, and a dimension merges into the one inside it when
  // both sides step over exactly that inner dimension: fewer, longer rows. Kept inline: this runs
  // once per chunk slice, dozens of times per crop.
  absl::InlinedVector<uint64_t, 8> n;
  absl::InlinedVector<int64_t, 8> ss, ds;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    if (!n.empty() && ss.back() == src_strides[d] * static_cast<int64_t>(shape[d]) &&
        ds.back() == dst_strides[d] * static_cast<int64_t>(shape[d])) {
      n.back() *= shape[d];
      ss.back() = src_strides[d];
      ds.back() = dst_strides[d];
      continue;
    }
    n.push_back(shape[d]);
    ss.push_back(src_strides[d]);
    ds.push_back(dst_strides[d]);
  }
  if (n.empty()) {
    std::memcpy(dst, src, size);
    return;
  }
  const size_t last = n.size() - 1;
  if (last == 0) return CopyRowAny(src, ss[0], dst, ds[0], n[0], size);
  // The two innermost dimensions are one block of rows. Rows contiguous on both sides and at
  // most 256 bytes long copy with constant-size moves (CopySmallRows) instead of a call each.
  const int64_t elem = static_cast<int64_t>(size);
  const uint64_t rows = n[last - 1];
  const int64_t src_row = ss[last - 1], dst_row = ds[last - 1];
  const bool small_rows = ss[last] == elem && ds[last] == elem && n[last] * size <= 256;
  // Odometer over the dimensions outside the block.
  absl::InlinedVector<uint64_t, 8> index(n.size(), 0);
  while (true) {
    if (!small_rows ||
        !CopySmallRows(src, src_row, dst, dst_row, rows, n[last] * size)) {
      for (uint64_t r = 0; r < rows; ++r) {
        CopyRowAny(src + static_cast<int64_t>(r) * src_row, ss[last],
                   dst + static_cast<int64_t>(r) * dst_row, ds[last], n[last], size);
      }
    }
    size_t d = last - 1;
    while (true) {
      if (d == 0) return;
      --d;
      ++index[d];
      src += ss[d];
      dst += ds[d];
      if (index[d] < n[d]) break;
      src -= ss[d] * static_cast<int64_t>(n[d]);
      dst -= ds[d] * static_cast<int64_t>(n[d]);
      index[d] = 0;
    }
  }
}

}  // namespace zring::zarr
