// DiskCache: byte ranges of remote objects kept in a local directory, bounded in bytes with
// LRU eviction, shared safely by any number of threads and processes.
//
//   ZRING_ASSIGN_OR_RETURN(auto cache, DiskCache::Open("/var/cache/zring", 8ull << 30));
//   CacheKey key{url, RangeKind::kRange, offset, length};
//   EntryInfo info;
//   if (cache->Lookup(key, etag, dst, &info)) { /* info.bytes bytes of dst hold the range */ }
//   cache->Insert(key, {etag, ...}, bytes);
//
// Layout: <dir>/lock (flock'd around eviction passes) and <dir>/<xx>/<hash>.zc, one file per
// entry, <hash> the hex SHA-256 of (url, range kind, offset, length), <xx> its first two
// digits. The ETag is not in the file name: a newer version of an object replaces the older
// entry for the same range, and a process that does not know the ETag yet can find the entry
// to revalidate it. The ETag is part of the key stored (and compared) in the entry's header.
//
// Entry file: a header (magic, format version, lengths, the full key and ETag, the object
// size and HTTP status the entry was filled from, crc32c of the payload, crc32c of the
// header) followed by the payload.
//
// Invariants:
// - Writers write a unique temporary file in the entry's directory, then rename it over the
//   entry's name: readers see a whole entry or none (no fsync: after a crash a torn file
//   fails validation, which is all a cache needs).
// - Every read validates the whole entry (magic, version, lengths against the file size, the
//   header checksum, the key - so a hash collision can never serve another key's bytes -,
//   then the payload checksum). A corrupt, truncated or torn entry is a miss and is removed.
//   An entry for another key or another ETag is a miss and stays (it is valid for its key).
// - LRU: a hit sets the entry's mtime to now (at most once a second per entry); eviction
//   removes the oldest mtimes first until the total is at most 7/8 of max_bytes. Each process
//   keeps a running total re-synced by a scan of the directory; a scan runs when the running
//   total exceeds max_bytes or max_bytes/8 were inserted since the last one, under an flock on
//   <dir>/lock. Between scans the directory can exceed max_bytes by what other processes
//   inserted since (at most max_bytes/8 each). Evicting an entry being read does not tear the
//   read: the reader holds an open descriptor and unlink keeps the data until it closes.
// - Errors never escape: the cache is an optimisation. An I/O error (full disk, permissions,
//   read-only directory) makes that operation a miss or a skipped insert; the first one is
//   logged to stderr, all are counted in CacheStats::io_errors.
//
// Thread-safe. Usable in a forked child (no threads, no inherited locks: the lock file is
// opened per eviction pass).
#ifndef ZRING_ENGINE_HTTP_DISK_CACHE_H_
#define ZRING_ENGINE_HTTP_DISK_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/http/http_client.h"

namespace zring::engine::http {

// What was asked of the server. kRange: [offset, offset + length); kSuffix: the last `length`
// bytes (offset unused, 0); kNone: the whole object (offset and length 0).
struct CacheKey {
  std::string url;
  RangeKind kind = RangeKind::kRange;
  uint64_t offset = 0;
  uint64_t length = 0;
};

// What an entry knows beside its payload.
struct EntryInfo {
  std::string etag;               // the key's validator, quotes kept; never empty
  uint64_t object_size = 0;       // the object's size when object_size_known
  bool object_size_known = false;
  int http_status = 0;            // status of the response the entry was filled from
  uint64_t bytes = 0;             // payload length (Lookup sets it; Insert ignores it)
};

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;            // no entry, or an entry for another key or ETag
  uint64_t inserts = 0;
  uint64_t evictions = 0;         // entries removed to stay under max_bytes
  uint64_t bad_entries = 0;       // entries that failed validation (removed)
  uint64_t io_errors = 0;
  uint64_t bytes_estimate = 0;    // this process's view of the directory's total size
};

struct DiskCacheOptions {
  std::string dir;
  uint64_t max_bytes = 0;
  // Tests only: maps a key to its file name stem (hex digits, at least 2) in place of the
  // SHA-256, to force collisions.
  std::function<std::string(const CacheKey&)> name_for_testing;
};

class DiskCache {
 public:
  // Creates `dir` (and its parents) if missing and scans it once for the running total.
  // InvalidArgument for an empty dir or max_bytes == 0; the OS error when `dir` cannot be
  // created or is not a directory. A directory that exists but is not writable opens (reads
  // of what it holds work; inserts are skipped).
  static absl::StatusOr<std::unique_ptr<DiskCache>> Open(DiskCacheOptions options);
  static absl::StatusOr<std::unique_ptr<DiskCache>> Open(std::string dir, uint64_t max_bytes);

  // Fills dst with the entry's payload when an entry for `key` exists, validates, and has
  // ETag `etag` (any ETag when `etag` is empty: the caller then revalidates info->etag) and a
  // payload that fits dst. dst's contents are unspecified after a miss.
  bool Lookup(const CacheKey& key, std::string_view etag, std::span<std::byte> dst,
              EntryInfo* info);
  // As above, the payload into *out (resized to it).
  bool Lookup(const CacheKey& key, std::string_view etag, std::vector<std::byte>* out,
              EntryInfo* info);

  // Stores payload as the entry for (key, info.etag), replacing any entry for key. Skipped
  // (not an error) when the entry would exceed max_bytes/8 or on an I/O error.
  void Insert(const CacheKey& key, const EntryInfo& info, std::span<const std::byte> payload);

  // Re-syncs the running total with a scan (under the lock) and evicts down to 7/8 of
  // max_bytes if it is above max_bytes. Returns the total bytes of entries afterwards.
  uint64_t Trim();

  CacheStats Stats() const;
  const std::string& dir() const { return options_.dir; }
  uint64_t max_bytes() const { return options_.max_bytes; }

  // The path of key's entry file (tests corrupt entries through it).
  std::string EntryPathForTesting(const CacheKey& key) const;

 private:
  explicit DiskCache(DiskCacheOptions options);
  struct Sink;
  bool LookupInto(const CacheKey& key, std::string_view etag, Sink& sink, EntryInfo* info);
  std::string NameOf(const CacheKey& key) const;
  void NoteIoError(std::string_view what, int err);
  void RemoveIfSame(const std::string& path, int fd);
  uint64_t ScanAndEvict(bool evict);

  DiskCacheOptions options_;
  std::atomic<uint64_t> hits_{0}, misses_{0}, inserts_{0}, evictions_{0}, bad_entries_{0},
      io_errors_{0};
  std::atomic<uint64_t> total_bytes_{0};        // running estimate of the directory
  std::atomic<uint64_t> inserted_since_scan_{0};
  std::atomic<uint64_t> temp_counter_{0};
  std::atomic<bool> logged_{false};
  std::mutex scan_mu_;                          // one eviction pass per process at a time
};

}  // namespace zring::engine::http

#endif  // ZRING_ENGINE_HTTP_DISK_CACHE_H_
