// Aligned read buffers from one arena that every ring registers (IORING_REGISTER_BUFFERS).
//
// The engine reads into three kinds of memory: the caller's destination, bounce buffers
// (coalesced reads, unaligned O_DIRECT) and buffers it hands to the caller when a request has
// no destination. The last two come from here. The arena is one mmap'd region; when rings
// register it, any read whose target lies wholly inside it uses IORING_OP_READ_FIXED, which
// skips the per-read page pinning the kernel otherwise does. Callers may allocate their own
// reusable destinations here too (Engine::AllocateBuffer) to get the same benefit.
//
//   BufferPool pool(64 << 20);
//   PooledBuffer b = pool.Allocate(1 << 20);   // 4096-aligned, uninitialised
//   bool fixed = pool.Contains(b.data(), b.size());
//
// Invariants: every buffer is 4096-byte aligned and at least as large as asked. When the arena
// is exhausted the buffer comes from the heap (still aligned; Contains() is then false).
// Lifetimes: a PooledBuffer keeps the arena alive (shared ownership), so results may outlive
// the Engine. Allocate and release are thread-safe.
#ifndef ZRING_ENGINE_BUFFER_POOL_H_
#define ZRING_ENGINE_BUFFER_POOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace zring::engine {

inline constexpr size_t kBufferAlignmentBytes = 4096;

namespace internal {
class Arena;
}  // namespace internal

// Owned, aligned bytes; move-only. Returns its block to the pool on destruction.
class PooledBuffer {
 public:
  PooledBuffer() = default;
  PooledBuffer(PooledBuffer&& other) noexcept;
  PooledBuffer& operator=(PooledBuffer&& other) noexcept;
  PooledBuffer(const PooledBuffer&) = delete;
  PooledBuffer& operator=(const PooledBuffer&) = delete;
  ~PooledBuffer();

  // A view of [data, data + size_bytes) inside `owner`'s block, keeping the block alive (shared
  // with other views) until the last view is gone. For the members of one coalesced read.
  static PooledBuffer ViewOf(std::shared_ptr<const PooledBuffer> owner, std::byte* data,
                             size_t size_bytes);

  std::byte* data() const { return data_; }
  size_t size() const { return size_bytes_; }
  std::span<std::byte> span() const { return {data_, size_bytes_}; }
  explicit operator bool() const { return data_ != nullptr; }

 private:
  friend class BufferPool;
  PooledBuffer(std::shared_ptr<internal::Arena> arena, std::byte* data, size_t size_bytes,
               int size_class);
  void Release();

  std::shared_ptr<internal::Arena> arena_;  // null for heap blocks
  std::shared_ptr<const PooledBuffer> owner_;  // set for views: the block is owner_'s
  std::byte* data_ = nullptr;
  size_t size_bytes_ = 0;
  int size_class_ = -1;
};

class BufferPool {
 public:
  // arena_bytes == 0: no arena, every buffer comes from the heap. The mapping is made here;
  // pages are touched only when used or registered.
  explicit BufferPool(size_t arena_bytes);
  ~BufferPool();

  // A 4096-aligned buffer of at least `size_bytes`. Empty for a zero size, or when neither the
  // arena nor the heap has room (callers treat that as ResourceExhausted).
  PooledBuffer Allocate(size_t size_bytes);

  // The memory Allocate(size_bytes) takes from the arena: `size_bytes` rounded up to a
  // power-of-two multiple of 4096 (the arena's size classes). Callers that bound the bytes they
  // keep in flight count this, so that what they bound fits the arena.
  static size_t BlockBytes(size_t size_bytes);

  // True when [p, p + n) lies inside the arena, i.e. can be read with READ_FIXED buffer 0.
  bool Contains(const void* p, size_t n) const;

  // The arena as one iovec for io_uring_register_buffers; empty when there is no arena.
  std::span<std::byte> arena() const;

 private:
  std::shared_ptr<internal::Arena> arena_;
};

}  // namespace zring::engine

#endif  // ZRING_ENGINE_BUFFER_POOL_H_
