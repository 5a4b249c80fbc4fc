#include "zarr/assembler.h"

#include <numeric>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using namespace ::zring::zarr::testing;

using V = DimVector;

// A 4x5 int16 chunk holding 0..19.
std::vector<std::byte> Chunk() {
  std::vector<int16_t> v(20);
  std::iota(v.begin(), v.end(), 0);
  return AsBytes(v);
}

TEST(Assembler, CopiesASliceIntoACOrderOutput) {
  const auto chunk = Chunk();
  const Box crop{{0, 0}, {3, 4}};
  std::vector<std::byte> out(12 * 2, std::byte{0});
  CropOutput o{.data = out};
  ASSERT_OK(CheckOutput(crop, o, 2));
  // Chunk rows 1..2, columns 3..4 land at crop rows 1..2, columns 2..3.
  ChunkSlice s{V{0, 0}, V{1, 3}, V{1, 2}, V{2, 2}};
  AssembleSlice(chunk.data(), V{4, 5}, s, crop.shape, o, 2);
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAre(0, 0, 0, 0, 0, 0, 8, 9, 0, 0, 13, 14));
}

TEST(Assembler, WritesThroughElementStrides) {
  const auto chunk = Chunk();
  // A 2x3 crop in F order: element (i, j) at i + 2 * j.
  const Box crop{{0, 0}, {2, 3}};
  std::vector<std::byte> out(6 * 2, std::byte{0});
  CropOutput o{.data = out, .strides_elements = {1, 2}};
  ASSERT_OK(CheckOutput(crop, o, 2));
  ChunkSlice s{V{0, 0}, V{2, 1}, V{0, 0}, V{2, 3}};
  AssembleSlice(chunk.data(), V{4, 5}, s, crop.shape, o, 2);
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAre(11, 16, 12, 17, 13, 18));
}

TEST(Assembler, PaddedRowsLeaveThePaddingAlone) {
  const auto chunk = Chunk();
  const Box crop{{0, 0}, {2, 2}};
  std::vector<int16_t> init(8, -5);
  std::vector<std::byte> out = AsBytes(init);
  CropOutput o{.data = out, .strides_elements = {4, 1}};
  ChunkSlice s{V{0, 0}, V{0, 0}, V{0, 0}, V{2, 2}};
  AssembleSlice(chunk.data(), V{4, 5}, s, crop.shape, o, 2);
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAre(0, 1, -5, -5, 5, 6, -5, -5));
}

TEST(Assembler, FillsOnlyTheSlice) {
  const Box crop{{0, 0, 0}, {2, 2, 3}};
  std::vector<std::byte> out(12 * 4, std::byte{0});
  CropOutput o{.data = out};
  const std::vector<std::byte> fill = AsBytes(std::vector<int32_t>{-7});
  FillSlice(fill, ChunkSlice{V{0, 0, 0}, V{0, 0, 0}, V{1, 0, 1}, V{1, 2, 2}}, crop.shape, o);
  EXPECT_THAT(FromBytes<int32_t>(out), ElementsAre(0, 0, 0, 0, 0, 0, 0, -7, -7, 0, -7, -7));
}

TEST(Assembler, FillsA1dSliceThroughStrides) {
  const Box crop{{0}, {4}};
  std::vector<std::byte> out(8, std::byte{0});
  CropOutput o{.data = out, .strides_elements = {2}};
  ASSERT_OK(CheckOutput(crop, o, 1));
  const std::vector<std::byte> fill{std::byte{9}};
  FillSlice(fill, ChunkSlice{V{0}, V{0}, V{1}, V{3}}, crop.shape, o);
  EXPECT_THAT(FromBytes<uint8_t>(out), ElementsAre(0, 0, 9, 0, 9, 0, 9, 0));
}

TEST(Assembler, RejectsOutputsThatCannotHoldTheCrop) {
  const Box crop{{0, 0}, {3, 4}};
  std::vector<std::byte> out(23);
  EXPECT_THAT(CheckOutput(crop, CropOutput{.data = out}, 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("holds 23 bytes, the crop needs 24")));
  std::vector<std::byte> big(100);
  EXPECT_THAT(CheckOutput(crop, CropOutput{.data = big, .strides_elements = {1}}, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 strides")));
  EXPECT_THAT(CheckOutput(crop, CropOutput{.data = big, .strides_elements = {-4, 1}}, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("negative")));
  // Rows of 20 elements: the last element sits at 2 * 20 + 3, so 44 elements are needed.
  std::vector<std::byte> short_rows(43 * 2);
  EXPECT_THAT(CheckOutput(crop, CropOutput{.data = short_rows, .strides_elements = {20, 1}}, 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs 88")));
}

}  // namespace
}  // namespace zring::zarr
