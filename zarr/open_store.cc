#include "zarr/open_store.h"

#include <cctype>
#include <string>

#include "engine/http/object_url.h"
#include "engine/http/url.h"
#include "fmt/format.h"
#include "zarr/object_store.h"

namespace zring::zarr {
namespace {

// The scheme before "://", lowercased; "" when there is none (a plain path).
std::string SchemeOf(std::string_view s) {
  const size_t colon = s.find("://");
  if (colon == std::string_view::npos || colon == 0) return "";
  std::string scheme;
  for (char c : s.substr(0, colon)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return "";  // not a scheme: a path that happens to contain "://"
    }
    scheme += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return scheme;
}

}  // namespace

bool IsRemoteUrl(std::string_view path_or_url) { return engine::http::IsRemoteUrl(path_or_url); }

absl::StatusOr<std::unique_ptr<Store>> OpenStore(std::string_view path_or_url,
                                                 const engine::http::StorageOptions& options) {
  const std::string scheme = SchemeOf(path_or_url);
  if (scheme.empty()) return DirectoryStore::Open(std::string(path_or_url));
  if (IsRemoteUrl(path_or_url)) return ObjectStore::Open(path_or_url, options);
  if (scheme != "file") {
    return absl::InvalidArgumentError(fmt::format(
        "\"{}\": unsupported URL scheme \"{}\" (zring reads plain paths, file://, http://, "
        "https://, s3:// and gs://)",
        path_or_url, scheme));
  }
  // file://[localhost]/abs/path, percent-decoded.
  std::string_view rest = path_or_url.substr(scheme.size() + 3);
  if (rest.substr(0, 9) == "localhost") rest.remove_prefix(9);
  if (rest.empty() || rest.front() != '/') {
    return absl::InvalidArgumentError(fmt::format(
        "\"{}\": a file:// URL names a local absolute path (file:///data/x.zarr)", path_or_url));
  }
  std::string path;
  if (!engine::http::PercentDecode(rest, &path)) {
    return absl::InvalidArgumentError(
        fmt::format("\"{}\": malformed percent-escape in a file:// URL", path_or_url));
  }
  return DirectoryStore::Open(std::move(path));
}

}  // namespace zring::zarr
