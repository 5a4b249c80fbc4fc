#include "zarr/codec/codec_chain.h"

#include <numeric>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/metadata/array_metadata.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using namespace ::zring::zarr::testing;

std::vector<int16_t> Iota(size_t n) {
  std::vector<int16_t> v(n);
  std::iota(v.begin(), v.end(), int16_t{0});
  return v;
}

TEST(CodecChainV2, FortranOrderBigEndianStoresTransposedSwappedBytes) {
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, ParseArrayMetadataV2(R"({"zarr_format": 2, "shape": [2, 3],
      "chunks": [2, 3], "dtype": ">i2", "fill_value": 0, "order": "F", "compressor": null,
      "filters": null})", ""));
  ASSERT_OK_AND_ASSIGN(auto chain, CodecChain::ForArray(m));
  // C-order [[0,1,2],[3,4,5]] in Fortran order is 0,3,1,4,2,5; each big-endian.
  std::vector<std::byte> stored;
  for (int16_t v : {0, 3, 1, 4, 2, 5}) {
    stored.push_back(std::byte{0});
    stored.push_back(static_cast<std::byte>(v));
  }
  std::vector<std::byte> out(12);
  ASSERT_OK(chain->Decode(stored, out));
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAre(0, 1, 2, 3, 4, 5));
  Buffer encoded;
  ASSERT_OK(chain->Encode(out, encoded));
  EXPECT_EQ(Hex(encoded.span()), Hex(stored));
}

TEST(CodecChainV2, FiltersThenShuffleThenCompressorRoundTrip) {
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, ParseArrayMetadataV2(R"({"zarr_format": 2, "shape": [64],
      "chunks": [64], "dtype": "<i2", "fill_value": 0, "order": "C",
      "compressor": {"id": "zlib", "level": 1},
      "filters": [{"id": "delta", "dtype": "<i2"}, {"id": "shuffle", "elementsize": 2}]})", ""));
  ASSERT_OK_AND_ASSIGN(auto chain, CodecChain::ForArray(m));
  EXPECT_TRUE(chain->HasArrayToArrayCodecs());
  const auto values = Iota(64);
  Buffer encoded;
  ASSERT_OK(chain->Encode(AsBytes(values), encoded));
  std::vector<std::byte> out(128);
  ASSERT_OK(chain->Decode(encoded.span(), out));
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAreArray(values));
}

TEST(CodecChainV2, RefusesUnknownFiltersAndArrayFiltersAfterByteFilters) {
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, ParseArrayMetadataV2(R"({"zarr_format": 2, "shape": [4],
      "chunks": [4], "dtype": "<i2", "fill_value": 0, "order": "C", "compressor": null,
      "filters": [{"id": "shuffle", "elementsize": 2}, {"id": "delta", "dtype": "<i2"}]})", ""));
  EXPECT_THAT(CodecChain::ForArray(m),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("delta")));
  m.v2_filters = {{"fancy", R"({"id":"fancy"})"}};
  EXPECT_THAT(CodecChain::ForArray(m),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("fancy")));
}

TEST(CodecChainV3, TransposeBytesAndCompressorRoundTrip) {
  const ChunkSpec spec{DataType(DataKind::kInt, 2), {3, 4}, FillValue(std::vector<std::byte>(2), true)};
  const std::vector<CodecSpec> codecs = {{"transpose", R"({"order":[1,0]})"},
                                         {"bytes", R"({"endian":"big"})"},
                                         {"zstd", R"({"level":1})"},
                                         {"crc32c", "{}"}};
  ASSERT_OK_AND_ASSIGN(auto chain, CodecChain::Make(codecs, spec));
  const auto values = Iota(12);
  Buffer encoded;
  ASSERT_OK(chain->Encode(AsBytes(values), encoded));
  std::vector<std::byte> out(24);
  ASSERT_OK(chain->Decode(encoded.span(), out));
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAreArray(values));
  EXPECT_THAT(chain->CodecJson(3), ::testing::SizeIs(4));
  encoded.data()[encoded.size() - 1] ^= std::byte{0x40};  // break the checksum
  EXPECT_THAT(chain->Decode(encoded.span(), out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("crc32c")));
}

TEST(CodecChainV3, DecodesStraightIntoTheCallerBuffer) {
  const ChunkSpec spec{DataType(DataKind::kInt, 2), {8}, FillValue(std::vector<std::byte>(2), true)};
  ASSERT_OK_AND_ASSIGN(auto chain,
                       CodecChain::Make(std::vector<CodecSpec>{{"bytes", R"({"endian":"little"})"},
                                                                           {"gzip", R"({"level":1})"}},
                                                    spec));
  const auto values = Iota(8);
  Buffer encoded;
  ASSERT_OK(chain->Encode(AsBytes(values), encoded));
  std::vector<std::byte> out(16);
  ASSERT_OK(chain->Decode(encoded.span(), out));
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAreArray(values));
  std::vector<std::byte> wrong(14);
  EXPECT_THAT(chain->Decode(encoded.span(), wrong),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("16")));
}

// A bool chunk whose bytes are not all 0/1 decodes to 0/1 (through the bytes codec alone and
// through a compressor), and such a chain is not an identity a reader may bypass.
TEST(CodecChainV3, BoolBytesOtherThanZeroAndOneReadAsOne) {
  for (const char* codecs : {R"([{"name": "bytes"}])",
                             R"([{"name": "bytes"}, {"name": "gzip", "configuration": {"level": 1}}])"}) {
    SCOPED_TRACE(codecs);
    ASSERT_OK_AND_ASSIGN(ArrayMetadata m, ParseArrayMetadataV3(std::string(R"({"zarr_format": 3,
        "node_type": "array", "shape": [4], "data_type": "bool", "fill_value": false,
        "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [4]}},
        "chunk_key_encoding": {"name": "default"}, "codecs": )") + codecs + "}"));
    ASSERT_OK_AND_ASSIGN(auto chain, CodecChain::ForArray(m));
    EXPECT_FALSE(chain->IsIdentity());
    const std::vector<std::byte> raw = {std::byte{0}, std::byte{1}, std::byte{2}, std::byte{255}};
    Buffer stored;
    ASSERT_OK(chain->Encode(raw, stored));
    std::vector<std::byte> out(4);
    ASSERT_OK(chain->Decode(stored.span(), out));
    EXPECT_THAT(out, ElementsAre(std::byte{0}, std::byte{1}, std::byte{1}, std::byte{1}));
  }
}

TEST(CodecChainV3, RejectsBadCodecOrders) {
  const ChunkSpec spec{DataType(DataKind::kInt, 2), {8}, FillValue(std::vector<std::byte>(2), true)};
  EXPECT_THAT(CodecChain::Make(std::vector<CodecSpec>{{"zstd", "{}"}, {"bytes", R"({"endian":"little"})"}}, spec),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("before the array -> bytes")));
  EXPECT_THAT(CodecChain::Make(std::vector<CodecSpec>{{"transpose", R"({"order":[0]})"}}, spec),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no array -> bytes")));
  EXPECT_THAT(CodecChain::Make(std::vector<CodecSpec>{{"bytes", R"({"endian":"little"})"}, {"rot13", "{}"}}, spec),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown codec \"rot13\"")));
}

}  // namespace
}  // namespace zring::zarr
