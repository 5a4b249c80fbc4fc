#include "zarr/codec/bz2_codec.h"

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

// numcodecs 0.11: BZ2(level=1).encode(b"zarr chunk " * 8 + bytes(range(12)))
constexpr std::string_view kNumcodecsStream =
    "425a6831314159265359c19a6884000031d1807ff8400028491210200050a069a19193102a920d01a06d4e6986"
    "39675d35db7e3cf852224743d17122a2e2456227f177245385090c19a68840";

std::unique_ptr<BytesCodec> Make(std::string_view config = "{}") {
  return testing::MakeValidCodec("bz2", config);
}

TEST(Bz2Codec, DecodesWhatNumcodecsWrote) {
  auto codec = Make();
  Buffer decoded;
  ASSERT_OK(codec->Decode(FromHex(kNumcodecsStream), decoded));
  ASSERT_EQ(decoded.size(), 100u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(decoded.data()), 11), "zarr chunk ");
  std::vector<std::byte> into(100);
  ASSERT_OK(codec->DecodeInto(FromHex(kNumcodecsStream), into));
  EXPECT_TRUE(SameBytes(into, View(decoded)));
}

TEST(Bz2Codec, ConcatenatedStreamsDecodeToTheirConcatenation) {
  std::vector<std::byte> two = FromHex(kNumcodecsStream);
  std::vector<std::byte> one = FromHex(kNumcodecsStream);
  two.insert(two.end(), one.begin(), one.end());
  Buffer decoded;
  ASSERT_OK(Make()->Decode(two, decoded));
  EXPECT_EQ(decoded.size(), 200u);
}

TEST(Bz2Codec, TruncatedCorruptAndTrailingGarbageAreDataLoss) {
  auto codec = Make();
  std::vector<std::byte> stream = FromHex(kNumcodecsStream);
  Buffer decoded;
  std::vector<std::byte> into(100);
  std::vector<std::byte> truncated(stream.begin(), stream.end() - 4);
  EXPECT_THAT(codec->Decode(truncated, decoded),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("truncated")));
  EXPECT_THAT(codec->DecodeInto(truncated, into), StatusIsCode(absl::StatusCode::kDataLoss));
  std::vector<std::byte> corrupt = stream;
  corrupt[20] ^= std::byte{0x10};
  EXPECT_THAT(codec->Decode(corrupt, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
  std::vector<std::byte> trailing = stream;
  trailing.push_back(std::byte{'x'});
  EXPECT_THAT(codec->Decode(trailing, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
  EXPECT_THAT(codec->Decode({}, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
}

TEST(Bz2Codec, WrongSizesAndLimitsAreDataLoss) {
  auto codec = Make();
  std::vector<std::byte> stream = FromHex(kNumcodecsStream);
  std::vector<std::byte> small(99), big(101);
  EXPECT_THAT(codec->DecodeInto(stream, small),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("expected 99 decoded bytes")));
  EXPECT_THAT(codec->DecodeInto(stream, big),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("expected 101 decoded bytes")));
  Buffer decoded;
  EXPECT_THAT(codec->Decode(stream, decoded, 64),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("limit of 64")));
}

TEST(Bz2Codec, ConfigurationForms) {
  EXPECT_EQ(Make(R"({"id":"bz2","level":9})")->ToJson(2).value(), R"({"id":"bz2","level":9})");
  EXPECT_THAT(Make()->ToJson(3), StatusIsCode(absl::StatusCode::kUnimplemented));
  simdjson::dom::parser parser;
  EXPECT_THAT(MakeCodecForTest(parser, "bz2", R"({"level":0})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("bz2"), HasSubstr("level"), HasSubstr("[1, 9]"))));
}

}  // namespace
}  // namespace zring::zarr
