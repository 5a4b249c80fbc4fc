#include "zarr/chunk_cache.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace zring::zarr {
namespace {

ChunkCache::Chunk Bytes(size_t n, uint8_t v) {
  return std::make_shared<const std::vector<std::byte>>(n, std::byte{v});
}

TEST(ChunkCache, EvictsLeastRecentlyUsedWithinCapacity) {
  ChunkCache cache(300);
  cache.Insert(1, Bytes(100, 1));
  cache.Insert(2, Bytes(100, 2));
  cache.Insert(3, Bytes(100, 3));
  ASSERT_NE(cache.Find(1), nullptr);  // 1 becomes most recent; 2 is now the oldest
  cache.Insert(4, Bytes(100, 4));
  EXPECT_EQ(cache.Find(2), nullptr);
  ASSERT_NE(cache.Find(1), nullptr);
  EXPECT_EQ((*cache.Find(4))[0], std::byte{4});
  EXPECT_EQ(cache.used_bytes(), 300u);
  EXPECT_EQ(cache.size(), 3u);
}

TEST(ChunkCache, ReplacesAndRefusesOversizedChunks) {
  ChunkCache cache(250);
  cache.Insert(1, Bytes(100, 1));
  cache.Insert(1, Bytes(50, 9));
  EXPECT_EQ(cache.used_bytes(), 64u);  // charged at least 64
  EXPECT_EQ((*cache.Find(1))[0], std::byte{9});
  cache.Insert(2, Bytes(251, 2));
  EXPECT_EQ(cache.Find(2), nullptr);
  EXPECT_EQ(cache.used_bytes(), 64u);  // charged at least 64
}

TEST(ChunkCache, AnEvictedChunkStaysValidForItsHolder) {
  ChunkCache cache(100);
  cache.Insert(1, Bytes(100, 7));
  ChunkCache::Chunk held = cache.Find(1);
  cache.Insert(2, Bytes(100, 8));
  EXPECT_EQ(cache.Find(1), nullptr);
  ASSERT_NE(held, nullptr);
  EXPECT_EQ(held->size(), 100u);
  EXPECT_EQ((*held)[99], std::byte{7});
}

TEST(ChunkCache, ConcurrentInsertsAndFindsStayWithinCapacity) {
  ChunkCache cache(64 * 10);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (uint64_t i = 0; i < 2000; ++i) {
        cache.Insert((i * 7 + t) % 50, Bytes(64, uint8_t(i)));
        auto hit = cache.Find(i % 50);
        if (hit != nullptr && hit->size() != 64) std::abort();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(cache.used_bytes(), 640u);
  EXPECT_EQ(cache.used_bytes(), cache.size() * 64);
  cache.Insert(99, Bytes(0, 0));  // a not-stored marker is charged 64 bytes
  EXPECT_LE(cache.used_bytes(), 640u);
}

}  // namespace
}  // namespace zring::zarr
