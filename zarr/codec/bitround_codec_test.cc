#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/codec/filter_codecs.h"
#include "zarr/codec/filter_test_util.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::ElementsAre;
using ::zring::testing::StatusIs;
using namespace ::zring::zarr::testing;

TEST(BitRoundCodec, RoundsMantissaOnEncodeAndDecodesAsIdentity) {
  // numcodecs 0.11: BitRound(keepbits=3).encode(float32 [1.1, -2.7, 3.14159, 1e10]) has bits
  // [1066401792, 3224371200, 1078984704, 1343225856].
  ASSERT_OK_AND_ASSIGN(auto c, MakeFilter("bitround", R"({"id": "bitround", "keepbits": 3})",
                                          DataType(DataKind::kFloat, 4), 4));
  std::vector<float> x = {1.1f, -2.7f, 3.14159f, 1e10f};
  std::vector<std::byte> enc(16), dec(16);
  ASSERT_OK(c->Encode(AsBytes(x), enc));
  EXPECT_THAT(FromBytes<uint32_t>(enc),
              ElementsAre(1066401792u, 3224371200u, 1078984704u, 1343225856u));
  ASSERT_OK(c->Decode(enc, dec));
  EXPECT_EQ(FromBytes<uint32_t>(dec), FromBytes<uint32_t>(enc));
  EXPECT_THAT(MakeFilter("bitround", R"({"keepbits": 24})", DataType(DataKind::kFloat, 4), 4),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("keepbits")));
  EXPECT_THAT(MakeFilter("bitround", R"({"keepbits": 3})", DataType(DataKind::kInt, 4), 4),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("int32")));
}

}  // namespace
}  // namespace zring::zarr
