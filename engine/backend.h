// The interface between the Engine facade and its two backends (uring_backend.cc,
// pread_backend.cc), and the context they share.
//
// A backend owns its I/O threads. They pull Slices from the shared WorkQueue, plan them, read,
// and deliver completions; the Engine only pushes slices and waits for the queue to go idle.
// Both backends see the same plan and the same FinishRead, so they differ only in how bytes
// get from the file into InflightRead::target.
#ifndef ZRING_ENGINE_BACKEND_H_
#define ZRING_ENGINE_BACKEND_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "engine/buffer_pool.h"
#include "engine/engine.h"
#include "engine/read_exec.h"
#include "engine/source_table.h"

namespace zring::engine::internal {

// Everything the I/O threads read; owned by the Engine, outlives the backend.
struct BackendContext {
  EngineOptions options;
  PlanOptions plan;
  SourceTable* sources = nullptr;
  BufferPool* pool = nullptr;
  WorkQueue* queue = nullptr;
};

// Per-thread counters, summed by Stats(); relaxed atomics, written by one thread.
struct WorkerStats {
  std::atomic<uint64_t> requests_completed{0};
  std::atomic<uint64_t> reads_completed{0};
  std::atomic<uint64_t> bytes_read{0};
  std::atomic<uint64_t> sqes_submitted{0};
  std::atomic<uint64_t> submit_calls{0};
  void Add(EngineStats* s) const;
  static void Bump(std::atomic<uint64_t>& c, uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  // Ends the I/O threads once the queue has been stopped (WorkQueue::Stop) and drained.
  virtual void Join() = 0;
  virtual void AddStats(EngineStats* stats) const = 0;
};

// Reads r's range with blocking syscalls (open/pread/close for path sources). The pread
// backend's whole job; the uring backend's fallback when the kernel cannot open into a ring.
void ExecuteBlockingRead(const BackendContext& ctx, InflightRead* r);

// Plans `slice` and queues its immediate completions (zero-length, invalid requests) in
// *sink, counting them in *stats.
void PlanSlice(const BackendContext& ctx, Slice* slice, CompletionSink* sink,
               WorkerStats* stats);

// 0 when this process may create an io_uring, else the errno of io_uring_queue_init (EPERM /
// ENOSYS when the kernel or a seccomp filter refuses io_uring, as in many containers).
int ProbeUring();

// io_uring: one ring per I/O thread, created on that thread.
absl::StatusOr<std::unique_ptr<Backend>> StartUringBackend(const BackendContext* ctx);
std::unique_ptr<Backend> StartPreadBackend(const BackendContext* ctx);

}  // namespace zring::engine::internal

#endif  // ZRING_ENGINE_BACKEND_H_
