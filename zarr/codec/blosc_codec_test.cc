#include "zarr/codec/blosc_codec.h"

#include <blosc.h>

#include <algorithm>
#include <random>
#include <vector>

#include "engine/status_matchers.h"
#include "fmt/format.h"
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
using ::zring::zarr::testing::FromHex;
using ::zring::zarr::testing::MakeCodecForTest;
using ::zring::zarr::testing::SameBytes;
using ::zring::zarr::testing::View;

// numcodecs 0.11: Blosc(cname="zstd", clevel=3, shuffle=2).encode(np.arange(256, dtype="<u4"))
constexpr std::string_view kNumcodecsFrame =
    "02019404000400000004000047000000140000002f00000028b52ffd6000032d010048aaccf000ff00ffff000c"
    "a000f99002c707fca8ea1971662ec114716d4dd16c83264dad01";

// Header fields (c-blosc 1.x): version, compressor version, flags, typesize, then little-endian
// nbytes, blocksize, cbytes.
constexpr size_t kNbytesOffset = 4;
constexpr size_t kCbytesOffset = 12;

std::vector<std::byte> Arange256() {
  std::vector<std::byte> v(1024);
  for (size_t i = 0; i < 256; ++i) internal::StoreLe32(v.data() + 4 * i, static_cast<uint32_t>(i));
  return v;
}

std::unique_ptr<BytesCodec> Make(std::string_view config, uint32_t element_size = 4) {
  return testing::MakeValidCodec("blosc", config, element_size);
}

TEST(BloscCodec, DecodesWhatNumcodecsWrote) {
  auto codec = Make("{}");
  Buffer decoded;
  ASSERT_OK(codec->Decode(FromHex(kNumcodecsFrame), decoded));
  EXPECT_TRUE(SameBytes(View(decoded), Arange256()));
  EXPECT_EQ(BloscDecodedSize(FromHex(kNumcodecsFrame)).value(), 1024u);
}

TEST(BloscCodec, HeaderRecordsTypesizeAndShuffle) {
  Buffer encoded;
  ASSERT_OK(Make(R"({"cname":"lz4","clevel":5,"shuffle":1})", 4)->Encode(Arange256(), encoded));
  EXPECT_EQ(encoded.data()[3], std::byte{4});  // typesize from the array's element size
  EXPECT_EQ(static_cast<int>(encoded.data()[2]) & 0x1, 1);  // byte shuffle flag
  ASSERT_OK(Make(R"({"cname":"lz4","shuffle":"bitshuffle","typesize":2})", 4)
                ->Encode(Arange256(), encoded));
  EXPECT_EQ(encoded.data()[3], std::byte{2});
  EXPECT_EQ(static_cast<int>(encoded.data()[2]) & 0x4, 0x4);  // bit shuffle flag
}

TEST(BloscCodec, AutoShuffleIsBitShuffleForSingleBytes) {
  EXPECT_THAT(Make(R"({"shuffle":-1})", 1)->ToJson(3).value(), HasSubstr(R"("bitshuffle")"));
  EXPECT_THAT(Make(R"({"shuffle":-1})", 8)->ToJson(3).value(), HasSubstr(R"("shuffle")"));
  EXPECT_THAT(Make(R"({"shuffle":-1})", 8)->ToJson(2).value(), HasSubstr(R"("shuffle":-1)"));
}

