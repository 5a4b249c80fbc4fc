#include "zarr/crop_reader.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <random>

#include "engine/status_matchers.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::zarr {
namespace {

// Whether the file system under `dir` answers preadv2(RWF_NOWAIT) (tmpfs, for one, refuses it).
// Only then does map_resident read chunk files on the decoding threads; otherwise the reader
// reads every chunk file through the engine, and the tests expect that instead.
bool NowaitReadsWork(const std::string& dir) {
  const std::string path = dir + "/.nowait_probe";
  {
    FILE* f = fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    fputc('x', f);
    fclose(f);
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  char b = 0;
  iovec io{&b, 1};
  const bool ok = fd >= 0 && (::preadv2(fd, &io, 1, 0, RWF_NOWAIT) >= 0 || errno == EAGAIN);
  if (fd >= 0) ::close(fd);
  std::filesystem::remove(path);
  if (!ok) {
    std::fprintf(stderr, "note: %s refuses RWF_NOWAIT reads; chunk files are expected to be read "
                 "through the engine there\n", dir.c_str());
  }
  return ok;
}

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::testing::StatusIsCode;

using V = std::vector<uint64_t>;

// One stored array layout under test. Every array is 13x17x11 (edge chunks everywhere), in
// chunks of 4x5x3; sharded ones put 2x2x2 of those in each shard. Fill value 42.
struct Layout {
  std::string name;
  std::string meta_key;  // "arr/zarr.json" or "arr/.zarray"
  std::string meta;
  size_t elem;
  bool sharded;
  bool complex_fill;  // complex128: fill [42, 0]
};

void PrintTo(const Layout& l, std::ostream* os) { *os << l.name; }

const V kShape{13, 17, 11};

std::string V3(const std::string& dtype, const std::string& fill, const V& grid_chunk,
               const std::string& codecs) {
  return fmt::format(
      R"({{"zarr_format": 3, "node_type": "array", "shape": [13, 17, 11], "data_type": "{}",
      "chunk_grid": {{"name": "regular", "configuration": {{"chunk_shape": [{}, {}, {}]}}}},
      "chunk_key_encoding": {{"name": "default"}}, "fill_value": {}, "codecs": [{}]}})",
      dtype, grid_chunk[0], grid_chunk[1], grid_chunk[2], fill, codecs);
}

std::string V2(const std::string& dtype, char order, const std::string& compressor) {
  return fmt::format(R"({{"zarr_format": 2, "shape": [13, 17, 11], "chunks": [4, 5, 3],
      "dtype": "{}", "compressor": {}, "fill_value": 42, "order": "{}", "filters": null}})",
                     dtype, compressor, order);
}

const char kGzip[] = R"({"name": "bytes", "configuration": {"endian": "little"}},
                        {"name": "gzip", "configuration": {"level": 1}})";

std::string Sharded(const std::string& inner, const std::string& location) {
  return fmt::format(R"({{"name": "sharding_indexed", "configuration": {{
      "chunk_shape": [4, 5, 3], "codecs": [{}],
      "index_codecs": [{{"name": "bytes", "configuration": {{"endian": "little"}}}},
                       {{"name": "crc32c"}}], "index_location": "{}"}}}})",
                     inner, location);
}

std::vector<Layout> Layouts() {
  const char blosc[] = R"({"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0})";
  const char big[] = R"({"name": "bytes", "configuration": {"endian": "big"}})";
  const char transpose[] = R"({"name": "transpose", "configuration": {"order": [2, 0, 1]}})";
  return {
      {"v2_u1_blosc", "arr/.zarray", V2("|u1", 'C', blosc), 1, false, false},
      {"v2_u2_blosc", "arr/.zarray", V2("<u2", 'C', blosc), 2, false, false},
      {"v2_u4_big_F", "arr/.zarray", V2(">u4", 'F', "null"), 4, false, false},
      {"v2_u2_raw", "arr/.zarray", V2("<u2", 'C', "null"), 2, false, false},
      {"v2_u8_zlib", "arr/.zarray", V2("<u8", 'C', R"({"id": "zlib", "level": 1})"), 8, false,
       false},
      {"v3_u2_gzip", "arr/zarr.json", V3("uint16", "42", {4, 5, 3}, kGzip), 2, false, false},
      {"v3_c16_transposed", "arr/zarr.json",
       V3("complex128", "[42.0, 0.0]", {4, 5, 3}, fmt::format("{}, {}", transpose, kGzip)), 16,
       false, true},
      {"v3_u4_sharded_gzip", "arr/zarr.json",
       V3("uint32", "42", {8, 10, 6}, Sharded(kGzip, "end")), 4, true, false},
      {"v3_u1_sharded_raw_start", "arr/zarr.json",
       V3("uint8", "42", {8, 10, 6}, Sharded(big, "start")), 1, true, false},
      {"v3_u8_sharded_big", "arr/zarr.json", V3("uint64", "42", {8, 10, 6}, Sharded(big, "end")),
       8, true, false},
  };
}

uint64_t Linear(const V& idx, const V& shape) {
  uint64_t n = 0;
  for (size_t d = 0; d < idx.size(); ++d) n = n * shape[d] + idx[d];
  return n;
}

// Which chunks are absent: every fifth chunk of the plain grid (or shard grid), and in sharded
// arrays every fourth inner chunk (written as the fill value, which the encoder leaves out).
bool ChunkMissing(const V& coord, const V& chunk, const V& grid) {
  V idx(3);
  for (size_t d = 0; d < 3; ++d) idx[d] = coord[d] / chunk[d];
  return Linear(idx, grid) % 5 == 3;
}
bool InnerMissing(const V& coord) {
  V idx{coord[0] / 4, coord[1] / 5, coord[2] / 3};
  return Linear(idx, V{4, 4, 4}) % 4 == 1;
}

