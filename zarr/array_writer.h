// Writing Zarr arrays: create an array or group from metadata alone (a "template" that writers
// fill later), then write regions (box + buffer) into it.
//
// Layout of the data handed to WriteRegion: zring's canonical layout (C order, little-endian,
// the declared data type, bool = one byte 0/1), exactly box.NumElements() * element size bytes.
//
// Crash safety: every chunk or shard value is written to a temporary name beside its final key
// and renamed into place (DirectoryStore::Set), so a reader never sees a torn chunk and a killed
// writer leaves at most stray temporary files (".<name>.tmp.*", which readers never list as
// chunks). Chunks whose every element equals the fill value are not written (and an existing
// value at that key is deleted), as the specs allow.
//
// Concurrency: several processes may write disjoint regions of one array at once when each
// region is aligned to the grid (shard boundaries for sharded arrays, else chunk boundaries;
// the array's end counts as a boundary). A region that would read-modify-write a grid chunk
// (partial coverage) is refused with kFailedPrecondition when `WriterOptions::exclusive` is
// false (others may be writing); with `lock_partial` it takes an flock(2) on a lock file per
// grid chunk (".<key>.lock" beside it) around the read-merge-write instead.
//
//   ZRING_ASSIGN_OR_RETURN(auto store, DirectoryStore::Create("/data/out.zarr"));
//   ZRING_ASSIGN_OR_RETURN(ArrayMetadata meta, MakeArrayMetadata(spec));
//   ZRING_RETURN_IF_ERROR(CreateArray(*store, "temperature", meta, {}));
//   ZRING_ASSIGN_OR_RETURN(auto array, Array::Open(*store, "temperature"));
//   ZRING_ASSIGN_OR_RETURN(auto writer, ArrayWriter::Create(*store, *array, {}));
//   ZRING_RETURN_IF_ERROR(writer->WriteRegion(Box{{0, 0}, {512, 512}}, bytes));
#ifndef ZRING_ZARR_ARRAY_WRITER_H_
#define ZRING_ZARR_ARRAY_WRITER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "zarr/array.h"
#include "zarr/metadata/array_metadata.h"
#include "zarr/store.h"

