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

TEST(DeltaCodec, StoresDifferencesInAstypeAndSumsThemBack) {
  // numcodecs: Delta(dtype='i8', astype='i1').encode(arange(100, 106)) == [100, 1, 1, 1, 1, 1]
  ASSERT_OK_AND_ASSIGN(auto c,
                       MakeFilter("delta", R"({"id": "delta", "dtype": "<i8", "astype": "<i1"})",
                                          DataType(DataKind::kInt, 8), 6));
  EXPECT_EQ(c->encoded_spec().data_type, DataType(DataKind::kInt, 1));
  std::vector<int64_t> in = {100, 101, 102, 103, 104, 105};
  std::vector<std::byte> enc(6), dec(48);
  ASSERT_OK(c->Encode(AsBytes(in), enc));
  EXPECT_THAT(FromBytes<int8_t>(enc), ElementsAre(100, 1, 1, 1, 1, 1));
  ASSERT_OK(c->Decode(enc, dec));
  EXPECT_THAT(FromBytes<int64_t>(dec), ElementsAre(100, 101, 102, 103, 104, 105));
}

TEST(DeltaCodec, IntegerSumsWrapAndFloatsWork) {
  ASSERT_OK_AND_ASSIGN(auto c, MakeFilter("numcodecs.delta", R"({"dtype": "int16"})",
                                          DataType(DataKind::kInt, 2), 3));
  std::vector<int16_t> enc = {32767, 1, -3};
  std::vector<std::byte> dec(6);
  ASSERT_OK(c->Decode(AsBytes(enc), dec));
  EXPECT_THAT(FromBytes<int16_t>(dec), ElementsAre(32767, -32768, 32765));
  // numcodecs: Delta(dtype='f4').encode([1, 2.5, 2, -7.25]) == [1, 1.5, -0.5, -9.25]
  ASSERT_OK_AND_ASSIGN(auto f,
                       MakeFilter("delta", R"({"dtype": "<f4"})", DataType(DataKind::kFloat, 4), 4));
  std::vector<float> x = {1.0f, 2.5f, 2.0f, -7.25f};
  std::vector<std::byte> fe(16), fd(16);
  ASSERT_OK(f->Encode(AsBytes(x), fe));
  EXPECT_THAT(FromBytes<float>(fe), ElementsAre(1.0f, 1.5f, -0.5f, -9.25f));
  ASSERT_OK(f->Decode(fe, fd));
  EXPECT_THAT(FromBytes<float>(fd), ElementsAre(1.0f, 2.5f, 2.0f, -7.25f));
}

TEST(DeltaCodec, Float16SumsRoundEachStepLikeNumpy) {
  // numcodecs 0.11: Delta(dtype='f2') on [1, 2.5, 2, -7.25, 1000.5] encodes to the half bits
  // [15360, 15872, 47104, 51360, 25568], which decode to [15360, 16640, 16384, 51008, 25554].
  ASSERT_OK_AND_ASSIGN(auto c, MakeFilter("delta", R"({"dtype": "<f2"})",
                                          DataType(DataKind::kFloat, 2), 5));
  std::vector<uint16_t> enc = {15360, 15872, 47104, 51360, 25568};
  std::vector<std::byte> dec(10);
  ASSERT_OK(c->Decode(AsBytes(enc), dec));
  EXPECT_THAT(FromBytes<uint16_t>(dec), ElementsAre(15360, 16640, 16384, 51008, 25554));
}

TEST(DeltaCodec, RejectsMismatchedOrMissingDtype) {
  EXPECT_THAT(MakeFilter("delta", R"({"dtype": "<i4"})", DataType(DataKind::kInt, 2), 3),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("receives int16")));
  EXPECT_THAT(MakeFilter("delta", R"({})", DataType(DataKind::kInt, 2), 3),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("dtype")));
}

}  // namespace
}  // namespace zring::zarr
