#include "zarr/hierarchy.h"

#include <algorithm>
#include <optional>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/array.h"
#include "zarr/errors.h"
#include "zarr/metadata/json.h"

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

std::string_view AsText(const Buffer& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// The value of `key`, or nullopt when it is not stored.
absl::StatusOr<std::optional<Buffer>> GetIfStored(const Store& store, const std::string& key) {
  absl::StatusOr<Buffer> value = store.Get(key);
  if (absl::IsNotFound(value.status())) return std::optional<Buffer>();
  if (!value.ok()) return value.status();
  return std::optional<Buffer>(std::move(*value));
}

// True when a v3 group document carries a (non-null) consolidated_metadata member: an empty
// consolidated map then means "no children", not "not consolidated".
absl::StatusOr<bool> HasConsolidatedV3(std::string_view zarr_json) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(simdjson::dom::object obj, internal::ParseJsonObject(parser, zarr_json));
  std::optional<simdjson::dom::element> cm = internal::Member(obj, "consolidated_metadata");
  return cm.has_value() && !cm->is_null();
}

std::string NodePath(const std::string& prefix) { return "/" + prefix; }

// The nodes at and below `prefix` from consolidated metadata: the v3 zarr.json's
// consolidated_metadata or the v2 .zmetadata there. False when there is none (nothing added);
// a v3 array at `prefix` is itself the whole answer (true).
absl::StatusOr<bool> FromConsolidated(const Store& store, const std::string& prefix,
                                      std::vector<NodeInfo>& out) {
  const std::string v3_key = JoinKey(prefix, "zarr.json");
  ZRING_ASSIGN_OR_RETURN(std::optional<Buffer> v3, GetIfStored(store, v3_key));
  auto where = [&](const std::string& key) { return fmt::format("{} in {}", key, store.Describe()); };
  if (v3.has_value()) {
    absl::StatusOr<NodeType> type = NodeTypeV3(AsText(*v3));
    if (!type.ok()) return WithPrefix(type.status(), where(v3_key));
    if (*type == NodeType::kArray) {
      out.push_back({NodePath(prefix), NodeType::kArray, 3, v3_key});
      return true;
    }
    absl::StatusOr<bool> has = HasConsolidatedV3(AsText(*v3));
    if (!has.ok()) return WithPrefix(has.status(), where(v3_key));
    if (!*has) return false;
    auto entries = ParseConsolidatedV3(AsText(*v3));
    if (!entries.ok()) return WithPrefix(entries.status(), where(v3_key));
    out.push_back({NodePath(prefix), NodeType::kGroup, 3, v3_key});
    for (const auto& [path, entry] : *entries) {
      const std::string child = JoinKey(prefix, NormalizePath(path));
      absl::StatusOr<NodeType> t = NodeTypeV3(entry.zarray_or_zarr_json);
      if (!t.ok()) {
        return WithPrefix(t.status(), fmt::format("{}: consolidated_metadata[\"{}\"]",
                                                  where(v3_key), path));
      }
      out.push_back({NodePath(child), *t, 3, JoinKey(child, "zarr.json")});
    }
    return true;
  }
  const std::string v2_key = JoinKey(prefix, ".zmetadata");
  ZRING_ASSIGN_OR_RETURN(std::optional<Buffer> v2, GetIfStored(store, v2_key));
  if (!v2.has_value()) return false;
  auto entries = ParseConsolidatedV2(AsText(*v2));
  if (!entries.ok()) return WithPrefix(entries.status(), where(v2_key));
  for (const auto& [path, entry] : *entries) {
    const std::string node = JoinKey(prefix, NormalizePath(path));
    if (!entry.zarray_or_zarr_json.empty()) {
      out.push_back({NodePath(node), NodeType::kArray, 2, JoinKey(node, ".zarray")});
    } else if (!entry.zgroup.empty()) {
      out.push_back({NodePath(node), NodeType::kGroup, 2, JoinKey(node, ".zgroup")});
    }
  }
  return true;
}

// Without listing: the single array at `prefix`, or an error saying why a group cannot be
// walked (`unlisted` is the store's own refusal to list).
absl::Status SingleNode(const Store& store, const std::string& prefix,
                        const absl::Status& unlisted, std::vector<NodeInfo>& out) {
  const std::string v3_key = JoinKey(prefix, "zarr.json");
  ZRING_ASSIGN_OR_RETURN(std::optional<Buffer> v3, GetIfStored(store, v3_key));
  if (v3.has_value()) {
    absl::StatusOr<NodeType> type = NodeTypeV3(AsText(*v3));
    if (!type.ok()) {
      return WithPrefix(type.status(), fmt::format("{} in {}", v3_key, store.Describe()));
    }
    if (*type == NodeType::kArray) {
      out.push_back({NodePath(prefix), NodeType::kArray, 3, v3_key});
      return absl::OkStatus();
    }
  } else {
    const std::string zarray_key = JoinKey(prefix, ".zarray");
    ZRING_ASSIGN_OR_RETURN(std::optional<Buffer> zarray, GetIfStored(store, zarray_key));
    if (zarray.has_value()) {
      out.push_back({NodePath(prefix), NodeType::kArray, 2, zarray_key});
      return absl::OkStatus();
    }
    ZRING_ASSIGN_OR_RETURN(std::optional<Buffer> zgroup,
                           GetIfStored(store, JoinKey(prefix, ".zgroup")));
    if (!zgroup.has_value()) {
      return absl::NotFoundError(fmt::format(
          "no zarr.json, .zarray, .zgroup or .zmetadata at \"{}\" in {}: not a Zarr store (and "
          "it cannot be listed to look further)",
          NodePath(prefix), store.Describe()));
    }
  }
  return absl::Status(
      unlisted.code(),
      fmt::format("the group \"{}\" in {} has no consolidated metadata, so its arrays can only "
                  "be found by listing: {}",
                  NodePath(prefix), store.Describe(), MessageOf(unlisted)));
}

}  // namespace

std::string NodePathToPrefix(std::string_view node_path) { return NormalizePath(node_path); }

absl::StatusOr<std::vector<NodeInfo>> ListHierarchy(const Store& store, std::string_view root) {
  const std::string prefix = NormalizePath(root);
  std::vector<NodeInfo> out;
  // Remote stores: one or two GETs of consolidated metadata instead of a listing per level.
  bool found = false;
  const bool remote = store.engine_access() == EngineAccess::kObjects;
  if (remote) {
    ZRING_ASSIGN_OR_RETURN(found, FromConsolidated(store, prefix, out));
  }
  if (!found) {
    absl::Status walked = Walk(store, prefix, 0, out);
    if (absl::IsUnimplemented(walked)) {  // the store cannot list
      out.clear();
      if (!remote) {
        ZRING_ASSIGN_OR_RETURN(found, FromConsolidated(store, prefix, out));
      }
      if (!found) ZRING_RETURN_IF_ERROR(SingleNode(store, prefix, walked, out));
    } else if (!walked.ok()) {
      return walked;
    }
  }
  for (NodeInfo& n : out) {
    if (n.path.size() > 1 && n.path.back() == '/') n.path.pop_back();
  }
  std::sort(out.begin(), out.end(),
            [](const NodeInfo& a, const NodeInfo& b) { return a.path < b.path; });
  return out;
}

}  // namespace zring::zarr
