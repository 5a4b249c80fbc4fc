// ObjectStore and the Zarr layer over HTTP: stores written by zring into a temporary directory,
// served by nginx (engine/http/test_servers.h) on 127.0.0.1, read back through ObjectStore and
// compared byte for byte with the same store read locally. Skips when nginx (or python3, for the
// fault server) is not installed.
#include "zarr/object_store.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "engine/http/test_servers.h"
#include "engine/status_matchers.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/array.h"
#include "zarr/array_writer.h"
#include "zarr/assembler.h"
#include "zarr/crop_plan.h"
#include "zarr/crop_reader.h"
#include "zarr/hierarchy.h"
#include "zarr/open_store.h"

namespace zring::zarr {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::zring::engine::http::testing::NginxServer;
using ::zring::engine::http::StorageOptions;
using ::zring::engine::http::testing::FaultServer;
using ::zring::testing::StatusIs;
using ::zring::testing::StatusIsCode;

using V = std::vector<uint64_t>;

std::span<const std::byte> Bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

std::string Text(const Buffer& b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

// A temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/zring_object_store_XXXXXX";
    path_ = ::mkdtemp(tmpl) != nullptr ? tmpl : "";
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ---- Layouts: every array is 13x17x11 in chunks of 4x5x3 (sharded: 2x2x2 chunks per shard),
// fill value 42; elements of inner chunks whose number % 4 == 1 equal the fill value (so the
// sharding encoder leaves them out), and every fifth grid chunk (shard) file is deleted.

const V kShape{13, 17, 11};

struct Layout {
  std::string name;
  std::string meta_name;  // "zarr.json" or ".zarray"
  std::string meta;
  size_t elem;
};

void PrintTo(const Layout& l, std::ostream* os) { *os << l.name; }

std::string V3(const std::string& dtype, const V& grid_chunk, const std::string& codecs) {
  return fmt::format(
      R"({{"zarr_format": 3, "node_type": "array", "shape": [13, 17, 11], "data_type": "{}",
      "chunk_grid": {{"name": "regular", "configuration": {{"chunk_shape": [{}, {}, {}]}}}},
      "chunk_key_encoding": {{"name": "default"}}, "fill_value": 42, "codecs": [{}]}})",
      dtype, grid_chunk[0], grid_chunk[1], grid_chunk[2], codecs);
}

std::string Sharded(const std::string& inner, const std::string& location) {
  return fmt::format(R"({{"name": "sharding_indexed", "configuration": {{
      "chunk_shape": [4, 5, 3], "codecs": [{}],
      "index_codecs": [{{"name": "bytes", "configuration": {{"endian": "little"}}}},
                       {{"name": "crc32c"}}], "index_location": "{}"}}}})",
                     inner, location);
}

const char kGzip[] = R"({"name": "bytes", "configuration": {"endian": "little"}},
                        {"name": "gzip", "configuration": {"level": 1}})";
const char kRaw[] = R"({"name": "bytes", "configuration": {"endian": "little"}})";

std::vector<Layout> Layouts() {
  return {
      {"v2_u2_blosc", ".zarray",
       R"({"zarr_format": 2, "shape": [13, 17, 11], "chunks": [4, 5, 3], "dtype": "<u2",
           "compressor": {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1,
           "blocksize": 0}, "fill_value": 42, "order": "C", "filters": null})",
       2},
      {"v3_u2_gzip", "zarr.json", V3("uint16", {4, 5, 3}, kGzip), 2},
      {"v3_u4_sharded_gzip_end", "zarr.json", V3("uint32", {8, 10, 6}, Sharded(kGzip, "end")), 4},
      {"v3_u1_sharded_raw_start", "zarr.json", V3("uint8", {8, 10, 6}, Sharded(kRaw, "start")),
       1},
  };
}

uint64_t Linear(const V& idx, const V& shape) {
  uint64_t n = 0;
  for (size_t d = 0; d < idx.size(); ++d) n = n * shape[d] + idx[d];
  return n;
}

// The value written at `coord` (before any file is deleted).
uint64_t Written(const V& coord) {
  const V inner{coord[0] / 4, coord[1] / 5, coord[2] / 3};
  if (Linear(inner, V{4, 4, 4}) % 4 == 1) return 42;
  return (Linear(coord, kShape) * 2654435761u) >> 5;
}

void PutElement(uint64_t v, size_t elem, std::byte* out) {
  for (size_t b = 0; b < elem; ++b) out[b] = static_cast<std::byte>((v >> (8 * b)) & 0xff);
}

