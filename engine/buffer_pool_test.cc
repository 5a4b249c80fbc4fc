#include "engine/buffer_pool.h"

#include <cstdint>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"

namespace zring::engine {
namespace {

bool Aligned(const void* p) { return reinterpret_cast<uintptr_t>(p) % kBufferAlignmentBytes == 0; }

TEST(BufferPool, HandsOutAlignedArenaBuffersAndReusesFreedOnes) {
  BufferPool pool(1 << 20);
  PooledBuffer a = pool.Allocate(5000);
  ASSERT_TRUE(a);
  EXPECT_TRUE(Aligned(a.data()));
  EXPECT_EQ(a.size(), 5000u);
  EXPECT_TRUE(pool.Contains(a.data(), a.size()));
  std::memset(a.data(), 0x5A, a.size());  // writable end to end
  std::byte* first = a.data();
  a = PooledBuffer();
  PooledBuffer b = pool.Allocate(8192);  // same size class (two blocks)
  EXPECT_EQ(b.data(), first);
}

TEST(BufferPool, FallsBackToTheHeapWhenTheArenaIsFull) {
  BufferPool pool(64 << 10);
  std::vector<PooledBuffer> held;
  for (int i = 0; i < 16; ++i) held.push_back(pool.Allocate(4096));
  for (const auto& b : held) EXPECT_TRUE(pool.Contains(b.data(), b.size()));
  PooledBuffer extra = pool.Allocate(4096);
  ASSERT_TRUE(extra);
  EXPECT_TRUE(Aligned(extra.data()));
  EXPECT_FALSE(pool.Contains(extra.data(), extra.size()));
}

TEST(BufferPool, ContainsRejectsRangesThatLeaveTheArena) {
  BufferPool pool(1 << 20);
  std::span<std::byte> arena = pool.arena();
  ASSERT_EQ(arena.size(), size_t{1} << 20);
  EXPECT_TRUE(pool.Contains(arena.data(), arena.size()));
  EXPECT_FALSE(pool.Contains(arena.data() + 1, arena.size()));
  EXPECT_FALSE(pool.Contains(arena.data() - 1, 2));
  int on_stack = 0;
  EXPECT_FALSE(pool.Contains(&on_stack, sizeof(on_stack)));
}

TEST(BufferPool, BuffersOutliveThePool) {
  PooledBuffer kept;
  {
    BufferPool pool(1 << 20);
    kept = pool.Allocate(100);
    std::memset(kept.data(), 1, 100);
  }
  EXPECT_EQ(kept.data()[99], std::byte{1});
}

TEST(BufferPool, ZeroBytesIsAnEmptyBuffer) {
  BufferPool pool(0);
  EXPECT_FALSE(pool.Allocate(0));
  PooledBuffer heap = pool.Allocate(10);
  ASSERT_TRUE(heap);
  EXPECT_FALSE(pool.Contains(heap.data(), 10));
}

TEST(BufferPool, BlockBytesIsWhatAnArenaBlockTakes) {
  EXPECT_EQ(BufferPool::BlockBytes(0), 0u);
  EXPECT_EQ(BufferPool::BlockBytes(1), 4096u);
  EXPECT_EQ(BufferPool::BlockBytes(4096), 4096u);
  EXPECT_EQ(BufferPool::BlockBytes(4097), 8192u);
  EXPECT_EQ(BufferPool::BlockBytes(384 << 10), 512u << 10);
  // Blocks of that size fill the arena exactly: no more fit, and none comes from the heap.
  BufferPool pool(4 * (512 << 10));
  std::vector<PooledBuffer> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(pool.Allocate(384 << 10));
    EXPECT_TRUE(pool.Contains(held.back().data(), held.back().size())) << i;
  }
  PooledBuffer spill = pool.Allocate(384 << 10);
  ASSERT_TRUE(spill);
  EXPECT_FALSE(pool.Contains(spill.data(), spill.size()));
}

}  // namespace
}  // namespace zring::engine
