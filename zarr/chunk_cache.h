// ChunkCache: decoded chunks kept between crop reads for workloads that revisit them (several
// epochs over a small region, overlapping crops in successive calls), least recently used first
// out, bounded by the decoded bytes held. Off unless CropReaderOptions::chunk_cache_bytes > 0.
//
// Keys are the chunk's linear number on the grid the reader decodes (inner chunks when sharded).
// The cache assumes the store does not change while the reader that owns it lives. Entries are
// shared and immutable: a chunk handed out stays valid while its holder keeps it, even after
// eviction. An empty chunk marks one known not to be stored (read as the fill value). Each entry
// is charged its bytes, at least 64. Thread-safe (decode workers insert, the planner looks up).
//
//   ChunkCache cache(1 << 30);
//   if (auto hit = cache.Find(n)) Use(*hit); else cache.Insert(n, std::move(decoded));
#ifndef ZRING_ZARR_CHUNK_CACHE_H_
#define ZRING_ZARR_CHUNK_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace zring::zarr {

class ChunkCache {
 public:
  using Chunk = std::shared_ptr<const std::vector<std::byte>>;

  explicit ChunkCache(uint64_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // The decoded chunk `key`, or null. A hit becomes the most recently used.
  Chunk Find(uint64_t key);
  // Adds (or replaces) `key`, evicting least recently used chunks to stay within the capacity.
  // A chunk larger than the whole capacity is not kept.
  void Insert(uint64_t key, Chunk chunk);

  uint64_t used_bytes() const;
  size_t size() const;

 private:
  struct Entry {
    Chunk chunk;
    std::list<uint64_t>::iterator lru;
  };
  void EraseLocked(std::unordered_map<uint64_t, Entry>::iterator it);

  const uint64_t capacity_bytes_;
  mutable std::mutex mu_;
  uint64_t used_bytes_ = 0;                   // guarded by mu_
  std::unordered_map<uint64_t, Entry> map_;   // guarded by mu_
  std::list<uint64_t> lru_;                   // guarded by mu_; front: most recently used
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CHUNK_CACHE_H_
