// A submitted batch: the requests, their results, and how the caller learns of completions.
//
// Made by Engine::Submit. Completions are delivered per request, in whatever order the reads
// finish, in one of two ways chosen at Submit:
// - no callback: completed indices queue up here; WaitSome hands them out (a completion queue
//   the caller drains), Wait blocks until every request has completed.
// - a callback: called once per request on an I/O thread, after that thread's completion walk;
//   it may move ReadResult::buffer out. WaitSome then only waits (it returns no indices).
//
// Lifetimes: the engine keeps the batch alive until its last completion; the caller's
// shared_ptr keeps the results after that. result(i) may be read once i has been delivered
// (returned by WaitSome, passed to the callback, or after Wait returned OK).
#ifndef ZRING_ENGINE_BATCH_H_
#define ZRING_ENGINE_BATCH_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "engine/read_request.h"

namespace zring::engine {

class Batch {
 public:
  using CompletionCallback = std::function<void(uint32_t index, ReadResult& result)>;

  // For Engine::Submit; `requests` must be non-empty.
  Batch(std::vector<ReadRequest> requests, CompletionCallback on_complete);
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  size_t size() const { return requests_.size(); }
  const ReadRequest& request(size_t i) const { return requests_[i]; }
  std::span<const ReadRequest> requests() const { return requests_; }
  ReadResult& result(size_t i) { return results_[i]; }
  std::vector<ReadResult>& results() { return results_; }

  bool Done() const;
  // Blocks until every request has completed. FailedPrecondition when called in a forked child
  // on a batch that was still running at fork time (its I/O threads did not survive the fork).
  absl::Status Wait();
  // Blocks until at least min(min_count, not yet handed out) completions are ready, then
  // appends every ready index to *out and returns how many; 0 once all have been handed out
  // (or in a forked child, or when completions go to a callback and all have completed).
  size_t WaitSome(std::vector<uint32_t>* out, size_t min_count = 1);

  // Backend side: results_[i] for each index is final; publish them. Runs the callback, if
  // any, on the calling thread.
  void Deliver(std::span<const uint32_t> indices);

 private:
  bool InForkedChild() const;

  const std::vector<ReadRequest> requests_;
  std::vector<ReadResult> results_;
  const CompletionCallback on_complete_;
  const int owner_pid_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t remaining_;               // guarded by mu_: not yet delivered
  std::vector<uint32_t> ready_;    // guarded by mu_: delivered, not yet handed out
  size_t some_waiters_ = 0;        // guarded by mu_: threads in WaitSome
  size_t all_waiters_ = 0;         // guarded by mu_: threads in Wait
};

}  // namespace zring::engine

#endif  // ZRING_ENGINE_BATCH_H_