class CropReaderTest : public ::testing::TestWithParam<Layout> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zring_crop_reader_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_OK_AND_ASSIGN(store_, DirectoryStore::Open(dir_));
    const Layout& l = GetParam();
    ASSERT_OK(store_->Set(l.meta_key, std::as_bytes(std::span(l.meta.data(), l.meta.size()))));
    ASSERT_OK_AND_ASSIGN(array_, Array::Open(*store_, "arr"));
    fill_.assign(l.elem, std::byte{0});
    if (l.complex_fill) {
      const double re = 42.0;
      std::memcpy(fill_.data(), &re, 8);
    } else {
      fill_[0] = std::byte{42};
    }
    WriteChunks();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The stored value of an element in bounds, as bytes: a mix of its linear index.
  void Value(const V& coord, std::byte* out) const {
    uint64_t v = Linear(coord, kShape) * 0x9E3779B97F4A7C15ull + 12345;
    v ^= v >> 29;
    for (size_t k = 0; k < GetParam().elem; ++k) {
      out[k] = static_cast<std::byte>((k < 8 ? v >> (8 * k) : (v * 3) >> (8 * (k - 8))) & 0xff);
    }
  }
  // What a read must return for an element.
  void Expected(const V& coord, std::byte* out) const {
    const Layout& l = GetParam();
    if (ChunkMissing(coord, array_->metadata().chunk_shape, array_->grid().grid_shape()) ||
        (l.sharded && InnerMissing(coord))) {
      std::memcpy(out, fill_.data(), l.elem);
    } else {
      Value(coord, out);
    }
  }
  void WriteChunks() {
    const size_t elem = GetParam().elem;
    const V& cs = array_->metadata().chunk_shape;
    std::vector<std::byte> chunk(array_->chunk_size_bytes());
    for (uint64_t n = 0; n < array_->grid().NumChunks(); ++n) {
      const V idx = array_->grid().UnravelIndex(n);
      if (n % 5 == 3) continue;
      V at(3, 0);
      for (uint64_t e = 0; e < chunk.size() / elem; ++e) {
        V coord{idx[0] * cs[0] + at[0], idx[1] * cs[1] + at[1], idx[2] * cs[2] + at[2]};
        std::byte* p = chunk.data() + e * elem;
        const bool in = coord[0] < kShape[0] && coord[1] < kShape[1] && coord[2] < kShape[2];
        if (!in || (GetParam().sharded && InnerMissing(coord))) {
          std::memcpy(p, fill_.data(), elem);
        } else {
          Value(coord, p);
        }
        for (size_t d = 3; d-- > 0;) {
          if (++at[d] < cs[d]) break;
          at[d] = 0;
        }
      }
      Buffer enc;
      ASSERT_OK(array_->EncodeChunk(idx, chunk, enc));
      ASSERT_OK(store_->Set(array_->StoreKey(idx), enc.span()));
    }
  }
  std::vector<std::byte> ExpectedCrop(const Box& crop) const {
    const size_t elem = GetParam().elem;
    std::vector<std::byte> out(crop.NumElements() * elem);
    uint64_t e = 0;
    for (uint64_t i = 0; i < crop.shape[0]; ++i) {
      for (uint64_t j = 0; j < crop.shape[1]; ++j) {
        for (uint64_t k = 0; k < crop.shape[2]; ++k, ++e) {
          Expected(V{crop.origin[0] + i, crop.origin[1] + j, crop.origin[2] + k},
                   out.data() + e * elem);
        }
      }
    }
    return out;
  }
  std::vector<Box> RandomCrops(int n, uint64_t seed) const {
    std::mt19937_64 rng(seed);
    std::vector<Box> crops{Box{{0, 0, 0}, kShape}, Box{{12, 16, 10}, {1, 1, 1}},
                           Box{{1, 1, 1}, {2, 3, 1}}};
    while (static_cast<int>(crops.size()) < n) {
      Box b{V(3), V(3)};
      for (size_t d = 0; d < 3; ++d) {
        b.origin[d] = rng() % kShape[d];
        b.shape[d] = 1 + rng() % std::min<uint64_t>(kShape[d] - b.origin[d], 9);
      }
      crops.push_back(b);
    }
    return crops;
  }
  // map_resident off by default: every chunk through the engine (MappedShardsGiveTheSameBytes
  // and the tests that pass `resident` cover the other path).
  std::unique_ptr<CropReader> Reader(int threads, uint64_t budget, bool resident = false) {
    CropReaderOptions o;
    o.threads = threads;
    o.budget_bytes = budget;
    o.engine.io_threads = 1;
    o.map_resident = resident;
    auto r = CropReader::Create(*array_, o);
    EXPECT_OK(r.status());
    return r.ok() ? std::move(*r) : nullptr;
  }

  std::string dir_;
  std::unique_ptr<DirectoryStore> store_;
  std::unique_ptr<Array> array_;
  std::vector<std::byte> fill_;
};

