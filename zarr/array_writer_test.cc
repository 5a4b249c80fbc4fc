// ArrayWriter: region writes read back equal, over formats, sharding, data types and codecs;
// empty chunks are not stored; partial chunks merge; concurrency rules; errors.
#include "zarr/array_writer.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "engine/status_matchers.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/codec/sharding_codec.h"
#include "zarr/strided_copy.h"

namespace zring::zarr {
namespace {

using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

std::string TempDir() {
  char tmpl[] = "/tmp/zring_writer_test_XXXXXX";
  EXPECT_NE(::mkdtemp(tmpl), nullptr);
  return tmpl;
}

// The whole array as the test expects it, updated by every write.
struct Model {
  Model(const ArrayMetadata& m) : shape(m.shape), elem(m.data_type.size_bytes()) {
    bytes.resize(ShapeProduct(shape) * elem);
    m.fill_value.FillInto(bytes);
  }
  void Write(const Box& box, std::span<const std::byte> data) {
    const auto dst_strides = COrderStrides(shape, elem);
    int64_t off = 0;
    for (size_t d = 0; d < shape.size(); ++d) off += box.origin[d] * dst_strides[d];
    CopyStrided(data.data(), COrderStrides(box.shape, elem), bytes.data() + off, dst_strides,
                box.shape, elem);
  }
  std::vector<uint64_t> shape;
  size_t elem;
  std::vector<std::byte> bytes;
};

std::vector<std::byte> RandomBytes(size_t n, uint32_t seed, bool small_values = false) {
  std::mt19937 rng(seed);
  std::vector<std::byte> out(n);
  // Small values keep float and bool bytes meaningful (no NaN payloads, bools 0/1).
  for (auto& b : out) b = std::byte{static_cast<uint8_t>(small_values ? rng() % 2 : rng())};
  return out;
}

struct Config {
  int format;
  std::string dtype;
  std::string codec;
  std::vector<uint64_t> shard;  // empty: not sharded
  std::string fill = "0";
};

std::string ConfigName(const ::testing::TestParamInfo<Config>& info) {
  std::string n = fmt::format("v{}_{}_{}{}_{}", info.param.format, info.param.dtype,
                              info.param.codec, info.param.shard.empty() ? "" : "_sharded",
                              info.index);
  for (char& c : n) {
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return n;
}

class WriteRegionTest : public ::testing::TestWithParam<Config> {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    ASSERT_OK_AND_ASSIGN(store_, DirectoryStore::Create(dir_ + "/store.zarr"));
    SimpleArraySpec spec;
    spec.zarr_format = GetParam().format;
    spec.shape = {13, 17, 10};
    spec.chunk_shape = {4, 4, 5};
    spec.shard_shape = GetParam().shard;
    spec.data_type = GetParam().dtype;
    spec.codec = GetParam().codec;
    spec.fill_value_json = GetParam().fill;
    ASSERT_OK_AND_ASSIGN(ArrayMetadata m, MakeArrayMetadata(spec));
    ASSERT_OK(CreateArray(*store_, "arr", m));
    ASSERT_OK_AND_ASSIGN(array_, Array::Open(*store_, "arr"));
    ASSERT_OK_AND_ASSIGN(writer_, ArrayWriter::Create(*store_, *array_, {.threads = 3}));
    model_ = std::make_unique<Model>(array_->metadata());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void WriteAndCheck(const Box& box, uint32_t seed) {
    const bool small = array_->data_type().kind() == DataKind::kBool ||
                       array_->data_type().kind() == DataKind::kFloat;
    auto data = RandomBytes(box.NumElements() * model_->elem, seed, small);
    ASSERT_OK(writer_->WriteRegion(box, data));
    model_->Write(box, data);
    std::vector<std::byte> all(model_->bytes.size());
    ASSERT_OK(array_->ReadBox(Box{{0, 0, 0}, model_->shape}, all));
    ASSERT_TRUE(all == model_->bytes) << "after writing region seed " << seed;
  }

  std::string dir_;
  std::unique_ptr<DirectoryStore> store_;
  std::unique_ptr<Array> array_;
  std::unique_ptr<ArrayWriter> writer_;
  std::unique_ptr<Model> model_;
};

TEST_P(WriteRegionTest, AlignedAndUnalignedRegionsReadBackEqual) {
  const uint64_t g0 = array_->metadata().chunk_shape[0];
  WriteAndCheck(Box{{0, 0, 0}, {g0, 17, 10}}, 1);         // whole grid chunks, edge included
  WriteAndCheck(Box{{3, 5, 2}, {7, 9, 7}}, 2);            // unaligned: merges partial chunks
  WriteAndCheck(Box{{12, 16, 9}, {1, 1, 1}}, 3);          // one element in the last edge chunk
  WriteAndCheck(Box{{0, 0, 0}, {13, 17, 10}}, 4);         // the whole array
  std::mt19937 rng(7);
  for (uint32_t i = 0; i < 6; ++i) {
    Box b{{rng() % 13, rng() % 17, rng() % 10}, {0, 0, 0}};
    for (size_t d = 0; d < 3; ++d) b.shape[d] = 1 + rng() % (model_->shape[d] - b.origin[d]);
    WriteAndCheck(b, 10 + i);
  }
  const WriteStats stats = writer_->stats();
  EXPECT_GT(stats.chunks_merged, 0u);
  EXPECT_GT(stats.bytes_written, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Configs, WriteRegionTest,
    ::testing::Values(Config{3, "uint16", "blosc-lz4", {}}, Config{3, "uint16", "blosc-lz4", {8, 8, 10}},
                      Config{3, "float32", "zstd+crc32c", {4, 8, 10}, "\"NaN\""},
                      Config{3, "int8", "gzip", {}, "-3"}, Config{3, "bool", "none", {8, 4, 5}},
                      Config{3, "float64", "blosc-zstd", {}}, Config{3, "uint64", "crc32c", {}},
                      Config{2, "uint16", "blosc-lz4", {}}, Config{2, "int32", "zstd", {}, "7"},
                      Config{2, "float32", "lz4", {}}, Config{2, "uint8", "gzip", {}},
                      Config{2, "float64", "none", {}, "\"NaN\""}),
    ConfigName);

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = TempDir(); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // A uint16 array [16, 16], chunks [4, 4], shards [8, 8] when `sharded`.
  void Make(bool sharded, int format = 3) {
    ASSERT_OK_AND_ASSIGN(store_, DirectoryStore::Create(dir_ + "/s.zarr"));
    SimpleArraySpec spec;
    spec.zarr_format = format;
    spec.shape = {16, 16};
    spec.chunk_shape = {4, 4};
    if (sharded) spec.shard_shape = {8, 8};
    ASSERT_OK_AND_ASSIGN(ArrayMetadata m, MakeArrayMetadata(spec));
    ASSERT_OK(CreateArray(*store_, "", m, {.overwrite_metadata = true}));
    ASSERT_OK_AND_ASSIGN(array_, Array::Open(*store_, ""));
  }
  std::vector<std::byte> Values(uint64_t n, uint16_t base) {
    std::vector<uint16_t> v(n);
    for (uint64_t i = 0; i < n; ++i) v[i] = static_cast<uint16_t>(base + i);
    std::vector<std::byte> out(n * 2);
    std::memcpy(out.data(), v.data(), out.size());
    return out;
  }
  std::string dir_;
  std::unique_ptr<DirectoryStore> store_;
  std::unique_ptr<Array> array_;
};

TEST_F(WriterTest, AllFillChunksAreNotStoredAndOverwritingWithFillDeletes) {
  Make(false);
  ASSERT_OK_AND_ASSIGN(auto writer, ArrayWriter::Create(*store_, *array_));
  ASSERT_OK(writer->WriteRegion(Box{{0, 0}, {8, 8}}, Values(64, 1)));
  ASSERT_OK_AND_ASSIGN(bool stored, writer->ChunkStored(std::vector<uint64_t>{1, 1}));
  EXPECT_TRUE(stored);
  ASSERT_OK_AND_ASSIGN(stored, writer->ChunkStored(std::vector<uint64_t>{2, 2}));
  EXPECT_FALSE(stored);
  // Zeros over chunk (1, 1) and (1, 0): both become fill and their files go away.
  ASSERT_OK(writer->WriteRegion(Box{{4, 0}, {4, 8}}, std::vector<std::byte>(64)));
  EXPECT_THAT(store_->GetSize("c/1/1").status(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("c/1/1")));
  EXPECT_THAT(store_->GetSize("c/1/0").status(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
  ASSERT_OK(store_->GetSize("c/0/1").status());
  ASSERT_OK(writer->WriteRegion(Box{{8, 8}, {8, 8}}, std::vector<std::byte>(128)));
  EXPECT_THAT(store_->GetSize("c/3/3").status(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("")));
  const WriteStats stats = writer->stats();
  EXPECT_EQ(stats.chunks_written, 4u);
  EXPECT_EQ(stats.chunks_skipped, 6u);
  EXPECT_EQ(stats.bytes_logical, (64u + 32u + 64u) * 2);
  ASSERT_OK_AND_ASSIGN(auto keys, store_->ListRecursive("c"));
  EXPECT_EQ(keys.size(), 2u);  // c/0/0 and c/0/1; no temporary files left

  ASSERT_OK_AND_ASSIGN(auto eager, ArrayWriter::Create(*store_, *array_, {.write_empty_chunks = true}));
  ASSERT_OK(eager->WriteRegion(Box{{12, 12}, {4, 4}}, std::vector<std::byte>(32)));
  ASSERT_OK(store_->GetSize("c/3/3").status());
}

TEST_F(WriterTest, ShardsOmitAllFillInnerChunksAndMergePartialShards) {
  Make(true);
  ASSERT_OK_AND_ASSIGN(auto writer, ArrayWriter::Create(*store_, *array_));
  // Shard (0, 0): only inner chunk (1, 0) holds data.
  std::vector<std::byte> shard(64 * 2);
  auto data = Values(16, 100);
  for (int r = 0; r < 4; ++r) std::memcpy(&shard[((4 + r) * 8) * 2], &data[r * 8], 8);
  ASSERT_OK(writer->WriteRegion(Box{{0, 0}, {8, 8}}, shard));
  ASSERT_OK_AND_ASSIGN(Buffer stored, store_->Get("c/0/0"));
  const ShardingCodec* sharding = array_->codec_chain().sharding();
  ASSERT_NE(sharding, nullptr);
  ASSERT_OK_AND_ASSIGN(Buffer index, store_->GetRange("c/0/0", sharding->IndexRange()));
  ASSERT_OK_AND_ASSIGN(auto entries, sharding->DecodeIndex(index.span(), stored.size()));
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_TRUE(entries[0].missing());
  EXPECT_TRUE(entries[1].missing());
  EXPECT_FALSE(entries[2].missing());
  EXPECT_TRUE(entries[3].missing());

  // A partial write into the shard keeps what was there.
  ASSERT_OK(writer->WriteRegion(Box{{1, 6}, {2, 2}}, Values(4, 7)));
  std::vector<std::byte> out(64 * 2);
  ASSERT_OK(array_->ReadBox(Box{{0, 0}, {8, 8}}, out));
  std::vector<uint16_t> got(64);
  std::memcpy(got.data(), out.data(), out.size());
  EXPECT_EQ(got[4 * 8 + 0], 100);
  EXPECT_EQ(got[7 * 8 + 3], 115);
  EXPECT_EQ(got[1 * 8 + 6], 7);
  EXPECT_EQ(got[2 * 8 + 7], 10);
  EXPECT_EQ(got[0], 0);
  EXPECT_EQ(writer->stats().chunks_merged, 1u);
}

TEST_F(WriterTest, NonExclusiveWritersMustAlignToShards) {
  Make(true);
  ASSERT_OK_AND_ASSIGN(auto writer, ArrayWriter::Create(*store_, *array_, {.exclusive = false}));
  EXPECT_THAT(writer->WriteRegion(Box{{0, 0}, {8, 12}}, Values(96, 0)),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("region [0, 8) x [0, 12) is not aligned to the shard grid [8, 8]: "
                                 "in dimension 1 it ends at 12, between boundaries 8 and 16")));
  ASSERT_OK_AND_ASSIGN(auto keys, store_->ListRecursive("c"));
  EXPECT_TRUE(keys.empty());  // refused before anything was written
  ASSERT_OK(writer->WriteRegion(Box{{8, 0}, {8, 16}}, Values(128, 1)));
  EXPECT_EQ(writer->stats().chunks_written, 2u);
}

TEST_F(WriterTest, ArrayEndCountsAsAShardBoundary) {
  ASSERT_OK_AND_ASSIGN(store_, DirectoryStore::Create(dir_ + "/e.zarr"));
  SimpleArraySpec spec;
  spec.shape = {10, 6};
  spec.chunk_shape = {2, 2};
  spec.shard_shape = {4, 4};
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, MakeArrayMetadata(spec));
  ASSERT_OK(CreateArray(*store_, "", m));
  ASSERT_OK_AND_ASSIGN(array_, Array::Open(*store_, ""));
  ASSERT_OK_AND_ASSIGN(auto writer, ArrayWriter::Create(*store_, *array_, {.exclusive = false}));
  ASSERT_OK(writer->WriteRegion(Box{{8, 4}, {2, 2}}, Values(4, 9)));
  EXPECT_EQ(writer->stats().chunks_merged, 0u);
  std::vector<std::byte> out(8);
  ASSERT_OK(array_->ReadBox(Box{{8, 4}, {2, 2}}, out));
  EXPECT_EQ(out, Values(4, 9));
}

TEST_F(WriterTest, LockedPartialWritesFromTwoThreadsLoseNothing) {
  Make(true);
  // Two writers fill alternate columns: every shard is read, merged and rewritten by both.
  // Repeated from an empty array, since an unlocked merge loses a column only sometimes.
  auto run = [&](uint64_t parity) {
    auto writer = ArrayWriter::Create(*store_, *array_, {.threads = 2, .exclusive = false,
                                                         .lock_partial = true});
    ASSERT_OK(writer.status());
    for (uint64_t col = parity; col < 16; col += 2) {
      ASSERT_OK((*writer)->WriteRegion(Box{{0, col}, {16, 1}},
                                       Values(16, static_cast<uint16_t>(col * 100 + 1))));
    }
  };
  for (int attempt = 0; attempt < 12; ++attempt) {
    for (const char* key : {"c/0/0", "c/0/1", "c/1/0", "c/1/1"}) ASSERT_OK(store_->Delete(key));
    std::thread a(run, 0), b(run, 1);
    a.join();
    b.join();
    std::vector<std::byte> out(256 * 2);
    ASSERT_OK(array_->ReadBox(Box{{0, 0}, {16, 16}}, out));
    std::vector<uint16_t> got(256);
    std::memcpy(got.data(), out.data(), out.size());
    for (uint64_t r = 0; r < 16; ++r) {
      for (uint64_t c = 0; c < 16; ++c) {
        ASSERT_EQ(got[r * 16 + c], c * 100 + 1 + r) << "attempt " << attempt << ": " << r << ","
                                                    << c;
      }
    }
  }
  ASSERT_OK_AND_ASSIGN(auto listing, store_->ListDir("c/0"));
  EXPECT_EQ(listing.values.size(), 2u);  // shards only: lock files are removed
  int scratch = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/s.zarr/c/0")) {
    scratch += e.path().filename().string()[0] == '.';
  }
  EXPECT_EQ(scratch, 0);
}

TEST_F(WriterTest, TwoWritersOfDisjointShardAlignedHalvesStoreWhatOneWriterStores) {
  Make(true);
  const auto data = Values(256, 3);
  ASSERT_OK_AND_ASSIGN(auto one, ArrayWriter::Create(*store_, *array_));
  ASSERT_OK(one->WriteRegion(Box{{0, 0}, {16, 16}}, data));
  ASSERT_OK_AND_ASSIGN(auto single, store_->ListRecursive("c"));
  std::vector<std::string> single_bytes;
  for (const auto& e : single) {
    ASSERT_OK_AND_ASSIGN(Buffer b, store_->Get(e.key));
    single_bytes.emplace_back(reinterpret_cast<const char*>(b.data()), b.size());
    ASSERT_OK(store_->Delete(e.key));
  }
  auto half = [&](uint64_t row0) {
    auto w = ArrayWriter::Create(*store_, *array_, {.threads = 2, .exclusive = false});
    ASSERT_OK(w.status());
    ASSERT_OK((*w)->WriteRegion(Box{{row0, 0}, {8, 16}},
                                std::span(data).subspan(row0 * 16 * 2, 8 * 16 * 2)));
  };
  std::thread a(half, 0), b(half, 8);
  a.join();
  b.join();
  ASSERT_OK_AND_ASSIGN(auto both, store_->ListRecursive("c"));
  ASSERT_EQ(both.size(), single.size());
  for (size_t i = 0; i < both.size(); ++i) {
    ASSERT_OK_AND_ASSIGN(Buffer got, store_->Get(both[i].key));
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(got.data()), got.size()), single_bytes[i])
        << both[i].key;
  }
}

