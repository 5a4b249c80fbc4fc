// The io_uring backend: one UringWorker (ring + loop) per I/O thread, started together.
#include <algorithm>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "engine/backend.h"
#include "engine/status.h"
#include "engine/uring_worker.h"

namespace zring::engine::internal {
namespace {

class UringBackend final : public Backend {
 public:
  const char* name() const override { return "uring"; }
  void Join() override {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  void AddStats(EngineStats* s) const override {
    for (const auto& w : workers_) w->stats().Add(s);
  }
  absl::Status Start(const BackendContext* ctx);

 private:
  std::vector<std::unique_ptr<UringWorker>> workers_;
  std::vector<std::thread> threads_;
};

// Each ring is created on its own thread (SINGLE_ISSUER ties it to its creator). The threads
// report their setup, then wait for the verdict: run, or exit because a sibling failed.
absl::Status UringBackend::Start(const BackendContext* ctx) {
  int n = std::max(1, ctx->options.io_threads);
  uint64_t budget = std::max<uint64_t>(1, ctx->options.max_inflight_bytes / unsigned(n));
  std::vector<std::promise<absl::Status>> ready(n);
  std::promise<bool> go;
  std::shared_future<bool> verdict = go.get_future().share();
  for (int i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<UringWorker>(ctx, budget));
    UringWorker* w = workers_.back().get();
    threads_.emplace_back([w, &ready, verdict, i] {
      ready[i].set_value(w->Init());
      if (verdict.get()) w->Run();
    });
  }
  absl::Status status;
  for (auto& r : ready) {
    absl::Status s = r.get_future().get();
    if (status.ok()) status = s;
  }
  go.set_value(status.ok());
  if (!status.ok()) Join();
  return status;
}

}  // namespace

int ProbeUring() {
  io_uring ring;
  int ret = io_uring_queue_init(2, &ring, 0);
  if (ret < 0) return -ret;
  io_uring_queue_exit(&ring);
  return 0;
}

absl::StatusOr<std::unique_ptr<Backend>> StartUringBackend(const BackendContext* ctx) {
  auto backend = std::make_unique<UringBackend>();
  ZRING_RETURN_IF_ERROR(backend->Start(ctx));
  return backend;
}

}  // namespace zring::engine::internal
