#include "zarr/codec/zstd_codec.h"

#include <zstd.h>

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

// numcodecs 0.11: Zstd(level=3).encode(b"zarr chunk " * 8 + bytes(range(12)))
constexpr std::string_view kNumcodecsFrame =
    "28b52ffd2064f50000b87a617272206368756e6b20000102030405060708090a0b01006ab47801";

std::unique_ptr<BytesCodec> Make(std::string_view config = "{}") {
  return testing::MakeValidCodec("zstd", config);
}

// A frame as streaming writers produce it: no content size in the header.
std::vector<std::byte> FrameWithoutContentSize(std::span<const std::byte> plain) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
  std::vector<std::byte> out(ZSTD_compressBound(plain.size()));
  size_t n = ZSTD_compress2(c, out.data(), out.size(), plain.data(), plain.size());
  ZSTD_freeCCtx(c);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

TEST(ZstdCodec, DecodesWhatNumcodecsWrote) {
  auto codec = Make();
  Buffer decoded;
  ASSERT_OK(codec->Decode(FromHex(kNumcodecsFrame), decoded));
  ASSERT_EQ(decoded.size(), 100u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(decoded.data()), 11), "zarr chunk ");
  EXPECT_EQ(decoded.data()[99], std::byte{11});
}

TEST(ZstdCodec, FramesWithoutContentSizeStreamWithinTheLimit) {
  std::vector<std::byte> plain = testing::SmoothUint16(300000);
  std::vector<std::byte> frame = FrameWithoutContentSize(plain);
  ASSERT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  auto codec = Make();
  Buffer decoded;
  ASSERT_OK(codec->Decode(frame, decoded));
  EXPECT_TRUE(SameBytes(View(decoded), plain));
  std::vector<std::byte> into(plain.size());
  ASSERT_OK(codec->DecodeInto(frame, into));
  EXPECT_TRUE(SameBytes(into, plain));
  EXPECT_THAT(codec->Decode(frame, decoded, 100000),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("limit of 100000")));
  std::vector<std::byte> small(plain.size() - 1);
  EXPECT_THAT(codec->DecodeInto(frame, small),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("frame holds more")));
  std::vector<std::byte> truncated(frame.begin(), frame.end() - 3);
  EXPECT_THAT(codec->Decode(truncated, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
}

TEST(ZstdCodec, FrameThatLiesAboutItsSizeIsDataLoss) {
  auto codec = Make();
  std::vector<std::byte> plain = testing::RandomBytes(1000);
  Buffer encoded;
  ASSERT_OK(codec->Encode(plain, encoded));
  std::vector<std::byte> frame(encoded.span().begin(), encoded.span().end());
  // Header: magic, descriptor; single-segment frames of 256..65791 bytes store size - 256 in 2
  // bytes right after the descriptor.
  uint8_t descriptor = static_cast<uint8_t>(frame[4]);
  ASSERT_EQ(descriptor >> 6, 1) << "expected a 2-byte content size field";
  ASSERT_TRUE(descriptor & 0x20) << "expected a single-segment frame";
  frame[5] = static_cast<std::byte>(static_cast<uint8_t>(frame[5]) + 1);
  ASSERT_EQ(ZSTD_getFrameContentSize(frame.data(), frame.size()), 1001u);
  std::vector<std::byte> into(1000);
  EXPECT_THAT(codec->DecodeInto(frame, into),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("expected 1000 decoded bytes, frame holds 1001")));
  Buffer decoded;
  EXPECT_THAT(codec->Decode(frame, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
}

TEST(ZstdCodec, ChecksumCatchesCorruption) {
  auto codec = Make(R"({"level":3,"checksum":true})");
  std::vector<std::byte> plain = testing::SmoothUint16(5000);
  Buffer encoded, decoded;
  ASSERT_OK(codec->Encode(plain, encoded));
  encoded.data()[encoded.size() - 1] ^= std::byte{1};
  EXPECT_THAT(codec->Decode(encoded.span(), decoded),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("checksum")));
}

TEST(ZstdCodec, GarbageAndConcatenation) {
  auto codec = Make();
  Buffer decoded;
  EXPECT_THAT(codec->Decode(testing::Bytes("not zstd at all"), decoded),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("zstd frame header")));
  EXPECT_THAT(codec->Decode({}, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
  std::vector<std::byte> two = FromHex(kNumcodecsFrame);
  std::vector<std::byte> one = FromHex(kNumcodecsFrame);
  two.insert(two.end(), one.begin(), one.end());
  ASSERT_OK(codec->Decode(two, decoded));
  EXPECT_EQ(decoded.size(), 200u);
  std::vector<std::byte> into(200);
  ASSERT_OK(codec->DecodeInto(two, into));
  EXPECT_TRUE(SameBytes(into, View(decoded)));
}

// Found by zstd_decode_fuzzer: two frames whose headers promise 5889 bytes but hold empty raw
// blocks, then an empty frame. Both decode paths must call it corrupt.
TEST(ZstdCodec, FramesThatUnderdeliverTheirContentSizeAreDataLoss) {
  std::vector<std::byte> frames =
      FromHex("28b52ffd60011601000028b52ffd60011601000028b52ffd2000010000");
  auto codec = Make();
  Buffer decoded;
  EXPECT_THAT(codec->Decode(frames, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
  std::vector<std::byte> into(0);
  EXPECT_THAT(codec->DecodeInto(frames, into), StatusIsCode(absl::StatusCode::kDataLoss));
}

// Pre-1.0 frames (magic 0xFD2FB525..27) are refused whole or after a valid frame, by both paths.
TEST(ZstdCodec, LegacyFormatFramesAreRefused) {
  auto codec = Make();
  for (std::string_view magic : {"25b52ffd", "26b52ffd", "27b52ffd"}) {
    std::vector<std::byte> legacy = FromHex(std::string(magic) + "0000000000000000");
    Buffer decoded;
    EXPECT_THAT(codec->Decode(legacy, decoded),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("pre-1.0")));
    std::vector<std::byte> into(16);
    EXPECT_THAT(codec->DecodeInto(legacy, into),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("pre-1.0")));
    std::vector<std::byte> after = FromHex(kNumcodecsFrame);
    after.insert(after.end(), legacy.begin(), legacy.end());
    EXPECT_THAT(codec->Decode(after, decoded),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("frame at byte 39")));
  }
}

// Found by zstd_decode_fuzzer: frames that libzstd's streaming decoder accepts or refuses
// depending on the output room it is offered. Decode and DecodeInto must still agree.
TEST(ZstdCodec, DecodeAndDecodeIntoAgreeWhateverTheRoom) {
  const std::vector<std::byte> frames = FromHex(
      "28b52ffd2004000000000000000000000000000000000000000000000000000000000000"
      "000000000000000000000000000000000000000000000000000000000000000000000000"
      "0000000400000000000000000000000000002100000e00000028b52ffd20042100000e00"
      "000028b52ffd00622a3f01007b28001628b52ffd00622a3f01007b280016");
  auto codec = Make();
  Buffer decoded;
  absl::Status whole = codec->Decode(frames, decoded);
  if (whole.ok()) {
    std::vector<std::byte> into(decoded.size());
    ASSERT_OK(codec->DecodeInto(frames, into));
    EXPECT_TRUE(SameBytes(into, View(decoded)));
  } else {
    EXPECT_THAT(whole, StatusIsCode(absl::StatusCode::kDataLoss));
  }
  for (size_t n : {size_t{0}, size_t{4}, size_t{100}, size_t{4096}}) {
    std::vector<std::byte> into(n);
    absl::Status st = codec->DecodeInto(frames, into);
    EXPECT_EQ(st.ok(), whole.ok() && decoded.size() == n) << n << ": " << st;
  }
}

TEST(ZstdCodec, ConfigurationForms) {
  EXPECT_EQ(Make()->ToJson(2).value(), R"({"id":"zstd","level":1,"checksum":false})");
  EXPECT_EQ(Make(R"({"level":0,"checksum":true})")->ToJson(3).value(),
            R"({"name":"zstd","configuration":{"level":0,"checksum":true}})");
  simdjson::dom::parser parser;
  EXPECT_THAT(MakeCodecForTest(parser, "zstd", R"({"level":99})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("zstd"), HasSubstr("level"), HasSubstr("99"))));
  EXPECT_THAT(MakeCodecForTest(parser, "zstd", R"({"checksum":1})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checksum")));
}

}  // namespace
}  // namespace zring::zarr

namespace zring::zarr {
namespace {

// Found by zstd_decode_fuzzer: a frame without a content size. Decode and DecodeInto must agree
// on it: both fail, or DecodeInto an exactly sized buffer gives what Decode gave.
TEST(ZstdCodec, DecodeAndDecodeIntoAgreeOnFramesWithoutContentSize) {
  auto codec = Make();
  ASSERT_NE(codec, nullptr);
  std::vector<std::byte> frame = FromHex("28b52ffd00200400001000000100fbf70116");
  Buffer decoded;
  // libzstd's streaming decoder takes this frame as complete (its one-shot decoder does not).
  ASSERT_OK(codec->Decode(View(frame), decoded));
  EXPECT_EQ(decoded.size(), 16129u);
  std::vector<std::byte> exact(decoded.size());
  ASSERT_OK(codec->DecodeInto(View(frame), exact));
  EXPECT_TRUE(SameBytes(exact, decoded.span()));
  std::vector<std::byte> short_by_one(decoded.size() - 1);
  EXPECT_THAT(codec->DecodeInto(View(frame), short_by_one),
              StatusIsCode(absl::StatusCode::kDataLoss));
}

}  // namespace
}  // namespace zring::zarr
