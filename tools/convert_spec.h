// What `zring convert` writes: the destination array's description (zarr/array_writer.h's
// SimpleArraySpec) derived from the source array and the command's options.
//
// Defaults follow the source: its chunk shape (inner chunks when sharded), its sharding when the
// destination is v3, the codec preset and level closest to its compressor, its data type, fill
// value, attributes and dimension names. Dimension names cross formats through the attribute
// xarray uses for them in v2 ("_ARRAY_DIMENSIONS"), so v3 -> v2 -> v3 returns the original.
//
// Pure functions: no I/O.
//
//   ZRING_ASSIGN_OR_RETURN(zarr::SimpleArraySpec spec, BuildSpec(options, *source_array));
#ifndef ZRING_TOOLS_CONVERT_SPEC_H_
#define ZRING_TOOLS_CONVERT_SPEC_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "zarr/array.h"
#include "zarr/array_writer.h"

namespace zring::tools {

// The command line of `zring convert` (tools/convert.cc).
struct ConvertOptions {
  std::string src;
  std::string dst;
  std::string array;
  std::string chunks;   // "" = the source's
  std::string shard;    // "" = the source's (v3), "none" = not sharded
  std::string codec;    // "" = the source's closest preset
  std::string region;   // hidden --region; "" = the whole array
  int level = -1;
  int format = 0;       // 0 = the source's (3 when --shard is given)
  uint64_t memory_mib = 1024;
  int threads = 0;
  bool verify = false;
  bool overwrite = false;
  bool quiet = false;
};

// Errors (kInvalidArgument) name the option: a chunk or shard spec of the wrong rank or with a
// zero, a shard that is not a multiple of the chunks, --shard with --format 2.
absl::StatusOr<zarr::SimpleArraySpec> BuildSpec(const ConvertOptions& opt, const zarr::Array& src);

// "256,1024,1024". (fmt::join over integers trips a false -Wstringop-overflow in gcc 12.)
std::string Dims(const std::vector<uint64_t>& v);

}  // namespace zring::tools

#endif  // ZRING_TOOLS_CONVERT_SPEC_H_
