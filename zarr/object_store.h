// ObjectStore: a read-only Store over remote objects - http(s):// URLs, s3://bucket/prefix and
// gs://bucket/prefix (engine/http/object_url.h resolves the root) - read with HTTP GET, ranged
// GET and HEAD through an HttpClient (engine/http/http_client.h: retries, timeouts, HTTP/2).
//
// Keys map to URLs with ObjectUrl(root, key) (each segment percent-encoded). A 404 is kNotFound
// naming the key and the URL, so a missing chunk reads as the fill value above; every other
// failure keeps the client's status and message (method, URL, HTTP status, attempts).
// Listing works where the service lists (root.listable: S3 ListObjectsV2, paged); a plain HTTP
// server cannot list, and ListDir/ListRecursive say so (kUnimplemented, naming the URL and
// pointing at consolidated metadata, which zarr/hierarchy.h reads first on such stores). Set and
// Delete are kUnimplemented: the store is read-only.
//
// Bulk readers go through the engine (engine_access() kObjects): RegisterWithEngine adds the
// object with the root's signer, and ConfigureEngine copies the storage options' transport,
// coalescing gap and cache tier into the options of an engine made for this store.
//
// Threads: every method is const and thread-safe. The HTTP client is made at the first request.
// Fork: a client first used in a parent does not work in a forked child (its threads stayed
// behind), so a child makes its own at its first request; the parent's is abandoned, not
// destroyed (destroying it would wait for threads that do not exist there).
//
//   ZRING_ASSIGN_OR_RETURN(auto options, http::ParseStorageOptions({{"anon", "true"}}));
//   ZRING_ASSIGN_OR_RETURN(auto store, ObjectStore::Open("s3://bucket/era5.zarr", options));
//   ZRING_ASSIGN_OR_RETURN(Buffer meta, store->Get("temperature/zarr.json"));
#ifndef ZRING_ZARR_OBJECT_STORE_H_
#define ZRING_ZARR_OBJECT_STORE_H_

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/http/http_client.h"
#include "engine/http/object_url.h"
#include "engine/http/storage_options.h"
#include "zarr/store.h"

namespace zring::zarr {

class ObjectStore final : public Store {
 public:
  // Resolves `url` (credentials, region, endpoint: engine/http/object_url.h). No request is
  // made: a store that does not exist fails at its first read.
  static absl::StatusOr<std::unique_ptr<ObjectStore>> Open(
      std::string_view url, const engine::http::StorageOptions& options);
  // Over an already resolved root (tests, callers that resolved it themselves).
  static absl::StatusOr<std::unique_ptr<ObjectStore>> FromRoot(
      engine::http::ResolvedRoot root, const engine::http::StorageOptions& options);
  ~ObjectStore() override;

  // The URL the store was opened with ("s3://bucket/era5.zarr", "http://host/data.zarr").
  std::string Describe() const override { return url_; }
  absl::StatusOr<Buffer> Get(std::string_view key) const override;
  absl::StatusOr<Buffer> GetRange(std::string_view key, ByteRange range) const override;
  // One HEAD request.
  absl::StatusOr<uint64_t> GetSize(std::string_view key) const override;
  absl::StatusOr<StoreListing> ListDir(std::string_view prefix) const override;
  absl::StatusOr<std::vector<StoreEntry>> ListRecursive(std::string_view prefix) const override;
  absl::Status Set(std::string_view key, std::span<const std::byte> value) override;
  absl::Status Delete(std::string_view key) override;

  EngineAccess engine_access() const override { return EngineAccess::kObjects; }
  // Engine::AddObject(UrlOf(key), root signer), for either use: no I/O.
  absl::StatusOr<engine::SourceId> RegisterWithEngine(engine::Engine& engine,
                                                      std::string_view key,
                                                      SourceUse use) const override;
  // options.http = the storage options' transport; remote_coalesce_gap_bytes = coalesce_gap
  // (1 MiB unless given); cache_dir / cache_bytes = the cache tier's.
  void ConfigureEngine(engine::EngineOptions& options) const override;

  // The object URL of `key` (percent-encoded segments below the root).
  std::string UrlOf(std::string_view key) const;
  const engine::http::ResolvedRoot& root() const { return root_; }
  const engine::http::StorageOptions& storage_options() const { return options_; }
  // Counters of this process's client (zero before the first request).
  engine::http::HttpStats HttpStats() const;

 private:
  ObjectStore(std::string url, engine::http::ResolvedRoot root,
              engine::http::StorageOptions options);

  // The client of this process, made on first use (and again in a forked child).
  absl::StatusOr<engine::http::HttpClient*> Client() const;
  // One request through Client() (signed with the root's signer), waited for.
  absl::StatusOr<engine::http::HttpResponse> Fetch(engine::http::HttpRequest request,
                                                   std::string_view key) const;
  // "key \"a/b\" of <url>" for messages.
  std::string DescribeKey(std::string_view key) const;
  absl::Status ListUnavailable(std::string_view prefix) const;
  // Every ListObjectsV2 page below `prefix` ("" = the root), `delimiter` "/" or "".
  absl::Status ListPages(std::string_view prefix, bool one_level, StoreListing* dir,
                         std::vector<StoreEntry>* entries) const;

  const std::string url_;
  const engine::http::ResolvedRoot root_;
  const engine::http::StorageOptions options_;

  mutable std::mutex mu_;
  mutable std::unique_ptr<engine::http::HttpClient> client_;  // guarded by mu_
  mutable pid_t client_pid_ = 0;                               // guarded by mu_
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_OBJECT_STORE_H_
