// The STORE argument of the commands that read Zarr stores (info, checksum, sample, bench crops,
// convert's SRC): a directory path, file:// URL, or http(s)://, s3://, gs:// URL, plus a
// repeatable `--storage-option KEY=VALUE` (`-o`) carrying the remote store's options the way
// fsspec's storage_options do (engine/http/storage_options.h lists the keys).
//
//   auto options = std::make_shared<std::vector<std::string>>();
//   AddStorageOptionFlag(cmd, options.get());
//   ...
//   absl::StatusOr<std::unique_ptr<zarr::Store>> store = OpenStoreArg(path, *options);
#ifndef ZRING_TOOLS_STORE_ARGS_H_
#define ZRING_TOOLS_STORE_ARGS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "zarr/store.h"

namespace zring::tools {

// Adds `--storage-option,-o KEY=VALUE` (repeatable) to `cmd`; values are collected in `out`.
void AddStorageOptionFlag(CLI::App* cmd, std::vector<std::string>* out);

// Opens a local directory or a remote store. A KEY=VALUE without '=' or with an unknown key is
// kInvalidArgument naming it (and, for an unknown key, listing the known ones).
absl::StatusOr<std::unique_ptr<zarr::Store>> OpenStoreArg(
    const std::string& path_or_url, const std::vector<std::string>& storage_options);

// kInvalidArgument when `path` (a command's output store) is a URL: zring writes local
// directories only.
absl::Status RefuseRemoteOutput(const std::string& path);

}  // namespace zring::tools

#endif  // ZRING_TOOLS_STORE_ARGS_H_
