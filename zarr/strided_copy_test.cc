#include "zarr/strided_copy.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace zring::zarr {
namespace {

// Element by element: the reference CopyStrided's merged dimensions and fixed-size rows must
// agree with.
void NaiveCopy(const std::byte* src, const std::vector<int64_t>& ss, std::byte* dst,
               const std::vector<int64_t>& ds, const std::vector<uint64_t>& shape, size_t size) {
  uint64_t total = 1;
  for (uint64_t n : shape) total *= n;
  std::vector<uint64_t> at(shape.size(), 0);
  for (uint64_t k = 0; k < total; ++k) {
    int64_t so = 0, dso = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      so += static_cast<int64_t>(at[d]) * ss[d];
      dso += static_cast<int64_t>(at[d]) * ds[d];
    }
    std::memcpy(dst + dso, src + so, size);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }
}

// Byte strides of a C-order array of `full` (each >= the copied shape), its dimensions laid
// out in the order `perm` (perm.back() innermost).
std::vector<int64_t> Strides(const std::vector<uint64_t>& full, const std::vector<size_t>& perm,
                             size_t size) {
  std::vector<int64_t> s(full.size());
  int64_t step = static_cast<int64_t>(size);
  for (size_t i = perm.size(); i-- > 0;) {
    s[perm[i]] = step;
    step *= static_cast<int64_t>(full[perm[i]]);
  }
  return s;
}

TEST(CopyStrided, MatchesAnElementByElementCopyOnRandomLayouts) {
  std::mt19937_64 rng(7);
  const size_t sizes[] = {1, 2, 3, 4, 8, 16};
  for (int iter = 0; iter < 3000; ++iter) {
    const size_t ndim = 1 + rng() % 5;
    const size_t size = sizes[rng() % 6];
    std::vector<uint64_t> shape(ndim), src_full(ndim), dst_full(ndim);
    for (size_t d = 0; d < ndim; ++d) {
      // Row lengths that hit the fixed-size paths (16..256 bytes) often.
      shape[d] = 1 + rng() % (d + 1 == ndim ? 40 : 5);
      if (d + 1 == ndim && rng() % 2 == 0) shape[d] = (16u << (rng() % 5)) / size + (size == 3);
      src_full[d] = shape[d] + (rng() % 3 == 0 ? rng() % 3 : 0);
      dst_full[d] = shape[d] + (rng() % 3 == 0 ? rng() % 3 : 0);
    }
    std::vector<size_t> src_perm(ndim), dst_perm(ndim);
    std::iota(src_perm.begin(), src_perm.end(), 0);
    std::iota(dst_perm.begin(), dst_perm.end(), 0);
    if (rng() % 4 == 0) std::shuffle(src_perm.begin(), src_perm.end(), rng);
    if (rng() % 4 == 0) std::shuffle(dst_perm.begin(), dst_perm.end(), rng);
    const std::vector<int64_t> ss = Strides(src_full, src_perm, size);
    const std::vector<int64_t> ds = Strides(dst_full, dst_perm, size);
    uint64_t src_bytes = size, dst_bytes = size;
    for (size_t d = 0; d < ndim; ++d) {
      src_bytes *= src_full[d];
      dst_bytes *= dst_full[d];
    }
    std::vector<std::byte> src(src_bytes);
    for (auto& b : src) b = static_cast<std::byte>(rng());
    std::vector<std::byte> got(dst_bytes, std::byte{0xEE}), want(dst_bytes, std::byte{0xEE});
    CopyStrided(src.data(), ss, got.data(), ds, shape, size);
    NaiveCopy(src.data(), ss, want.data(), ds, shape, size);
    ASSERT_EQ(got, want) << "iteration " << iter << " rank " << ndim << " element " << size;
  }
}

TEST(CopyStrided, EmptyShapeCopiesNothingAndRankZeroCopiesOneElement) {
  const std::vector<std::byte> src = {std::byte{1}, std::byte{2}};
  std::vector<std::byte> dst(2, std::byte{0});
  const std::vector<int64_t> s = {2};
  const std::vector<uint64_t> empty = {0};
  CopyStrided(src.data(), s, dst.data(), s, empty, 2);
  EXPECT_EQ(dst, (std::vector<std::byte>{std::byte{0}, std::byte{0}}));
  CopyStrided(src.data(), {}, dst.data(), {}, {}, 2);
  EXPECT_EQ(dst, src);
}

}  // namespace
}  // namespace zring::zarr