namespace zring::zarr {

// The metadata documents of an array or group, as text: v3 zarr.json, or v2 .zarray (and
// .zattrs when there are attributes). Round-trips through ParseArrayMetadataV2/V3. Metadata a
// format cannot hold is kInvalidArgument (v3: fixed-length strings and datetimes, a null fill
// value; v2: bfloat16, "default" chunk keys). v2 has no field for dimension names: they are
// dropped.
absl::StatusOr<std::string> ArrayMetadataToJsonV3(const ArrayMetadata& metadata);
absl::StatusOr<std::string> ArrayMetadataToZarrayV2(const ArrayMetadata& metadata);
// v2 .zattrs text, or "" when there are no attributes (then no .zattrs is written).
absl::StatusOr<std::string> AttributesToZattrsV2(std::string_view attributes_json);
// Group documents: v3 zarr.json (with attributes); v2 .zgroup (attributes go to .zattrs).
absl::StatusOr<std::string> GroupMetadataToJsonV3(const GroupMetadata& metadata);
std::string GroupMetadataToZgroupV2();

struct CreateOptions {
  // false: an existing array or group at the path is kAlreadyExists.
  bool overwrite_metadata = false;
};

// Writes the array's metadata documents (no chunks). Checks the metadata builds a codec chain
// first, so nothing is written for an array zring could not read back.
absl::Status CreateArray(Store& store, std::string_view path, const ArrayMetadata& metadata,
                         const CreateOptions& options = {});
// Writes a group's metadata (zarr.json, or .zgroup + .zattrs), creating nothing else.
absl::Status CreateGroup(Store& store, std::string_view path, const GroupMetadata& metadata,
                         const CreateOptions& options = {});

// A simple description for tools: codec presets instead of codec JSON.
struct SimpleArraySpec {
  int zarr_format = 3;
  std::vector<uint64_t> shape;
  std::vector<uint64_t> chunk_shape;  // chunks (the inner chunks when sharded)
  std::vector<uint64_t> shard_shape;  // empty: not sharded (v3 only; multiples of chunk_shape)
  std::string data_type = "uint16";   // v3 name ("uint16", "float32", "bool", ...)
  std::string fill_value_json = "0";  // JSON as the spec writes it (0, "NaN", true, ...)
  // "none", "blosc-lz4", "blosc-zstd", "zstd", "gzip", "lz4" (v2 only), "crc32c" adds a checksum
  // (v3 only) - a '+'-joined list is allowed: "zstd+crc32c".
  std::string codec = "blosc-lz4";
  int level = -1;  // compression level; -1: the codec's usual default
  std::vector<std::optional<std::string>> dimension_names;
  std::string attributes_json = "{}";
};
// The codec JSON written is what zarr-python 3 / TensorStore write for the same choices:
//   v3: [bytes {endian little; omitted for 1-byte types}, <compressors>], or when sharded
//       [sharding_indexed {chunk_shape, codecs [bytes, <compressors>],
//                          index_codecs [bytes, crc32c], index_location "end"}];
//       blosc-lz4 = blosc {cname lz4, clevel 5, shuffle "shuffle" ("bitshuffle" for 1-byte
//       types), typesize, blocksize 0}; zstd {level 3, checksum false}; gzip {level 5}.
//   v2: dtype "<u2"-style, order C, dimension_separator ".", compressor blosc (shuffle 1, or 2
//       for 1-byte types) / zstd / gzip / lz4 with the numcodecs ids, or null for "none".
// Errors (kInvalidArgument) name the offending field: shards that are not multiples of the
// chunks, sharding in v2, unknown codecs or data types, levels out of range, bad fill values.
absl::StatusOr<ArrayMetadata> MakeArrayMetadata(const SimpleArraySpec& spec);

struct WriterOptions {
  int threads = 0;  // encode workers; 0: one per online core
  // true: this writer is the only one; partial grid chunks are read, merged and rewritten.
  // false: partial grid chunks are refused (kFailedPrecondition) unless lock_partial.
  bool exclusive = true;
  bool lock_partial = false;
  // false (the default): chunks (inner chunks when sharded) equal to the fill value everywhere
  // are not written. Inner chunks of a shard that equal the fill value are never stored (the
  // sharding codec marks them missing); true only keeps all-fill grid chunks and shards.
  bool write_empty_chunks = false;
};

struct WriteStats {
  uint64_t chunks_written = 0;   // grid chunks (shards when sharded) stored
  uint64_t chunks_skipped = 0;   // grid chunks all fill value: not written (or deleted)
  uint64_t chunks_merged = 0;    // partial grid chunks read, merged and rewritten
  uint64_t bytes_written = 0;    // stored (encoded) bytes
  uint64_t bytes_logical = 0;    // decoded bytes of the regions written
};

class ArrayWriter {
 public:
  // `store` is where `array` lives (Array only holds a const Store&); both must outlive the
  // writer.
  static absl::StatusOr<std::unique_ptr<ArrayWriter>> Create(Store& store, const Array& array,
                                                             const WriterOptions& options = {});
  ~ArrayWriter();

  // Writes `data` (canonical layout, box.NumElements() elements) into `box`. Encoding runs on
  // the worker pool, memory beyond `data`: about two grid chunks per worker. Errors: a box
  // outside the array or of the wrong rank, or data of the wrong size: kInvalidArgument (the
  // message says what was expected); a store write failure names the key.
  absl::Status WriteRegion(const Box& box, std::span<const std::byte> data);

  // True when `key`'s grid chunk (shard) is already stored, for resumable writers.
  absl::StatusOr<bool> ChunkStored(std::span<const uint64_t> grid_index) const;

  WriteStats stats() const;

 private:
  struct Impl;
  explicit ArrayWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_ARRAY_WRITER_H_
