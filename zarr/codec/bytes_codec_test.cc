#include "zarr/codec/bytes_codec.h"

#include <string>
#include <vector>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/codec/codec_test_util.h"

namespace zring::zarr {
namespace {

using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::zarr::testing::MakeCodecForTest;

TEST(BytesCodecRegistry, KnowsEveryV2IdV3NameAndNumcodecsName) {
  simdjson::dom::parser parser;
  const std::vector<std::pair<std::string, std::string>> ids = {
      {"blosc", "blosc"},   {"gzip", "gzip"},     {"zlib", "zlib"},
      {"zstd", "zstd"},     {"lz4", "lz4"},       {"bz2", "bz2"},
      {"crc32c", "crc32c"}, {"shuffle", "shuffle"}, {"numcodecs.lz4", "lz4"},
      {"numcodecs.bz2", "bz2"}, {"numcodecs.zlib", "zlib"}, {"numcodecs.shuffle", "shuffle"},
      {"numcodecs.zstd", "zstd"}, {"numcodecs.blosc", "blosc"}, {"numcodecs.crc32c", "crc32c"},
  };
  for (const auto& [id, name] : ids) {
    SCOPED_TRACE(id);
    EXPECT_TRUE(IsBytesCodec(id));
    ASSERT_OK_AND_ASSIGN(auto codec, MakeCodecForTest(parser, id, "{}"));
    EXPECT_EQ(codec->name(), name);
  }
}

TEST(BytesCodecRegistry, UnknownIdsAreInvalidArgumentNamingTheId) {
  simdjson::dom::parser parser;
  for (std::string id : {"bytes", "transpose", "lzma", "numcodecs.delta", "", "numcodecs."}) {
    SCOPED_TRACE(id);
    EXPECT_FALSE(IsBytesCodec(id));
    EXPECT_THAT(MakeCodecForTest(parser, id, "{}"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"" + id + "\"")));
  }
}

TEST(BytesCodecRegistry, IgnoresTheV2IdMemberAndUnknownMembers) {
  simdjson::dom::parser parser;
  ASSERT_OK_AND_ASSIGN(auto codec,
                       MakeCodecForTest(parser, "zstd", R"({"id":"zstd","level":4,"future":1})"));
  EXPECT_EQ(codec->ToJson(2).value(), R"({"id":"zstd","level":4,"checksum":false})");
}

}  // namespace
}  // namespace zring::zarr
