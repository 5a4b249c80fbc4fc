#include "zarr/codec/sharding_codec.h"

#include <cstring>
#include <numeric>
#include <thread>

#include "engine/status_matchers.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::zarr::testing::AsBytes;
using ::zring::zarr::testing::FromBytes;

constexpr int16_t kFill = -7;

ChunkSpec ShardSpec(std::vector<uint64_t> shape) {
  std::vector<std::byte> fill(2);
  std::memcpy(fill.data(), &kFill, 2);
  return ChunkSpec{DataType(DataKind::kInt, 2), std::move(shape), FillValue(fill, true)};
}

std::string ShardingJson(std::string_view location, std::string_view inner_codecs) {
  return fmt::format(R"({{"chunk_shape": [2, 2], "codecs": {}, "index_codecs": [{{"name": "bytes",
    "configuration": {{"endian": "little"}}}}, {{"name": "crc32c"}}], "index_location": "{}"}})",
                     inner_codecs, location);
}

constexpr std::string_view kBytesLE = R"([{"name": "bytes", "configuration": {"endian": "little"}}])";

std::unique_ptr<CodecChain> Chain(std::string_view location, std::vector<uint64_t> shape,
                                  std::string_view inner = kBytesLE) {
  std::vector<CodecSpec> specs = {{"sharding_indexed", ShardingJson(location, inner)}};
  auto chain = CodecChain::Make(specs, ShardSpec(std::move(shape)));
  EXPECT_OK(chain.status());
  return chain.ok() ? std::move(*chain) : nullptr;
}

std::vector<int16_t> Iota(size_t n) {
  std::vector<int16_t> v(n);
  std::iota(v.begin(), v.end(), int16_t{1});
  return v;
}

class ShardingLocation : public ::testing::TestWithParam<const char*> {};

TEST_P(ShardingLocation, RoundTripsAndPlacesTheIndex) {
  auto chain = Chain(GetParam(), {4, 6});
  ASSERT_NE(chain, nullptr);
  const ShardingCodec* s = chain->sharding();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->num_inner_chunks(), 6u);
  EXPECT_EQ(s->index_size_bytes(), 6u * 16 + 4);  // 6 (offset, nbytes) pairs + crc32c
  const auto values = Iota(24);
  Buffer encoded;
  ASSERT_OK(chain->Encode(AsBytes(values), encoded));
  EXPECT_EQ(encoded.size(), 24u * 2 + 100);
  // The first inner chunk (rows 0-1, cols 0-1) holds 1, 2, 7, 8 and sits right after a leading
  // index, or at the start when the index is at the end.
  const size_t data_at = std::string_view(GetParam()) == "start" ? 100 : 0;
  EXPECT_THAT(FromBytes<int16_t>(encoded.span().subspan(data_at, 8)),
              ElementsAreArray({1, 2, 7, 8}));
  std::vector<std::byte> out(48);
  ASSERT_OK(chain->Decode(encoded.span(), out));
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAreArray(values));
  // The planner path: read the index alone, then one inner chunk.
  const ByteRange r = s->IndexRange();
  const auto index = r.suffix ? encoded.span().last(r.length) : encoded.span().first(r.length);
  ASSERT_OK_AND_ASSIGN(auto entries, s->DecodeIndex(index, encoded.size()));
  ASSERT_EQ(entries.size(), 6u);
  std::vector<std::byte> inner(8);
  ASSERT_OK(s->inner_chain().Decode(
      encoded.span().subspan(entries[5].offset_bytes, entries[5].length_bytes), inner));
  EXPECT_THAT(FromBytes<int16_t>(inner), ElementsAreArray({17, 18, 23, 24}));
}

INSTANTIATE_TEST_SUITE_P(StartAndEnd, ShardingLocation, ::testing::Values("start", "end"));

TEST(ShardingCodec, MissingInnerChunksReadAsFillAndAreNotStored) {
  auto chain = Chain("end", {4, 4});
  ASSERT_NE(chain, nullptr);
  std::vector<int16_t> values(16, kFill);
  values[2] = 5;  // only inner chunk (0, 1) differs from the fill value
  Buffer encoded;
  ASSERT_OK(chain->Encode(AsBytes(values), encoded));
  EXPECT_EQ(encoded.size(), 8u + 4 * 16 + 4);
  ASSERT_OK_AND_ASSIGN(auto entries,
                       chain->sharding()->DecodeIndex(encoded.span().last(68), encoded.size()));
  EXPECT_TRUE(entries[0].missing());
  EXPECT_FALSE(entries[1].missing());
  std::vector<std::byte> out(32);
  ASSERT_OK(chain->Decode(encoded.span(), out));
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAreArray(values));
}

