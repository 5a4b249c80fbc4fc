#include "zarr/array.h"

#include <openssl/evp.h>

#include <numeric>

#include "engine/status_matchers.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/checksum.h"
#include "zarr/hierarchy.h"
#include "zarr/test_util.h"

namespace zring::zarr {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using namespace ::zring::zarr::testing;

// A 5x7 int16 array in 2x3 chunks (partial edge chunks), fill -1, values = 100 * row + col.
constexpr std::string_view kMeta = R"({"zarr_format": 3, "node_type": "array", "shape": [5, 7],
  "data_type": "int16", "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": [2, 3]}},
  "chunk_key_encoding": {"name": "default"}, "fill_value": -1,
  "codecs": [{"name": "bytes", "configuration": {"endian": "little"}}, {"name": "gzip", "configuration": {"level": 1}}]})";

int16_t Value(uint64_t r, uint64_t c) { return static_cast<int16_t>(100 * r + c); }

class ArrayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(store_.Set("zarr.json", R"({"zarr_format": 3, "node_type": "group"})"));
    ASSERT_OK(store_.Set("g/arr/zarr.json", kMeta));
    ASSERT_OK_AND_ASSIGN(auto writer, Array::Open(store_, "g/arr"));
    // Write every chunk except (1, 1), which stays missing.
    for (uint64_t n = 0; n < writer->grid().NumChunks(); ++n) {
      auto idx = writer->grid().UnravelIndex(n);
      if (idx == std::vector<uint64_t>{1, 1}) continue;
      std::vector<int16_t> chunk(6, 0);
      for (uint64_t i = 0; i < 2; ++i) {
        for (uint64_t j = 0; j < 3; ++j) chunk[i * 3 + j] = Value(idx[0] * 2 + i, idx[1] * 3 + j);
      }
      Buffer enc;
      ASSERT_OK(writer->EncodeChunk(idx, AsBytes(chunk), enc));
      ASSERT_OK(store_.Set(writer->StoreKey(idx), enc.span()));
    }
    ASSERT_OK_AND_ASSIGN(array_, Array::Open(store_, "/g/arr/"));
  }
  int16_t Expected(uint64_t r, uint64_t c) const {
    return (r / 2 == 1 && c / 3 == 1) ? int16_t{-1} : Value(r, c);
  }
  MemoryStore store_;
  std::unique_ptr<Array> array_;
};

TEST_F(ArrayTest, ChunkKeysFollowTheEncoding) {
  EXPECT_EQ(array_->ChunkKey(std::vector<uint64_t>{2, 1}), "c/2/1");
  EXPECT_EQ(array_->StoreKey(std::vector<uint64_t>{2, 1}), "g/arr/c/2/1");
  EXPECT_EQ(array_->path(), "g/arr");
}

TEST_F(ArrayTest, ReadChunkDecodesOrFillsMissingChunks) {
  std::vector<std::byte> out(12);
  ASSERT_OK_AND_ASSIGN(bool present, array_->ReadChunk(std::vector<uint64_t>{0, 1}, out));
  EXPECT_TRUE(present);
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAre(3, 4, 5, 103, 104, 105));
  ASSERT_OK_AND_ASSIGN(present, array_->ReadChunk(std::vector<uint64_t>{1, 1}, out));
  EXPECT_FALSE(present);
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAre(-1, -1, -1, -1, -1, -1));
  EXPECT_THAT(array_->ReadChunk(std::vector<uint64_t>{3, 0}, out),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("c/3/0")));
}

TEST_F(ArrayTest, ReadBoxAssemblesAcrossChunksAndEdges) {
  Box box{{1, 2}, {4, 5}};
  std::vector<std::byte> out(box.NumElements() * 2);
  ASSERT_OK(array_->ReadBox(box, out));
  std::vector<int16_t> expected;
  for (uint64_t r = 1; r < 5; ++r) {
    for (uint64_t c = 2; c < 7; ++c) expected.push_back(Expected(r, c));
  }
  EXPECT_THAT(FromBytes<int16_t>(out), ElementsAreArray(expected));
  EXPECT_THAT(array_->ReadBox(Box{{4, 0}, {2, 1}}, out),
              ::zring::testing::StatusIsCode(absl::StatusCode::kOutOfRange));
}

TEST_F(ArrayTest, CorruptChunkErrorNamesChunkArrayAndStore) {
  const std::string_view junk = "not gzip at all";
  ASSERT_OK(store_.Set("g/arr/c/2/0", junk));
  std::vector<std::byte> out(12);
  EXPECT_THAT(array_->ReadChunk(std::vector<uint64_t>{2, 0}, out),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("chunk c/2/0 of \"g/arr\" in memory: gzip")));
}