TEST_P(CropReaderTest, RandomCropsMatchExpectedValuesAndReadBox) {
  // Enough crops that the plan sorts thousands of (chunk, crop) pairs in one group.
  const std::vector<Box> crops = RandomCrops(300, 11);
  for (int threads : {1, 3}) {
    for (uint64_t budget : {uint64_t{1}, uint64_t{256} << 20}) {
      SCOPED_TRACE(fmt::format("threads {} budget {}", threads, budget));
      auto reader = Reader(threads, budget);
      ASSERT_NE(reader, nullptr);
      std::vector<std::vector<std::byte>> bufs;
      std::vector<CropOutput> outs;
      for (const Box& c : crops) bufs.emplace_back(c.NumElements() * GetParam().elem);
      for (auto& b : bufs) outs.push_back(CropOutput{.data = b});
      ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st, reader->ReadCrops(crops, outs));
      ASSERT_EQ(st.size(), crops.size());
      for (size_t i = 0; i < crops.size(); ++i) {
        ASSERT_OK(st[i]) << DescribeBox(crops[i]);
        ASSERT_EQ(bufs[i], ExpectedCrop(crops[i])) << DescribeBox(crops[i]);
        std::vector<std::byte> simple(bufs[i].size());
        ASSERT_OK(array_->ReadBox(crops[i], simple));
        ASSERT_EQ(bufs[i], simple) << DescribeBox(crops[i]);
      }
      const CropReadStats s = reader->stats();
      EXPECT_GT(s.chunks_decoded, 0u);
      EXPECT_GT(s.chunks_filled, 0u);
      EXPECT_GE(s.chunk_reads, s.chunks_decoded);
      // blosc chunks that crops need only part of decode just that range (and the bytes above
      // were still exact).
      if (GetParam().name.find("blosc") != std::string::npos) {
        EXPECT_GT(s.chunks_range_decoded, 0u);
        EXPECT_LT(s.chunks_range_decoded, s.chunks_decoded);
      } else {
        EXPECT_EQ(s.chunks_range_decoded, 0u);
      }
      if (budget == 1) {
        EXPECT_EQ(s.rounds, s.chunk_reads);
      }
      // Inner chunks stored as they are, which crops need only part of, are read in part
      // (chunk files this small are always read whole).
      const bool raw_inner = GetParam().sharded && GetParam().name.find("raw") != std::string::npos;
      EXPECT_EQ(s.chunks_range_read > 0, raw_inner);
      EXPECT_LT(s.chunks_range_read, s.chunks_decoded);
    }
  }
}

// range_decode off: every chunk decodes whole, with the same bytes as range decoding gives.
TEST_P(CropReaderTest, RangeDecodeOffDecodesWholeChunksWithTheSameBytes) {
  const std::vector<Box> crops = RandomCrops(80, 41);
  std::vector<std::vector<std::byte>> results[2];
  for (bool range : {true, false}) {
    CropReaderOptions o;
    o.threads = 2;
    o.engine.io_threads = 1;
    o.range_decode = range;
    ASSERT_OK_AND_ASSIGN(auto reader, CropReader::Create(*array_, o));
    std::vector<std::vector<std::byte>>& bufs = results[range];
    std::vector<CropOutput> outs;
    for (const Box& c : crops) bufs.emplace_back(c.NumElements() * GetParam().elem);
    for (auto& b : bufs) outs.push_back(CropOutput{.data = b});
    ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st, reader->ReadCrops(crops, outs));
    for (size_t i = 0; i < crops.size(); ++i) {
      ASSERT_OK(st[i]);
      ASSERT_EQ(bufs[i], ExpectedCrop(crops[i])) << DescribeBox(crops[i]);
    }
    const bool blosc = GetParam().name.find("blosc") != std::string::npos;
    EXPECT_EQ(reader->stats().chunks_range_decoded > 0, range && blosc);
  }
  EXPECT_EQ(results[0], results[1]);
}

// map_resident: inner chunks in the page cache (these were just written) are taken from
// mappings of their shards (copied into the crops as they are, or copied out and decoded), and
// chunk files in it are read by the decoding threads, with the same bytes as engine reads.
TEST_P(CropReaderTest, MappedShardsGiveTheSameBytes) {
  const std::vector<Box> crops = RandomCrops(60, 31);
  const Layout& l = GetParam();
  const bool mappable = l.sharded;  // compressed inner chunks too: copied out, then decoded
  for (uint64_t budget : {uint64_t{1}, uint64_t{256} << 20}) {
    SCOPED_TRACE(fmt::format("budget {}", budget));
    CropReaderOptions o;
    o.threads = 2;
    o.budget_bytes = budget;
    o.engine.io_threads = 1;
    o.map_resident = true;
    o.group_crops = 16;  // several groups: the plan's memory is reused between them
    ASSERT_OK_AND_ASSIGN(auto reader, CropReader::Create(*array_, o));
    for (int call = 0; call < 2; ++call) {  // the second call reuses the mappings
      std::vector<std::vector<std::byte>> bufs;
      std::vector<CropOutput> outs;
      for (const Box& c : crops) bufs.emplace_back(c.NumElements() * l.elem, std::byte{0x5A});
      for (auto& b : bufs) outs.push_back(CropOutput{.data = b});
      ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st, reader->ReadCrops(crops, outs));
      for (size_t i = 0; i < crops.size(); ++i) {
        ASSERT_OK(st[i]) << DescribeBox(crops[i]);
        ASSERT_EQ(bufs[i], ExpectedCrop(crops[i])) << DescribeBox(crops[i]);
      }
    }
    const CropReadStats s = reader->stats();
    // A budget smaller than a shard maps nothing.
    if (mappable && budget > 1) {
      EXPECT_GT(s.chunks_mapped, 0u);
      EXPECT_EQ(s.chunks_mapped + s.chunk_reads, s.chunks_decoded);
    } else {
      EXPECT_EQ(s.chunks_mapped, 0u);
    }
    if (!l.sharded && NowaitReadsWork(dir_)) {
      // Every stored chunk file is in the page cache: none through the engine.
      EXPECT_GT(s.chunks_resident_read, 0u);
      EXPECT_EQ(s.chunks_resident_read, s.chunks_decoded);
      EXPECT_EQ(s.chunk_reads, 0u);
    } else {
      EXPECT_EQ(s.chunks_resident_read, 0u);
    }
  }
  if (!mappable) return;
  // A shard cut short after it was mapped: the next call maps it anew and reports it; the
  // crops that do not need it still read.
  CropReaderOptions o;
  o.engine.io_threads = 1;
  ASSERT_OK_AND_ASSIGN(auto reader, CropReader::Create(*array_, o));
  const std::vector<Box> two{Box{{0, 0, 0}, {2, 2, 2}}, Box{{9, 11, 7}, {4, 6, 4}}};
  auto read = [&](std::vector<std::vector<std::byte>>& bufs) {
    std::vector<CropOutput> outs;
    bufs.clear();
    for (const Box& c : two) bufs.emplace_back(c.NumElements() * l.elem);
    for (auto& b : bufs) outs.push_back(CropOutput{.data = b});
    return reader->ReadCrops(two, outs);
  };
  std::vector<std::vector<std::byte>> bufs;
  ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st, read(bufs));
  ASSERT_OK(st[0]);
  ASSERT_GT(reader->stats().chunks_mapped, 0u);
  const std::string path = dir_ + "/" + array_->StoreKey(V{0, 0, 0});
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(std::filesystem::file_size(path) / 2)), 0);
  ASSERT_OK_AND_ASSIGN(st, read(bufs));
  EXPECT_THAT(st[0], StatusIs(absl::StatusCode::kDataLoss, HasSubstr(array_->ChunkKey(V{0, 0, 0}))));
  ASSERT_OK(st[1]);
  EXPECT_EQ(bufs[1], ExpectedCrop(two[1]));
}

