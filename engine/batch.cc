#include "engine/batch.h"

#include <unistd.h>

#include <algorithm>
#include <utility>

#include "fmt/format.h"

namespace zring::engine {

Batch::Batch(std::vector<ReadRequest> requests, CompletionCallback on_complete)
    : requests_(std::move(requests)),
      results_(requests_.size()),
      on_complete_(std::move(on_complete)),
      owner_pid_(getpid()),
      remaining_(requests_.size()) {
  for (size_t i = 0; i < requests_.size(); ++i) results_[i].tag = requests_[i].tag;
}

bool Batch::InForkedChild() const { return getpid() != owner_pid_; }

bool Batch::Done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return remaining_ == 0;
}

absl::Status Batch::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  if (remaining_ != 0 && InForkedChild()) {
    return absl::FailedPreconditionError(fmt::format(
        "batch of {} reads was submitted in process {} and is unfinished in forked child {}; "
        "its I/O threads do not exist here: submit again on an Engine created in the child",
        requests_.size(), owner_pid_, getpid()));
  }
  ++all_waiters_;
  cv_.wait(lock, [&] { return remaining_ == 0; });
  --all_waiters_;
  return absl::OkStatus();
}

size_t Batch::WaitSome(std::vector<uint32_t>* out, size_t min_count) {
  std::unique_lock<std::mutex> lock(mu_);
  if (remaining_ != 0 && InForkedChild()) return 0;
  ++some_waiters_;
  cv_.wait(lock, [&] {
    return ready_.size() >= std::min(min_count, ready_.size() + remaining_) ||
           remaining_ == 0;
  });
  --some_waiters_;
  size_t n = ready_.size();
  out->insert(out->end(), ready_.begin(), ready_.end());
  ready_.clear();
  return n;
}

void Batch::Deliver(std::span<const uint32_t> indices) {
  if (on_complete_) {
    for (uint32_t i : indices) on_complete_(i, results_[i]);
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!on_complete_) ready_.insert(ready_.end(), indices.begin(), indices.end());
  remaining_ -= indices.size();
  // Waking a Wait() caller before the last completion would only send it back to sleep; at
  // high rates those wake-ups cost the I/O threads real CPU.
  if (some_waiters_ > 0 || (all_waiters_ > 0 && remaining_ == 0)) cv_.notify_all();
}

}  // namespace zring::engine