TEST_F(ArrayTest, ChecksumStreamsToTheSameDigestUnderAnyMemoryCap) {
  std::vector<std::byte> whole(5 * 7 * 2);
  ASSERT_OK(array_->ReadBox(Box{{0, 0}, {5, 7}}, whole));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(whole.data(), whole.size(), md, &len, EVP_sha256(), nullptr);
  const std::string expected = Hex(std::as_bytes(std::span(md, len)));
  for (uint64_t cap : {uint64_t{1}, uint64_t{10}, uint64_t{14}, uint64_t{30}, uint64_t{1} << 20}) {
    ASSERT_OK_AND_ASSIGN(std::string sha, ArraySha256(*array_, cap));
    EXPECT_EQ(sha, expected) << "cap " << cap;
  }
  auto values = FromBytes<int16_t>(whole);
  EXPECT_EQ(values[1 * 7 + 2], Expected(1, 2));
  EXPECT_EQ(values[3 * 7 + 4], -1);
}

TEST_F(ArrayTest, HierarchyListsGroupsAndArraysWithoutChunks) {
  ASSERT_OK(store_.Set("v2/.zgroup", R"({"zarr_format": 2})"));
  ASSERT_OK(store_.Set("v2/a/.zarray", R"({})"));
  ASSERT_OK(store_.Set("v2/a/0.0", "x"));
  ASSERT_OK_AND_ASSIGN(auto nodes, ListHierarchy(store_));
  std::vector<std::string> paths;
  for (const auto& n : nodes) paths.push_back(fmt::format("{} {} v{}", n.path,
      n.type == NodeType::kArray ? "array" : "group", n.zarr_format));
  EXPECT_THAT(paths,
              ElementsAre("/ group v3", "/g/arr array v3", "/v2 group v2", "/v2/a array v2"));
  EXPECT_THAT(Array::Open(store_, "v2/a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"v2/a\"")));
  EXPECT_THAT(Array::Open(store_, "nothing"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("not a Zarr array")));
}

TEST(ArrayRead, WholeRowChunksDecodeStraightIntoTheBox) {
  // v2, chunks of two full rows: chunks inside the box go straight to the output; the partial
  // last chunk (row 4) and the missing chunk (rows 2-3) take the general path.
  MemoryStore store;
  ASSERT_OK(store.Set("a/.zarray", R"({"zarr_format": 2, "shape": [5, 3], "chunks": [2, 3],
      "dtype": "<u2", "fill_value": 9, "order": "C", "compressor": null, "filters": null})"));
  ASSERT_OK(store.Set("a/0.0", std::span<const std::byte>(AsBytes(std::vector<uint16_t>{0, 1, 2, 3, 4, 5}))));
  ASSERT_OK(store.Set("a/2.0", std::span<const std::byte>(AsBytes(std::vector<uint16_t>{12, 13, 14, 0, 0, 0}))));
  ASSERT_OK_AND_ASSIGN(auto array, Array::Open(store, "a"));
  std::vector<std::byte> out(5 * 3 * 2);
  ASSERT_OK(array->ReadBox(Box{{0, 0}, {5, 3}}, out));
  EXPECT_THAT(FromBytes<uint16_t>(out),
              ElementsAre(0, 1, 2, 3, 4, 5, 9, 9, 9, 9, 9, 9, 12, 13, 14));
  std::vector<std::byte> part(2 * 3 * 2);
  ASSERT_OK(array->ReadBox(Box{{1, 0}, {2, 3}}, part));
  EXPECT_THAT(FromBytes<uint16_t>(part), ElementsAre(3, 4, 5, 9, 9, 9));
}

TEST(ArrayRead, ZeroDimensionalArraysHaveOneChunk) {
  MemoryStore store;
  ASSERT_OK(store.Set("s/zarr.json", R"({"zarr_format": 3, "node_type": "array", "shape": [],
      "data_type": "float64", "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": []}},
      "chunk_key_encoding": {"name": "default"}, "fill_value": 2.5,
      "codecs": [{"name": "bytes", "configuration": {"endian": "big"}}]})"));
  ASSERT_OK_AND_ASSIGN(auto array, Array::Open(store, "s"));
  EXPECT_EQ(array->ChunkKey({}), "c");
  std::vector<std::byte> out(8);
  ASSERT_OK(array->ReadBox(Box{}, out));
  EXPECT_THAT(FromBytes<double>(out), ElementsAre(2.5));  // missing: the fill value
  const std::vector<std::byte> stored = {std::byte{0x40}, std::byte{0x08}, std::byte{0}, std::byte{0},
                                         std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}};
  ASSERT_OK(store.Set("s/c", stored));
  ASSERT_OK(array->ReadBox(Box{}, out));
  EXPECT_THAT(FromBytes<double>(out), ElementsAre(3.0));
  EXPECT_OK(ArraySha256(*array).status());
}

TEST(ArrayOpen, NamesTheArrayInMetadataErrors) {
  MemoryStore store;
  ASSERT_OK(store.Set("t/zarr.json", std::string(kMeta.substr(0, 60))));
  EXPECT_THAT(Array::Open(store, "t"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("array \"t\" in memory: zarr.json: malformed JSON")));
  ASSERT_OK(store.Set("u/zarr.json", std::string(kMeta).replace(std::string(kMeta).find("gzip"), 4, "lzma")));
  EXPECT_THAT(Array::Open(store, "u"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("array \"u\" in memory")));
}

}  // namespace
}  // namespace zring::zarr
