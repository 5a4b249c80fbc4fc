// Cost of the engine's submit path, in ns per request (items_per_second's inverse).
//
// BM_SubmitAndWait/<batch>/<bytes>/<backend>: one Engine::Submit of <batch> requests of
//   <bytes> each at 4096-aligned offsets of a page-cache-warm 64 MiB file, then Batch::Wait.
//   Coalescing is off, so every request is one read. 2 I/O threads, queue depth 128.
//   <backend>: 0 = io_uring, 1 = pread pool. Small <bytes> isolate the per-request overhead
//   (planning, SQE preparation, completion delivery) from the copy. Destinations cycle
//   through 1024 slots of the registered arena; the engine is started before timing.
// BM_PlanOnly/<batch>: planning alone (validation, no coalescing) for <batch> requests; no I/O.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "engine/engine.h"
#include "engine/read_plan.h"
#include "engine/source_table.h"

namespace zring::engine {
namespace {

constexpr uint64_t kFileBytes = 64 << 20;

const std::string& BenchFile() {
  static const std::string path = [] {
    std::string p = "zring_submit_bench.bin";
    int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::vector<char> block(1 << 20, 'z');
    for (uint64_t i = 0; fd >= 0 && i < kFileBytes / block.size(); ++i) {
      if (write(fd, block.data(), block.size()) < 0) break;
    }
    if (fd >= 0) close(fd);
    return p;
  }();
  return path;
}

void BM_SubmitAndWait(benchmark::State& state) {
  const auto batch = size_t(state.range(0));
  const auto bytes = uint64_t(state.range(1));
  EngineOptions o;
  o.backend = state.range(2) == 0 ? BackendKind::kUring : BackendKind::kPread;
  o.io_threads = 2;
  o.coalesce_gap_bytes = -1;
  auto engine = Engine::Create(o);
  auto src = (*engine)->OpenFile(BenchFile());
  if (!src.ok()) {
    state.SkipWithError(std::string(src.status().message()).c_str());
    return;
  }
  // Destinations cycle through 1024 registered slots: enough for every read in flight, small
  // enough to stay in cache, so the figure is the engine's overhead, not memory traffic.
  constexpr size_t kSlots = 1024;
  PooledBuffer dst = (*engine)->AllocateBuffer(kSlots * bytes);
  std::vector<ReadRequest> reqs(batch);
  for (size_t i = 0; i < batch; ++i) {
    uint64_t off = (i * 7919 * 4096) % (kFileBytes - 4096);
    reqs[i] = {*src, off, bytes, {dst.data() + (i % kSlots) * bytes, bytes}, i};
  }
  auto warm = (*engine)->Submit(reqs);  // starts threads and rings outside the timing
  if (!warm.ok() || !(*warm)->Wait().ok()) state.SkipWithError("warm-up submit failed");
  for (auto _ : state) {
    auto b = (*engine)->Submit(reqs);
    if (!b.ok() || !(*b)->Wait().ok()) state.SkipWithError("submit failed");
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * int64_t(batch));
}
BENCHMARK(BM_SubmitAndWait)
    ->ArgsProduct({{1, 64, 4096, 65536}, {64, 4096}, {0, 1}})
    ->UseRealTime();

void BM_PlanOnly(benchmark::State& state) {
  const auto n = uint32_t(state.range(0));
  internal::SourceTable table(false);
  auto src = table.OpenFile(BenchFile());
  std::vector<ReadRequest> reqs(n);
  for (uint32_t i = 0; i < n; ++i) reqs[i] = {*src, (i * 7919ull * 4096) % kFileBytes, 4096};
  std::vector<ReadResult> results(n);
  internal::PlanOptions po{-1, 4 << 20, false};
  for (auto _ : state) {
    internal::Plan plan;
    internal::PlanRequests(reqs, results, 0, n, table, po, &plan);
    benchmark::DoNotOptimize(plan.reads.data());
  }
  state.SetItemsProcessed(int64_t(state.iterations()) * n);
}
BENCHMARK(BM_PlanOnly)->Arg(1024)->Arg(65536);

}  // namespace
}  // namespace zring::engine

BENCHMARK_MAIN();
