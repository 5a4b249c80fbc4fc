#include "engine/buffer_pool.h"

#include <sys/mman.h>

#include <array>
#include <bit>
#include <cstdlib>
#include <mutex>
#include <utility>
#include <vector>

namespace zring::engine {
namespace internal {

// Power-of-two size classes carved from a bump pointer; freed blocks go back on their class's
// free list and are never merged. Read buffers come in few distinct sizes (the chunk sizes of
// one array, the bounce sizes of one access pattern), so the waste stays small and allocation
// is a pop under a mutex.
class Arena {
 public:
  static constexpr int kClasses = 20;  // 4 KiB .. 2 GiB

  explicit Arena(size_t size_bytes) {
    void* p = mmap(nullptr, size_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED) return;
    base_ = static_cast<std::byte*>(p);
    size_bytes_ = size_bytes;
  }
  ~Arena() {
    if (base_ != nullptr) munmap(base_, size_bytes_);
  }
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  static int ClassFor(size_t n) {
    size_t blocks = (n + kBufferAlignmentBytes - 1) / kBufferAlignmentBytes;
    int c = std::bit_width(blocks - 1);  // ceil(log2(blocks))
    return c < kClasses ? c : -1;
  }
  static size_t ClassBytes(int c) { return kBufferAlignmentBytes << c; }

  std::byte* Take(int c) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!free_[c].empty()) {
      std::byte* p = free_[c].back();
      free_[c].pop_back();
      return p;
    }
    if (base_ == nullptr || size_bytes_ - used_bytes_ < ClassBytes(c)) return nullptr;
    std::byte* p = base_ + used_bytes_;
    used_bytes_ += ClassBytes(c);
    return p;
  }
  void Give(std::byte* p, int c) {
    std::lock_guard<std::mutex> lock(mu_);
    free_[c].push_back(p);
  }

  std::byte* base() const { return base_; }
  size_t size_bytes() const { return size_bytes_; }

 private:
  std::byte* base_ = nullptr;
  size_t size_bytes_ = 0;
  std::mutex mu_;
  size_t used_bytes_ = 0;                        // guarded by mu_
  std::array<std::vector<std::byte*>, kClasses> free_;  // guarded by mu_
};

}  // namespace internal

PooledBuffer::PooledBuffer(std::shared_ptr<internal::Arena> arena, std::byte* data,
                           size_t size_bytes, int size_class)
    : arena_(std::move(arena)), data_(data), size_bytes_(size_bytes), size_class_(size_class) {}

PooledBuffer PooledBuffer::ViewOf(std::shared_ptr<const PooledBuffer> owner, std::byte* data,
                                  size_t size_bytes) {
  PooledBuffer view;
  view.owner_ = std::move(owner);
  view.data_ = data;
  view.size_bytes_ = size_bytes;
  return view;
}

PooledBuffer::PooledBuffer(PooledBuffer&& other) noexcept
    : arena_(std::move(other.arena_)),
      owner_(std::move(other.owner_)),
      data_(std::exchange(other.data_, nullptr)),
      size_bytes_(std::exchange(other.size_bytes_, 0)),
      size_class_(std::exchange(other.size_class_, -1)) {}

PooledBuffer& PooledBuffer::operator=(PooledBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    arena_ = std::move(other.arena_);
    owner_ = std::move(other.owner_);
    data_ = std::exchange(other.data_, nullptr);
    size_bytes_ = std::exchange(other.size_bytes_, 0);
    size_class_ = std::exchange(other.size_class_, -1);
  }
  return *this;
}

PooledBuffer::~PooledBuffer() { Release(); }

void PooledBuffer::Release() {
  if (data_ == nullptr) return;
  if (owner_ != nullptr) {  // a view: the owner frees the block when its last view goes
    owner_.reset();
  } else if (arena_ != nullptr) {
    arena_->Give(data_, size_class_);
  } else {
    std::free(data_);
  }
  arena_.reset();
  data_ = nullptr;
  size_bytes_ = 0;
}

BufferPool::BufferPool(size_t arena_bytes) {
  if (arena_bytes > 0) {
    auto arena = std::make_shared<internal::Arena>(arena_bytes);
    if (arena->base() != nullptr) arena_ = std::move(arena);
  }
}

BufferPool::~BufferPool() = default;

PooledBuffer BufferPool::Allocate(size_t size_bytes) {
  if (size_bytes == 0) return PooledBuffer();
  int c = internal::Arena::ClassFor(size_bytes);
  if (arena_ != nullptr && c >= 0) {
    if (std::byte* p = arena_->Take(c)) return PooledBuffer(arena_, p, size_bytes, c);
  }
  size_t rounded = (size_bytes + kBufferAlignmentBytes - 1) / kBufferAlignmentBytes *
                   kBufferAlignmentBytes;
  auto* p = static_cast<std::byte*>(std::aligned_alloc(kBufferAlignmentBytes, rounded));
  if (p == nullptr) return PooledBuffer();  // the caller reports ResourceExhausted
  return PooledBuffer(nullptr, p, size_bytes, -1);
}

size_t BufferPool::BlockBytes(size_t size_bytes) {
  if (size_bytes == 0) return 0;
  const int c = internal::Arena::ClassFor(size_bytes);
  if (c < 0) {
    return (size_bytes + kBufferAlignmentBytes - 1) / kBufferAlignmentBytes *
           kBufferAlignmentBytes;
  }
  return internal::Arena::ClassBytes(c);
}

bool BufferPool::Contains(const void* p, size_t n) const {
  if (arena_ == nullptr) return false;
  auto addr = reinterpret_cast<uintptr_t>(p);
  auto base = reinterpret_cast<uintptr_t>(arena_->base());
  return addr >= base && addr - base <= arena_->size_bytes() &&
         n <= arena_->size_bytes() - (addr - base);
}

std::span<std::byte> BufferPool::arena() const {
  if (arena_ == nullptr) return {};
  return {arena_->base(), arena_->size_bytes()};
}

}  // namespace zring::engine