class RemoteArrayTest : public ::testing::TestWithParam<Layout> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    const Layout& l = GetParam();
    ASSERT_OK_AND_ASSIGN(local_, DirectoryStore::Open(dir_.path()));
    ASSERT_OK(local_->Set(JoinKey("arr", l.meta_name), Bytes(l.meta)));
    ASSERT_OK_AND_ASSIGN(local_array_, Array::Open(*local_, "arr"));
    std::vector<std::byte> all(ShapeProduct(kShape) * l.elem);
    V c(3);
    for (c[0] = 0; c[0] < kShape[0]; ++c[0]) {
      for (c[1] = 0; c[1] < kShape[1]; ++c[1]) {
        for (c[2] = 0; c[2] < kShape[2]; ++c[2]) {
          PutElement(Written(c), l.elem, all.data() + Linear(c, kShape) * l.elem);
        }
      }
    }
    ASSERT_OK_AND_ASSIGN(auto writer, ArrayWriter::Create(*local_, *local_array_, {}));
    ASSERT_OK(writer->WriteRegion(Box{{0, 0, 0}, kShape}, all));
    // Every fifth grid chunk (shard) is not stored.
    const ChunkGrid& grid = local_array_->grid();
    for (uint64_t n = 3; n < grid.NumChunks(); n += 5) {
      V idx(3);
      uint64_t rest = n;
      for (size_t d = 3; d-- > 0;) {
        idx[d] = rest % grid.grid_shape()[d];
        rest /= grid.grid_shape()[d];
      }
      ASSERT_OK(local_->Delete(local_array_->StoreKey(idx)));
      deleted_.push_back(idx);
    }
    ZRING_START_SERVER_OR_SKIP(nginx_, NginxServer::Start(dir_.path()));
    ASSERT_OK_AND_ASSIGN(remote_, OpenStore(nginx_->base_url(), StorageOptions{}));
    ASSERT_OK_AND_ASSIGN(remote_array_, Array::Open(*remote_, "arr"));
  }

  // The element expected at `coord` after the deletions.
  uint64_t Expected(const V& coord) const {
    const V& grid_chunk = local_array_->metadata().chunk_shape;
    const V idx{coord[0] / grid_chunk[0], coord[1] / grid_chunk[1], coord[2] / grid_chunk[2]};
    for (const V& d : deleted_) {
      if (d == idx) return 42;
    }
    return Written(coord);
  }

  std::vector<Box> RandomCrops(size_t n, uint64_t seed) const {
    std::mt19937_64 rng(seed);
    std::vector<Box> crops;
    for (size_t i = 0; i < n; ++i) {
      Box b{V(3), V(3)};
      for (size_t d = 0; d < 3; ++d) {
        b.shape[d] = 1 + rng() % 9;
        b.origin[d] = rng() % (kShape[d] - b.shape[d] + 1);
      }
      crops.push_back(b);
    }
    crops.push_back(Box{{0, 0, 0}, kShape});  // the whole array
    return crops;
  }

  // Reads `crops` through `array`'s crop reader into one buffer per crop.
  std::vector<std::vector<std::byte>> Read(const Array& array, const std::vector<Box>& crops,
                                           std::vector<absl::Status>* statuses) const {
    std::vector<std::vector<std::byte>> bufs;
    std::vector<CropOutput> outs;
    for (const Box& b : crops) bufs.emplace_back(b.NumElements() * GetParam().elem);
    for (auto& b : bufs) outs.push_back(CropOutput{b, {}});
    absl::StatusOr<std::vector<absl::Status>> st = array.ReadCrops(crops, outs);
    EXPECT_OK(st.status());
    if (st.ok()) *statuses = *st;
    return bufs;
  }

  void ExpectCropValues(const Box& b, const std::vector<std::byte>& got) const {
    const size_t elem = GetParam().elem;
    std::vector<std::byte> want(elem);
    V c(3);
    size_t i = 0;
    for (c[0] = b.origin[0]; c[0] < b.origin[0] + b.shape[0]; ++c[0]) {
      for (c[1] = b.origin[1]; c[1] < b.origin[1] + b.shape[1]; ++c[1]) {
        for (c[2] = b.origin[2]; c[2] < b.origin[2] + b.shape[2]; ++c[2], ++i) {
          PutElement(Expected(c), elem, want.data());
          ASSERT_EQ(std::memcmp(want.data(), got.data() + i * elem, elem), 0)
              << "element " << c[0] << "," << c[1] << "," << c[2];
        }
      }
    }
  }

  TempDir dir_;
  std::unique_ptr<DirectoryStore> local_;
  std::unique_ptr<Array> local_array_;
  std::vector<V> deleted_;
  std::unique_ptr<NginxServer> nginx_;
  std::unique_ptr<Store> remote_;
  std::unique_ptr<Array> remote_array_;
};