TEST(BloscCodec, HeaderThatLiesAboutTheDecodedSizeIsDataLoss) {
  auto codec = Make("{}");
  std::vector<std::byte> frame = FromHex(kNumcodecsFrame);
  internal::StoreLe32(frame.data() + kNbytesOffset, 4096);
  std::vector<std::byte> out(1024);
  EXPECT_THAT(codec->DecodeInto(frame, out), StatusIsCode(absl::StatusCode::kDataLoss));
  Buffer decoded;
  EXPECT_THAT(codec->Decode(frame, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
  internal::StoreLe32(frame.data() + kNbytesOffset, 0x7fff0000);
  EXPECT_THAT(codec->Decode(frame, decoded, size_t{1} << 20),
              StatusIsCode(absl::StatusCode::kDataLoss));
}

TEST(BloscCodec, FrameSizeMustMatchTheChunk) {
  auto codec = Make("{}");
  std::vector<std::byte> frame = FromHex(kNumcodecsFrame);
  std::vector<std::byte> truncated(frame.begin(), frame.end() - 3);
  Buffer decoded;
  EXPECT_THAT(codec->Decode(truncated, decoded),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("header says the frame is 71 bytes, chunk holds 68")));
  std::vector<std::byte> longer = frame;
  longer.push_back(std::byte{0});
  EXPECT_THAT(codec->Decode(longer, decoded),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("chunk holds 72")));
  internal::StoreLe32(frame.data() + kCbytesOffset, 1 << 30);
  EXPECT_THAT(codec->Decode(frame, decoded), StatusIsCode(absl::StatusCode::kDataLoss));
}

TEST(BloscCodec, ShortFramesAndUnknownVersionsAreDataLoss) {
  auto codec = Make("{}");
  Buffer decoded;
  std::vector<std::byte> frame = FromHex(kNumcodecsFrame);
  EXPECT_THAT(codec->Decode(std::span(frame).first(15), decoded),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("15 bytes, shorter")));
  frame[0] = std::byte{9};
  EXPECT_THAT(codec->Decode(frame, decoded),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("format version 9")));
}

TEST(BloscCodec, WrongExpectedSizeIsDataLoss) {
  auto codec = Make("{}");
  std::vector<std::byte> out(1000);
  EXPECT_THAT(codec->DecodeInto(FromHex(kNumcodecsFrame), out),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("expected 1000 decoded bytes, frame holds 1024")));
}

TEST(BloscDecodeRange, EqualsTheSameSliceOfTheWholeDecode) {
  std::vector<std::byte> plain = testing::SmoothUint16(size_t{300} << 10);
  for (std::string_view config :
       {R"({"cname":"lz4","shuffle":1,"typesize":2,"blocksize":16384})",
        R"({"cname":"zstd","shuffle":2,"typesize":4})", R"({"cname":"blosclz","shuffle":0})",
        R"({"cname":"lz4","clevel":0})", R"({"cname":"zlib","shuffle":1,"typesize":3})"}) {
    SCOPED_TRACE(config);
    Buffer encoded;
    ASSERT_OK(Make(config)->Encode(plain, encoded));
    std::mt19937 rng(11);
    for (int i = 0; i < 40; ++i) {
      size_t offset = rng() % plain.size();
      size_t length = std::min<size_t>(rng() % 70000, plain.size() - offset);
      if (i == 0) {
        offset = 0;
        length = plain.size();
      }
      std::vector<std::byte> out(length + 2, std::byte{0x5a});
      ASSERT_OK(BloscDecodeRange(encoded.span(), offset, std::span(out).subspan(1, length)));
      EXPECT_TRUE(SameBytes(std::span(out).subspan(1, length),
                            std::span(plain).subspan(offset, length)))
          << offset << "+" << length;
      EXPECT_EQ(out.front(), std::byte{0x5a});
      EXPECT_EQ(out.back(), std::byte{0x5a});
    }
  }
}

// Item data whose low bytes are noise and high bytes a slow wave: c-blosc stores the low-byte
// stream raw and compresses the high-byte stream, as in typical sensor chunks.
std::vector<std::byte> NoisyItems(size_t n, size_t typesize, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::byte> out(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t byte = i % typesize, item = i / typesize;
    out[i] = byte == 0 ? static_cast<std::byte>(rng() & 0xff)
                       : static_cast<std::byte>((item / 512 + byte) & 0xff);
  }
  return out;
}

// c-blosc's split mode is process-global; restores the default when the test ends.
class SplitMode {
 public:
  explicit SplitMode(int mode) { blosc_set_splitmode(mode); }
  ~SplitMode() { blosc_set_splitmode(BLOSC_FORWARD_COMPAT_SPLIT); }
};

