// The engine's remote path: batches whose requests name object sources (http(s) URLs), read
// with range GETs through one HttpClient (engine/http/http_client.h).
//
// Flow: Submit plans the whole batch on the calling thread (PlanObjectRequests: per source,
// sorted by offset, neighbours within remote_coalesce_gap_bytes merged into one GET of at most
// remote_max_coalesced_bytes; suffix requests alone), then issues GETs while the byte budget
// allows. Each GET's completion runs on a client loop thread: it scatters the body to its
// members (copies into their dst, or views of one shared buffer, as local reads do), delivers
// them to the batch as one group, frees its budget and issues the next GETs. Requests needing
// no GET (zero length, invalid) complete inside Submit, on the submitting thread.
//
// Invariants: every request of a batch is delivered exactly once; the bytes of GETs in flight
// stay <= max_inflight_bytes (one GET larger than that still runs, alone), so a batch of any
// size streams; GETs handed to the client stay <= 2 * http.max_requests (the rest wait here, in
// submission order, so the client never holds a deep queue of buffers).
// Lifetimes: the reader keeps each batch alive until its last completion; its destructor waits
// for every batch, then destroys the client (which waits for callbacks still running).
// Threads: every method may be called from any thread, including from a completion callback.
#ifndef ZRING_ENGINE_REMOTE_BACKEND_H_
#define ZRING_ENGINE_REMOTE_BACKEND_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <span>

#include "absl/status/statusor.h"
#include "engine/batch.h"
#include "engine/buffer_pool.h"
#include "engine/engine.h"
#include "engine/http/http_client.h"
#include "engine/read_plan.h"
#include "engine/source_table.h"

namespace zring::engine::internal {

// Nanosecond latencies in log-spaced buckets (8 per power of two), so a percentile is within
// 1/16 of the true value. Lock-free: Record from any thread.
class LatencyHistogram {
 public:
  void Record(uint64_t ns);
  // The value at quantile q in [0, 1]; 0 when nothing was recorded.
  uint64_t Percentile(double q) const;

  static constexpr int kBuckets = 16 + 60 * 8;
  static int BucketOf(uint64_t ns);
  static uint64_t Midpoint(int bucket);

 private:
  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
};

// Plans an object batch: pure. Every index appears exactly once, in `immediate` (with its result
// written) or among the members of one read; a read's members share a source and are sorted by
// offset; a suffix request is a read of its own whose offset_bytes is meaningless.
// gap_bytes < 0: never merge.
void PlanObjectRequests(std::span<const ReadRequest> requests, std::span<ReadResult> results,
                        const SourceTable& sources, int64_t gap_bytes,
                        uint64_t max_coalesced_bytes, Plan* plan);

class RemoteReader {
 public:
  // Makes the HttpClient (wrapped by the disk cache when options.cache_dir is set).
  static absl::StatusOr<std::unique_ptr<RemoteReader>> Create(const EngineOptions& options,
                                                              const SourceTable* sources,
                                                              BufferPool* pool);
  ~RemoteReader();
  RemoteReader(const RemoteReader&) = delete;
  RemoteReader& operator=(const RemoteReader&) = delete;

  // Plans `batch` (every request names an object source, or fails alone) and starts it.
  void Submit(std::shared_ptr<Batch> batch);
  void AddStats(EngineStats* stats) const;

 private:
  struct ObjectBatch {
    std::shared_ptr<Batch> batch;
    Plan plan;                // immutable once queued
    size_t next_read = 0;     // guarded by mu_
    size_t outstanding = 0;   // guarded by mu_
  };
  using BatchIt = std::list<ObjectBatch>::iterator;
  struct Get;

  RemoteReader(const EngineOptions& options, const SourceTable* sources, BufferPool* pool,
               std::unique_ptr<http::HttpClient> client);
  void Pump();
  void Issue(Get* get);
  void Finish(Get* get, http::HttpResponse& response);

  const SourceTable* const sources_;
  BufferPool* const pool_;
  const int64_t gap_bytes_;
  const uint64_t max_coalesced_bytes_;
  const uint64_t budget_bytes_;
  const size_t max_gets_;
  std::unique_ptr<http::HttpClient> client_;

  std::mutex mu_;
  std::condition_variable idle_cv_;
  std::list<ObjectBatch> batches_;   // guarded by mu_: batches not yet fully delivered
  std::deque<BatchIt> pending_;      // guarded by mu_: batches with GETs left to issue
  uint64_t inflight_bytes_ = 0;      // guarded by mu_
  size_t inflight_gets_ = 0;         // guarded by mu_

  std::atomic<uint64_t> requests_completed_{0};
  std::atomic<uint64_t> http_requests_{0};
  std::atomic<uint64_t> http_retries_{0};
  std::atomic<uint64_t> http_bytes_{0};
  LatencyHistogram latency_;
};

}  // namespace zring::engine::internal

#endif  // ZRING_ENGINE_REMOTE_BACKEND_H_