TEST_F(WriterTest, WritesV2FortranOrderBigEndianWithFilters) {
  ASSERT_OK_AND_ASSIGN(store_, DirectoryStore::Create(dir_ + "/f.zarr"));
  ASSERT_OK_AND_ASSIGN(
      ArrayMetadata m,
      ParseArrayMetadataV2(R"({"zarr_format":2,"shape":[9,7],"chunks":[4,3],"dtype":">i4",)"
                           R"("fill_value":-1,"order":"F","filters":[{"id":"delta","dtype":">i4"}],)"
                           R"("compressor":{"id":"zstd","level":1},"dimension_separator":"/"})",
                           ""));
  ASSERT_OK(CreateArray(*store_, "f", m));
  ASSERT_OK_AND_ASSIGN(array_, Array::Open(*store_, "f"));
  ASSERT_OK_AND_ASSIGN(auto writer, ArrayWriter::Create(*store_, *array_));
  Model model(array_->metadata());
  for (uint32_t i = 0; i < 4; ++i) {
    const Box box{{i, i}, {9 - 2 * i, 7 - i}};
    auto data = RandomBytes(box.NumElements() * 4, 100 + i);
    ASSERT_OK(writer->WriteRegion(box, data));
    model.Write(box, data);
  }
  std::vector<std::byte> all(model.bytes.size());
  ASSERT_OK(array_->ReadBox(Box{{0, 0}, {9, 7}}, all));
  EXPECT_TRUE(all == model.bytes);
  ASSERT_OK(store_->GetSize("f/2/2").status());  // "/" separator kept
}