// A list longer than group_crops streams through group by group, with the same bytes and the
// statuses in order; async calls queue on the reader and give the same results.
TEST_P(CropReaderTest, LongListsStreamInGroupsAndAsyncCallsMatch) {
  std::vector<Box> crops = RandomCrops(50, 23);
  crops.push_back(Box{{0, 0, 0}, {14, 1, 1}});  // out of bounds: fails alone, in its place
  const size_t elem = GetParam().elem;
  CropReaderOptions o;
  o.threads = 2;
  o.group_crops = 7;
  o.engine.io_threads = 1;
  o.map_resident = false;  // counts engine rounds per group
  ASSERT_OK_AND_ASSIGN(auto reader, CropReader::Create(*array_, o));
  std::vector<std::vector<std::byte>> bufs;
  std::vector<CropOutput> outs;
  for (const Box& c : crops) bufs.emplace_back(c.NumElements() * elem);
  for (auto& b : bufs) outs.push_back(CropOutput{.data = b});
  ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st, reader->ReadCrops(crops, outs));
  ASSERT_EQ(st.size(), crops.size());
  // A round per group that reads anything (the last group may need only fill values).
  EXPECT_GE(reader->stats().rounds, 7u);
  for (size_t i = 0; i + 1 < crops.size(); ++i) {
    ASSERT_OK(st[i]) << DescribeBox(crops[i]);
    ASSERT_EQ(bufs[i], ExpectedCrop(crops[i])) << DescribeBox(crops[i]);
  }
  EXPECT_THAT(st.back(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reaches past")));

  // Three async calls in flight at once, each into its own buffers.
  std::vector<std::vector<std::vector<std::byte>>> abufs(3);
  std::vector<CropReader::CropsFuture> futures;
  for (int call = 0; call < 3; ++call) {
    std::vector<CropOutput> aouts;
    for (const Box& c : crops) abufs[call].emplace_back(c.NumElements() * elem);
    for (auto& b : abufs[call]) aouts.push_back(CropOutput{.data = b});
    futures.push_back(reader->ReadCropsAsync(crops, std::move(aouts)));
  }
  for (int call = 0; call < 3; ++call) {
    ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> ast, futures[call].get());
    ASSERT_EQ(ast.size(), crops.size());
    for (size_t i = 0; i + 1 < crops.size(); ++i) {
      ASSERT_OK(ast[i]);
      ASSERT_EQ(abufs[call][i], bufs[i]) << call << " " << DescribeBox(crops[i]);
    }
    EXPECT_FALSE(ast.back().ok());
  }
}

