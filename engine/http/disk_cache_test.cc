// DiskCache: exact round trips, validation of every read (corrupt, truncated, torn, colliding
// entries are misses and never served), LRU eviction within max_bytes, several processes on
// one directory, and I/O errors that degrade to misses.
#include "engine/http/disk_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::http {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

// Bytes determined by (seed, size): any served payload can be checked against its key.
std::vector<std::byte> Pattern(uint64_t seed, size_t size) {
  std::vector<std::byte> out(size);
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<std::byte>(x & 0xff);
  }
  return out;
}

EntryInfo Info(std::string etag, uint64_t object_size = 0) {
  EntryInfo info;
  info.etag = std::move(etag);
  info.object_size = object_size;
  info.object_size_known = object_size != 0;
  info.http_status = 206;
  return info;
}

CacheKey RangeKey(std::string url, uint64_t offset, uint64_t length) {
  return CacheKey{std::move(url), RangeKind::kRange, offset, length};
}

// Total size of the cache's entry and temporary files, as a scan from outside sees it.
// Files may vanish while it runs (other processes evict): those count as gone.
uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    const uint64_t size = it->file_size(size_ec);
    if (!size_ec && it->is_regular_file(size_ec) && it->path().filename() != "lock") total += size;
  }
  return total;
}

class DiskCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zring_disk_cache_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string dir_;
};

TEST_F(DiskCacheTest, RoundTripsEntriesExactly) {
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(dir_ + "/c", 64 << 20));
  const std::vector<size_t> sizes = {0, 1, 4095, 4097, 1 << 20};
  for (size_t i = 0; i < sizes.size(); ++i) {
    CacheKey key = RangeKey("http://h/obj" + std::to_string(i), 1000 * i, sizes[i] + 7);
    cache->Insert(key, Info("\"e" + std::to_string(i) + "\"", 5'000'000), Pattern(i, sizes[i]));
  }
  for (size_t i = 0; i < sizes.size(); ++i) {
    CacheKey key = RangeKey("http://h/obj" + std::to_string(i), 1000 * i, sizes[i] + 7);
    const std::string etag = "\"e" + std::to_string(i) + "\"";
    std::vector<std::byte> dst(sizes[i] + 7, std::byte{0xee});
    EntryInfo info;
    ASSERT_TRUE(cache->Lookup(key, etag, dst, &info)) << i;
    EXPECT_EQ(info.bytes, sizes[i]);
    EXPECT_EQ(info.etag, etag);
    EXPECT_TRUE(info.object_size_known);
    EXPECT_EQ(info.object_size, 5'000'000u);
    EXPECT_EQ(info.http_status, 206);
    EXPECT_EQ(std::vector<std::byte>(dst.begin(), dst.begin() + sizes[i]), Pattern(i, sizes[i]));
    std::vector<std::byte> out;
    EntryInfo any;
    ASSERT_TRUE(cache->Lookup(key, "", &out, &any));  // any ETag: the caller revalidates
    EXPECT_EQ(any.etag, etag);
    EXPECT_EQ(out, Pattern(i, sizes[i]));
    EXPECT_FALSE(cache->Lookup(key, "\"other\"", &out, &any));  // another version: a miss
  }
  // The same URL and offset with another length, kind or offset is another key.
  EntryInfo info;
  std::vector<std::byte> out;
  EXPECT_FALSE(cache->Lookup(RangeKey("http://h/obj1", 1000, 9), "", &out, &info));
  EXPECT_FALSE(cache->Lookup(RangeKey("http://h/obj1", 1001, 8), "", &out, &info));
  EXPECT_FALSE(cache->Lookup({"http://h/obj1", RangeKind::kSuffix, 0, 8}, "", &out, &info));
  CacheStats stats = cache->Stats();
  EXPECT_EQ(stats.inserts, sizes.size());
  EXPECT_EQ(stats.hits, 2 * sizes.size());
  EXPECT_EQ(stats.bad_entries, 0u);
}

TEST_F(DiskCacheTest, PayloadLargerThanDstIsAMiss) {
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(dir_, 1 << 20));
  CacheKey key{"http://h/whole", RangeKind::kNone, 0, 0};
  cache->Insert(key, Info("\"w\""), Pattern(3, 1000));
  std::vector<std::byte> small(999);
  EntryInfo info;
  EXPECT_FALSE(cache->Lookup(key, "\"w\"", small, &info));
  std::vector<std::byte> exact(1000);
  ASSERT_TRUE(cache->Lookup(key, "\"w\"", exact, &info));
  EXPECT_EQ(exact, Pattern(3, 1000));
}

