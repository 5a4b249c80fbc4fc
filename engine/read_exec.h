// What both backends share between planning and delivery: the unit of work (Slice), the state
// of one physical read in flight, where its bytes land, how its outcome becomes the results of
// its member requests, and the queue of slices the I/O threads pull from.
//
// Flow on an I/O thread: pop a Slice -> PlanRequests -> for each PlannedRead: PrepareTarget,
// read (ring or pread, resubmitting short reads), FinishRead -> CompletionSink::Flush after the
// completion walk, which calls Batch::Deliver (and so the user's callback) outside of it.
#ifndef ZRING_ENGINE_READ_EXEC_H_
#define ZRING_ENGINE_READ_EXEC_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "engine/batch.h"
#include "engine/buffer_pool.h"
#include "engine/read_plan.h"
#include "engine/source_table.h"

namespace zring::engine::internal {

// A contiguous run of one batch's requests, planned and read by one I/O thread.
struct Slice {
  std::shared_ptr<Batch> batch;
  uint32_t begin = 0;
  uint32_t end = 0;
  Plan plan;
  size_t next_read = 0;    // next PlannedRead to issue
  size_t outstanding = 0;  // issued, not finished
  bool Exhausted() const { return next_read == plan.reads.size(); }
  bool Finished() const { return Exhausted() && outstanding == 0; }
};

// One physical read from issue to finish.
struct InflightRead {
  Slice* slice = nullptr;
  PlannedRead plan;
  const Source* source = nullptr;
  std::byte* target = nullptr;  // where the physical read lands
  PooledBuffer owned;           // bounce buffer, or the single member's engine buffer
  bool bounce = false;          // scatter to the members on finish
  bool fixed_buffer = false;    // target lies in the registered arena
  uint64_t done_bytes = 0;      // physical bytes read so far
  uint64_t submit_ns = 0;
  int read_error = 0;           // errno of the read, if it failed
  int open_error = 0;           // path sources: errno of the open
  bool alloc_failed = false;
  uint32_t retries = 0;         // EINTR/EAGAIN resubmissions

  uint64_t remaining_bytes() const { return plan.length_bytes - done_bytes; }
};

// Chooses r->target: the caller's dst when the read maps 1:1 onto it (and, under O_DIRECT, it
// is aligned), an engine buffer for a dst-less single request, otherwise a bounce buffer.
void PrepareTarget(InflightRead* r, BufferPool& pool, bool direct_io);

// Turns r's outcome into results for its members (copying out of a bounce buffer) and
// appends the member indices to *done.
void FinishRead(InflightRead* r, uint64_t now_ns,
                std::vector<uint32_t>* done);

uint64_t NowNs();

// Collects finished request indices during a completion walk; Flush delivers them.
class CompletionSink {
 public:
  std::vector<uint32_t>* For(Batch* batch);
  void Flush();
  bool empty() const { return runs_.empty(); }

 private:
  std::vector<std::pair<Batch*, std::vector<uint32_t>>> runs_;
  std::vector<std::vector<uint32_t>> spare_;
};

// Slices waiting for an I/O thread. Push from submitters, Pop/TryPop from I/O threads.
class WorkQueue {
 public:
  void Push(std::vector<std::unique_ptr<Slice>> slices);
  // Blocks until a slice is available or Stop(); null after Stop once drained.
  std::unique_ptr<Slice> Pop();
  std::unique_ptr<Slice> TryPop();
  void Stop();
  // Slices pushed and not yet marked finished with SliceDone; WaitIdle waits for zero.
  void SliceDone();
  void WaitIdle();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  std::deque<std::unique_ptr<Slice>> slices_;  // guarded by mu_
  size_t unfinished_ = 0;                      // guarded by mu_
  bool stopped_ = false;                       // guarded by mu_
};

}  // namespace zring::engine::internal

#endif  // ZRING_ENGINE_READ_EXEC_H_