TEST_P(RemoteArrayTest, OpensWithTheLocalMetadata) {
  EXPECT_EQ(remote_array_->metadata().shape, local_array_->metadata().shape);
  EXPECT_EQ(remote_array_->metadata().chunk_shape, local_array_->metadata().chunk_shape);
  EXPECT_EQ(remote_array_->data_type().Name(), local_array_->data_type().Name());
  EXPECT_EQ(remote_->engine_access(), EngineAccess::kObjects);
}

TEST_P(RemoteArrayTest, CropsEqualLocalCropsByteForByte) {
  const std::vector<Box> crops = RandomCrops(80, 7);
  std::vector<absl::Status> local_st, remote_st;
  const auto local = Read(*local_array_, crops, &local_st);
  const auto remote = Read(*remote_array_, crops, &remote_st);
  ASSERT_EQ(remote_st.size(), crops.size());
  for (size_t i = 0; i < crops.size(); ++i) {
    ASSERT_OK(local_st[i]);
    ASSERT_OK(remote_st[i]) << "crop " << i;
    ASSERT_EQ(local[i], remote[i]) << "crop " << i << " " << DescribeBox(crops[i]);
    ExpectCropValues(crops[i], remote[i]);
  }
  // A second call reuses what the first learned (shard sizes and indexes) and reads the same.
  const auto again = Read(*remote_array_, crops, &remote_st);
  for (size_t i = 0; i < crops.size(); ++i) {
    ASSERT_OK(remote_st[i]);
    ASSERT_EQ(again[i], local[i]) << "crop " << i;
  }
}

TEST_P(RemoteArrayTest, ReadBoxOverHttpMatches) {
  const Box box{{1, 2, 3}, {11, 13, 7}};
  std::vector<std::byte> got(box.NumElements() * GetParam().elem);
  ASSERT_OK(remote_array_->ReadBox(box, got));
  ExpectCropValues(box, got);
}

TEST_P(RemoteArrayTest, CorruptChunkFailsOnlyItsCrops) {
  // Chunk (shard) 0/0/0 becomes garbage; crops inside the last grid chunk never touch it.
  const std::string key = local_array_->StoreKey(V{0, 0, 0});
  ASSERT_OK(local_->Set(key, Bytes(std::string(200, 'x'))));
  const V& gc = local_array_->metadata().chunk_shape;
  const std::vector<Box> crops = {
      Box{{0, 0, 0}, {2, 2, 2}},                                  // inside the bad chunk
      Box{{12, 16, 10}, {1, 1, 1}},                               // far from it
      Box{{gc[0], gc[1], gc[2]}, {1, 2, 1}},                      // the next chunk diagonally
  };
  std::vector<absl::Status> st;
  const auto got = Read(*remote_array_, crops, &st);
  ASSERT_EQ(st.size(), 3u);
  const std::string chunk_key = remote_array_->ChunkKey(V{0, 0, 0});
  EXPECT_FALSE(st[0].ok());
  EXPECT_THAT(std::string(st[0].message()),
              AllOf(HasSubstr(chunk_key), HasSubstr(remote_->Describe())));
  ASSERT_OK(st[1]);
  ASSERT_OK(st[2]);
  ExpectCropValues(crops[1], got[1]);
  ExpectCropValues(crops[2], got[2]);
}

TEST_P(RemoteArrayTest, ReadsGoOverHttpCoalescedPerShard) {
  ASSERT_OK_AND_ASSIGN(auto reader, CropReader::Create(*remote_array_, {}));
  const std::vector<Box> crops = RandomCrops(30, 11);
  std::vector<std::vector<std::byte>> bufs;
  std::vector<CropOutput> outs;
  for (const Box& b : crops) bufs.emplace_back(b.NumElements() * GetParam().elem);
  for (auto& b : bufs) outs.push_back(CropOutput{b, {}});
  ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st, reader->ReadCrops(crops, outs));
  for (size_t i = 0; i < crops.size(); ++i) {
    ASSERT_OK(st[i]);
    ExpectCropValues(crops[i], bufs[i]);
  }
  const engine::EngineStats es = reader->engine().Stats();
  const CropReadStats cs = reader->stats();
  EXPECT_GT(es.http_requests, 0u);
  EXPECT_GT(es.http_bytes, 0u);
  EXPECT_GT(es.http_latency_p50_ns, 0u);
  if (remote_array_->codec_chain().sharding() != nullptr) {
    // Inner chunks of one shard merge into few GETs (1 MiB gap): fewer GETs than chunks read.
    EXPECT_GT(cs.index_reads, 0u);
    EXPECT_LT(es.http_requests, cs.index_reads + cs.chunk_reads);
  }
}

