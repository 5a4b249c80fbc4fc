#include "zarr/codec/lz4_codec.h"

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

// numcodecs 0.11: LZ4(acceleration=1).encode(b"zarr chunk " * 8 + bytes(range(12)))
constexpr std::string_view kNumcodecsFrame =
    "64000000bf7a617272206368756e6b200b003ac0000102030405060708090a0b";

std::vector<std::byte> Plain() {
  std::vector<std::byte> v;
  for (int i = 0; i < 8; ++i) {
    std::vector<std::byte> word = Bytes("zarr chunk ");
    v.insert(v.end(), word.begin(), word.end());
  }
  for (int i = 0; i < 12; ++i) v.push_back(static_cast<std::byte>(i));
  return v;
}

class Lz4CodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto made = MakeCodecForTest(parser_, "lz4", R"({"id":"lz4","acceleration":1})");
    ASSERT_OK(made.status());
    codec_ = std::move(made).value();
  }
  simdjson::dom::parser parser_;
  std::unique_ptr<BytesCodec> codec_;
};

TEST_F(Lz4CodecTest, DecodesWhatNumcodecsWrote) {
  Buffer decoded;
  ASSERT_OK(codec_->Decode(FromHex(kNumcodecsFrame), decoded));
  EXPECT_TRUE(SameBytes(View(decoded), Plain()));
}

TEST_F(Lz4CodecTest, FramesStartWithTheDecodedSizeLittleEndian) {
  Buffer encoded;
  ASSERT_OK(codec_->Encode(Plain(), encoded));
  ASSERT_GE(encoded.size(), 4u);
  EXPECT_EQ(internal::LoadLe32(encoded.data()), 100u);
}

TEST_F(Lz4CodecTest, HeaderThatLiesAboutTheSizeIsDataLoss) {
  std::vector<std::byte> frame = FromHex(kNumcodecsFrame);
  Buffer decoded;
  internal::StoreLe32(frame.data(), 101);  // block holds 100
  EXPECT_THAT(codec_->Decode(frame, decoded),
              StatusIs(absl::StatusCode::kDataLoss, AllOf(HasSubstr("101"), HasSubstr("100"))));
  internal::StoreLe32(frame.data(), 99);  // block holds more than the header says
  EXPECT_THAT(codec_->Decode(frame, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
  std::vector<std::byte> out(100);
  EXPECT_THAT(codec_->DecodeInto(frame, out),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("expected 100 decoded bytes, frame holds 99")));
}

TEST_F(Lz4CodecTest, HugeClaimIsRefusedBeforeAllocating) {
  std::vector<std::byte> frame = FromHex(kNumcodecsFrame);
  internal::StoreLe32(frame.data(), 0xfffffff0u);
  Buffer decoded;
  EXPECT_THAT(codec_->Decode(frame, decoded, size_t{1} << 20),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("4294967280")));
}

TEST_F(Lz4CodecTest, TruncatedBlockIsDataLoss) {
  std::vector<std::byte> frame = FromHex(kNumcodecsFrame);
  frame.resize(frame.size() - 5);
  Buffer decoded;
  EXPECT_THAT(codec_->Decode(frame, decoded),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("corrupt or truncated")));
  EXPECT_THAT(codec_->Decode(Bytes("ab"), decoded),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("4-byte size header")));
}

TEST_F(Lz4CodecTest, EmptyInputRoundTripsInNumcodecsLayout) {
  Buffer encoded;
  ASSERT_OK(codec_->Encode({}, encoded));
  EXPECT_TRUE(SameBytes(View(encoded), FromHex("0000000000")));  // numcodecs' encoding of b""
  Buffer decoded;
  ASSERT_OK(codec_->Decode(encoded.span(), decoded));
  EXPECT_EQ(decoded.size(), 0u);
}

TEST(Lz4Codec, ConfigurationForms) {
  simdjson::dom::parser parser;
  ASSERT_OK_AND_ASSIGN(auto codec,
                       MakeCodecForTest(parser, "numcodecs.lz4", R"({"acceleration":7})"));
  EXPECT_EQ(codec->name(), "lz4");
  EXPECT_EQ(codec->ToJson(2).value(), R"({"id":"lz4","acceleration":7})");
  EXPECT_EQ(codec->ToJson(3).value(),
            R"({"name":"numcodecs.lz4","configuration":{"acceleration":7}})");
  ASSERT_OK_AND_ASSIGN(auto v2, MakeCodecForTest(parser, "lz4", "{}"));
  EXPECT_THAT(v2->ToJson(3), StatusIsCode(absl::StatusCode::kUnimplemented));
  EXPECT_THAT(MakeCodecForTest(parser, "lz4", R"({"acceleration":1.5})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("lz4"), HasSubstr("acceleration"), HasSubstr("1.5"))));
}

}  // namespace
}  // namespace zring::zarr
