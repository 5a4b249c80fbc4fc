// The engine's sources: what a ReadRequest::source id names.
//
// Three kinds:
// - kFile: a file opened once (O_RDONLY, plus O_DIRECT when the engine uses it). Each file
//   source also gets a dense `file_index`, which the uring backend uses as its slot in every
//   ring's fixed file table.
// - kPath: only a path, for stores with one file per chunk; each read opens, reads and closes
//   it (inside the ring as a linked OPENAT -> READ -> CLOSE chain). Registering one costs no
//   syscall.
// - kObject: an http(s) URL (and an optional request signer), read with range GETs by the
//   engine's remote path (engine/remote_backend.h). Registering one does no I/O.
//
// Invariants: ids are dense and never reused; an entry never changes after it is published
// except for its closed flag, so readers on the I/O threads need no lock. The table keeps a log
// of file opens and closes that each ring replays (Events) to keep its fixed table in step.
// Closing a source while reads on it are in flight is the caller's error: those reads may
// fail with EBADF, but never touch another file.
#ifndef ZRING_ENGINE_SOURCE_TABLE_H_
#define ZRING_ENGINE_SOURCE_TABLE_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/read_request.h"

namespace zring::engine::http {
class RequestSigner;
}  // namespace zring::engine::http

namespace zring::engine::internal {

enum class SourceKind : uint8_t { kFile, kPath, kObject };

struct Source {
  SourceKind kind = SourceKind::kFile;
  std::string path;         // kObject: the URL
  int fd = -1;              // kFile only
  uint32_t file_index = 0;  // kFile only: dense index among file sources
  std::shared_ptr<const http::RequestSigner> signer;  // kObject only; null: unsigned
  std::atomic<bool> closed{false};
};

// One change to the set of open file sources, in the order they happened.
struct SourceEvent {
  uint32_t file_index;
  int fd;  // -1: the source was closed
};

class SourceTable {
 public:
  explicit SourceTable(bool direct_io) : direct_io_(direct_io) {}
  ~SourceTable();
  SourceTable(const SourceTable&) = delete;
  SourceTable& operator=(const SourceTable&) = delete;

  absl::StatusOr<SourceId> OpenFile(const std::string& path);
  absl::StatusOr<SourceId> AddPath(std::string path);
  // InvalidArgument unless `url` is an http:// or https:// URL with a host.
  absl::StatusOr<SourceId> AddObject(std::string url,
                                     std::shared_ptr<const http::RequestSigner> signer);
  absl::Status Close(SourceId id);

  // Object sources ever registered: while zero, no batch needs to be classified.
  uint32_t object_count() const { return object_count_.load(std::memory_order_acquire); }

  // The entry for `id`, or null when no such source was ever published.
  const Source* Get(SourceId id) const {
    if (id >= count_.load(std::memory_order_acquire)) return nullptr;
    return &chunks_[id >> kChunkBits].load(std::memory_order_acquire)[id & kChunkMask];
  }

  bool direct_io() const { return direct_io_; }

  // Number of events so far; cheap, for a ring to see whether it must catch up.
  size_t event_count() const { return event_count_.load(std::memory_order_acquire); }
  // Appends events [from, event_count()) to *out.
  void Events(size_t from, std::vector<SourceEvent>* out) const;

 private:
  static constexpr int kChunkBits = 12;
  static constexpr uint32_t kChunkMask = (1u << kChunkBits) - 1;
  static constexpr size_t kMaxChunks = 1 << 14;  // 64 Mi sources

  absl::StatusOr<Source*> Append();  // under mu_

  const bool direct_io_;
  mutable std::mutex mu_;
  std::array<std::atomic<Source*>, kMaxChunks> chunks_{};
  std::atomic<uint32_t> count_{0};
  uint32_t file_count_ = 0;            // guarded by mu_
  std::vector<SourceEvent> events_;    // guarded by mu_
  std::atomic<size_t> event_count_{0};
  std::atomic<uint32_t> object_count_{0};
};

}  // namespace zring::engine::internal

#endif  // ZRING_ENGINE_SOURCE_TABLE_H_
