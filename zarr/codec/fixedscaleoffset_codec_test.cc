#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/codec/filter_codecs.h"
#include "zarr/codec/filter_test_util.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::zring::testing::StatusIs;
using namespace ::zring::zarr::testing;

TEST(FixedScaleOffsetCodec, MatchesNumcodecsDocumentedExample) {
  // numcodecs: FixedScaleOffset(offset=1000, scale=10, dtype='f8', astype='u1') on
  // linspace(1000, 1001, 10) encodes to [0, 1, 2, 3, 4, 6, 7, 8, 9, 10].
  ASSERT_OK_AND_ASSIGN(auto c, MakeFilter("fixedscaleoffset",
      R"({"id": "fixedscaleoffset", "offset": 1000, "scale": 10, "dtype": "<f8", "astype": "|u1"})",
      DataType(DataKind::kFloat, 8), 10));
  std::vector<double> x(10);
  for (int i = 0; i < 10; ++i) x[i] = 1000.0 + i / 9.0;
  std::vector<std::byte> enc(10), dec(80);
  ASSERT_OK(c->Encode(AsBytes(x), enc));
  EXPECT_THAT(FromBytes<uint8_t>(enc), ElementsAre(0, 1, 2, 3, 4, 6, 7, 8, 9, 10));
  ASSERT_OK(c->Decode(enc, dec));
  const std::vector<double> expected = {1000.0, 1000.1, 1000.2, 1000.3, 1000.4,
                                        1000.6, 1000.7, 1000.8, 1000.9, 1001.0};
  auto got = FromBytes<double>(dec);
  for (int i = 0; i < 10; ++i) EXPECT_DOUBLE_EQ(got[i], expected[i]) << i;
}

TEST(FixedScaleOffsetCodec, DecodesIntegersToFloat32) {
  ASSERT_OK_AND_ASSIGN(auto c, MakeFilter("fixedscaleoffset",
      R"({"offset": 1000, "scale": 10, "dtype": "<f4", "astype": "<i2"})",
      DataType(DataKind::kFloat, 4), 3));
  std::vector<int16_t> enc = {-5, 0, 15};
  std::vector<std::byte> dec(12);
  ASSERT_OK(c->Decode(AsBytes(enc), dec));
  EXPECT_THAT(FromBytes<float>(dec), ElementsAre(999.5f, 1000.0f, 1001.5f));
  EXPECT_THAT(MakeFilter("fixedscaleoffset", R"({"offset": 0, "scale": 0, "dtype": "<f4"})",
                         DataType(DataKind::kFloat, 4), 3),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("scale")));
}

TEST(FixedScaleOffsetCodec, DecodesToFloat16) {
  // numcodecs 0.11: FixedScaleOffset(offset=1, scale=4, dtype='f2', astype='i2').decode of
  // [0, 6, 4, -33, 3998] has the half bits [15360, 16640, 16384, 51008, 25553].
  ASSERT_OK_AND_ASSIGN(auto c, MakeFilter("fixedscaleoffset",
      R"({"offset": 1, "scale": 4, "dtype": "<f2", "astype": "<i2"})",
      DataType(DataKind::kFloat, 2), 5));
  std::vector<int16_t> enc = {0, 6, 4, -33, 3998};
  std::vector<std::byte> dec(10);
  ASSERT_OK(c->Decode(AsBytes(enc), dec));
  EXPECT_THAT(FromBytes<uint16_t>(dec), ElementsAre(15360, 16640, 16384, 51008, 25553));
}

}  // namespace
}  // namespace zring::zarr