// The block walker (LZ4 frames): split and unsplit streams, shuffled or not, raw and compressed
// streams, several blocks and a short last one; every range equals the same slice of the
// original, and a small range decompresses much less than the frame.
TEST(BloscDecodeRange, Lz4WalkerMatchesWholeDecodeAndDecodesLess) {
  for (int mode : {BLOSC_ALWAYS_SPLIT, BLOSC_NEVER_SPLIT, BLOSC_FORWARD_COMPAT_SPLIT}) {
    SplitMode split(mode);
    for (size_t typesize : {1, 2, 4, 8}) {
      for (int shuffle : {0, 1}) {
        for (size_t blocksize : {size_t{0}, size_t{16384}}) {
          const size_t n = (size_t{256} << 10) + (blocksize ? 24 * typesize : 0);
          SCOPED_TRACE(fmt::format("mode {} typesize {} shuffle {} blocksize {} n {}", mode,
                                   typesize, shuffle, blocksize, n));
          std::vector<std::byte> plain = NoisyItems(n, typesize, 3);
          Buffer encoded;
          ASSERT_OK(Make(fmt::format(R"({{"cname":"lz4","shuffle":{},"typesize":{},)"
                                     R"("blocksize":{}}})",
                                     shuffle, typesize, blocksize))
                        ->Encode(plain, encoded));
          ASSERT_EQ(static_cast<int>(encoded.data()[2]) >> 5, 1) << "not an lz4 frame";
          if (mode == BLOSC_ALWAYS_SPLIT && typesize > 1) {
            EXPECT_EQ(static_cast<int>(encoded.data()[2]) & 0x10, 0) << "expected split streams";
          }
          std::mt19937 rng(static_cast<uint32_t>(typesize * 10 + shuffle));
          for (int i = 0; i < 60; ++i) {
            size_t offset = rng() % n;
            size_t length = std::min<size_t>(1 + rng() % 40000, n - offset);
            if (i == 1) offset = 0, length = 1;
            if (i == 2) offset = n - 3, length = 3;
            std::vector<std::byte> out(length + 2, std::byte{0x5a});
            ASSERT_OK(BloscDecodeRange(encoded.span(), offset, std::span(out).subspan(1, length)));
            ASSERT_TRUE(SameBytes(std::span(out).subspan(1, length),
                                  std::span(plain).subspan(offset, length)))
                << offset << "+" << length;
            EXPECT_EQ(out.front(), std::byte{0x5a});
            EXPECT_EQ(out.back(), std::byte{0x5a});
          }
          // A small range near a block's start decompresses a small part of the frame: split
          // streams need only short prefixes. (An unsplit shuffled block is one stream holding
          // byte 0 of every item before byte 1, so it needs that whole block.)
          const bool split = !(static_cast<int>(encoded.data()[2]) & 0x10) && typesize > 1;
          BloscRangeStats stats;
          std::vector<std::byte> out(1024);
          ASSERT_OK(BloscDecodeRange(encoded.span(), 64, out, &stats));
          if (split || shuffle == 0 || typesize == 1) {
            EXPECT_LT(stats.decompressed_bytes, n / 8);
          } else {  // only the one block the range lies in
            EXPECT_LE(stats.decompressed_bytes, internal::LoadLe32(encoded.data() + 8));
          }
        }
      }
    }
  }
}