TEST_P(RemoteArrayTest, ReadsCropsInAForkedChild) {
  const std::vector<Box> crops = RandomCrops(10, 3);
  std::vector<absl::Status> st;
  Read(*remote_array_, crops, &st);  // the parent's reader, engine and client are in use
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::vector<absl::Status> child_st;
    const auto got = Read(*remote_array_, crops, &child_st);
    bool ok = child_st.size() == crops.size();
    for (size_t i = 0; ok && i < crops.size(); ++i) {
      ok = child_st[i].ok() && !::testing::Test::HasFailure();
      ExpectCropValues(crops[i], got[i]);
      ok = ok && !::testing::Test::HasFailure();
    }
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
}

TEST_P(RemoteArrayTest, PermanentlyFailingObjectFailsOnlyTheCropsNeedingIt) {
  const std::string bad_key = "arr/" + local_array_->ChunkKey(V{0, 0, 0});
  ZRING_START_SERVER_OR_SKIP(auto faults,
                             FaultServer::Start(dir_.path(), {"--fail-path", "/" + bad_key + "=500"}));
  StorageOptions options;
  options.http.max_retries = 2;
  options.http.backoff_base_ms = 1;
  options.http.backoff_max_ms = 5;
  ASSERT_OK_AND_ASSIGN(auto store, OpenStore(faults->base_url(), options));
  ASSERT_OK_AND_ASSIGN(auto array, Array::Open(*store, "arr"));
  const V& gc = local_array_->metadata().chunk_shape;
  const std::vector<Box> crops = {
      Box{{0, 0, 0}, {2, 2, 2}},
      Box{{12, 16, 10}, {1, 1, 1}},
      Box{{gc[0], gc[1], gc[2]}, {1, 2, 1}},
      Box{{1, 1, 1}, {gc[0], 1, 1}},  // crosses from the failing chunk into the next
  };
  std::vector<absl::Status> st;
  const auto got = Read(*array, crops, &st);
  ASSERT_EQ(st.size(), crops.size());
  for (size_t i : {0u, 3u}) {
    EXPECT_THAT(st[i], StatusIs(absl::StatusCode::kUnavailable,
                                AllOf(HasSubstr(array->ChunkKey(V{0, 0, 0})),
                                      HasSubstr(faults->base_url() + "/" + bad_key),
                                      HasSubstr("500"))))
        << "crop " << i;
  }
  ASSERT_OK(st[1]);
  ASSERT_OK(st[2]);
  ExpectCropValues(crops[1], got[1]);
  ExpectCropValues(crops[2], got[2]);
}

INSTANTIATE_TEST_SUITE_P(Layouts, RemoteArrayTest, ::testing::ValuesIn(Layouts()),
                         [](const auto& info) { return info.param.name; });

