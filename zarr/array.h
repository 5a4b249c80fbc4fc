// Array: an opened Zarr v2 or v3 array: its metadata, chunk grid, chunk keys and prepared codec
// chain, plus synchronous chunk and box reads.
//
// The Array does not own its store: the store must outlive it. Every method is const and
// thread-safe (the codec chain is prepared once at Open and shared by all readers).
//
// Decoded data is always zring's canonical layout: C order, little-endian, the declared data
// type (bool = one byte 0/1). Chunks that are not stored read as the fill value.
//
// Errors name the store, the array and the chunk key:
//   chunk c/3/0/7 of "temperature" in /data/era5.zarr: blosc: expected 65536 decoded bytes,
//   frame holds 65520
//
//   ZRING_ASSIGN_OR_RETURN(auto store, DirectoryStore::Open("/data/era5.zarr"));
//   ZRING_ASSIGN_OR_RETURN(auto array, Array::Open(*store, "temperature"));
//   std::vector<std::byte> chunk(array->chunk_size_bytes());
//   ZRING_ASSIGN_OR_RETURN(bool present, array->ReadChunk({3, 0, 7}, chunk));
//   ZRING_RETURN_IF_ERROR(array->ReadBox(Box{{0, 0, 0}, {1, 720, 1440}}, out));
#ifndef ZRING_ZARR_ARRAY_H_
#define ZRING_ZARR_ARRAY_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "zarr/chunk_grid.h"
#include "zarr/codec/codec_chain.h"
#include "zarr/metadata/array_metadata.h"
#include "zarr/store.h"

namespace zring::zarr {

struct CropOutput;  // zarr/assembler.h
struct CropReaderOptions;  // zarr/crop_reader.h

class Array {
 public:
  // Opens the array at `path` ("" or "/" for the store root, "a/b" below it): zarr.json when
  // present (v3), else .zarray (+ .zattrs) (v2). `format` 2 or 3 forces one of the two
  // (stores may hold both); 0 picks as described.
  static absl::StatusOr<std::unique_ptr<Array>> Open(const Store& store, std::string_view path,
                                                     int format = 0);
  // From metadata already parsed (e.g. consolidated); prepares the codec chain.
  static absl::StatusOr<std::unique_ptr<Array>> FromMetadata(const Store& store,
                                                             std::string_view path,
                                                             ArrayMetadata metadata);

  ~Array();

  const ArrayMetadata& metadata() const { return metadata_; }
  // Normalized path: "" for the root, "a/b" otherwise.
  const std::string& path() const { return path_; }
  const Store& store() const { return *store_; }
  const ChunkGrid& grid() const { return grid_; }
  const CodecChain& codec_chain() const { return *chain_; }
  const DataType& data_type() const { return metadata_.data_type; }
  uint64_t chunk_size_bytes() const { return chain_->decoded_spec().NumBytes(); }

  // The chunk's key relative to the array ("c/3/0/7") and in the store ("temperature/c/3/0/7").
  std::string ChunkKey(std::span<const uint64_t> grid_index) const;
  std::string StoreKey(std::span<const uint64_t> grid_index) const;

  // Decodes stored chunk bytes into `out` (chunk_size_bytes(), the full chunk shape). Errors
  // carry the chunk key, array path and store.
  absl::Status DecodeChunk(std::span<const uint64_t> grid_index, std::span<const std::byte> encoded,
                           std::span<std::byte> out) const;
  // Encodes a chunk (chunk_size_bytes(), canonical layout) into its stored form; writing it at
  // StoreKey(grid_index) is the caller's business (the Array only reads its store).
  absl::Status EncodeChunk(std::span<const uint64_t> grid_index, std::span<const std::byte> decoded,
                           Buffer& encoded) const;
  // Reads and decodes one chunk; fills `out` with the fill value and returns false when the
  // chunk is not stored.
  absl::StatusOr<bool> ReadChunk(std::span<const uint64_t> grid_index,
                                 std::span<std::byte> out) const;
  // Reads the elements of `box` (inside the array) into `out` (box.NumElements() elements,
  // C order), chunk by chunk. Memory beyond `out`: one chunk.
  absl::Status ReadBox(const Box& box, std::span<std::byte> out) const;

  // Crops through the pipelined reader (zarr/crop_reader.h: batched engine reads, decoding on
  // worker threads): one status per crop, as CropReader::ReadCrops. The reader - its worker
  // threads, shard index cache and engine - is made at the first call and kept for later ones;
  // SetReadOptions before that first call chooses its options. Calls from several threads run
  // one at a time. In a child process after fork, the parent's reader is abandoned (its
  // threads do not exist there) and a fresh one is made. Stores the engine cannot read
  // (Store::engine_access() kNone, e.g. MemoryStore): kUnimplemented.
  absl::StatusOr<std::vector<absl::Status>> ReadCrops(std::span<const Box> crops,
                                                      std::span<const CropOutput> outputs) const;
  // One box into `out` (box.NumElements() elements, C order) through the same reader.
  absl::Status Read(const Box& box, std::span<std::byte> out) const;
  void SetReadOptions(const CropReaderOptions& options) const;

  // `prefix` for error messages: chunk <key> of "<path>" in <store>.
  std::string DescribeChunk(std::span<const uint64_t> grid_index) const;
  std::string Describe() const;

 private:
  Array() = default;
  const Store* store_ = nullptr;
  std::string path_;
  ArrayMetadata metadata_;
  ChunkGrid grid_;
  std::unique_ptr<CodecChain> chain_;
  // The reader behind ReadCrops/Read, made on first use (array.cc).
  struct ReaderSlot;
  std::unique_ptr<ReaderSlot> reader_;
};

// "", "/", "/a/b/", "a/b" -> "" or "a/b".
std::string NormalizePath(std::string_view path);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_ARRAY_H_
