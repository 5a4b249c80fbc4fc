// WorkerPool: a fixed set of threads running posted tasks in FIFO order; the crop reader's
// decode stage.
//
// Tasks must not throw and must not wait on other tasks of the same pool. The destructor runs
// every task already posted, then joins the threads.
//
//   WorkerPool pool(4);
//   pool.Post([&] { Decode(chunk); });
//   pool.RunParts(64, [&](size_t part) { Fill(part); });   // returns when all 64 are done
#ifndef ZRING_ZARR_WORKER_POOL_H_
#define ZRING_ZARR_WORKER_POOL_H_

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace zring::zarr {

class WorkerPool {
 public:
  // `threads` <= 0: one per online core.
  explicit WorkerPool(int threads) {
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    threads_.reserve(threads);
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  size_t size() const { return threads_.size(); }

  void Post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

  // run(0) .. run(parts - 1), each once, taken in turn by the calling thread and up to size()
  // of the pool's threads; returns when all are done. The calling thread takes parts too, so
  // this finishes even when no pool thread is free (also when called from a task of this pool).
  template <typename Run>
  void RunParts(size_t parts, Run&& run) {
    if (parts == 0) return;
    struct State {
      std::atomic<size_t> next{0};
      std::mutex mu;
      std::condition_variable cv;
      size_t done = 0;  // guarded by mu
    };
    // Shared: a helper that starts after every part was taken (and the call returned) finds
    // nothing left and touches only this.
    auto state = std::make_shared<State>();
    auto take = [state, parts, &run] {
      size_t mine = 0;
      for (size_t p; (p = state->next.fetch_add(1, std::memory_order_relaxed)) < parts;) {
        run(p);
        ++mine;
      }
      if (mine == 0) return;
      std::lock_guard<std::mutex> lock(state->mu);
      state->done += mine;
      if (state->done == parts) state->cv.notify_all();
    };
    for (size_t h = 0; h + 1 < std::min(parts, size() + 1); ++h) Post(take);
    take();
    std::unique_lock<std::mutex> lock(state->mu);
    state->cv.wait(lock, [&] { return state->done == parts; });
  }

 private:
  void Run() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
        if (tasks_.empty()) return;  // stopping, and nothing left to run
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;  // guarded by mu_
  bool stopping_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_WORKER_POOL_H_
