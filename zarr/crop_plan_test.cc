#include "zarr/crop_plan.h"

#include <random>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::zarr {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

using V = std::vector<uint64_t>;

TEST(CropPlan, CropInsideOneChunkIsOneSlice) {
  auto slices = PlanCrop(Box{{5, 1}, {2, 2}}, V{4, 4});
  ASSERT_EQ(slices.size(), 1u);
  EXPECT_THAT(slices[0].chunk_index, ElementsAre(1, 0));
  EXPECT_THAT(slices[0].in_chunk, ElementsAre(1, 1));
  EXPECT_THAT(slices[0].in_crop, ElementsAre(0, 0));
  EXPECT_THAT(slices[0].extent, ElementsAre(2, 2));
}

TEST(CropPlan, CropAcrossChunkBoundariesSplitsInCOrder) {
  // Rows 3..5 and columns 2..6 of a grid of 4x4 chunks.
  auto s = PlanCrop(Box{{3, 2}, {3, 5}}, V{4, 4});
  ASSERT_EQ(s.size(), 4u);
  EXPECT_THAT(s[0].chunk_index, ElementsAre(0, 0));
  EXPECT_THAT(s[0].in_chunk, ElementsAre(3, 2));
  EXPECT_THAT(s[0].in_crop, ElementsAre(0, 0));
  EXPECT_THAT(s[0].extent, ElementsAre(1, 2));
  EXPECT_THAT(s[1].chunk_index, ElementsAre(0, 1));
  EXPECT_THAT(s[1].in_chunk, ElementsAre(3, 0));
  EXPECT_THAT(s[1].in_crop, ElementsAre(0, 2));
  EXPECT_THAT(s[1].extent, ElementsAre(1, 3));
  EXPECT_THAT(s[2].chunk_index, ElementsAre(1, 0));
  EXPECT_THAT(s[2].in_chunk, ElementsAre(0, 2));
  EXPECT_THAT(s[2].in_crop, ElementsAre(1, 0));
  EXPECT_THAT(s[2].extent, ElementsAre(2, 2));
  EXPECT_THAT(s[3].chunk_index, ElementsAre(1, 1));
  EXPECT_THAT(s[3].in_chunk, ElementsAre(0, 0));
  EXPECT_THAT(s[3].in_crop, ElementsAre(1, 2));
  EXPECT_THAT(s[3].extent, ElementsAre(2, 3));
  EXPECT_EQ(CountCropChunks(Box{{3, 2}, {3, 5}}, V{4, 4}), 4u);
}

TEST(CropPlan, PartialEdgeChunkGetsOnlyItsInBoundsPart) {
  const V shape{10};
  const Box crop{{6}, {4}};
  ASSERT_OK(ValidateCrop(crop, shape));
  auto s = PlanCrop(crop, V{4});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_THAT(s[1].chunk_index, ElementsAre(2));
  EXPECT_THAT(s[1].in_chunk, ElementsAre(0));
  EXPECT_THAT(s[1].in_crop, ElementsAre(2));
  EXPECT_THAT(s[1].extent, ElementsAre(2));
}

TEST(CropPlan, WholeArrayCoversEveryChunk) {
  auto s = PlanCrop(Box{{0, 0}, {10, 9}}, V{4, 3});
  ASSERT_EQ(s.size(), 9u);
  EXPECT_THAT(s.back().chunk_index, ElementsAre(2, 2));
  EXPECT_THAT(s.back().extent, ElementsAre(2, 3));
  EXPECT_THAT(s.back().in_crop, ElementsAre(8, 6));
}