TEST(ShardingCodec, IndexPointingPastTheEndIsDataLoss) {
  auto chain = Chain("end", {2, 4});
  ASSERT_NE(chain, nullptr);
  const auto values = Iota(8);
  Buffer encoded;
  ASSERT_OK(chain->Encode(AsBytes(values), encoded));
  // Rewrite entry 1's length through the index codecs so the crc32c stays valid.
  std::vector<uint64_t> index = {0, 8, 8, 1000};
  Buffer bad_index;
  std::vector<CodecSpec> index_codecs = {{"bytes", R"({"endian":"little"})"}, {"crc32c", "{}"}};
  ASSERT_OK_AND_ASSIGN(auto index_chain,
                       CodecChain::Make(index_codecs, ChunkSpec{DataType(DataKind::kUInt, 8), {2, 2},
                                                                FillValue(std::vector<std::byte>(8), true)}));
  ASSERT_OK(index_chain->Encode(AsBytes(index), bad_index));
  std::memcpy(encoded.data() + 16, bad_index.data(), bad_index.size());
  std::vector<std::byte> out(16);
  EXPECT_THAT(chain->Decode(encoded.span(), out),
              StatusIs(absl::StatusCode::kDataLoss,
                       HasSubstr("inner chunk (0, 1) at bytes [8, 1008) points past the end")));
  index = {0, 8, ~uint64_t{0}, 8};  // half-missing entry
  ASSERT_OK(index_chain->Encode(AsBytes(index), bad_index));
  std::memcpy(encoded.data() + 16, bad_index.data(), bad_index.size());
  EXPECT_THAT(chain->Decode(encoded.span(), out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("only one of them")));
}

TEST(ShardingCodec, TruncatedShardAndCorruptIndexAreDataLoss) {
  auto chain = Chain("end", {2, 4});
  ASSERT_NE(chain, nullptr);
  Buffer encoded;
  ASSERT_OK(chain->Encode(AsBytes(Iota(8)), encoded));
  std::vector<std::byte> out(16);
  EXPECT_THAT(chain->Decode(encoded.span().first(20), out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("index")));
  encoded.data()[20] ^= std::byte{1};  // inside the index: the crc32c no longer matches
  EXPECT_THAT(chain->Decode(encoded.span(), out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("shard index")));
}

TEST(ShardingCodec, NestedShardingRoundTrips) {
  // Outer shard 4x8 of inner shards 2x2... the inner codec itself shards into 1x1 chunks.
  const std::string nested = R"([{"name": "sharding_indexed", "configuration": {"chunk_shape": [1, 1],
      "codecs": [{"name": "bytes", "configuration": {"endian": "big"}}],
      "index_location": "start"}}])";
  auto chain = Chain("end", {4, 8}, nested);
  ASSERT_NE(chain, nullptr);
  const auto values = Iota(32);
  Buffer encoded;
  ASSERT_OK(chain->Encode(AsBytes(values), encoded));
  std::vector<std::byte> out(64);
  ASSERT_OK(chain->Decode(encoded.span(), out));
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAreArray(values));
}

TEST(ShardingCodec, OnePreparedChainDecodesFromManyThreads) {
  auto chain = Chain("end", {8, 8}, R"([{"name": "bytes", "configuration": {"endian": "little"}},
      {"name": "zstd", "configuration": {"level": 1}}])");
  ASSERT_NE(chain, nullptr);
  std::vector<Buffer> shards(4);
  for (int s = 0; s < 4; ++s) {
    auto values = Iota(64);
    for (auto& v : values) v = static_cast<int16_t>(v * (s + 1));
    ASSERT_OK(chain->Encode(AsBytes(values), shards[s]));
  }
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::byte> out(128);
      for (int round = 0; round < 200; ++round) {
        const int s = (t + round) % 4;
        if (!chain->Decode(shards[s].span(), out).ok()) ++failures[t];
        const auto got = FromBytes<int16_t>(out);
        if (got[63] != static_cast<int16_t>(64 * (s + 1))) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(failures, ::testing::Each(0));
}

TEST(ShardingCodec, RejectsInnerShapesThatDoNotDivideTheShard) {
  std::vector<CodecSpec> specs = {{"sharding_indexed", ShardingJson("end", kBytesLE)}};
  EXPECT_THAT(CodecChain::Make(specs, ShardSpec({3, 4})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not divide")));
  specs[0].configuration_json = ShardingJson("middle", kBytesLE);
  EXPECT_THAT(CodecChain::Make(specs, ShardSpec({4, 4})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("index_location")));
}

}  // namespace
}  // namespace zring::zarr