// Array::ReadCrops / Array::Read keep one reader per array and per process: the same bytes as
// ReadBox, in the parent and in a child forked after the parent has read.
TEST_P(CropReaderTest, ArrayReadCropsMatchesReadBoxAndWorksAfterFork) {
  const std::vector<Box> crops = RandomCrops(20, 31);
  const size_t elem = GetParam().elem;
  CropReaderOptions o;
  o.threads = 2;
  o.engine.io_threads = 1;
  array_->SetReadOptions(o);
  auto read_all = [&]() -> bool {
    std::vector<std::vector<std::byte>> bufs;
    std::vector<CropOutput> outs;
    for (const Box& c : crops) bufs.emplace_back(c.NumElements() * elem);
    for (auto& b : bufs) outs.push_back(CropOutput{.data = b});
    auto st = array_->ReadCrops(crops, outs);
    if (!st.ok() || st->size() != crops.size()) return false;
    for (size_t i = 0; i < crops.size(); ++i) {
      if (!(*st)[i].ok() || bufs[i] != ExpectedCrop(crops[i])) return false;
    }
    std::vector<std::byte> one(crops[3].NumElements() * elem);
    return array_->Read(crops[3], one).ok() && one == ExpectedCrop(crops[3]);
  };
  ASSERT_TRUE(read_all());
  ASSERT_TRUE(read_all());  // the kept reader, again
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(read_all() ? 0 : 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child read failed";
  EXPECT_TRUE(read_all());  // the parent's reader still works
}

// With a decoded-chunk cache, a second call over the same crops reads nothing and returns the
// same bytes; a cache too small for one chunk keeps nothing and still reads correctly.
TEST_P(CropReaderTest, DecodedChunkCacheServesRepeatedCrops) {
  const std::vector<Box> crops = RandomCrops(30, 41);
  const size_t elem = GetParam().elem;
  for (uint64_t cache_bytes : {uint64_t{64} << 20, uint64_t{1}}) {
    SCOPED_TRACE(cache_bytes);
    CropReaderOptions o;
    o.threads = 2;
    o.chunk_cache_bytes = cache_bytes;
    o.engine.io_threads = 1;
    ASSERT_OK_AND_ASSIGN(auto reader, CropReader::Create(*array_, o));
    for (int pass = 0; pass < 2; ++pass) {
      std::vector<std::vector<std::byte>> bufs;
      std::vector<CropOutput> outs;
      for (const Box& c : crops) bufs.emplace_back(c.NumElements() * elem);
      for (auto& b : bufs) outs.push_back(CropOutput{.data = b});
      const CropReadStats before = reader->stats();
      ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st, reader->ReadCrops(crops, outs));
      for (size_t i = 0; i < crops.size(); ++i) {
        ASSERT_OK(st[i]);
        ASSERT_EQ(bufs[i], ExpectedCrop(crops[i])) << pass << " " << DescribeBox(crops[i]);
      }
      const CropReadStats after = reader->stats();
      if (pass == 1 && cache_bytes > 1) {
        EXPECT_EQ(after.chunk_reads, before.chunk_reads);  // every decoded chunk was cached
        EXPECT_EQ(after.index_reads, before.index_reads);
        EXPECT_GT(after.chunks_cached, 0u);
      } else {
        EXPECT_EQ(after.chunks_cached, 0u);
        EXPECT_GT(after.chunk_reads, before.chunk_reads);
      }
    }
  }
}

TEST_P(CropReaderTest, StridedOutputGetsFortranOrder) {
  auto reader = Reader(2, 1 << 20);
  ASSERT_NE(reader, nullptr);
  const Box crop{{2, 3, 1}, {7, 9, 8}};
  const size_t elem = GetParam().elem;
  std::vector<std::byte> f(crop.NumElements() * elem);
  ASSERT_OK(reader->Read(crop, CropOutput{.data = f, .strides_elements = {1, 7, 63}}));
  const std::vector<std::byte> c = ExpectedCrop(crop);
  for (uint64_t i = 0; i < 7; ++i) {
    for (uint64_t j = 0; j < 9; ++j) {
      for (uint64_t k = 0; k < 8; ++k) {
        ASSERT_EQ(0, std::memcmp(f.data() + (i + 7 * j + 63 * k) * elem,
                                 c.data() + ((i * 9 + j) * 8 + k) * elem, elem));
      }
    }
  }
}

TEST_P(CropReaderTest, BadCropsFailAloneWithClearErrors) {
  auto reader = Reader(2, 1 << 20);
  ASSERT_NE(reader, nullptr);
  const size_t elem = GetParam().elem;
  std::vector<Box> crops{Box{{10, 0, 0}, {4, 1, 1}}, Box{{0, 0, 0}, {2, 0, 2}},
                         Box{{3, 4, 5}, {2, 2, 2}}};
  std::vector<std::vector<std::byte>> bufs{std::vector<std::byte>(4 * elem), {},
                                           std::vector<std::byte>(8 * elem)};
  std::vector<CropOutput> outs{{bufs[0]}, {bufs[1]}, {bufs[2]}};
  ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st, reader->ReadCrops(crops, outs));
  EXPECT_THAT(st[0], StatusIs(absl::StatusCode::kInvalidArgument,
                              AllOf(HasSubstr("[10:14, 0:1, 0:1]"), HasSubstr("(13, 17, 11)"))));
  EXPECT_THAT(st[1], StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  ASSERT_OK(st[2]);
  EXPECT_EQ(bufs[2], ExpectedCrop(crops[2]));
  EXPECT_THAT(reader->ReadCrops(crops, std::span<const CropOutput>(outs).first(2)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("3 crops but 2 outputs")));
}

