// CachingClient: an HttpClient decorator that keeps fetched ranges in a local DiskCache
// (engine/http/disk_cache.h) so a second read of the same bytes costs no request.
//
//   ZRING_ASSIGN_OR_RETURN(auto inner, HttpClient::Create(options));
//   ZRING_ASSIGN_OR_RETURN(auto client,
//                          MakeCachingClient(std::move(inner), "/var/cache/zring", 8ull << 30));
//   client->Start(request, callback);   // exactly as on the inner client
//
// What goes through the cache: GETs with a range (kRange, kSuffix) and un-ranged GETs whose
// body is at most CachingOptions::max_whole_object_bytes, all without a caller-set
// if_none_match. HEAD, conditional GETs and un-ranged GETs into a caller's dst pass straight
// through. A suffix is keyed as "the last n bytes" (its offset depends on the object's size).
//
// Staleness policy. An object's ETag is learned from a server response in this process (the
// first response carrying one; it then stays fixed for the process's life, kept in a bounded
// in-memory map). While the ETag is known, a cached entry with that ETag is served with no
// request at all. Before it is known, a cached entry for the exact range is revalidated with a
// conditional GET (If-None-Match: <the entry's ETag>): 304 serves the entry and teaches the
// ETag; 200/206 serves the new bytes and replaces the entry. Responses without an ETag, or
// with a weak one (W/"..."), are never cached: a weak validator does not promise identical
// bytes. Failed responses are never cached.
//
// Responses look like the inner client's: status OK, bytes, body or dst, object_size when
// it was known at insertion, etag, http_status of the response that filled the entry,
// attempts 0 for a pure hit (the inner attempts for a revalidation), not_modified false.
//
// Threads and callbacks: Start() never does disk I/O and never calls back on the calling
// thread (except in a forked child, below). Cache lookups, inserts and the callbacks of
// requests that go through the cache run on a small internal thread pool
// (CachingOptions::threads); passed-through requests call back exactly as the inner client
// does. No lock is held while a callback runs. A miss's callback runs after its entry has
// been written (the bytes may live in the caller's dst, which is theirs again once called).
// As on the inner client, keep callbacks short, never wait inside one for another request
// (the pool is small), and never destroy the client from one.
//
// Errors: the cache is an optimisation. A cache I/O error (full disk, read-only directory,
// permissions) never fails a read: it is logged once to stderr and the request goes to (or
// comes from) the network. MakeCachingClient fails only for bad arguments or a directory that
// cannot be created.
//
// Stats(): the inner client's (requests that reached the network). GetCacheStats() gives the
// cache's own counters. The destructor completes every started request first.
//
// Creation scans the directory once (one stat per entry) to learn its size.
//
// Fork: in a child forked after first use, requests pass straight to the inner client (which
// then fails them with FailedPrecondition as documented in http_client.h).
#ifndef ZRING_ENGINE_HTTP_CACHING_CLIENT_H_
#define ZRING_ENGINE_HTTP_CACHING_CLIENT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "engine/http/disk_cache.h"
#include "engine/http/http_client.h"

namespace zring::engine::http {

struct CachingOptions {
  std::string dir;                                // created if missing (parents too)
  uint64_t max_bytes = 0;                         // > 0; bound on the directory's entries
  uint64_t max_whole_object_bytes = 64ull << 20;  // un-ranged GETs cached up to this size
  size_t max_known_etags = 1 << 16;               // in-memory URL -> ETag map bound
  int threads = 2;                                // cache I/O + callback threads (>= 1)
};

// InvalidArgument for a null inner client, an empty dir, max_bytes == 0 or threads < 1;
// the DiskCache::Open error when the directory cannot be created.
absl::StatusOr<std::unique_ptr<HttpClient>> MakeCachingClient(std::unique_ptr<HttpClient> inner,
                                                              CachingOptions options);
absl::StatusOr<std::unique_ptr<HttpClient>> MakeCachingClient(std::unique_ptr<HttpClient> inner,
                                                              std::string dir,
                                                              uint64_t max_bytes);

// The cache counters of a client made by MakeCachingClient; nullopt for any other client.
std::optional<CacheStats> GetCacheStats(const HttpClient& client);

}  // namespace zring::engine::http

#endif  // ZRING_ENGINE_HTTP_CACHING_CLIENT_H_