TEST_F(DiskCacheTest, NewVersionReplacesTheEntryForTheSameRange) {
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(dir_, 1 << 20));
  CacheKey key = RangeKey("http://h/a", 0, 100);
  cache->Insert(key, Info("\"v1\""), Pattern(1, 100));
  cache->Insert(key, Info("\"v2\""), Pattern(2, 100));
  std::vector<std::byte> out;
  EntryInfo info;
  EXPECT_FALSE(cache->Lookup(key, "\"v1\"", &out, &info));
  ASSERT_TRUE(cache->Lookup(key, "\"v2\"", &out, &info));
  EXPECT_EQ(out, Pattern(2, 100));
}

// Each damage leaves a file at the entry's name that must be a miss and be removed.
struct Damage {
  const char* name;
  void (*apply)(const std::string& path);
};

void FlipByteAt(const std::string& path, int64_t from_end) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(0, std::ios::end);
  const int64_t size = f.tellg();
  const int64_t pos = from_end >= 0 ? size - 1 - from_end : -from_end - 1;
  f.seekg(pos);
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x10);
  f.seekp(pos);
  f.write(&c, 1);
}

const Damage kDamages[] = {
    {"flipped payload byte", [](const std::string& p) { FlipByteAt(p, 10); }},
    {"flipped magic byte", [](const std::string& p) { FlipByteAt(p, -1); }},
    {"flipped length byte", [](const std::string& p) { FlipByteAt(p, -57); }},
    {"flipped url byte", [](const std::string& p) { FlipByteAt(p, -75); }},
    {"flipped checksum byte", [](const std::string& p) { FlipByteAt(p, -29); }},
    {"truncated payload", [](const std::string& p) { fs::resize_file(p, fs::file_size(p) - 1); }},
    {"truncated header", [](const std::string& p) { fs::resize_file(p, 40); }},
    {"empty file", [](const std::string& p) { fs::resize_file(p, 0); }},
    {"appended byte",
     [](const std::string& p) { std::ofstream(p, std::ios::app | std::ios::binary) << 'x'; }},
    {"garbage", [](const std::string& p) {
       std::ofstream out(p, std::ios::binary | std::ios::trunc);
       std::vector<std::byte> junk = Pattern(99, 5000);
       out.write(reinterpret_cast<const char*>(junk.data()), junk.size());
     }},
};

TEST_F(DiskCacheTest, DamagedEntriesAreMissesAndRemoved) {
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(dir_, 1 << 20));
  uint64_t bad = 0;
  for (const Damage& damage : kDamages) {
    CacheKey key = RangeKey("http://h/damaged", 0, 4000);
    cache->Insert(key, Info("\"d\""), Pattern(7, 4000));
    const std::string path = cache->EntryPathForTesting(key);
    ASSERT_TRUE(fs::exists(path)) << damage.name;
    damage.apply(path);
    std::vector<std::byte> dst(4000);
    std::vector<std::byte> out;
    EntryInfo info;
    EXPECT_FALSE(cache->Lookup(key, "\"d\"", dst, &info)) << damage.name;
    EXPECT_FALSE(fs::exists(path)) << damage.name;
    EXPECT_EQ(cache->Stats().bad_entries, ++bad) << damage.name;
    EXPECT_FALSE(cache->Lookup(key, "", &out, &info)) << damage.name;
    // A fresh insert after the damage serves again.
    cache->Insert(key, Info("\"d\""), Pattern(8, 4000));
    ASSERT_TRUE(cache->Lookup(key, "\"d\"", &out, &info)) << damage.name;
    EXPECT_EQ(out, Pattern(8, 4000)) << damage.name;
  }
}

