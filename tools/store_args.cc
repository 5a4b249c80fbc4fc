#include "tools/store_args.h"

#include <utility>

#include "engine/http/storage_options.h"
#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/errors.h"
#include "zarr/metadata/json.h"
#include "zarr/open_store.h"

namespace zring::tools {

void AddStorageOptionFlag(CLI::App* cmd, std::vector<std::string>* out) {
  cmd->add_option("-o,--storage-option", *out,
                  fmt::format("Remote store option KEY=VALUE, repeatable (as fsspec's "
                              "storage_options); keys: {}",
                              zarr::internal::Join(engine::http::StorageOptionNames())))
      ->type_name("KEY=VALUE")
      ->allow_extra_args(false);
}

absl::StatusOr<std::unique_ptr<zarr::Store>> OpenStoreArg(
    const std::string& path_or_url, const std::vector<std::string>& storage_options) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& kv : storage_options) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError(
          fmt::format("--storage-option \"{}\" is not KEY=VALUE", kv));
    }
    pairs.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  absl::StatusOr<engine::http::StorageOptions> options =
      engine::http::ParseStorageOptions(pairs);
  if (!options.ok()) {
    return absl::Status(options.status().code(),
                        fmt::format("--storage-option: {}", zarr::MessageOf(options.status())));
  }
  if (!pairs.empty() && !zarr::IsRemoteUrl(path_or_url)) {
    return absl::InvalidArgumentError(fmt::format(
        "--storage-option applies to remote stores (http://, https://, s3://, gs://), not the "
        "local path \"{}\"",
        path_or_url));
  }
  return zarr::OpenStore(path_or_url, *options);
}

absl::Status RefuseRemoteOutput(const std::string& path) {
  if (!zarr::IsRemoteUrl(path)) return absl::OkStatus();
  return absl::InvalidArgumentError(fmt::format(
      "the output \"{}\" is a URL: stores are written to local directories only (remote "
      "stores are read-only)",
      path));
}

}  // namespace zring::tools