// ---- ObjectStore itself.

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    ASSERT_OK_AND_ASSIGN(local_, DirectoryStore::Open(dir_.path()));
    ASSERT_OK(local_->Set("data.zarr/a/b", Bytes("0123456789abcdef")));
    ASSERT_OK(local_->Set("data.zarr/x y/z%1", Bytes("odd name")));
    ZRING_START_SERVER_OR_SKIP(nginx_, NginxServer::Start(dir_.path()));
    url_ = nginx_->base_url() + "/data.zarr";
    ASSERT_OK_AND_ASSIGN(store_, ObjectStore::Open(url_, StorageOptions{}));
  }

  TempDir dir_;
  std::unique_ptr<DirectoryStore> local_;
  std::unique_ptr<NginxServer> nginx_;
  std::string url_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, GetsValuesRangesSuffixesAndSizes) {
  ASSERT_OK_AND_ASSIGN(Buffer all, store_->Get("a/b"));
  EXPECT_EQ(Text(all), "0123456789abcdef");
  ASSERT_OK_AND_ASSIGN(Buffer mid, store_->GetRange("a/b", ByteRange{3, 4}));
  EXPECT_EQ(Text(mid), "3456");
  ASSERT_OK_AND_ASSIGN(Buffer tail, store_->GetRange("a/b", ByteRange::Suffix(5)));
  EXPECT_EQ(Text(tail), "bcdef");
  ASSERT_OK_AND_ASSIGN(Buffer empty, store_->GetRange("a/b", ByteRange{16, 0}));
  EXPECT_EQ(empty.size(), 0u);
  ASSERT_OK_AND_ASSIGN(uint64_t size, store_->GetSize("a/b"));
  EXPECT_EQ(size, 16u);
  // Segments are percent-encoded: a space and a '%' in a key reach the right file.
  ASSERT_OK_AND_ASSIGN(Buffer odd, store_->Get("x y/z%1"));
  EXPECT_EQ(Text(odd), "odd name");
  EXPECT_THAT(store_->UrlOf("x y/z%1"), HasSubstr("/data.zarr/x%20y/z%251"));
}

TEST_F(ObjectStoreTest, MissingKeysAreNotFoundNamingKeyAndUrl) {
  for (auto st : {store_->Get("a/nope").status(), store_->GetSize("a/nope").status(),
                  store_->GetRange("a/nope", ByteRange{0, 4}).status()}) {
    EXPECT_THAT(st, StatusIs(absl::StatusCode::kNotFound,
                             AllOf(HasSubstr("\"a/nope\""), HasSubstr(url_ + "/a/nope"))));
  }
}

TEST_F(ObjectStoreTest, RangesPastTheEndAreOutOfRange) {
  EXPECT_THAT(store_->GetRange("a/b", ByteRange{10, 10}),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("16 bytes")));
  EXPECT_THAT(store_->GetRange("a/b", ByteRange::Suffix(17)),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("16 bytes")));
  EXPECT_THAT(store_->GetRange("a/b", ByteRange{17, 0}),
              StatusIsCode(absl::StatusCode::kOutOfRange));
}

TEST_F(ObjectStoreTest, IsReadOnlyAndCannotListPlainHttp) {
  EXPECT_THAT(store_->Set("k", Bytes("v")),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("read-only")));
  EXPECT_THAT(store_->Delete("a/b"), StatusIsCode(absl::StatusCode::kUnimplemented));
  EXPECT_THAT(store_->ListDir(""), StatusIs(absl::StatusCode::kUnimplemented,
                                            AllOf(HasSubstr(url_), HasSubstr("consolidated"))));
  EXPECT_THAT(store_->ListRecursive("a"), StatusIsCode(absl::StatusCode::kUnimplemented));
  EXPECT_THAT(store_->Get("../secret"), StatusIsCode(absl::StatusCode::kInvalidArgument));
}

TEST_F(ObjectStoreTest, ForbiddenIsPermissionDeniedNamingTheUrl) {
  ASSERT_OK_AND_ASSIGN(auto forbidden,
                       ObjectStore::Open(nginx_->base_url() + "/forbidden", StorageOptions{}));
  EXPECT_THAT(forbidden->Get("zarr.json"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("/forbidden/zarr.json")));
}

