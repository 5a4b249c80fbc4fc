#include "zarr/codec/transpose_codec.h"

#include <numeric>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::zring::testing::StatusIs;
using ::zring::zarr::testing::AsBytes;
using ::zring::zarr::testing::FromBytes;

ChunkSpec Spec(std::vector<uint64_t> shape) {
  return ChunkSpec{DataType(DataKind::kInt, 4), std::move(shape),
                   FillValue(std::vector<std::byte>(4), true)};
}

TEST(TransposeCodec, EncodesToThePermutedLayoutAndBack) {
  // decoded 2x3: [[0,1,2],[3,4,5]]; order [1,0] stores it as 3x2 [[0,3],[1,4],[2,5]].
  ASSERT_OK_AND_ASSIGN(auto t, MakeTransposeCodec(R"({"order": [1, 0]})", Spec({2, 3})));
  EXPECT_THAT(t->encoded_spec().shape, ElementsAre(3, 2));
  std::vector<int32_t> in = {0, 1, 2, 3, 4, 5};
  std::vector<std::byte> enc(24), dec(24);
  ASSERT_OK(t->Encode(AsBytes(in), enc));
  EXPECT_THAT(FromBytes<int32_t>(enc), ElementsAre(0, 3, 1, 4, 2, 5));
  ASSERT_OK(t->Decode(enc, dec));
  EXPECT_THAT(FromBytes<int32_t>(dec), ElementsAreArray(in));
}

TEST(TransposeCodec, Handles3dPermutationsAndFOrder) {
  std::vector<int32_t> in(2 * 3 * 4);
  std::iota(in.begin(), in.end(), 0);
  ASSERT_OK_AND_ASSIGN(auto t, MakeTransposeCodec(R"({"order": [2, 0, 1]})", Spec({2, 3, 4})));
  EXPECT_THAT(t->encoded_spec().shape, ElementsAre(4, 2, 3));
  std::vector<std::byte> enc(in.size() * 4), dec(in.size() * 4);
  ASSERT_OK(t->Encode(AsBytes(in), enc));
  // encoded[k][i][j] = decoded[i][j][k]
  auto e = FromBytes<int32_t>(enc);
  EXPECT_EQ(e[(3 * 2 + 1) * 3 + 2], in[(1 * 3 + 2) * 4 + 3]);
  EXPECT_EQ(e[1 * 6], in[1]);
  ASSERT_OK(t->Decode(enc, dec));
  EXPECT_THAT(FromBytes<int32_t>(dec), ElementsAreArray(in));
  ASSERT_OK_AND_ASSIGN(auto f, MakeTransposeCodec(R"({"order": "F"})", Spec({2, 3, 4})));
  EXPECT_THAT(f->encoded_spec().shape, ElementsAre(4, 3, 2));
}

TEST(TransposeCodec, RejectsOrdersThatAreNotPermutations) {
  EXPECT_THAT(MakeTransposeCodec(R"({"order": [0, 0]})", Spec({2, 3})),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("permutation")));
  EXPECT_THAT(MakeTransposeCodec(R"({"order": [1, 0, 2]})", Spec({2, 3})),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("permutation")));
  EXPECT_THAT(MakeTransposeCodec(R"({})", Spec({2, 3})),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("order")));
}

}  // namespace
}  // namespace zring::zarr
