#include "zarr/codec/shuffle_codec.h"

#include <vector>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/codec/codec_test_util.h"

namespace zring::zarr {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::testing::StatusIsCode;
using ::zring::zarr::testing::FromHex;
using ::zring::zarr::testing::MakeCodecForTest;
using ::zring::zarr::testing::SameBytes;
using ::zring::zarr::testing::View;

std::vector<std::byte> Iota(size_t n) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(i);
  return v;
}

TEST(ShuffleCodec, TransposesLikeNumcodecs) {
  simdjson::dom::parser parser;
  ASSERT_OK_AND_ASSIGN(auto codec,
                       MakeCodecForTest(parser, "shuffle", R"({"id":"shuffle","elementsize":4})"));
  Buffer encoded;
  ASSERT_OK(codec->Encode(Iota(12), encoded));
  // numcodecs 0.11: Shuffle(elementsize=4).encode(bytes(range(12))).hex()
  EXPECT_TRUE(SameBytes(View(encoded), FromHex("00040801050902060a03070b")));
  Buffer decoded;
  ASSERT_OK(codec->Decode(encoded.span(), decoded));
  EXPECT_TRUE(SameBytes(View(decoded), Iota(12)));
}

TEST(ShuffleCodec, DefaultsToElementSizeFour) {
  simdjson::dom::parser parser;
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodecForTest(parser, "shuffle", "{}", 8));
  EXPECT_EQ(codec->ToJson(2).value(), R"({"id":"shuffle","elementsize":4})");
}

TEST(ShuffleCodec, RefusesSizesThatAreNotAMultipleOfTheElementSize) {
  simdjson::dom::parser parser;
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodecForTest(parser, "shuffle", R"({"elementsize":4})"));
  Buffer out;
  EXPECT_THAT(codec->Encode(Iota(13), out),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("13"), HasSubstr("4"))));
  EXPECT_THAT(codec->Decode(Iota(13), out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("13 bytes")));
  std::vector<std::byte> into(13);
  EXPECT_THAT(codec->DecodeInto(Iota(13), into), StatusIsCode(absl::StatusCode::kDataLoss));
}

TEST(ShuffleCodec, ElementSizeOneIsACopy) {
  simdjson::dom::parser parser;
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodecForTest(parser, "shuffle", R"({"elementsize":1})"));
  Buffer encoded;
  ASSERT_OK(codec->Encode(Iota(13), encoded));
  EXPECT_TRUE(SameBytes(View(encoded), Iota(13)));
}

TEST(ShuffleCodec, ShuffleAndUnshuffleAreInverse) {
  std::vector<std::byte> in = testing::RandomBytes(8 * 1001);
  std::vector<std::byte> mid(in.size()), back(in.size());
  for (size_t element_size : {2, 3, 8}) {
    size_t n = in.size() / element_size * element_size;
    std::span<const std::byte> src(in.data(), n);
    ShuffleBytes(src, std::span(mid.data(), n), element_size);
    UnshuffleBytes(std::span<const std::byte>(mid.data(), n), std::span(back.data(), n),
                   element_size);
    EXPECT_TRUE(SameBytes(std::span<const std::byte>(back.data(), n), src));
  }
}

TEST(ShuffleCodec, BadElementSizeIsInvalidArgument) {
  simdjson::dom::parser parser;
  EXPECT_THAT(MakeCodecForTest(parser, "shuffle", R"({"elementsize":"four"})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("shuffle"), HasSubstr("elementsize"), HasSubstr("four"))));
  EXPECT_THAT(MakeCodecForTest(parser, "shuffle", R"({"elementsize":-2})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("elementsize")));
}

}  // namespace
}  // namespace zring::zarr
