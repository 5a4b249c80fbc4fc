#include "zarr/worker_pool.h"

#include <atomic>
#include <chrono>
#include <future>
#include <vector>

#include "gtest/gtest.h"

namespace zring::zarr {
namespace {

TEST(WorkerPool, RunPartsRunsEveryPartOnceAndReturnsWhenAllAreDone) {
  WorkerPool pool(3);
  for (size_t parts : {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{1000}}) {
    std::vector<std::atomic<int>> runs(parts);
    pool.RunParts(parts, [&](size_t p) { runs[p].fetch_add(1); });
    for (size_t p = 0; p < parts; ++p) ASSERT_EQ(runs[p].load(), 1) << parts << " parts, part " << p;
  }
}

// From a task of a one-thread pool no helper can start: the caller runs every part itself.
TEST(WorkerPool, RunPartsFromATaskOfTheSamePoolFinishes) {
  WorkerPool pool(1);
  std::promise<int> sum;
  pool.Post([&] {
    std::atomic<int> total{0};
    pool.RunParts(50, [&](size_t p) { total += static_cast<int>(p); });
    sum.set_value(total.load());
  });
  std::future<int> f = sum.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(f.get(), 49 * 50 / 2);
}

}  // namespace
}  // namespace zring::zarr