// Chunk (0, 0, 0) (a shard, when sharded) is overwritten with garbage: crops that need it fail
// naming it; crops elsewhere still read correctly.
TEST_P(CropReaderTest, CorruptChunkFailsOnlyTheCropsThatNeedIt) {
  const std::string key = array_->StoreKey(V{0, 0, 0});
  const std::string garbage = GetParam().sharded ? "short" : "not a valid chunk at all, really";
  ASSERT_OK(store_->Set(key, std::as_bytes(std::span(garbage.data(), garbage.size()))));
  for (bool resident : {false, true}) {  // through the engine; from the page cache or a mapping
    SCOPED_TRACE(resident ? "map_resident" : "engine reads");
    auto reader = Reader(2, 1 << 20, resident);
    ASSERT_NE(reader, nullptr);
    const size_t elem = GetParam().elem;
    std::vector<Box> crops{Box{{1, 1, 1}, {2, 2, 1}}, Box{{9, 11, 7}, {4, 6, 4}},
                           Box{{0, 0, 0}, kShape}};
    std::vector<std::vector<std::byte>> bufs;
    std::vector<CropOutput> outs;
    for (const Box& c : crops) bufs.emplace_back(c.NumElements() * elem);
    for (auto& b : bufs) outs.push_back(CropOutput{.data = b});
    ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st, reader->ReadCrops(crops, outs));
    const std::string name = array_->ChunkKey(V{0, 0, 0});
    EXPECT_THAT(st[0], StatusIs(absl::StatusCode::kDataLoss, HasSubstr(name)));
    EXPECT_THAT(st[2], StatusIs(absl::StatusCode::kDataLoss, HasSubstr(name)));
    ASSERT_OK(st[1]);
    EXPECT_EQ(bufs[1], ExpectedCrop(crops[1]));
    if (resident && !GetParam().sharded && NowaitReadsWork(dir_)) {
      EXPECT_GT(reader->stats().chunks_resident_read, 0u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Layouts, CropReaderTest, ::testing::ValuesIn(Layouts()),
                         [](const auto& info) { return info.param.name; });

TEST(CropReader, ShardIndexesAreCachedBetweenCalls) {
  char tmpl[] = "/tmp/zring_crop_cache_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  ASSERT_OK_AND_ASSIGN(auto store, DirectoryStore::Open(tmpl));
  const std::string meta = V3("uint16", "0", {8, 10, 6}, Sharded(kGzip, "end"));
  ASSERT_OK(store->Set("a/zarr.json", std::as_bytes(std::span(meta.data(), meta.size()))));
  ASSERT_OK_AND_ASSIGN(auto array, Array::Open(*store, "a"));
  std::vector<uint16_t> shard(8 * 10 * 6);
  for (size_t i = 0; i < shard.size(); ++i) shard[i] = static_cast<uint16_t>(i + 1);
  Buffer enc;
  ASSERT_OK(array->EncodeChunk(V{0, 0, 0}, std::as_bytes(std::span(shard)), enc));
  ASSERT_OK(store->Set(array->StoreKey(V{0, 0, 0}), enc.span()));
  ASSERT_OK_AND_ASSIGN(auto reader, CropReader::Create(*array, {.threads = 1}));
  std::vector<uint16_t> out(2);
  const CropOutput o{std::as_writable_bytes(std::span(out))};
  ASSERT_OK(reader->Read(Box{{1, 2, 3}, {1, 1, 2}}, o));
  EXPECT_EQ(out[0], (1 * 10 + 2) * 6 + 3 + 1);
  EXPECT_EQ(out[1], (1 * 10 + 2) * 6 + 4 + 1);
  ASSERT_OK(reader->Read(Box{{7, 9, 0}, {1, 1, 2}}, o));
  EXPECT_EQ(out[0], (7 * 10 + 9) * 6 + 0 + 1);
  EXPECT_EQ(reader->stats().index_reads, 1u);
  EXPECT_EQ(reader->stats().chunks_decoded, 2u);
  std::filesystem::remove_all(tmpl);
}

// A 12x4x6 uint16 array of 3x4x6 chunks (or inner chunks, in shards of 6x4x6): chunk rows are
// whole rows of any crop spanning the last two dimensions, so whole chunks decode straight into
// the output. Rows 6..8 are not stored (fill 0); element (i, j, k) holds 24 * i + 6 * j + k + 1.
TEST(CropReader, WholeChunksDecodeStraightIntoTheOutput) {
  const std::string plain = fmt::format(
      R"({{"zarr_format": 3, "node_type": "array", "shape": [12, 4, 6], "data_type": "uint16",
      "chunk_grid": {{"name": "regular", "configuration": {{"chunk_shape": [3, 4, 6]}}}},
      "chunk_key_encoding": {{"name": "default"}}, "fill_value": 0, "codecs": [{}]}})", kGzip);
  const std::string sharded = fmt::format(
      R"({{"zarr_format": 3, "node_type": "array", "shape": [12, 4, 6], "data_type": "uint16",
      "chunk_grid": {{"name": "regular", "configuration": {{"chunk_shape": [6, 4, 6]}}}},
      "chunk_key_encoding": {{"name": "default"}}, "fill_value": 0, "codecs": [{}]}})",
      fmt::format(R"({{"name": "sharding_indexed", "configuration": {{"chunk_shape": [3, 4, 6],
          "codecs": [{}]}}}})", kGzip));
  for (const std::string& meta : {plain, sharded}) {
    SCOPED_TRACE(meta);
    char tmpl[] = "/tmp/zring_crop_direct_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    ASSERT_OK_AND_ASSIGN(auto store, DirectoryStore::Open(tmpl));
    ASSERT_OK(store->Set("a/zarr.json", std::as_bytes(std::span(meta.data(), meta.size()))));
    ASSERT_OK_AND_ASSIGN(auto array, Array::Open(*store, "a"));
    const uint64_t rows = array->metadata().chunk_shape[0];
    for (uint64_t c = 0; c < 12 / rows; ++c) {
      std::vector<uint16_t> chunk(rows * 24);
      for (uint64_t e = 0; e < chunk.size(); ++e) {
        const uint64_t row = c * rows + e / 24;
        chunk[e] = (row >= 6 && row < 9) ? 0 : static_cast<uint16_t>(c * rows * 24 + e + 1);
      }
      Buffer enc;
      ASSERT_OK(array->EncodeChunk(V{c, 0, 0}, std::as_bytes(std::span(chunk)), enc));
      if (rows == 3 && c == 2) continue;  // plain: chunk 2 is not stored at all
      ASSERT_OK(store->Set(array->StoreKey(V{c, 0, 0}), enc.span()));
    }
    ASSERT_OK_AND_ASSIGN(auto reader, CropReader::Create(*array, {.threads = 2}));
    auto expect = [](uint64_t first_row, const std::vector<uint16_t>& got) {
      for (uint64_t e = 0; e < got.size(); ++e) {
        const uint64_t row = first_row + e / 24;
        const uint16_t want = (row >= 6 && row < 9) ? 0 : first_row * 24 + e + 1;
        ASSERT_EQ(got[e], want) << "element " << e;
      }
    };
    std::vector<uint16_t> whole(12 * 24);
    ASSERT_OK(reader->Read(Box{{0, 0, 0}, {12, 4, 6}},
                           CropOutput{std::as_writable_bytes(std::span(whole))}));
    expect(0, whole);
    EXPECT_EQ(reader->stats().chunks_direct, 3u);
    std::vector<uint16_t> mid(6 * 24);
    ASSERT_OK(reader->Read(Box{{3, 0, 0}, {6, 4, 6}},
                           CropOutput{std::as_writable_bytes(std::span(mid))}));
    expect(3, mid);
    EXPECT_EQ(reader->stats().chunks_direct, 4u);
    std::vector<uint16_t> ragged(5 * 24);
    ASSERT_OK(reader->Read(Box{{2, 0, 0}, {5, 4, 6}},
                           CropOutput{std::as_writable_bytes(std::span(ragged))}));
    expect(2, ragged);
    EXPECT_EQ(reader->stats().chunks_direct, 5u);
    // Two crops sharing chunk 0, and a strided output: assembled from a scratch copy.
    std::vector<uint16_t> a(24), b(24);
    std::vector<Box> crops{Box{{1, 0, 0}, {1, 4, 6}}, Box{{2, 0, 0}, {1, 4, 6}}};
    std::vector<CropOutput> outs{{std::as_writable_bytes(std::span(a))},
                                 {std::as_writable_bytes(std::span(b))}};
    ASSERT_OK_AND_ASSIGN(auto st, reader->ReadCrops(crops, outs));
    ASSERT_OK(st[0]);
    ASSERT_OK(st[1]);
    expect(1, a);
    expect(2, b);
    std::vector<uint16_t> strided(12 * 24);
    ASSERT_OK(reader->Read(Box{{0, 0, 0}, {12, 4, 6}},
                           CropOutput{std::as_writable_bytes(std::span(strided)), {24, 6, 1}}));
    expect(0, strided);
    EXPECT_EQ(reader->stats().chunks_direct, 5u);
    std::filesystem::remove_all(tmpl);
  }
}