TEST_F(DiskCacheTest, CollidingKeysNeverServeEachOthersBytes) {
  DiskCacheOptions options;
  options.dir = dir_;
  options.max_bytes = 1 << 20;
  options.name_for_testing = [](const CacheKey&) { return std::string("abcollision"); };
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(std::move(options)));
  CacheKey a = RangeKey("http://h/a", 0, 100), b = RangeKey("http://h/b", 0, 100);
  ASSERT_EQ(cache->EntryPathForTesting(a), cache->EntryPathForTesting(b));
  cache->Insert(a, Info("\"same\""), Pattern(1, 100));
  std::vector<std::byte> out;
  EntryInfo info;
  EXPECT_FALSE(cache->Lookup(b, "\"same\"", &out, &info));
  EXPECT_FALSE(cache->Lookup(b, "", &out, &info));
  ASSERT_TRUE(cache->Lookup(a, "\"same\"", &out, &info));  // a's entry is valid: kept
  EXPECT_EQ(out, Pattern(1, 100));
  cache->Insert(b, Info("\"same\""), Pattern(2, 100));
  EXPECT_FALSE(cache->Lookup(a, "", &out, &info));
  ASSERT_TRUE(cache->Lookup(b, "\"same\"", &out, &info));
  EXPECT_EQ(out, Pattern(2, 100));
  EXPECT_EQ(cache->Stats().bad_entries, 0u);
}

void SetMtime(const std::string& path, time_t seconds) {
  timespec times[2] = {{seconds, 0}, {seconds, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0) << path;
}

TEST_F(DiskCacheTest, EvictsLeastRecentlyUsedFirstAndStaysWithinMaxBytes) {
  // Entries of ~1.1 KB in a 16 KiB cache: 14 fit; eviction trims to 14 KiB (12 entries).
  constexpr uint64_t kMax = 16 << 10;
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(dir_, kMax));
  auto key = [](int i) { return RangeKey("http://h/lru", 1000 * i, 1000); };
  const time_t base = ::time(nullptr) - 10000;
  for (int i = 0; i < 12; ++i) {
    cache->Insert(key(i), Info("\"l\""), Pattern(i, 1000));
    SetMtime(cache->EntryPathForTesting(key(i)), base + i);  // entry 0 the oldest
  }
  EXPECT_EQ(cache->Stats().evictions, 0u);
  std::vector<std::byte> out;
  EntryInfo info;
  ASSERT_TRUE(cache->Lookup(key(0), "\"l\"", &out, &info));  // 0 becomes the youngest
  for (int i = 12; i < 20; ++i) {
    cache->Insert(key(i), Info("\"l\""), Pattern(i, 1000));
    SetMtime(cache->EntryPathForTesting(key(i)), base + 100 + i);
    EXPECT_LE(DirBytes(dir_), kMax) << "after insert " << i;
  }
  EXPECT_GT(cache->Stats().evictions, 0u);
  // The oldest untouched entries went first; the touched one and the newest stayed.
  EXPECT_TRUE(cache->Lookup(key(0), "\"l\"", &out, &info));
  EXPECT_EQ(out, Pattern(0, 1000));
  EXPECT_FALSE(fs::exists(cache->EntryPathForTesting(key(1))));
  EXPECT_FALSE(fs::exists(cache->EntryPathForTesting(key(2))));
  for (int i = 15; i < 20; ++i) {
    ASSERT_TRUE(cache->Lookup(key(i), "\"l\"", &out, &info)) << i;
    EXPECT_EQ(out, Pattern(i, 1000));
  }
  const uint64_t after_trim = cache->Trim();
  EXPECT_EQ(after_trim, DirBytes(dir_));
  EXPECT_EQ(cache->Stats().bytes_estimate, after_trim);
}

TEST_F(DiskCacheTest, OversizedEntriesAreNotStored) {
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(dir_, 8000));
  CacheKey key = RangeKey("http://h/big", 0, 2000);
  cache->Insert(key, Info("\"b\""), Pattern(1, 2000));  // > max_bytes / 8
  std::vector<std::byte> out;
  EntryInfo info;
  EXPECT_FALSE(cache->Lookup(key, "", &out, &info));
  EXPECT_EQ(cache->Stats().inserts, 0u);
}

TEST_F(DiskCacheTest, ReopenSeesEntriesAndTheirTotal) {
  uint64_t bytes = 0;
  {
    ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(dir_, 1 << 20));
    for (int i = 0; i < 5; ++i) cache->Insert(RangeKey("u", i, 10), Info("\"r\""), Pattern(i, 10));
    bytes = DirBytes(dir_);
  }
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(dir_, 1 << 20));
  EXPECT_EQ(cache->Stats().bytes_estimate, bytes);
  std::vector<std::byte> out;
  EntryInfo info;
  ASSERT_TRUE(cache->Lookup(RangeKey("u", 3, 10), "\"r\"", &out, &info));
  EXPECT_EQ(out, Pattern(3, 10));
}

