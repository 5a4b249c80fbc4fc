// Coalescing: what merging near reads costs to plan and saves to read.
//
// BM_PlanCoalesce/<n>/<gap>/<shuffled>: planning <n> 1 KiB requests laid out every 2 KiB (so
//   a 1 KiB gap between neighbours) with coalesce_gap_bytes = <gap> (-1: off); <shuffled> = 1
//   submits them in random order, which costs a sort. No I/O; ns per request.
// BM_ReadCoalesce/<gap>: end to end through the io_uring backend, 16384 such requests on a
//   page-cache-warm file with coalesce_gap_bytes = <gap> (-1: off, every request a read;
//   4096: runs of them become single reads up to 4 MiB). ns per request.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <random>
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
    std::string p = "zring_coalesce_bench.bin";
    int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::vector<char> block(1 << 20, 'c');
    for (uint64_t i = 0; fd >= 0 && i < kFileBytes / block.size(); ++i) {
      if (write(fd, block.data(), block.size()) < 0) break;
    }
    if (fd >= 0) close(fd);
    return p;
  }();
  return path;
}

std::vector<ReadRequest> Strided(SourceId src, uint32_t n, bool shuffled) {
  std::vector<ReadRequest> reqs(n);
  for (uint32_t i = 0; i < n; ++i) reqs[i] = {src, (uint64_t{i} * 2048) % kFileBytes, 1024};
  if (shuffled) std::shuffle(reqs.begin(), reqs.end(), std::mt19937(42));
  return reqs;
}

void BM_PlanCoalesce(benchmark::State& state) {
  const auto n = uint32_t(state.range(0));
  internal::SourceTable table(false);
  auto src = table.OpenFile(BenchFile());
  std::vector<ReadRequest> reqs = Strided(*src, n, state.range(2) != 0);
  std::vector<ReadResult> results(n);
  internal::PlanOptions po{state.range(1), 4 << 20, false};
  size_t reads = 0;
  for (auto _ : state) {
    internal::Plan plan;
    internal::PlanRequests(reqs, results, 0, n, table, po, &plan);
    reads = plan.reads.size();
  }
  state.counters["reads"] = double(reads);
  state.SetItemsProcessed(int64_t(state.iterations()) * n);
}
BENCHMARK(BM_PlanCoalesce)->ArgsProduct({{4096, 65536}, {-1, 4096}, {0, 1}});

void BM_ReadCoalesce(benchmark::State& state) {
  EngineOptions o;
  o.backend = BackendKind::kUring;
  o.io_threads = 2;
  o.coalesce_gap_bytes = state.range(0);
  auto engine = Engine::Create(o);
  auto src = (*engine)->OpenFile(BenchFile());
  if (!src.ok()) {
    state.SkipWithError(std::string(src.status().message()).c_str());
    return;
  }
  constexpr uint32_t kN = 16384;
  std::vector<std::byte> out(size_t{kN} * 1024);
  std::vector<ReadRequest> reqs = Strided(*src, kN, false);
  for (uint32_t i = 0; i < kN; ++i) reqs[i].dst = {out.data() + size_t{i} * 1024, 1024};
  for (auto _ : state) {
    auto b = (*engine)->Submit(reqs);
    if (!b.ok() || !(*b)->Wait().ok()) state.SkipWithError("submit failed");
  }
  state.counters["reads_per_batch"] =
      double((*engine)->Stats().reads_completed) / double(std::max<int64_t>(1, state.iterations()));
  state.SetItemsProcessed(int64_t(state.iterations()) * kN);
}
BENCHMARK(BM_ReadCoalesce)->Arg(-1)->Arg(4096)->UseRealTime();

}  // namespace
}  // namespace zring::engine

BENCHMARK_MAIN();
