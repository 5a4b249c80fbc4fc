// ShardIndexCache: decoded shard indexes kept between crop reads, least recently used first out,
// bounded by the bytes their entries take.
//
// An entry is keyed by the shard's linear number on the array's grid and remembers the size of
// the shard file it was read from: a lookup for a file of another size (the shard was rewritten)
// misses. Not thread-safe: one thread (the one planning reads) owns it.
//
//   ShardIndexCache cache(64 << 20);
//   if (const auto* entries = cache.Find(shard, size)) { ... } else cache.Insert(shard, e, size);
#ifndef ZRING_ZARR_SHARD_INDEX_CACHE_H_
#define ZRING_ZARR_SHARD_INDEX_CACHE_H_

#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

#include "zarr/codec/sharding_codec.h"

namespace zring::zarr {

class ShardIndexCache {
 public:
  explicit ShardIndexCache(uint64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // The cached entries of `shard` read from a file of `shard_size_bytes`, or null. A hit becomes
  // the most recently used; the pointer stays valid until the next Insert.
  const std::vector<ShardIndexEntry>* Find(uint64_t shard, uint64_t shard_size_bytes);
  // Adds (or replaces) `shard`, evicting the least recently used entries to stay within the
  // capacity. An index larger than the whole capacity is not kept.
  void Insert(uint64_t shard, std::vector<ShardIndexEntry> entries, uint64_t shard_size_bytes);

  uint64_t used_bytes() const { return used_bytes_; }
  size_t size() const { return map_.size(); }

 private:
  struct Entry {
    std::vector<ShardIndexEntry> entries;
    uint64_t shard_size_bytes = 0;
    std::list<uint64_t>::iterator lru;
  };
  void Erase(std::unordered_map<uint64_t, Entry>::iterator it);

  const uint64_t capacity_bytes_;
  uint64_t used_bytes_ = 0;
  std::unordered_map<uint64_t, Entry> map_;
  std::list<uint64_t> lru_;  // front: most recently used
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_SHARD_INDEX_CACHE_H_
