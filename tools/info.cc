// `zring info STORE [--json] [-o KEY=VALUE ...]`: the hierarchy of a Zarr store and, per array,
// shape, data type, chunk and shard shape, codecs, fill value, attributes, chunks present
// (counted by listing, no chunk is read), logical and stored bytes. STORE may be a URL
// (tools/store_args.h); on a store that cannot be listed (plain HTTP) the hierarchy comes from
// consolidated metadata and the chunk counts are unknown (null in --json).
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "fmt/format.h"
#include "tools/commands.h"
#include "tools/store_args.h"
#include "zarr/array.h"
#include "zarr/codec/sharding_codec.h"
#include "zarr/hierarchy.h"
#include "zarr/metadata/json.h"
#include "zarr/store.h"

namespace zring::tools {
namespace {

using zarr::internal::Join;

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

struct ArrayFacts {
  std::string error;  // non-empty when the array could not be opened
  std::string dtype;
  std::vector<uint64_t> shape, chunk_shape, shard_shape;
  std::vector<std::string> codecs;
  std::string fill_value = "null", attributes = "{}", dimension_names = "null";
  char order = 'C';
  uint64_t chunks_total = 0, chunks_present = 0, logical_bytes = 0, stored_bytes = 0;
  bool chunks_counted = true;  // false: the store cannot list, so present/stored are unknown
};

ArrayFacts Inspect(const zarr::Store& store, const zarr::NodeInfo& node) {
  ArrayFacts f;
  auto opened = zarr::Array::Open(store, node.path, node.zarr_format);
  if (!opened.ok()) {
    f.error = opened.status().ToString();
    return f;
  }
  const zarr::Array& a = **opened;
  const zarr::ArrayMetadata& m = a.metadata();
  f.dtype = m.zarr_format == 2 ? m.data_type.NumpyString(m.v2_endian) : m.data_type.Name();
  f.shape = m.shape;
  f.chunk_shape = m.chunk_shape;
  if (const zarr::ShardingCodec* s = a.codec_chain().sharding()) {
    f.shard_shape = m.chunk_shape;
    f.chunk_shape = s->inner_chunk_shape();
  }
  f.codecs = a.codec_chain().CodecJson(m.zarr_format);
  f.order = m.v2_order;
  f.fill_value = m.fill_value.ToJson(m.data_type);
  f.attributes = m.attributes_json;
  if (!m.dimension_names.empty()) {
    std::vector<std::string> names;
    for (const auto& n : m.dimension_names) names.push_back(n ? JsonString(*n) : "null");
    f.dimension_names = "[" + Join(names) + "]";
  }
  f.chunks_total = a.grid().NumChunks();
  f.logical_bytes = zarr::ShapeProduct(m.shape) * m.data_type.size_bytes();
  auto entries = store.ListRecursive(a.path());
  if (absl::IsUnimplemented(entries.status())) {
    f.chunks_counted = false;
    return f;
  }
  if (!entries.ok()) {
    f.error = entries.status().ToString();
    return f;
  }
  const size_t skip = a.path().empty() ? 0 : a.path().size() + 1;
  for (const zarr::StoreEntry& e : *entries) {
    auto index = m.chunk_key_encoding.Decode(std::string_view(e.key).substr(skip), m.ndim());
    if (!index || !a.grid().Contains(*index)) continue;
    ++f.chunks_present;
    f.stored_bytes += e.size_bytes;
  }
  return f;
}

void PrintText(const zarr::NodeInfo& node, const std::string& group_attrs, const ArrayFacts* f) {
  std::printf("%s  (%s, zarr v%d)\n", node.path.c_str(),
              node.type == zarr::NodeType::kArray ? "array" : "group", node.zarr_format);
  if (f == nullptr) {
    if (group_attrs != "{}") std::printf("  attributes:     %s\n", group_attrs.c_str());
    return;
  }
  if (!f->error.empty()) {
    std::printf("  error:          %s\n", f->error.c_str());
    return;
  }
  std::printf("  shape:          [%s]\n  data type:      %s\n  chunk shape:    [%s]\n",
              Join(f->shape).c_str(), f->dtype.c_str(), Join(f->chunk_shape).c_str());
  if (!f->shard_shape.empty()) std::printf("  shard shape:    [%s]\n", Join(f->shard_shape).c_str());
  if (node.zarr_format == 2) std::printf("  order:          %c\n", f->order);
  std::printf("  codecs:         [%s]\n  fill value:     %s\n", Join(f->codecs).c_str(),
              f->fill_value.c_str());
  if (f->dimension_names != "null") {
    std::printf("  dimensions:     %s\n", f->dimension_names.c_str());
  }
  std::printf("  attributes:     %s\n", f->attributes.c_str());
  const char* unit = f->shard_shape.empty() ? "chunks" : "shards";
  if (!f->chunks_counted) {
    std::printf("  %s present: unknown of %llu (the store cannot be listed)\n", unit,
                static_cast<unsigned long long>(f->chunks_total));
    std::printf("  logical bytes:  %llu\n  stored bytes:   unknown\n",
                static_cast<unsigned long long>(f->logical_bytes));
    return;
  }
  std::printf("  %s present: %llu of %llu\n", unit, static_cast<unsigned long long>(f->chunks_present),
              static_cast<unsigned long long>(f->chunks_total));
  std::printf("  logical bytes:  %llu\n  stored bytes:   %llu\n",
              static_cast<unsigned long long>(f->logical_bytes),
              static_cast<unsigned long long>(f->stored_bytes));
}

std::string NodeJson(const zarr::NodeInfo& node, const std::string& group_attrs,
                     const ArrayFacts* f) {
  std::string j = fmt::format(R"({{"path": {}, "node_type": "{}", "zarr_format": {})",
                              JsonString(node.path),
                              node.type == zarr::NodeType::kArray ? "array" : "group",
                              node.zarr_format);
  if (f == nullptr) return j + fmt::format(R"(, "attributes": {}}})", group_attrs);
  if (!f->error.empty()) return j + fmt::format(R"(, "error": {}}})", JsonString(f->error));
  j += fmt::format(R"(, "shape": [{}], "data_type": {}, "chunk_shape": [{}])", Join(f->shape),
                   JsonString(f->dtype), Join(f->chunk_shape));
  j += f->shard_shape.empty() ? R"(, "shard_shape": null)"
                              : fmt::format(R"(, "shard_shape": [{}])", Join(f->shard_shape));
  if (node.zarr_format == 2) j += fmt::format(R"(, "order": "{}")", f->order);
  j += fmt::format(R"(, "codecs": [{}], "fill_value": {}, "dimension_names": {}, "attributes": {})",
                   Join(f->codecs), f->fill_value, f->dimension_names, f->attributes);
  const std::string present = f->chunks_counted ? std::to_string(f->chunks_present) : "null";
  const std::string stored = f->chunks_counted ? std::to_string(f->stored_bytes) : "null";
  j += fmt::format(R"(, "chunks_total": {}, "chunks_present": {}, "logical_bytes": {}, )"
                   R"("stored_bytes": {}}})",
                   f->chunks_total, present, f->logical_bytes, stored);
  return j;
}

std::string GroupAttributes(const zarr::Store& store, const zarr::NodeInfo& node) {
  const std::string prefix = zarr::NodePathToPrefix(node.path);
  auto text = [&](std::string_view name) -> std::string {
    auto b = store.Get(zarr::JoinKey(prefix, name));
    return b.ok() ? std::string(reinterpret_cast<const char*>(b->data()), b->size()) : "";
  };
  auto g = node.zarr_format == 3 ? zarr::ParseGroupMetadataV3(text("zarr.json"))
                                 : zarr::ParseGroupMetadataV2(text(".zgroup"), text(".zattrs"));
  return g.ok() ? g->attributes_json : "{}";
}

int RunInfo(const std::string& root, bool json, const std::vector<std::string>& storage_options) {
  auto store = OpenStoreArg(root, storage_options);
  if (!store.ok()) {
    std::fprintf(stderr, "zring info: %s\n", store.status().ToString().c_str());
    return 1;
  }
  auto nodes = zarr::ListHierarchy(**store);
  if (!nodes.ok()) {
    std::fprintf(stderr, "zring info: %s\n", nodes.status().ToString().c_str());
    return 1;
  }
  if (nodes->empty()) {
    std::fprintf(stderr, "zring info: no Zarr group or array found in %s\n", root.c_str());
    return 1;
  }
  bool ok = true;
  std::vector<std::string> json_nodes;
  for (const zarr::NodeInfo& node : *nodes) {
    ArrayFacts facts;
    std::string attrs;
    const bool is_array = node.type == zarr::NodeType::kArray;
    if (is_array) {
      facts = Inspect(**store, node);
      ok &= facts.error.empty();
    } else {
      attrs = GroupAttributes(**store, node);
    }
    if (json) json_nodes.push_back(NodeJson(node, attrs, is_array ? &facts : nullptr));
    else PrintText(node, attrs, is_array ? &facts : nullptr);
  }
  if (json) {
    std::printf("{\"store\": %s, \"nodes\": [%s]}\n", JsonString(root).c_str(),
                Join(json_nodes, ",\n  ").c_str());
  }
  return ok ? 0 : 1;
}

}  // namespace

void RegisterInfo(CLI::App& app) {
  auto store = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto storage_options = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand(
      "info", "Groups and arrays of a Zarr store: shape, data type, chunks, shards, codecs,\n"
              "fill value, attributes, chunks present, logical and stored bytes");
  cmd->add_option("STORE", *store, "Zarr store: directory, file://, http(s)://, s3:// or gs:// URL")
      ->required();
  cmd->add_flag("--json", *json, "Machine-readable output");
  AddStorageOptionFlag(cmd, storage_options.get());
  cmd->callback([store, json, storage_options] {
    const int rc = RunInfo(*store, *json, *storage_options);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace zring::tools
