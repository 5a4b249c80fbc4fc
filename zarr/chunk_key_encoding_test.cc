#include "zarr/chunk_key_encoding.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/chunk_grid.h"

namespace zring::zarr {
namespace {

using ::testing::ElementsAre;
using ::testing::Optional;

TEST(ChunkKeyEncoding, DefaultPrefixesCAndUsesItsSeparator) {
  ChunkKeyEncoding slash{ChunkKeyEncoding::Kind::kDefault, '/'};
  EXPECT_EQ(slash.Encode(std::vector<uint64_t>{3, 0, 7}), "c/3/0/7");
  EXPECT_EQ(slash.Encode({}), "c");
  ChunkKeyEncoding dot{ChunkKeyEncoding::Kind::kDefault, '.'};
  EXPECT_EQ(dot.Encode(std::vector<uint64_t>{1, 22}), "c.1.22");
}

TEST(ChunkKeyEncoding, V2JoinsIndicesAndNamesScalarsZero) {
  ChunkKeyEncoding dot{ChunkKeyEncoding::Kind::kV2, '.'};
  EXPECT_EQ(dot.Encode(std::vector<uint64_t>{0, 1}), "0.1");
  EXPECT_EQ(dot.Encode({}), "0");
  ChunkKeyEncoding slash{ChunkKeyEncoding::Kind::kV2, '/'};
  EXPECT_EQ(slash.Encode(std::vector<uint64_t>{0, 1}), "0/1");
}

TEST(ChunkKeyEncoding, DecodeInvertsEncodeAndRejectsOtherKeys) {
  ChunkKeyEncoding slash{ChunkKeyEncoding::Kind::kDefault, '/'};
  EXPECT_THAT(slash.Decode("c/3/0/7", 3), Optional(ElementsAre(3, 0, 7)));
  EXPECT_EQ(slash.Decode("c/3/0", 3), std::nullopt);
  EXPECT_EQ(slash.Decode("zarr.json", 3), std::nullopt);
  EXPECT_EQ(slash.Decode("c/3/x/7", 3), std::nullopt);
  EXPECT_EQ(slash.Decode("c.3.0.7", 3), std::nullopt);
  ChunkKeyEncoding v2{ChunkKeyEncoding::Kind::kV2, '.'};
  EXPECT_THAT(v2.Decode("10.2", 2), Optional(ElementsAre(10, 2)));
  EXPECT_EQ(v2.Decode(".zarray", 2), std::nullopt);
  EXPECT_THAT(v2.Decode("0", 0), Optional(ElementsAre()));
}

TEST(ChunkGrid, CountsChunksAndClipsEdgeBoxes) {
  ChunkGrid grid({10, 7}, {4, 7});
  EXPECT_THAT(grid.grid_shape(), ElementsAre(3, 1));
  EXPECT_EQ(grid.NumChunks(), 3u);
  EXPECT_THAT(grid.UnravelIndex(2), ElementsAre(2, 0));
  Box edge = grid.ChunkBox(std::vector<uint64_t>{2, 0});
  EXPECT_THAT(edge.origin, ElementsAre(8, 0));
  EXPECT_THAT(edge.shape, ElementsAre(2, 7));
  EXPECT_FALSE(grid.Contains(std::vector<uint64_t>{3, 0}));
  EXPECT_TRUE(grid.Contains(std::vector<uint64_t>{2, 0}));
  ChunkGrid empty({0, 5}, {2, 2});
  EXPECT_EQ(empty.NumChunks(), 0u);
}

}  // namespace
}  // namespace zring::zarr