// Random crops in 1 to 5 dimensions: the slices tile the crop exactly once, and each slice's
// chunk coordinates and crop coordinates name the same array element.
TEST(CropPlan, SlicesTileRandomCropsExactlyOnceIn1To5Dimensions) {
  std::mt19937_64 rng(7);
  for (size_t ndim = 1; ndim <= 5; ++ndim) {
    for (int trial = 0; trial < 40; ++trial) {
      V shape(ndim), chunk(ndim);
      Box crop{V(ndim), V(ndim)};
      for (size_t d = 0; d < ndim; ++d) {
        shape[d] = 1 + rng() % 9;
        chunk[d] = 1 + rng() % 4;
        crop.origin[d] = rng() % shape[d];
        crop.shape[d] = 1 + rng() % (shape[d] - crop.origin[d]);
      }
      ASSERT_OK(ValidateCrop(crop, shape));
      std::vector<int> hits(crop.NumElements(), 0);
      const auto slices = PlanCrop(crop, chunk);
      ASSERT_EQ(slices.size(), CountCropChunks(crop, chunk));
      for (const ChunkSlice& s : slices) {
        V at(ndim, 0);
        while (true) {
          uint64_t lin = 0;
          for (size_t d = 0; d < ndim; ++d) {
            ASSERT_LT(s.in_chunk[d] + at[d], chunk[d]);
            const uint64_t from_chunk = s.chunk_index[d] * chunk[d] + s.in_chunk[d] + at[d];
            const uint64_t from_crop = crop.origin[d] + s.in_crop[d] + at[d];
            ASSERT_EQ(from_chunk, from_crop);
            lin = lin * crop.shape[d] + s.in_crop[d] + at[d];
          }
          ++hits[lin];
          size_t d = ndim;
          while (d-- > 0) {
            if (++at[d] < s.extent[d]) break;
            at[d] = 0;
          }
          if (d == static_cast<size_t>(-1)) break;
        }
      }
      for (int h : hits) ASSERT_EQ(h, 1);
    }
  }
}

TEST(CropPlan, RejectsOutOfBoundsZeroSizeAndWrongRankCrops) {
  const V shape{10, 20};
  EXPECT_THAT(ValidateCrop(Box{{8, 0}, {3, 5}}, shape),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("[8:11, 0:5]"), HasSubstr("(10, 20)"))));
  EXPECT_THAT(ValidateCrop(Box{{10, 0}, {1, 1}}, shape),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("past the array")));
  EXPECT_THAT(ValidateCrop(Box{{2, 3}, {0, 5}}, shape),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("[2:2, 3:8]"), HasSubstr("empty"), HasSubstr("(10, 20)"))));
  EXPECT_THAT(ValidateCrop(Box{{0}, {1}}, shape),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rank 1")));
  // origin + shape would wrap around 2^64.
  EXPECT_THAT(ValidateCrop(Box{{1, 0}, {~uint64_t{0}, 1}}, shape),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("past the array")));
  EXPECT_OK(ValidateCrop(Box{{0, 0}, {10, 20}}, shape));
}

TEST(CropPlan, LocatesInnerChunksInTheirShards) {
  ShardLocation loc = LocateInShard(V{5, 3}, V{2, 4});
  EXPECT_THAT(loc.shard_index, ElementsAre(2, 0));
  EXPECT_EQ(loc.inner_number, 1u * 4 + 3);
  loc = LocateInShard(V{0, 4}, V{2, 4});
  EXPECT_THAT(loc.shard_index, ElementsAre(0, 1));
  EXPECT_EQ(loc.inner_number, 0u);
}

TEST(SliceByteRange, FirstToLastElementInCOrder) {
  // Chunk 4x5x6 of 2-byte elements; slice [1:3, 2:4, 0:6]: elements 42..83.
  ChunkSlice s;
  s.in_chunk = {1, 2, 0};
  s.extent = {2, 2, 6};
  const std::vector<uint64_t> chunk{4, 5, 6};
  EXPECT_EQ(SliceByteRange(s, chunk, 2), (std::pair<uint64_t, uint64_t>{84, 168}));
  s.in_chunk = {3, 4, 5};
  s.extent = {1, 1, 1};
  EXPECT_EQ(SliceByteRange(s, chunk, 8), (std::pair<uint64_t, uint64_t>{119 * 8, 120 * 8}));
}

TEST(ReadInPart, InnerChunksWheneverLessChunkFilesWhenWorthAStat) {
  EXPECT_TRUE(ReadInPart(4096, 100, 200, false));
  EXPECT_FALSE(ReadInPart(4096, 0, 4096, false));
  EXPECT_FALSE(ReadInPart(4096, 0, 5000, false));  // not inside the chunk
  EXPECT_FALSE(ReadInPart(4096, 10, 10, false));   // empty
  // Chunk files: at least a quarter and 16 KiB saved.
  EXPECT_TRUE(ReadInPart(256 << 10, 0, 32 << 10, true));
  EXPECT_FALSE(ReadInPart(256 << 10, 0, 200 << 10, true));  // saves less than a quarter
  EXPECT_FALSE(ReadInPart(32 << 10, 0, 20 << 10, true));    // saves less than 16 KiB
  EXPECT_TRUE(ReadInPart(64 << 10, 0, 48 << 10, true));     // exactly both
}

}  // namespace
}  // namespace zring::zarr
