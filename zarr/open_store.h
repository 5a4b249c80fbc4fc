// OpenStore: one entry point from a path or URL to a Store, for tools and bindings.
//
//   /data/era5.zarr, ./x.zarr, file:///data/era5.zarr   -> DirectoryStore (must exist)
//   http://, https://, s3://bucket/prefix, gs://bucket/prefix -> ObjectStore (read-only)
//
// `options` are the remote store's storage options (engine/http/storage_options.h); a local
// directory ignores them (tools pass one set of flags for either kind of store).
//
//   ZRING_ASSIGN_OR_RETURN(auto options, http::ParseStorageOptions(pairs));
//   ZRING_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(argv[1], options));
#ifndef ZRING_ZARR_OPEN_STORE_H_
#define ZRING_ZARR_OPEN_STORE_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/http/storage_options.h"
#include "zarr/store.h"

namespace zring::zarr {

// True for the URL schemes ObjectStore serves (http, https, s3, gs; case-insensitive).
bool IsRemoteUrl(std::string_view path_or_url);

// A URL scheme this build does not read ("ftp://x") is kInvalidArgument naming the schemes it
// does; a file:// URL with a host other than localhost likewise.
absl::StatusOr<std::unique_ptr<Store>> OpenStore(std::string_view path_or_url,
                                                 const engine::http::StorageOptions& options = {});

}  // namespace zring::zarr

#endif  // ZRING_ZARR_OPEN_STORE_H_