TEST_F(DiskCacheTest, StaleTemporariesAreRemovedAndFreshOnesCounted) {
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(dir_, 1 << 20));
  fs::create_directories(dir_ + "/ab");
  const std::string stale = dir_ + "/ab/.tmp-ab12-1-0", fresh = dir_ + "/ab/.tmp-ab12-2-0";
  std::ofstream(stale) << std::string(300, 's');
  std::ofstream(fresh) << std::string(200, 'f');
  SetMtime(stale, ::time(nullptr) - 2 * 3600);
  EXPECT_EQ(cache->Trim(), 200u);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));
}

TEST_F(DiskCacheTest, OpenRejectsBadArguments) {
  EXPECT_THAT(DiskCache::Open("", 10).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(DiskCache::Open(dir_, 0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_bytes")));
  std::ofstream(dir_ + "/file") << "x";
  EXPECT_THAT(DiskCache::Open(dir_ + "/file", 10).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a directory")));
  EXPECT_FALSE(DiskCache::Open(dir_ + "/file/sub", 10).ok());
}

TEST_F(DiskCacheTest, UnwritableEntryDirectoryMakesInsertsMissesNotErrors) {
  DiskCacheOptions options;
  options.dir = dir_;
  options.max_bytes = 1 << 20;
  options.name_for_testing = [](const CacheKey& k) { return k.url == "ok" ? "cdok" : "ffblocked"; };
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(std::move(options)));
  std::ofstream(dir_ + "/ff") << "a file where the entry directory should be";
  cache->Insert(RangeKey("blocked", 0, 10), Info("\"x\""), Pattern(1, 10));
  cache->Insert(RangeKey("ok", 0, 10), Info("\"x\""), Pattern(2, 10));
  std::vector<std::byte> out;
  EntryInfo info;
  EXPECT_FALSE(cache->Lookup(RangeKey("blocked", 0, 10), "", &out, &info));
  ASSERT_TRUE(cache->Lookup(RangeKey("ok", 0, 10), "", &out, &info));
  EXPECT_EQ(out, Pattern(2, 10));
  EXPECT_GE(cache->Stats().io_errors, 1u);
  EXPECT_EQ(cache->Stats().inserts, 1u);
}

// Children hammer one small directory with inserts and lookups of shared keys whose payload
// depends on (key, version): a served payload that does not match its key and ETag, or a
// directory far above max_bytes, fails the child.
int HammerChild(const std::string& dir, uint64_t max_bytes, int child) {
  auto cache_or = DiskCache::Open(dir, max_bytes);
  if (!cache_or.ok()) return 2;
  DiskCache& cache = **cache_or;
  std::mt19937 rng(child);
  for (int op = 0; op < 1500; ++op) {
    const int k = static_cast<int>(rng() % 48);
    const int version = static_cast<int>(rng() % 3);
    const size_t size = 100 + 97 * static_cast<size_t>(k);  // up to ~4.7 KB
    CacheKey key = RangeKey("http://h/shared/" + std::to_string(k), 0, 8192);
    const std::string etag = "\"v" + std::to_string(version) + "\"";
    if (rng() % 2 == 0) {
      cache.Insert(key, Info(etag), Pattern(k * 10 + version, size));
    } else {
      std::vector<std::byte> out;
      EntryInfo info;
      if (cache.Lookup(key, "", &out, &info)) {
        if (info.etag.size() != 4) return 3;
        const int v = info.etag[2] - '0';
        if (out != Pattern(k * 10 + v, size)) return 4;
      }
    }
    if (op % 100 == 0 && DirBytes(dir) > max_bytes * 2) return 5;
  }
  if (cache.Stats().bad_entries != 0) return 6;
  return 0;
}

TEST_F(DiskCacheTest, SeveralProcessesNeverSeeWrongBytesAndStayBounded) {
  constexpr uint64_t kMax = 48 << 10;
  std::vector<pid_t> children;
  for (int c = 0; c < 4; ++c) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(HammerChild(dir_, kMax, c));
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "child " << pid
                                      << " (3/4: wrong bytes, 5: unbounded, 6: bad entries)";
  }
  ASSERT_OK_AND_ASSIGN(auto cache, DiskCache::Open(dir_, kMax));
  EXPECT_LE(cache->Trim(), kMax);
  EXPECT_LE(DirBytes(dir_), kMax);
  // No temporary files are left behind by writers that finished.
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().rfind(".tmp-", 0), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace zring::engine::http
