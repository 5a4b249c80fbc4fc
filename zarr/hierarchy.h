// Hierarchy: the groups and arrays of a Zarr store, found from metadata documents only (no chunk
// is read).
//
// A directory holding zarr.json (v3), .zarray or .zgroup (v2) is a node. Directories without
// metadata are walked too (v2 allows implicit groups), but arrays are not descended into, so
// listing costs one directory read per group, not per chunk. Node paths are Zarr v3 node names:
// "/" for the root, "/a/b" below it.
//
// Stores that cannot list (a plain HTTP server: ListDir is kUnimplemented) are read through
// consolidated metadata instead - the v3 root zarr.json's consolidated_metadata or the v2
// .zmetadata - and remote object stores use it first even when they can list (a GET or two
// instead of a listing per level). Without either, a single array at the root is still found;
// a group is an error saying consolidated metadata is needed. Local directories are always
// walked (consolidated metadata there may be stale).
//
//   ZRING_ASSIGN_OR_RETURN(auto nodes, ListHierarchy(*store));
//   for (const NodeInfo& n : nodes) if (n.type == NodeType::kArray) Array::Open(*store, n.path);
#ifndef ZRING_ZARR_HIERARCHY_H_
#define ZRING_ZARR_HIERARCHY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "zarr/metadata/array_metadata.h"
#include "zarr/store.h"

namespace zring::zarr {

struct NodeInfo {
  std::string path;  // "/" or "/a/b"
  NodeType type = NodeType::kGroup;
  int zarr_format = 3;
  // The key of the node's metadata document ("a/b/zarr.json", "a/b/.zarray").
  std::string metadata_key;
};

// Nodes at and below `root` ("" = the store root), sorted by path; groups and arrays alike.
// An unreadable or malformed zarr.json is an error naming its key (node_type decides the kind).
absl::StatusOr<std::vector<NodeInfo>> ListHierarchy(const Store& store, std::string_view root = "");

// "/a/b" -> "a/b" (the store-relative prefix); "/" -> "".
std::string NodePathToPrefix(std::string_view node_path);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_HIERARCHY_H_