TEST_F(WriterTest, BadRegionsAreInvalidArgumentsSayingWhatWasExpected) {
  Make(false, 2);
  ASSERT_OK_AND_ASSIGN(auto writer, ArrayWriter::Create(*store_, *array_));
  EXPECT_THAT(writer->WriteRegion(Box{{0}, {4}}, Values(4, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("the array has 2 dimensions")));
  EXPECT_THAT(writer->WriteRegion(Box{{12, 0}, {8, 4}}, Values(32, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("outside the array shape [16, 16] (dimension 0)")));
  EXPECT_THAT(writer->WriteRegion(Box{{0, 0}, {4, 4}}, Values(15, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("needs 32 bytes (16 elements of 2 bytes), got 30")));
  EXPECT_THAT(writer->ChunkStored(std::vector<uint64_t>{4, 0}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside the chunk grid")));
  MemoryStore other;
  EXPECT_THAT(ArrayWriter::Create(other, *array_).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not the store")));
  ASSERT_OK_AND_ASSIGN(auto keys, store_->ListRecursive(""));
  EXPECT_EQ(keys.size(), 1u);  // only .zarray
}

TEST_F(WriterTest, UnwritableDestinationNamesTheChunk) {
  Make(false, 3);
  // A regular file where the chunk directory must go: mkdir fails even for root.
  const std::string blocker = dir_ + "/s.zarr/c";
  const int fd = ::open(blocker.c_str(), O_CREAT | O_WRONLY, 0644);
  ASSERT_GE(fd, 0);
  ::close(fd);
  ASSERT_OK_AND_ASSIGN(auto writer, ArrayWriter::Create(*store_, *array_));
  absl::Status st = writer->WriteRegion(Box{{0, 0}, {4, 4}}, Values(16, 1));
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("c/0/0"));
  EXPECT_THAT(st.message(), HasSubstr("mkdir"));

  // A read-only directory, when the permissions are enforced (not for root).
  std::filesystem::remove(blocker);
  ASSERT_OK(writer->WriteRegion(Box{{0, 0}, {4, 4}}, Values(16, 1)));
  const std::string chunk_dir = dir_ + "/s.zarr/c/0";
  ASSERT_EQ(::chmod(chunk_dir.c_str(), 0555), 0);
  const bool enforced = ::access(chunk_dir.c_str(), W_OK) != 0;
  st = writer->WriteRegion(Box{{0, 4}, {4, 4}}, Values(16, 2));
  ::chmod(chunk_dir.c_str(), 0755);
  if (enforced) {
    EXPECT_THAT(st, StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("c/0/1")));
  } else {
    EXPECT_OK(st);
  }
  // Nothing torn: every stored chunk decodes, no temporary file remains.
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ + "/s.zarr")) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
  std::vector<std::byte> out(16 * 16 * 2);
  ASSERT_OK(array_->ReadBox(Box{{0, 0}, {16, 16}}, out));
}

TEST_F(WriterTest, AFullDiskFailsTheWriteNamingTheChunkAndLeavesNothingTorn) {
  // RLIMIT_FSIZE makes write(2) fail part-way through a file (EFBIG), as a full disk does
  // (ENOSPC), without needing a small filesystem.
  ASSERT_OK_AND_ASSIGN(store_, DirectoryStore::Create(dir_ + "/full.zarr"));
  SimpleArraySpec spec;
  spec.shape = {128, 64};
  spec.chunk_shape = {64, 64};
  spec.codec = "none";
  ASSERT_OK_AND_ASSIGN(ArrayMetadata m, MakeArrayMetadata(spec));
  ASSERT_OK(CreateArray(*store_, "", m));
  ASSERT_OK_AND_ASSIGN(array_, Array::Open(*store_, ""));
  ASSERT_OK_AND_ASSIGN(auto writer, ArrayWriter::Create(*store_, *array_, {.threads = 1}));
  ASSERT_OK(writer->WriteRegion(Box{{0, 0}, {64, 64}}, Values(4096, 1)));  // 8 KiB stored
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  absl::Status st = writer->WriteRegion(Box{{0, 0}, {128, 64}}, Values(8192, 9));
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(std::string(st.message()), HasSubstr("write chunk c/"));
  EXPECT_THAT(std::string(st.message()), HasSubstr("File too large"));
  // Each chunk holds either its old value or its new one, whole; no temporary file remains.
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ + "/full.zarr")) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
  std::vector<std::byte> out(8192 * 2);
  ASSERT_OK(array_->ReadBox(Box{{0, 0}, {128, 64}}, out));
  const auto before = Values(4096, 1), after = Values(8192, 9);
  const bool old_first = std::memcmp(out.data(), before.data(), 8192) == 0;
  EXPECT_TRUE(old_first || std::memcmp(out.data(), after.data(), 8192) == 0);
  const bool second_empty = std::all_of(out.begin() + 8192, out.end(),
                                        [](std::byte b) { return b == std::byte{0}; });
  EXPECT_TRUE(second_empty || std::memcmp(out.data() + 8192, after.data() + 8192, 8192) == 0);
}