TEST_F(ObjectStoreTest, WorksInAForkedChild) {
  ASSERT_OK_AND_ASSIGN(Buffer before, store_->Get("a/b"));  // the parent's client is in use
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    absl::StatusOr<Buffer> got = store_->Get("a/b");
    ::_exit(got.ok() && Text(*got) == "0123456789abcdef" ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_OK_AND_ASSIGN(Buffer after, store_->Get("a/b"));  // and the parent's still works
  EXPECT_EQ(Text(after), Text(before));
}

// ---- Hierarchies over HTTP: consolidated metadata first; listing is not available.

// Writes a group "/" with arrays "g/a" and "b" (and group "g") in `format`, returns the
// documents of the children keyed by path for consolidating.
void WriteHierarchy(DirectoryStore& store, int format) {
  ASSERT_OK(CreateGroup(store, "", GroupMetadata{format, "{}"}));
  ASSERT_OK(CreateGroup(store, "g", GroupMetadata{format, R"({"k": 1})"}));
  SimpleArraySpec spec;
  spec.zarr_format = format;
  spec.shape = {6, 4};
  spec.chunk_shape = {3, 2};
  spec.codec = "zstd";
  ASSERT_OK_AND_ASSIGN(ArrayMetadata meta, MakeArrayMetadata(spec));
  ASSERT_OK(CreateArray(store, "g/a", meta));
  ASSERT_OK(CreateArray(store, "b", meta));
}

std::string Doc(DirectoryStore& store, const std::string& key) {
  absl::StatusOr<Buffer> b = store.Get(key);
  EXPECT_OK(b.status());
  return b.ok() ? Text(*b) : "";
}

void Consolidate(DirectoryStore& store, int format) {
  if (format == 2) {
    const std::string z = fmt::format(
        R"({{"zarr_consolidated_format": 1, "metadata": {{".zgroup": {}, "g/.zgroup": {},
            "g/.zattrs": {}, "g/a/.zarray": {}, "b/.zarray": {}}}}})",
        Doc(store, ".zgroup"), Doc(store, "g/.zgroup"), Doc(store, "g/.zattrs"),
        Doc(store, "g/a/.zarray"), Doc(store, "b/.zarray"));
    ASSERT_OK(store.Set(".zmetadata", Bytes(z)));
    return;
  }
  const std::string root = fmt::format(
      R"({{"zarr_format": 3, "node_type": "group", "attributes": {{}},
          "consolidated_metadata": {{"kind": "inline", "must_understand": false,
          "metadata": {{"g": {}, "g/a": {}, "b": {}}}}}}})",
      Doc(store, "g/zarr.json"), Doc(store, "g/a/zarr.json"), Doc(store, "b/zarr.json"));
  ASSERT_OK(store.Set("zarr.json", Bytes(root)));
}

class RemoteHierarchyTest : public ::testing::TestWithParam<int> {};

TEST_P(RemoteHierarchyTest, ConsolidatedMetadataListsWhatTheDirectoryHolds) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto local, DirectoryStore::Open(dir.path()));
  WriteHierarchy(*local, GetParam());
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(dir.path()));
  ASSERT_OK_AND_ASSIGN(auto remote, OpenStore(nginx->base_url(), StorageOptions{}));
  // Not consolidated yet: a group cannot be walked without listing.
  EXPECT_THAT(ListHierarchy(*remote),
              StatusIs(absl::StatusCode::kUnimplemented,
                       AllOf(HasSubstr("consolidated metadata"), HasSubstr(nginx->base_url()))));
  // ...but a single array opens, and lists as itself.
  ASSERT_OK_AND_ASSIGN(std::vector<NodeInfo> one, ListHierarchy(*remote, "g/a"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].path, "/g/a");
  EXPECT_EQ(one[0].type, NodeType::kArray);

  Consolidate(*local, GetParam());
  ASSERT_OK_AND_ASSIGN(std::vector<NodeInfo> want, ListHierarchy(*local));
  ASSERT_OK_AND_ASSIGN(std::vector<NodeInfo> got, ListHierarchy(*remote));
  ASSERT_EQ(got.size(), 4u);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].path, want[i].path);
    EXPECT_EQ(got[i].type, want[i].type) << got[i].path;
    EXPECT_EQ(got[i].zarr_format, GetParam());
    EXPECT_EQ(got[i].metadata_key, want[i].metadata_key);
  }
  for (const NodeInfo& n : got) {
    if (n.type == NodeType::kArray) {
      ASSERT_OK_AND_ASSIGN(auto array, Array::Open(*remote, n.path, n.zarr_format));
      EXPECT_EQ(array->metadata().shape, (V{6, 4}));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, RemoteHierarchyTest, ::testing::Values(2, 3),
                         [](const auto& info) { return fmt::format("v{}", info.param); });

TEST(OpenStore, PicksTheStoreByPathOrScheme) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto plain, OpenStore(dir.path()));
  EXPECT_EQ(plain->engine_access(), EngineAccess::kFiles);
  ASSERT_OK_AND_ASSIGN(auto file, OpenStore("file://" + dir.path()));
  EXPECT_EQ(file->Describe(), dir.path());
  ASSERT_OK_AND_ASSIGN(auto http, OpenStore("http://127.0.0.1:9/x.zarr/"));
  EXPECT_EQ(http->engine_access(), EngineAccess::kObjects);
  EXPECT_EQ(http->Describe(), "http://127.0.0.1:9/x.zarr");
  EXPECT_THAT(OpenStore("ftp://host/x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ftp")));
  EXPECT_THAT(OpenStore("file://otherhost/x"), StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(OpenStore(dir.path() + "/missing"), StatusIsCode(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace zring::zarr
