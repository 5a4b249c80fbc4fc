#include "zarr/chunk_cache.h"

#include <algorithm>

namespace zring::zarr {
namespace {
// What an entry is charged: its bytes, and at least a map node's worth (a "not stored" marker
// holds no bytes but still costs memory).
uint64_t Charge(const ChunkCache::Chunk& c) { return std::max<uint64_t>(c->size(), 64); }
}  // namespace

ChunkCache::Chunk ChunkCache::Find(uint64_t key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return it->second.chunk;
}

void ChunkCache::Insert(uint64_t key, Chunk chunk) {
  if (chunk == nullptr) return;
  const uint64_t bytes = Charge(chunk);
  std::lock_guard<std::mutex> lock(mu_);
  auto old = map_.find(key);
  if (old != map_.end()) EraseLocked(old);
  if (bytes > capacity_bytes_) return;
  while (used_bytes_ + bytes > capacity_bytes_ && !lru_.empty()) {
    EraseLocked(map_.find(lru_.back()));
  }
  lru_.push_front(key);
  map_.emplace(key, Entry{std::move(chunk), lru_.begin()});
  used_bytes_ += bytes;
}

void ChunkCache::EraseLocked(std::unordered_map<uint64_t, Entry>::iterator it) {
  used_bytes_ -= Charge(it->second.chunk);
  lru_.erase(it->second.lru);
  map_.erase(it);
}

uint64_t ChunkCache::used_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return used_bytes_;
}

size_t ChunkCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return map_.size();
}

}  // namespace zring::zarr
