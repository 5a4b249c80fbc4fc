// Store: a small synchronous key-value interface over a Zarr store, and two implementations:
// DirectoryStore (a local directory, pread-based) and MemoryStore (tests, scratch).
//
// Keys are '/'-separated paths relative to the store root ("temperature/c/0/1"), never starting
// with '/' and never containing "." or ".." segments (rejected as kInvalidArgument, so a hostile
// metadata document cannot make zring read outside the store). A missing key is kNotFound; other
// I/O failures keep their errno meaning (zring::ErrnoToStatus). Every method is const and
// thread-safe for reads; Set is not meant to race with reads of the same key.
//
// Bulk readers (zarr/crop_reader.h) read values through the engine instead: a store says how
// (engine_access) and registers a key as an engine source (RegisterWithEngine). Local files
// have sizes a stat away; remote objects (zarr/object_store.h) do not, so readers of those ask
// for suffixes and learn sizes from the responses.
//
//   ZRING_ASSIGN_OR_RETURN(auto store, DirectoryStore::Open("/data/era5.zarr"));
//   ZRING_ASSIGN_OR_RETURN(Buffer meta, store->Get("temperature/zarr.json"));
//   ZRING_ASSIGN_OR_RETURN(Buffer tail,
//                          store->GetRange("temperature/c/0/0", ByteRange::Suffix(16)));
#ifndef ZRING_ZARR_STORE_H_
#define ZRING_ZARR_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/read_request.h"
#include "zarr/buffer.h"

namespace zring::engine {
class Engine;
struct EngineOptions;
}  // namespace zring::engine

namespace zring::zarr {

// A byte range of a value: [offset, offset + length), or the last `length` bytes when suffix.
struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
  bool suffix = false;
  static ByteRange Suffix(uint64_t length) { return {0, length, true}; }
};

struct StoreEntry {
  std::string key;  // relative to the store root
  uint64_t size_bytes = 0;
};

// What one directory level holds: values (files) and sub-prefixes (directories), names only.
struct StoreListing {
  std::vector<std::string> values;
  std::vector<std::string> prefixes;
};

// How the engine reads a store's values.
enum class EngineAccess : uint8_t {
  kNone,     // not at all (MemoryStore): bulk readers refuse the store
  kFiles,    // local files: a size is a stat (GetSize), a range a pread
  kObjects,  // remote objects: a size costs a request; read suffixes and use the size the
             // response reports (engine::ReadResult::source_size)
};

// What a bulk reader will do with a registered value.
enum class SourceUse : uint8_t {
  kRanges,      // many ranges of one value (a shard): opened once, closed by the caller
  kWholeValue,  // one read of the whole value (a chunk): opened by the read itself
};

class Store {
 public:
  virtual ~Store() = default;
  // For messages: where the store is ("/data/era5.zarr", "memory").
  virtual std::string Describe() const = 0;
  virtual absl::StatusOr<Buffer> Get(std::string_view key) const = 0;
  // A range past the end is kOutOfRange naming the key, the range and the value's size.
  virtual absl::StatusOr<Buffer> GetRange(std::string_view key, ByteRange range) const = 0;
  virtual absl::StatusOr<uint64_t> GetSize(std::string_view key) const = 0;
  // One level below `prefix` ("" = root; "a/b" = inside a/b). A missing prefix lists empty.
  virtual absl::StatusOr<StoreListing> ListDir(std::string_view prefix) const = 0;
  // Every value below `prefix`, recursively, sorted by key.
  virtual absl::StatusOr<std::vector<StoreEntry>> ListRecursive(std::string_view prefix) const = 0;
  virtual absl::Status Set(std::string_view key, std::span<const std::byte> value) = 0;
  // Removes `key`'s value; a key that is not stored is OK (deleting is idempotent). Stores
  // that cannot delete say so (kUnimplemented).
  virtual absl::Status Delete(std::string_view key);

