#include "zarr/codec/crc32c_codec.h"

#include <vector>

#include "engine/status_matchers.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/codec/codec_test_util.h"

namespace zring::zarr {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::zarr::testing::Bytes;
using ::zring::zarr::testing::MakeCodecForTest;
using ::zring::zarr::testing::SameBytes;
using ::zring::zarr::testing::View;

TEST(Crc32c, MatchesTheCheckValueOfTheCrc32cDefinition) {
  EXPECT_EQ(Crc32c(Bytes("123456789")), 0xe3069283u);
  EXPECT_EQ(Crc32c({}), 0u);
  EXPECT_EQ(Crc32c(Bytes("a")), 0xc1d04330u);  // Python: crc32c.crc32c(b"a")
}

TEST(Crc32c, MatchesTheIscsiTestVectorsOfRfc3720) {
  std::vector<std::byte> zeros(32, std::byte{0});
  std::vector<std::byte> ones(32, std::byte{0xff});
  std::vector<std::byte> up(32), down(32);
  for (int i = 0; i < 32; ++i) {
    up[i] = static_cast<std::byte>(i);
    down[i] = static_cast<std::byte>(31 - i);
  }
  EXPECT_EQ(Crc32c(zeros), 0x8a9136aau);
  EXPECT_EQ(Crc32c(ones), 0x62a8ab43u);
  EXPECT_EQ(Crc32c(up), 0x46dd794eu);
  EXPECT_EQ(Crc32c(down), 0x113fdb5cu);
}

TEST(Crc32cCodec, AppendsTheChecksumLittleEndian) {
  simdjson::dom::parser parser;
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodecForTest(parser, "crc32c", "{}"));
  Buffer encoded;
  ASSERT_OK(codec->Encode(Bytes("123456789"), encoded));
  std::vector<std::byte> expected = Bytes("123456789");
  for (std::byte b : {std::byte{0x83}, std::byte{0x92}, std::byte{0x06}, std::byte{0xe3}}) {
    expected.push_back(b);
  }
  EXPECT_TRUE(SameBytes(View(encoded), expected));
}

TEST(Crc32cCodec, MismatchIsDataLossNamingStoredAndComputedChecksums) {
  simdjson::dom::parser parser;
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodecForTest(parser, "crc32c", "{}"));
  Buffer encoded;
  ASSERT_OK(codec->Encode(Bytes("123456789"), encoded));
  encoded.data()[3] ^= std::byte{0x01};  // payload now "123556789"
  Buffer decoded;
  auto matches = StatusIs(absl::StatusCode::kDataLoss,
                          AllOf(HasSubstr("checksum mismatch"), HasSubstr("0xe3069283"),
                                HasSubstr(fmt::format("{:#010x}", Crc32c(Bytes("123556789"))))));
  EXPECT_THAT(codec->Decode(encoded.span(), decoded), matches);
  std::vector<std::byte> out(9);
  EXPECT_THAT(codec->DecodeInto(encoded.span(), out), matches);
}

TEST(Crc32cCodec, RefusesFramesShorterThanTheChecksum) {
  simdjson::dom::parser parser;
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodecForTest(parser, "crc32c", "{}"));
  Buffer decoded;
  EXPECT_THAT(codec->Decode(Bytes("abc"), decoded),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("3 bytes, shorter")));
}

TEST(Crc32cCodec, DecodesAnEmptyPayload) {
  simdjson::dom::parser parser;
  ASSERT_OK_AND_ASSIGN(auto codec, MakeCodecForTest(parser, "crc32c", "{}"));
  Buffer decoded;
  ASSERT_OK(codec->Decode(std::vector<std::byte>(4, std::byte{0}), decoded));
  EXPECT_EQ(decoded.size(), 0u);
}

TEST(Crc32cCodec, RefusesAChecksumAtTheStart) {
  simdjson::dom::parser parser;
  EXPECT_THAT(MakeCodecForTest(parser, "numcodecs.crc32c", R"({"location":"start"})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("crc32c"), HasSubstr("location"))));
  EXPECT_OK(MakeCodecForTest(parser, "numcodecs.crc32c", R"({"location":"end"})").status());
}

}  // namespace
}  // namespace zring::zarr
