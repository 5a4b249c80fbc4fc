// Per-process reader state for the Python bindings, safe across fork().
//
// Readers (zarr::CropReader, zarr::MultiArrayCropReader) own worker threads and use an engine
// with I/O threads and rings; after fork() none of those threads exist in the child, and any
// mutex one of them held stays locked forever there. So a reader belongs to the process that
// created it: ProcessLocal<R> remembers the pid, and in any other process (a fork child) it
// abandons the parent's state without touching it - no destructor, no lock, no join; the
// memory is a copy-on-write image that the child never writes - and builds a fresh one.
//
// Nothing is created before the first read: importing zring, opening arrays or unpickling a
// dataset starts no thread and opens no ring.
//
// Threading: Acquire() must be called with the GIL held (the GIL serializes the pid check and
// the swap); the returned Slot may then be used without the GIL, under Slot::mu, which also
// serializes reads of one reader (CropReader::ReadCrops is one thread at a time).
//
//   std::shared_ptr<ProcessLocal<CropReader>::Slot> slot = local.Acquire();   // GIL held
//   { py::gil_scoped_release nogil; std::lock_guard lock(slot->mu); slot->reader->ReadCrops(...); }
#ifndef ZRING_BINDINGS_PYTHON_SRC_PROCESS_LOCAL_H_
#define ZRING_BINDINGS_PYTHON_SRC_PROCESS_LOCAL_H_

#include <sys/types.h>
#include <unistd.h>

#include <memory>
#include <mutex>

#include "engine/engine.h"
#include "zarr/store.h"

namespace zring::python {

// Abandons `p` for good: its destructor never runs (used for state inherited across fork).
template <typename T>
void Abandon(std::shared_ptr<T> p) {
  if (p) new std::shared_ptr<T>(std::move(p));  // intentionally never freed
}

// The engine all readers of this process share (its threads start at its first Submit).
// GIL held. Returns null and sets `status` when the engine cannot be created.
std::shared_ptr<engine::Engine> ProcessEngine(absl::Status* status);

// The engine a reader of `store` reads through: the process engine for local files; for remote
// objects a new engine whose transport, coalescing and cache tier the store configures
// (Store::ConfigureEngine; its storage options), owned by the caller's slot so it is made again
// in a forked child. GIL held. Null and `status` set when it cannot be created.
std::shared_ptr<engine::Engine> EngineFor(const zarr::Store& store, absl::Status* status);

template <typename Reader>
class ProcessLocal {
 public:
  struct Slot {
    std::mutex mu;
    std::shared_ptr<engine::Engine> engine;  // outlives `reader` (declared first)
    std::unique_ptr<Reader> reader;          // null until the first read in this process
  };

  ProcessLocal() = default;
  ~ProcessLocal() {
    if (pid_ != getpid()) Abandon(std::move(slot_));
  }
  ProcessLocal(const ProcessLocal&) = delete;
  ProcessLocal& operator=(const ProcessLocal&) = delete;

  // This process's slot (created empty on first use or after a fork). GIL held.
  std::shared_ptr<Slot> Acquire() {
    const pid_t pid = getpid();
    if (slot_ && pid_ != pid) Abandon(std::move(slot_));
    if (!slot_) {
      slot_ = std::make_shared<Slot>();
      pid_ = pid;
    }
    return slot_;
  }

  // The slot of this process if it has one, else null (stats of a never-read array). GIL held.
  std::shared_ptr<Slot> Existing() const { return pid_ == getpid() ? slot_ : nullptr; }

 private:
  pid_t pid_ = 0;
  std::shared_ptr<Slot> slot_;
};

}  // namespace zring::python

#endif  // ZRING_BINDINGS_PYTHON_SRC_PROCESS_LOCAL_H_
