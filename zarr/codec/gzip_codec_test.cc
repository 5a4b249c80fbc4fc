#include "zarr/codec/gzip_codec.h"

#include <vector>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/codec/bytes_codec_internal.h"
#include "zarr/codec/codec_test_util.h"

namespace zring::zarr {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::testing::StatusIsCode;
using ::zring::zarr::testing::Bytes;
using ::zring::zarr::testing::FromHex;
using ::zring::zarr::testing::MakeCodecForTest;
using ::zring::zarr::testing::SameBytes;
using ::zring::zarr::testing::View;

// numcodecs 0.11 encodings of b"zarr chunk " * 8 + bytes(range(12)) (100 bytes).
constexpr std::string_view kZlibLevel6 =
    "789cab4a2c2a5248ce28cdcb56a8a226938191899985958d9d83938b1b00470b2103";
constexpr std::string_view kGzipLevel1 =
    "1f8b0800bf4c026b04ffab4a2c2a5248ce28cdcb56a8a226938191899985958d9d83938b1b00e57b3dd06400"
    "0000";

std::vector<std::byte> Plain() {
  std::vector<std::byte> v;
  for (int i = 0; i < 8; ++i) {
    std::vector<std::byte> word = Bytes("zarr chunk ");
    v.insert(v.end(), word.begin(), word.end());
  }
  for (int i = 0; i < 12; ++i) v.push_back(static_cast<std::byte>(i));
  return v;
}

std::unique_ptr<BytesCodec> Make(std::string_view id, std::string_view config = "{}") {
  return testing::MakeValidCodec(id, config);
}

TEST(GzipCodec, DecodesWhatPythonWroteOnEveryPath) {
  for (auto [id, hex] : {std::pair{"zlib", kZlibLevel6}, std::pair{"gzip", kGzipLevel1}}) {
    SCOPED_TRACE(id);
    auto codec = Make(id);
    ASSERT_NE(codec, nullptr);
    Buffer decoded;
    ASSERT_OK(codec->Decode(FromHex(hex), decoded));
    EXPECT_TRUE(SameBytes(View(decoded), Plain()));
    std::vector<std::byte> into(100);
    ASSERT_OK(codec->DecodeInto(FromHex(hex), into));
    EXPECT_TRUE(SameBytes(into, Plain()));
  }
}

TEST(GzipCodec, WritesTheRightWrapper) {
  Buffer gz, zl;
  ASSERT_OK(Make("gzip")->Encode(Plain(), gz));
  ASSERT_OK(Make("zlib")->Encode(Plain(), zl));
  EXPECT_EQ(gz.data()[0], std::byte{0x1f});
  EXPECT_EQ(gz.data()[1], std::byte{0x8b});
  EXPECT_EQ(internal::LoadLe32(gz.data() + gz.size() - 4), 100u);  // ISIZE
  EXPECT_EQ(zl.data()[0], std::byte{0x78});
  // The wrappers are not interchangeable.
  Buffer decoded;
  EXPECT_THAT(Make("zlib")->Decode(gz.span(), decoded), StatusIsCode(absl::StatusCode::kDataLoss));
  EXPECT_THAT(Make("gzip")->Decode(zl.span(), decoded), StatusIsCode(absl::StatusCode::kDataLoss));
}

TEST(GzipCodec, ConcatenatedMembersAndZeroPaddingDecodeLikePython) {
  std::vector<std::byte> two = FromHex(kGzipLevel1);
  std::vector<std::byte> second = FromHex(kGzipLevel1);
  two.insert(two.end(), second.begin(), second.end());
  two.resize(two.size() + 7, std::byte{0});
  std::vector<std::byte> expected = Plain();
  expected.insert(expected.end(), expected.begin(), expected.end());
  auto codec = Make("gzip");
  Buffer decoded;
  ASSERT_OK(codec->Decode(two, decoded));
  EXPECT_TRUE(SameBytes(View(decoded), expected));
  std::vector<std::byte> into(200);
  ASSERT_OK(codec->DecodeInto(two, into));
  EXPECT_TRUE(SameBytes(into, expected));
}

TEST(GzipCodec, StrayTrailingBytesAreDataLoss) {
  for (auto [id, hex] : {std::pair{"zlib", kZlibLevel6}, std::pair{"gzip", kGzipLevel1}}) {
    SCOPED_TRACE(id);
    std::vector<std::byte> frame = FromHex(hex);
    frame.push_back(std::byte{0x42});
    Buffer decoded;
    EXPECT_THAT(Make(id)->Decode(frame, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
    std::vector<std::byte> into(100);
    EXPECT_THAT(Make(id)->DecodeInto(frame, into), StatusIsCode(absl::StatusCode::kDataLoss));
  }
}

TEST(GzipCodec, TruncatedAndCorruptStreamsAreDataLoss) {
  for (auto [id, hex] : {std::pair{"zlib", kZlibLevel6}, std::pair{"gzip", kGzipLevel1}}) {
    SCOPED_TRACE(id);
    auto codec = Make(id);
    std::vector<std::byte> frame = FromHex(hex);
    std::vector<std::byte> truncated(frame.begin(), frame.end() - 9);
    Buffer decoded;
    EXPECT_THAT(codec->Decode(truncated, decoded),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("truncated")));
    std::vector<std::byte> into(100);
    EXPECT_THAT(codec->DecodeInto(truncated, into), StatusIsCode(absl::StatusCode::kDataLoss));
    std::vector<std::byte> corrupt = frame;
    corrupt[frame.size() - 6] ^= std::byte{0x55};  // inside the checksum trailer
    EXPECT_THAT(codec->Decode(corrupt, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
    EXPECT_THAT(codec->DecodeInto(corrupt, into), StatusIsCode(absl::StatusCode::kDataLoss));
    EXPECT_THAT(codec->Decode({}, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
  }
}

TEST(GzipCodec, GzipSizeTrailerThatLiesFallsBackAndIsCaught) {
  std::vector<std::byte> frame = FromHex(kGzipLevel1);
  internal::StoreLe32(frame.data() + frame.size() - 4, 50);
  Buffer decoded;
  EXPECT_THAT(Make("gzip")->Decode(frame, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
}

TEST(GzipCodec, ZlibStreamLargerThanTheLimitIsRefused) {
  auto codec = Make("zlib");
  std::vector<std::byte> zeros(size_t{4} << 20);
  Buffer encoded, decoded;
  ASSERT_OK(codec->Encode(zeros, encoded));
  EXPECT_THAT(codec->Decode(encoded.span(), decoded, size_t{1} << 20),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("limit of 1048576")));
  std::vector<std::byte> small(1000);
  EXPECT_THAT(codec->DecodeInto(encoded.span(), small),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("expected 1000 decoded bytes")));
}

TEST(GzipCodec, ConfigurationForms) {
  EXPECT_EQ(Make("gzip", R"({"level":5})")->ToJson(3).value(),
            R"({"name":"gzip","configuration":{"level":5}})");
  EXPECT_EQ(Make("gzip")->ToJson(2).value(), R"({"id":"gzip","level":1})");
  EXPECT_EQ(Make("zlib", R"({"level":-1})")->ToJson(2).value(), R"({"id":"zlib","level":-1})");
  EXPECT_THAT(Make("zlib")->ToJson(3), StatusIsCode(absl::StatusCode::kUnimplemented));
  EXPECT_EQ(Make("numcodecs.zlib")->ToJson(3).value(),
            R"({"name":"numcodecs.zlib","configuration":{"level":1}})");
  simdjson::dom::parser parser;
  EXPECT_THAT(MakeCodecForTest(parser, "gzip", R"({"level":10})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"gzip\""), HasSubstr("\"level\""), HasSubstr("10"))));
  EXPECT_THAT(MakeCodecForTest(parser, "gzip", R"({"level":-1})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("level")));
}

}  // namespace
}  // namespace zring::zarr