TEST(DirectoryStoreWrites, DeleteIsIdempotentAndScratchFilesAreNotValues) {
  const std::string dir = TempDir();
  ASSERT_OK_AND_ASSIGN(auto store, DirectoryStore::Create(dir + "/x/y/z.zarr"));
  const std::string v = "value";
  ASSERT_OK(store->Set("a/b", std::as_bytes(std::span(v.data(), v.size()))));
  for (const char* name : {"/x/y/z.zarr/a/.b.tmp.12.34.5", "/x/y/z.zarr/a/.b.lock"}) {
    const int fd = ::open((dir + name).c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
  }
  ASSERT_OK_AND_ASSIGN(StoreListing listing, store->ListDir("a"));
  EXPECT_EQ(listing.values, std::vector<std::string>{"b"});
  ASSERT_OK_AND_ASSIGN(auto all, store->ListRecursive(""));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].key, "a/b");
  ASSERT_OK(store->Delete("a/b"));
  ASSERT_OK(store->Delete("a/b"));
  ASSERT_OK(store->Delete("no/such/key"));
  EXPECT_THAT(store->Get("a/b").status(), StatusIs(absl::StatusCode::kNotFound, HasSubstr("a/b")));
  EXPECT_THAT(store->Delete("../x").code(), absl::StatusCode::kInvalidArgument);
  MemoryStore memory;
  ASSERT_OK(memory.Set("k", std::string_view("v")));
  ASSERT_OK(memory.Delete("k"));
  ASSERT_OK(memory.Delete("k"));
  EXPECT_FALSE(memory.GetSize("k").ok());
  // Create over a regular file fails clearly.
  EXPECT_FALSE(DirectoryStore::Create(dir + "/x/y/z.zarr/a/.b.lock/sub").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zring::zarr