// Uncompressed chunk files of 64 KiB (v2, 64x64x64 uint16 in chunks of 32x32x32): crops that
// need a small part of a chunk read only from its first to its last needed byte, with the same
// bytes as whole reads. A chunk file of the wrong size is read whole and fails with its name; a
// missing one is the fill value.
TEST(CropReader, UncompressedChunkFilesAreReadInPart) {
  char tmpl[] = "/tmp/zring_crop_range_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  ASSERT_OK_AND_ASSIGN(auto store, DirectoryStore::Open(tmpl));
  const std::string meta = R"({"zarr_format": 2, "shape": [64, 64, 64], "chunks": [32, 32, 32],
      "dtype": "<u2", "compressor": null, "fill_value": 7, "order": "C", "filters": null})";
  ASSERT_OK(store->Set("a/.zarray", std::as_bytes(std::span(meta.data(), meta.size()))));
  ASSERT_OK_AND_ASSIGN(auto array, Array::Open(*store, "a"));
  auto value = [](uint64_t i, uint64_t j, uint64_t k) {
    return static_cast<uint16_t>((i * 64 + j) * 64 + k);
  };
  for (uint64_t n = 0; n < 8; ++n) {
    const V idx{n / 4, n / 2 % 2, n % 2};
    std::vector<uint16_t> chunk(32 * 32 * 32);
    for (uint64_t e = 0; e < chunk.size(); ++e) {
      chunk[e] = value(idx[0] * 32 + e / 1024, idx[1] * 32 + e / 32 % 32, idx[2] * 32 + e % 32);
    }
    Buffer enc;
    ASSERT_OK(array->EncodeChunk(idx, std::as_bytes(std::span(chunk)), enc));
    ASSERT_EQ(enc.size(), 65536u);
    ASSERT_OK(store->Set(array->StoreKey(idx), enc.span()));
  }
  std::mt19937_64 rng(5);
  std::vector<Box> crops;
  for (int n = 0; n < 200; ++n) {
    Box b{V(3), V(3)};
    for (size_t d = 0; d < 3; ++d) {
      b.shape[d] = 1 + rng() % (n % 10 == 0 ? 40 : 6);
      b.origin[d] = rng() % (64 - b.shape[d] + 1);
    }
    crops.push_back(b);
  }
  // resident: chunk files in the page cache (all of them here) read by the decoding threads
  // (map_resident), or every one through the engine.
  auto read_all = [&](bool resident, bool range, std::vector<std::vector<uint16_t>>& bufs,
                      std::vector<absl::Status>& st, CropReadStats& stats) {
    CropReaderOptions o;
    o.threads = 2;
    o.engine.io_threads = 1;
    o.map_resident = resident;
    o.range_read = range;
    o.group_crops = 1;  // each crop's own ranges (a group reads the union of its crops')
    ASSERT_OK_AND_ASSIGN(auto reader, CropReader::Create(*array, o));
    bufs.assign(crops.size(), {});
    std::vector<CropOutput> outs;
    for (size_t i = 0; i < crops.size(); ++i) {
      bufs[i].resize(crops[i].NumElements());
      outs.push_back(CropOutput{std::as_writable_bytes(std::span(bufs[i]))});
    }
    ASSERT_OK_AND_ASSIGN(st, reader->ReadCrops(crops, outs));
    stats = reader->stats();
  };
  auto expected = [&](const Box& c, uint64_t e, bool missing001) {
    const uint64_t i = c.origin[0] + e / (c.shape[1] * c.shape[2]);
    const uint64_t j = c.origin[1] + e / c.shape[2] % c.shape[1];
    const uint64_t k = c.origin[2] + e % c.shape[2];
    if (missing001 && i < 32 && j < 32 && k >= 32) return uint16_t{7};
    return value(i, j, k);
  };
  std::vector<std::vector<uint16_t>> got[2];
  std::vector<absl::Status> st[2];
  CropReadStats stats[2];
  const bool nowait = NowaitReadsWork(tmpl);
  for (bool resident : {false, true}) {
    SCOPED_TRACE(resident ? "read by the decoding threads" : "read through the engine");
    for (bool range : {false, true}) {
      read_all(resident, range, got[range], st[range], stats[range]);
      for (size_t i = 0; i < crops.size(); ++i) {
        ASSERT_OK(st[range][i]) << DescribeBox(crops[i]);
        for (uint64_t e = 0; e < got[range][i].size(); ++e) {
          ASSERT_EQ(got[range][i][e], expected(crops[i], e, false))
              << DescribeBox(crops[i]) << " element " << e << (range ? " in part" : " whole");
        }
      }
      EXPECT_EQ(stats[range].chunks_resident_read,
                resident && nowait ? stats[range].chunks_decoded : 0u);
      if (resident && nowait) {
        EXPECT_EQ(stats[range].chunk_reads, 0u);
      }
    }
    EXPECT_EQ(stats[0].chunks_range_read, 0u);
    EXPECT_GT(stats[1].chunks_range_read, stats[1].chunks_decoded / 2);
    EXPECT_LT(stats[1].bytes_read * 4, stats[0].bytes_read);
    EXPECT_EQ(stats[0].chunks_decoded, stats[1].chunks_decoded);
  }

  // Chunk 0.0.0 one byte longer than a chunk, 1.1.1 cut short, 0.0.1 gone, 1.0.0 longer than
  // any encoding of a chunk (map_resident leaves it to the engine, which reads it whole).
  const std::string root(tmpl);
  {
    FILE* f = fopen((root + "/a/0.0.0").c_str(), "ab");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(fputc(0, f), 0);
    ASSERT_EQ(fclose(f), 0);
  }
  std::filesystem::resize_file(root + "/a/1.1.1", 1000);
  std::filesystem::resize_file(root + "/a/1.0.0", 200 << 10);
  std::filesystem::remove(root + "/a/0.0.1");
  for (int mode = 0; mode < 4; ++mode) {
    const bool range = mode & 1, resident = mode & 2;
    SCOPED_TRACE(fmt::format("range_read {} map_resident {}", range, resident));
    read_all(resident, range, got[range], st[range], stats[range]);
    bool any_100 = false;
    for (size_t i = 0; i < crops.size(); ++i) {
      const Box& c = crops[i];
      auto touches = [&](uint64_t ci, uint64_t cj, uint64_t ck) {
        const uint64_t at[3] = {ci, cj, ck};
        for (size_t d = 0; d < 3; ++d) {
          if (c.origin[d] >= at[d] * 32 + 32 || c.origin[d] + c.shape[d] <= at[d] * 32) {
            return false;
          }
        }
        return true;
      };
      std::vector<std::string> bad;
      if (touches(0, 0, 0)) bad.push_back("0.0.0");
      if (touches(1, 1, 1)) bad.push_back("1.1.1");
      if (touches(1, 0, 0)) bad.push_back("1.0.0");
      any_100 = any_100 || touches(1, 0, 0);
      if (!bad.empty()) {
        // A crop that needs several bad chunks names the first that failed.
        EXPECT_EQ(st[range][i].code(), absl::StatusCode::kDataLoss) << DescribeBox(c);
        const std::string message(st[range][i].message());
        EXPECT_TRUE(std::any_of(bad.begin(), bad.end(), [&](const std::string& key) {
          return message.find(key) != std::string::npos;
        })) << DescribeBox(c) << ": " << message;
        continue;
      }
      ASSERT_OK(st[range][i]) << DescribeBox(c);
      for (uint64_t e = 0; e < got[range][i].size(); ++e) {
        ASSERT_EQ(got[range][i][e], expected(c, e, true)) << DescribeBox(c);
      }
    }
    // The oversized chunk went through the engine on either path.
    if (any_100) {
      EXPECT_GE(stats[range].chunk_reads, 1u);
    }
  }
  std::filesystem::remove_all(tmpl);
}

TEST(CropReader, NeedsADirectoryStore) {
  MemoryStore store;
  ASSERT_OK(store.Set("zarr.json", V3("uint8", "0", {4, 5, 3}, kGzip)));
  ASSERT_OK_AND_ASSIGN(auto array, Array::Open(store, ""));
  EXPECT_THAT(CropReader::Create(*array, {}),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("directory store")));
}

}  // namespace
}  // namespace zring::zarr
