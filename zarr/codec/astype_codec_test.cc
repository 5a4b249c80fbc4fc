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

TEST(AsTypeCodec, CastsLikeNumpyBothWays) {
  // numcodecs: AsType(encode_dtype='i2', decode_dtype='f8').encode([1.7, -2.5, 3.0]) == [1, -2, 3]
  ASSERT_OK_AND_ASSIGN(auto c, MakeFilter("astype",
      R"({"id": "astype", "encode_dtype": "<i2", "decode_dtype": "<f8"})",
      DataType(DataKind::kFloat, 8), 3));
  std::vector<double> x = {1.7, -2.5, 3.0};
  std::vector<std::byte> enc(6), dec(24);
  ASSERT_OK(c->Encode(AsBytes(x), enc));
  EXPECT_THAT(FromBytes<int16_t>(enc), ElementsAre(1, -2, 3));
  ASSERT_OK(c->Decode(enc, dec));
  EXPECT_THAT(FromBytes<double>(dec), ElementsAre(1.0, -2.0, 3.0));
  EXPECT_THAT(MakeFilter("astype", R"({"encode_dtype": "<c8"})", DataType(DataKind::kFloat, 8), 3),
              StatusIs(absl::StatusCode::kUnimplemented, ::testing::HasSubstr("complex64")));
}

}  // namespace
}  // namespace zring::zarr
