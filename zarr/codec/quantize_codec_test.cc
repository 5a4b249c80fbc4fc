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

TEST(QuantizeCodec, MatchesNumcodecsAndDecodesByCasting) {
  // numcodecs: Quantize(digits=1, dtype='f8').encode(linspace(0, 1, 10)) ==
  // [0, 0.125, 0.25, 0.3125, 0.4375, 0.5625, 0.6875, 0.75, 0.875, 1]
  ASSERT_OK_AND_ASSIGN(auto c, MakeFilter("quantize", R"({"digits": 1, "dtype": "<f8"})",
                                          DataType(DataKind::kFloat, 8), 10));
  std::vector<double> x(10);
  for (int i = 0; i < 10; ++i) x[i] = i / 9.0;
  std::vector<std::byte> enc(80), dec(80);
  ASSERT_OK(c->Encode(AsBytes(x), enc));
  EXPECT_THAT(FromBytes<double>(enc),
              ElementsAre(0, 0.125, 0.25, 0.3125, 0.4375, 0.5625, 0.6875, 0.75, 0.875, 1));
  ASSERT_OK(c->Decode(enc, dec));
  EXPECT_EQ(FromBytes<double>(dec), FromBytes<double>(enc));
  ASSERT_OK_AND_ASSIGN(auto narrow, MakeFilter("numcodecs.quantize",
      R"({"digits": 1, "dtype": "<f8", "astype": "<f4"})", DataType(DataKind::kFloat, 8), 2));
  std::vector<float> stored = {0.3125f, 0.75f};
  std::vector<std::byte> wide(16);
  ASSERT_OK(narrow->Decode(AsBytes(stored), wide));
  EXPECT_THAT(FromBytes<double>(wide), ElementsAre(0.3125, 0.75));
  EXPECT_THAT(MakeFilter("quantize", R"({"digits": 1, "dtype": "<i4"})", DataType(DataKind::kInt, 4), 2),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("float")));
}

}  // namespace
}  // namespace zring::zarr
