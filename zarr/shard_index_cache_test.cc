#include "zarr/shard_index_cache.h"

#include "gtest/gtest.h"

namespace zring::zarr {
namespace {

std::vector<ShardIndexEntry> Entries(size_t n, uint64_t first_offset) {
  std::vector<ShardIndexEntry> e(n);
  for (size_t i = 0; i < n; ++i) e[i] = {first_offset + 10 * i, 10};
  return e;
}

TEST(ShardIndexCache, FindsWhatWasInsertedForTheSameFileSize) {
  ShardIndexCache cache(1 << 10);
  cache.Insert(7, Entries(3, 100), 5000);
  const auto* hit = cache.Find(7, 5000);
  ASSERT_NE(hit, nullptr);
  ASSERT_EQ(hit->size(), 3u);
  EXPECT_EQ((*hit)[2].offset_bytes, 120u);
  EXPECT_EQ(cache.Find(7, 5001), nullptr);  // the shard was rewritten
  EXPECT_EQ(cache.Find(8, 5000), nullptr);
  EXPECT_EQ(cache.used_bytes(), 3 * sizeof(ShardIndexEntry));
}

TEST(ShardIndexCache, EvictsTheLeastRecentlyUsedToStayWithinItsBytes) {
  // Room for exactly two indexes of 4 entries.
  ShardIndexCache cache(8 * sizeof(ShardIndexEntry));
  cache.Insert(1, Entries(4, 0), 100);
  cache.Insert(2, Entries(4, 0), 100);
  ASSERT_NE(cache.Find(1, 100), nullptr);  // 1 is now more recent than 2
  cache.Insert(3, Entries(4, 0), 100);
  EXPECT_NE(cache.Find(1, 100), nullptr);
  EXPECT_EQ(cache.Find(2, 100), nullptr);
  EXPECT_NE(cache.Find(3, 100), nullptr);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.used_bytes(), 8 * sizeof(ShardIndexEntry));
}

TEST(ShardIndexCache, ReplacesAnEntryAndSkipsIndexesLargerThanItAll) {
  ShardIndexCache cache(4 * sizeof(ShardIndexEntry));
  cache.Insert(1, Entries(2, 0), 100);
  cache.Insert(1, Entries(3, 50), 200);
  EXPECT_EQ(cache.Find(1, 100), nullptr);
  ASSERT_NE(cache.Find(1, 200), nullptr);
  EXPECT_EQ(cache.Find(1, 200)->front().offset_bytes, 50u);
  EXPECT_EQ(cache.used_bytes(), 3 * sizeof(ShardIndexEntry));
  cache.Insert(2, Entries(5, 0), 100);
  EXPECT_EQ(cache.Find(2, 100), nullptr);
  EXPECT_NE(cache.Find(1, 200), nullptr);
}

}  // namespace
}  // namespace zring::zarr
