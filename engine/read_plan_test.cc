#include "engine/read_plan.h"

#include <string>
#include <vector>

#include "engine/engine_test_util.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

class ReadPlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("f");
    engine::testing::WriteFile(path_, engine::testing::RandomBytes(100, 1));
  }
  Plan Run(std::vector<ReadRequest> reqs, const PlanOptions& o, bool direct = false) {
    SourceTable table(direct);
    auto a = table.OpenFile(path_);
    auto b = table.OpenFile(path_);
    EXPECT_TRUE(a.ok() && b.ok() && *a == 0 && *b == 1);
    results_ = std::vector<ReadResult>(reqs.size());
    Plan plan;
    PlanRequests(reqs, results_, 0, uint32_t(reqs.size()), table, o, &plan);
    return plan;
  }
  engine::testing::ScratchDir dir_;
  std::string path_;
  std::vector<ReadResult> results_;
};

TEST_F(ReadPlanTest, CoalescesAdjacentRangesInOffsetOrder) {
  Plan p = Run({{0, 200, 100}, {0, 0, 100}, {0, 100, 100}}, {4096, 1 << 20, false});
  ASSERT_EQ(p.reads.size(), 1u);
  EXPECT_EQ(p.reads[0].offset_bytes, 0u);
  EXPECT_EQ(p.reads[0].length_bytes, 300u);
  EXPECT_THAT(p.members, ElementsAre(1, 2, 0));
}

TEST_F(ReadPlanTest, GapAboveThresholdOrOtherSourceSplits) {
  Plan p = Run({{0, 0, 10}, {0, 20, 10}, {0, 41, 10}, {1, 51, 10}}, {10, 1 << 20, false});
  ASSERT_EQ(p.reads.size(), 3u);
  EXPECT_EQ(p.reads[0].length_bytes, 30u);  // gap 10 merges
  EXPECT_EQ(p.reads[1].offset_bytes, 41u);  // gap 11 does not
  EXPECT_EQ(p.reads[2].offset_bytes, 51u);  // other source
}

TEST_F(ReadPlanTest, OffsetsBeyondOneTebibyteSortCorrectly) {
  // Offsets past 2^40 take the unpacked sort; order and merging must not change.
  const uint64_t big = uint64_t{1} << 41;
  Plan p = Run({{1, big + 100, 10}, {0, big, 10}, {1, 5, 10}, {0, big + 10, 10}},
               {0, 1 << 20, false});
  ASSERT_EQ(p.reads.size(), 3u);
  EXPECT_THAT(p.members, ElementsAre(1, 3, 2, 0));
  EXPECT_EQ(p.reads[0].offset_bytes, big);
  EXPECT_EQ(p.reads[0].length_bytes, 20u);
  EXPECT_EQ(p.reads[1].offset_bytes, 5u);
  EXPECT_EQ(p.reads[2].offset_bytes, big + 100);
}

TEST_F(ReadPlanTest, NegativeGapNeverMerges) {
  Plan p = Run({{0, 0, 10}, {0, 10, 10}, {0, 5, 1}}, {-1, 1 << 20, false});
  ASSERT_EQ(p.reads.size(), 3u);
  EXPECT_THAT(p.members, ElementsAre(0, 1, 2));
}

TEST_F(ReadPlanTest, DirectIoWidensToBlockBoundaries) {
  Plan p = Run({{0, 5000, 10}}, {-1, 1 << 20, true}, /*direct=*/false);
  ASSERT_EQ(p.reads.size(), 1u);
  EXPECT_EQ(p.reads[0].offset_bytes, 4096u);
  EXPECT_EQ(p.reads[0].length_bytes, 4096u);
  Plan q = Run({{0, 4095, 2}}, {-1, 1 << 20, true});
  EXPECT_EQ(q.reads[0].offset_bytes, 0u);
  EXPECT_EQ(q.reads[0].length_bytes, 8192u);
}

TEST_F(ReadPlanTest, ImmediateResultsForZeroLengthAndInvalidRequests) {
  std::byte small[4];
  Plan p = Run({{0, 0, 0}, {7, 0, 10}, {0, 0, 10, {small, 4}}, {0, 0, 10}},
               {4096, 1 << 20, false});
  EXPECT_THAT(p.immediate, ElementsAre(0, 1, 2));
  ASSERT_EQ(p.reads.size(), 1u);
  EXPECT_THAT(p.members, ElementsAre(3));
  EXPECT_OK(results_[0].status);
  EXPECT_THAT(results_[1].status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no source with id 7")));
  EXPECT_THAT(results_[2].status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path_)));
}

}  // namespace
}  // namespace zring::engine::internal
