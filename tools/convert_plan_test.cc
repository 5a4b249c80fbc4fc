#include "tools/convert_plan.h"

#include <set>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::tools {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using zring::testing::StatusIs;

// Every grid chunk of the region is covered by exactly one slab, and every slab fits the budget
// (unless a single grid chunk does not).
void ExpectPartition(const zarr::ChunkGrid& grid, const GridRegion& region, uint64_t budget) {
  const SlabPlan plan = PlanSlabs(grid, region, 2, budget);
  std::multiset<uint64_t> seen;
  for (uint64_t n = 0; n < plan.num_slabs; ++n) {
    const Slab s = SlabAt(grid, plan, n);
    if (!plan.over_budget) {
      EXPECT_LE(s.box.NumElements() * 2, budget);
    }
    EXPECT_LE(s.box.NumElements() * 2, plan.max_slab_bytes);
    ForEachChunk(grid, s.chunks, [&](uint64_t i) { seen.insert(i); });
  }
  std::multiset<uint64_t> want;
  ForEachChunk(grid, region, [&](uint64_t i) { want.insert(i); });
  EXPECT_EQ(seen, want);
}

TEST(PlanSlabs, PartitionsTheGridWithinTheBudget) {
  const zarr::ChunkGrid grid({50, 70, 33}, {8, 32, 32});
  for (uint64_t budget : {1u << 10, 40u << 10, 150u << 10, 1u << 20, 64u << 20}) {
    ExpectPartition(grid, WholeGrid(grid), budget);
  }
}

TEST(PlanSlabs, PartitionsARegion) {
  const zarr::ChunkGrid grid({48, 160, 96}, {16, 64, 96});
  ASSERT_OK_AND_ASSIGN(GridRegion r, ParseRegion("16:48,64:,:", grid));
  EXPECT_THAT(r.lo, ElementsAre(1, 1, 0));
  EXPECT_THAT(r.hi, ElementsAre(3, 3, 1));
  ExpectPartition(grid, r, 16 * 64 * 96 * 2);
  ExpectPartition(grid, r, 1 << 30);
}

TEST(PlanSlabs, UsesWholeRowsWhenTheyFit) {
  const zarr::ChunkGrid grid({256, 1024, 1024}, {16, 256, 256});
  const SlabPlan plan = PlanSlabs(grid, WholeGrid(grid), 2, 64 << 20);
  EXPECT_EQ(plan.split_dim, 0u);
  EXPECT_EQ(plan.chunks_along_split, 2u);  // 2 x 32 MiB rows of shards
  EXPECT_EQ(plan.num_slabs, 8u);
  EXPECT_FALSE(plan.over_budget);
  const Slab last = SlabAt(grid, plan, 7);
  EXPECT_THAT(last.box.origin, ElementsAre(224, 0, 0));
  EXPECT_THAT(last.box.shape, ElementsAre(32, 1024, 1024));
}

TEST(PlanSlabs, AlignsSlabsToSourceChunks) {
  const zarr::ChunkGrid grid({256, 1024, 1024}, {16, 256, 256});
  const std::vector<uint64_t> source = {32, 64, 64};
  // 32 MiB preferred: one row of shards, grown to two so 32-deep source chunks are read once.
  SlabPlan plan = PlanSlabs(grid, WholeGrid(grid), 2, 32 << 20, 200 << 20, source);
  EXPECT_EQ(plan.chunks_along_split, 2u);
  EXPECT_EQ(plan.max_slab_bytes, uint64_t{64} << 20);
  // Three rows fit: shrunk to two. No room to grow: left at one.
  EXPECT_EQ(PlanSlabs(grid, WholeGrid(grid), 2, 100 << 20, 100 << 20, source).chunks_along_split,
            2u);
  EXPECT_EQ(PlanSlabs(grid, WholeGrid(grid), 2, 32 << 20, 40 << 20, source).chunks_along_split,
            1u);
  ExpectPartition(grid, WholeGrid(grid), 64 << 20);
}

TEST(PlanSlabs, FlagsAGridChunkLargerThanTheBudget) {
  const zarr::ChunkGrid grid({64, 64}, {64, 64});
  EXPECT_TRUE(PlanSlabs(grid, WholeGrid(grid), 8, 1024).over_budget);
}

TEST(ParseRegion, RefusesBoundsOffTheGridOrOutside) {
  const zarr::ChunkGrid grid({48, 64}, {16, 32});
  EXPECT_THAT(ParseRegion("0:8,:", grid).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("multiples of 16")));
  EXPECT_THAT(ParseRegion("0:64,:", grid).status(),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("outside the array")));
  EXPECT_THAT(ParseRegion("0:16", grid).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 dimensions")));
  EXPECT_THAT(ParseRegion("16:16,:", grid).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(ParseRegion("a:16,:", grid).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an integer")));
  ASSERT_OK_AND_ASSIGN(GridRegion end, ParseRegion("32:48,:", grid));
  EXPECT_EQ(RegionTag(end, grid), "32-48_0-64");
}

TEST(Journal, RoundTripsRanges) {
  Journal j{"abc", 10, false, {true, true, false, true, false, false, true, true, true, true}};
  const std::string text = j.Serialize();
  EXPECT_THAT(text, HasSubstr("done 0-1,3-3,6-9\n"));
  ASSERT_OK_AND_ASSIGN(Journal back, Journal::Parse(text));
  EXPECT_EQ(back.identity, "abc");
  EXPECT_EQ(back.done, j.done);
  EXPECT_FALSE(back.complete);
}

TEST(Journal, RefusesMalformedText) {
  const std::string good = Journal{"x", 4, true, {true, true, true, true}}.Serialize();
  ASSERT_OK(Journal::Parse(good).status());
  const std::string head = "zring-convert-progress 1\nidentity x\nnum_chunks 4\n";
  for (const std::string& bad :
       {std::string(""), good.substr(0, good.size() / 2), head + "state done\ndone \n",
        head + "state running\ndone 2-9\n", head + "state running\ndone 3-1\n"}) {
    EXPECT_THAT(Journal::Parse(bad).status(),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("malformed")))
        << bad;
  }
}

}  // namespace
}  // namespace zring::tools
