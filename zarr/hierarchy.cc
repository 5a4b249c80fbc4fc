#include "zarr/hierarchy.h"

#include <algorithm>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/array.h"
#include "zarr/errors.h"

namespace zring::zarr {
namespace {

// Deep enough for any real hierarchy; stops symlink loops from recursing forever.
constexpr int kMaxDepth = 64;

bool Has(const std::vector<std::string>& names, std::string_view name) {
  return std::binary_search(names.begin(), names.end(), name);
}

absl::Status Walk(const Store& store, const std::string& prefix, int depth,
                  std::vector<NodeInfo>& out) {
  if (depth > kMaxDepth) return absl::OkStatus();
  ZRING_ASSIGN_OR_RETURN(StoreListing listing, store.ListDir(prefix));
  const std::string node_path = "/" + prefix;
  if (Has(listing.values, "zarr.json")) {
    const std::string key = JoinKey(prefix, "zarr.json");
    ZRING_ASSIGN_OR_RETURN(Buffer text, store.Get(key));
    auto type = NodeTypeV3(
        std::string_view(reinterpret_cast<const char*>(text.data()), text.size()));
    if (!type.ok()) {
      return WithPrefix(type.status(), fmt::format("{} in {}", key, store.Describe()));
    }
    out.push_back({node_path, *type, 3, key});
    if (*type == NodeType::kArray) return absl::OkStatus();
  } else if (Has(listing.values, ".zarray")) {
    out.push_back({node_path, NodeType::kArray, 2, JoinKey(prefix, ".zarray")});
    return absl::OkStatus();
  } else if (Has(listing.values, ".zgroup")) {
    out.push_back({node_path, NodeType::kGroup, 2, JoinKey(prefix, ".zgroup")});
  }
  for (const std::string& child : listing.prefixes) {
    ZRING_RETURN_IF_ERROR(Walk(store, JoinKey(prefix, child), depth + 1, out));
  }
  return absl::OkStatus();
}

}  // namespace

std::string NodePathToPrefix(std::string_view node_path) { return NormalizePath(node_path); }

absl::StatusOr<std::vector<NodeInfo>> ListHierarchy(const Store& store, std::string_view root) {
  std::vector<NodeInfo> out;
  ZRING_RETURN_IF_ERROR(Walk(store, NormalizePath(root), 0, out));
  for (NodeInfo& n : out) {
    if (n.path.size() > 1 && n.path.back() == '/') n.path.pop_back();
  }
  std::sort(out.begin(), out.end(),
            [](const NodeInfo& a, const NodeInfo& b) { return a.path < b.path; });
  return out;
}

}  // namespace zring::zarr
