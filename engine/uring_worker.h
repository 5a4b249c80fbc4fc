// One io_uring I/O thread: its ring, its reads in flight, and its loop -
//   fill the SQ (resubmissions first, then planned reads) -> one io_uring_enter that submits
//   everything and waits -> walk the CQ -> deliver completions (user callbacks) -> retire.
//
// Bounds: reads in flight <= queue_depth; CQEs that can still arrive <= the CQ size, so the CQ
// never overflows; bytes in flight <= this thread's share of max_inflight_bytes (one read
// bigger than the share still runs, alone). A batch of any size therefore streams through.
// user_data is (slot << 2 | op): the slot indexes slots_, op says which SQE of a chain it was.
// Threading: Init and Run (which also tears the ring down) run on the worker's own thread;
// stats() may be read from any thread.
#ifndef ZRING_ENGINE_URING_WORKER_H_
#define ZRING_ENGINE_URING_WORKER_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "engine/backend.h"
#include "engine/ring.h"

namespace zring::engine::internal {

// A read in flight on one ring: the shared InflightRead plus the ring's own bookkeeping.
struct UringRead {
  InflightRead r;
  int path_slot = -1;       // fixed slot of a path chain
  unsigned pending_cqes = 0;
  uint64_t requested = 0;   // bytes asked by the last READ SQE
  bool resubmit = false;
};

class UringWorker {
 public:
  UringWorker(const BackendContext* ctx, uint64_t budget_bytes)
      : ctx_(ctx), depth_(std::max(1u, ctx->options.queue_depth)), budget_bytes_(budget_bytes) {}

  absl::Status Init();
  void Run();
  const WorkerStats& stats() const { return stats_; }

 private:
  bool HasRoom(const PlannedRead& p, unsigned cqes) const;
  Slice* NextSlice();
  void Fill();
  bool SqHasRoom(unsigned sqes);
  void Issue(uint32_t slot, uint64_t now_ns);
  void IssueChain(UringRead& u, uint32_t slot, uint64_t len);
  void OnCqe(const io_uring_cqe* cqe);
  void OnRead(UringRead& u, int res);
  void Finish(uint32_t slot, uint64_t now_ns);
  void DeliverAndRetire();
  void SyncSources();

  const BackendContext* ctx_;
  const unsigned depth_;
  const uint64_t budget_bytes_;
  std::unique_ptr<Ring> ring_;
  bool fixed_buffers_ = false;
  unsigned file_slots_ = 0;  // slots for file sources; path slots follow them
  std::vector<uint8_t> slot_ok_;
  size_t events_seen_ = 0;

  std::vector<UringRead> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<int> free_path_slots_;
  std::vector<uint32_t> retry_;
  std::vector<uint32_t> finished_;
  std::deque<std::unique_ptr<Slice>> active_;
  CompletionSink sink_;
  unsigned inflight_reads_ = 0;
  unsigned inflight_cqes_ = 0;
  uint64_t inflight_bytes_ = 0;
  WorkerStats stats_;
};

}  // namespace zring::engine::internal

#endif  // ZRING_ENGINE_URING_WORKER_H_
