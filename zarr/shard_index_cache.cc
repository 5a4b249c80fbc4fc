#include "zarr/shard_index_cache.h"

namespace zring::zarr {
namespace {

uint64_t BytesOf(const std::vector<ShardIndexEntry>& entries) {
  return entries.size() * sizeof(ShardIndexEntry);
}

}  // namespace

const std::vector<ShardIndexEntry>* ShardIndexCache::Find(uint64_t shard,
                                                          uint64_t shard_size_bytes) {
  auto it = map_.find(shard);
  if (it == map_.end() || it->second.shard_size_bytes != shard_size_bytes) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  return &it->second.entries;
}

void ShardIndexCache::Erase(std::unordered_map<uint64_t, Entry>::iterator it) {
  used_bytes_ -= BytesOf(it->second.entries);
  lru_.erase(it->second.lru);
  map_.erase(it);
}

void ShardIndexCache::Insert(uint64_t shard, std::vector<ShardIndexEntry> entries,
                             uint64_t shard_size_bytes) {
  auto old = map_.find(shard);
  if (old != map_.end()) Erase(old);
  const uint64_t bytes = BytesOf(entries);
  if (bytes > capacity_bytes_) return;
  while (used_bytes_ + bytes > capacity_bytes_) Erase(map_.find(lru_.back()));
  lru_.push_front(shard);
  map_.emplace(shard, Entry{std::move(entries), shard_size_bytes, lru_.begin()});
  used_bytes_ += bytes;
}

}  // namespace zring::zarr