  virtual EngineAccess engine_access() const { return EngineAccess::kNone; }
  // Registers `key`'s value as a source of `engine` (no I/O for whole values and objects; a
  // file opened once for kRanges). The caller closes it (Engine::CloseSource). Stores with
  // engine_access() kNone: kUnimplemented naming the store.
  virtual absl::StatusOr<engine::SourceId> RegisterWithEngine(engine::Engine& engine,
                                                              std::string_view key,
                                                              SourceUse use) const;
  // Adjusts the options of an engine made to read this store (remote stores set the HTTP
  // transport, the coalescing gap and the cache tier); local stores leave them alone.
  virtual void ConfigureEngine(engine::EngineOptions& options) const;
};

// Checks `key` is a relative '/'-separated path without empty, "." or ".." segments.
absl::Status ValidateKey(std::string_view key);
// "a/b" + "c" -> "a/b/c"; "" + "c" -> "c".
std::string JoinKey(std::string_view prefix, std::string_view name);

class DirectoryStore final : public Store {
 public:
  // `root` must be an existing directory.
  static absl::StatusOr<std::unique_ptr<DirectoryStore>> Open(std::string root);
  // Creates `root` and its missing parents (mkdir -p), then opens it.
  static absl::StatusOr<std::unique_ptr<DirectoryStore>> Create(std::string root);

  std::string Describe() const override { return root_; }
  absl::StatusOr<Buffer> Get(std::string_view key) const override;
  absl::StatusOr<Buffer> GetRange(std::string_view key, ByteRange range) const override;
  absl::StatusOr<uint64_t> GetSize(std::string_view key) const override;
  absl::StatusOr<StoreListing> ListDir(std::string_view prefix) const override;
  absl::StatusOr<std::vector<StoreEntry>> ListRecursive(std::string_view prefix) const override;
  // Writes through a temporary file beside the key (".<name>.tmp.<pid>.<tid>.<n>", unique across
  // processes and threads, never listed as a value) and a rename, creating parent directories,
  // so readers see the old value or the new one, never a torn one. Nothing is fsynced: a
  // rename survives a killed process, not a power loss. The temporary file is removed on any
  // failure.
  absl::Status Set(std::string_view key, std::span<const std::byte> value) override;
  absl::Status Delete(std::string_view key) override;
  EngineAccess engine_access() const override { return EngineAccess::kFiles; }
  // kRanges: Engine::OpenFile; kWholeValue: Engine::AddPath (opened by each read).
  absl::StatusOr<engine::SourceId> RegisterWithEngine(engine::Engine& engine,
                                                      std::string_view key,
                                                      SourceUse use) const override;
  // The file that holds `key` (for callers that need the file itself, e.g. to lock beside it).
  std::string PathOf(std::string_view key) const;

 private:
  explicit DirectoryStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

class MemoryStore final : public Store {
 public:
  std::string Describe() const override { return "memory"; }
  absl::StatusOr<Buffer> Get(std::string_view key) const override;
  absl::StatusOr<Buffer> GetRange(std::string_view key, ByteRange range) const override;
  absl::StatusOr<uint64_t> GetSize(std::string_view key) const override;
  absl::StatusOr<StoreListing> ListDir(std::string_view prefix) const override;
  absl::StatusOr<std::vector<StoreEntry>> ListRecursive(std::string_view prefix) const override;
  absl::Status Set(std::string_view key, std::span<const std::byte> value) override;
  absl::Status Set(std::string_view key, std::string_view text);
  absl::Status Delete(std::string_view key) override;
  void Erase(std::string_view key);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::byte>, std::less<>> values_;
};

// Resolves `range` against a value of `size` bytes: [begin, end) or kOutOfRange.
absl::StatusOr<std::pair<uint64_t, uint64_t>> ResolveRange(std::string_view key, ByteRange range,
                                                           uint64_t size);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_STORE_H_