TEST(BloscDecodeRange, Lz4WalkerRefusesDamagedStreams) {
  SplitMode split(BLOSC_ALWAYS_SPLIT);
  std::vector<std::byte> plain = testing::SmoothUint16(size_t{64} << 10);
  Buffer encoded;
  ASSERT_OK(Make(R"({"cname":"lz4","shuffle":1,"typesize":2})")->Encode(plain, encoded));
  std::vector<std::byte> frame(encoded.span().begin(), encoded.span().end());
  const uint32_t start = internal::LoadLe32(frame.data() + 16);
  std::vector<std::byte> out(100);
  // A stream size running past the frame.
  std::vector<std::byte> bad = frame;
  internal::StoreLe32(bad.data() + start, 1u << 30);
  EXPECT_THAT(BloscDecodeRange(bad, 10, out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("stream 0 claims")));
  // A block start inside the header.
  bad = frame;
  internal::StoreLe32(bad.data() + 16, 3);
  EXPECT_THAT(BloscDecodeRange(bad, 10, out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("block 0 starts at byte 3")));
  // Garbage in the compressed stream (the high bytes; the noisy low bytes are stored raw): an
  // error, never bytes.
  const uint32_t neblock = internal::LoadLe32(frame.data() + 8) / 2;  // blocksize / typesize
  const uint32_t csize0 = internal::LoadLe32(frame.data() + start);
  ASSERT_LT(csize0, neblock) << "expected a compressed low-byte stream";
  bad = frame;
  for (size_t i = start + 4; i < start + 64; ++i) bad[i] = std::byte{0xff};
  EXPECT_THAT(BloscDecodeRange(bad, 10, out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("lz4 data does not decode")));
  // Damage far past the bytes the range needs is still found (the stream's structure is
  // checked to its end), as a whole decode would find it.
  // Zeros (a token, then the invalid match offset 0) somewhere in the stream's second half,
  // at the first place where they break what the whole decode accepts.
  std::vector<std::byte> whole(plain.size());
  bool broken = false;
  for (size_t at = start + 4 + csize0 * 3 / 4; !broken && at < start + 4 + csize0 - 24; ++at) {
    bad = frame;
    std::fill(bad.begin() + at, bad.begin() + at + 16, std::byte{0});
    broken = !Make("{}")->DecodeInto(bad, whole).ok();
  }
  ASSERT_TRUE(broken);
  EXPECT_THAT(BloscDecodeRange(bad, 10, out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("lz4 data does not decode")));
}

TEST(BloscDecodeRange, RefusesRangesPastTheEndAndBadFrames) {
  std::vector<std::byte> frame = FromHex(kNumcodecsFrame);
  std::vector<std::byte> out(8);
  EXPECT_THAT(BloscDecodeRange(frame, 1020, out),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("[1020, 1028)")));
  ASSERT_OK(BloscDecodeRange(frame, 1016, out));
  EXPECT_EQ(internal::LoadLe32(out.data()), 254u);
  internal::StoreLe32(frame.data() + kCbytesOffset, 70);
  EXPECT_THAT(BloscDecodeRange(frame, 0, out), StatusIsCode(absl::StatusCode::kDataLoss));
}

TEST(BloscCodec, ConfigurationForms) {
  EXPECT_EQ(Make(R"({"id":"blosc","cname":"zstd","clevel":3,"shuffle":2,"blocksize":0})")
                ->ToJson(2)
                .value(),
            R"({"id":"blosc","cname":"zstd","clevel":3,"shuffle":2,"blocksize":0})");
  EXPECT_EQ(Make(R"({"cname":"lz4","clevel":1,"shuffle":"shuffle","typesize":4,"blocksize":0})")
                ->ToJson(3)
                .value(),
            R"({"name":"blosc","configuration":{"cname":"lz4","clevel":1,"shuffle":"shuffle",)"
            R"("typesize":4,"blocksize":0}})");
  simdjson::dom::parser parser;
  EXPECT_THAT(MakeCodecForTest(parser, "blosc", R"({"cname":"lzma"})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("blosc"), HasSubstr("cname"), HasSubstr("lzma"))));
  EXPECT_THAT(MakeCodecForTest(parser, "blosc", R"({"clevel":10})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("clevel")));
  EXPECT_THAT(MakeCodecForTest(parser, "blosc", R"({"shuffle":"byteshuffle"})"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("shuffle"), HasSubstr("byteshuffle"))));
  EXPECT_THAT(MakeCodecForTest(parser, "blosc", R"({"shuffle":3})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("shuffle")));
  EXPECT_THAT(MakeCodecForTest(parser, "blosc", R"({"typesize":0})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("typesize")));
  EXPECT_THAT(MakeCodecForTest(parser, "blosc", R"({"blocksize":-1})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("blocksize")));
}

}  // namespace
}  // namespace zring::zarr
