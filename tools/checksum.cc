// `zring checksum STORE [ARRAY] [-o KEY=VALUE ...]`: one line per array, "<sha256 hex>  <array path>", the SHA-256
// of the whole array decoded to C order, little-endian, declared data type (bool as one byte
// 0/1). Array paths are Zarr node names: "/" for an array at the store root, "/a/b" below it.
// Streams slab by slab within --memory-mib, so arrays larger than RAM work. STORE may be a URL
// (tools/store_args.h).
#include <cstdio>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "fmt/format.h"
#include "tools/commands.h"
#include "tools/store_args.h"
#include "zarr/array.h"
#include "zarr/checksum.h"
#include "zarr/hierarchy.h"
#include "zarr/store.h"

namespace zring::tools {
namespace {

struct ChecksumOptions {
  std::string store;
  std::string array;
  bool has_array = false;
  uint64_t memory_mib = 256;
  std::vector<std::string> storage_options;
};

std::string NodeName(std::string_view path) {
  return "/" + zarr::NormalizePath(path);
}

// Prints one line; returns false (after printing the error) when the array cannot be read.
bool ChecksumOne(const zarr::Store& store, std::string_view path, uint64_t cap_bytes) {
  auto array = zarr::Array::Open(store, path);
  absl::StatusOr<std::string> sha = array.ok() ? zarr::ArraySha256(**array, cap_bytes)
                                               : absl::StatusOr<std::string>(array.status());
  if (!sha.ok()) {
    std::fprintf(stderr, "zring checksum: %s\n", sha.status().ToString().c_str());
    return false;
  }
  std::printf("%s  %s\n", sha->c_str(), NodeName(path).c_str());
  std::fflush(stdout);
  return true;
}

int RunChecksum(const ChecksumOptions& opt) {
  auto store = OpenStoreArg(opt.store, opt.storage_options);
  if (!store.ok()) {
    std::fprintf(stderr, "zring checksum: %s\n", store.status().ToString().c_str());
    return 1;
  }
  const uint64_t cap = opt.memory_mib << 20;
  if (opt.has_array) return ChecksumOne(**store, opt.array, cap) ? 0 : 1;
  auto nodes = zarr::ListHierarchy(**store);
  if (!nodes.ok()) {
    std::fprintf(stderr, "zring checksum: %s\n", nodes.status().ToString().c_str());
    return 1;
  }
  bool ok = true;
  size_t arrays = 0;
  for (const zarr::NodeInfo& node : *nodes) {
    if (node.type != zarr::NodeType::kArray) continue;
    ++arrays;
    ok &= ChecksumOne(**store, node.path, cap);
  }
  if (arrays == 0) {
    std::fprintf(stderr, "zring checksum: no Zarr array found in %s\n", opt.store.c_str());
    return 1;
  }
  return ok ? 0 : 1;
}

}  // namespace

void RegisterChecksum(CLI::App& app) {
  auto opt = std::make_shared<ChecksumOptions>();
  CLI::App* cmd = app.add_subcommand(
      "checksum",
      "SHA-256 of each array decoded to C order, little-endian, declared dtype (bool = 1 byte).\n"
      "Prints \"<sha256 hex>  <array path>\" per array; paths are Zarr node names: \"/\" for an\n"
      "array at the store root, \"/group/array\" below it. Missing chunks count as fill value.");
  cmd->add_option("STORE", opt->store,
                  "Zarr store: directory, file://, http(s)://, s3:// or gs:// URL")
      ->required();
  CLI::Option* array_opt = cmd->add_option("ARRAY", opt->array,
                  "Only this array (\"/a/b\", \"a/b\"; \"/\" = the store root); default: every array");
  cmd->add_option("--memory-mib", opt->memory_mib, "Memory cap for one slab, MiB")
      ->default_val(256)
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30));
  AddStorageOptionFlag(cmd, &opt->storage_options);
  cmd->callback([opt, array_opt] {
    opt->has_array = array_opt->count() > 0;
    const int rc = RunChecksum(*opt);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace zring::tools
