// The fallback backend: blocking pread(2) on a pool of threads. Used when io_uring is refused
// (EPERM/ENOSYS in many containers) or forced with ZRING_IO_BACKEND=pread. It has no rings,
// so depth comes from the number of threads, each doing one read at a time.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <thread>
#include <vector>

#include "engine/backend.h"

namespace zring::engine::internal {
namespace {

constexpr uint32_t kMaxRetries = 1000;       // EINTR/EAGAIN in a row before giving up
constexpr size_t kDeliverEvery = 64;         // reads between deliveries

// Reads r->plan's range into r->target, looping over short reads until EOF or error.
void ReadRange(int fd, uint64_t max_read_bytes, FaultInjector* injector, InflightRead* r) {
  while (r->remaining_bytes() > 0) {
    uint64_t n = std::min(r->remaining_bytes(), max_read_bytes);
    ssize_t got = pread(fd, r->target + r->done_bytes, n,
                        static_cast<off_t>(r->plan.offset_bytes + r->done_bytes));
    if (injector != nullptr) {
      FaultSite site{r->source->path, r->plan.offset_bytes + r->done_bytes, n, r->retries,
                     r->source->kind == SourceKind::kPath};
      int64_t res = InjectFault(injector, site, got < 0 ? -int64_t{errno} : int64_t{got});
      if (res < 0) errno = static_cast<int>(-res);
      got = res < 0 ? -1 : static_cast<ssize_t>(res);
    }
    if (got < 0) {
      // EINTR: a signal interrupted us before any byte moved. EAGAIN: some filesystems
      // (XFS with RWF_NOWAIT-like paths, FUSE) ask to retry a blocking read.
      if ((errno == EINTR || errno == EAGAIN) && ++r->retries < kMaxRetries) continue;
      r->read_error = errno;
      return;
    }
    if (got == 0) return;  // end of file
    r->retries = 0;
    r->done_bytes += static_cast<uint64_t>(got);
    // Under O_DIRECT a count that is not a multiple of the block means end of file; reading
    // on from an unaligned offset would fail with EINVAL.
    if (got % kDirectAlignmentBytes != 0 && fcntl(fd, F_GETFL) & O_DIRECT) return;
  }
}

}  // namespace

void ExecuteBlockingRead(const BackendContext& ctx, InflightRead* r) {
  if (r->alloc_failed) return;
  if (r->source->kind == SourceKind::kFile) {
    ReadRange(r->source->fd, ctx.options.max_read_bytes, ctx.options.fault_injector, r);
    return;
  }
  int flags = O_RDONLY | O_CLOEXEC | (ctx.options.direct_io ? O_DIRECT : 0);
  int fd = open(r->source->path.c_str(), flags);
  if (fd < 0) {
    r->open_error = errno;
    return;
  }
  ReadRange(fd, ctx.options.max_read_bytes, ctx.options.fault_injector, r);
  close(fd);
}

namespace {

class PreadBackend final : public Backend {
 public:
  explicit PreadBackend(const BackendContext* ctx) : ctx_(ctx) {
    int n = ctx->options.pread_threads;
    if (n <= 0) n = 4 * std::max(1, ctx->options.io_threads);
    stats_ = std::make_unique<WorkerStats[]>(n);
    for (int i = 0; i < n; ++i) threads_.emplace_back([this, i] { Run(&stats_[i]); });
  }
  const char* name() const override { return "pread"; }
  void Join() override {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  void AddStats(EngineStats* s) const override {
    for (size_t i = 0; i < threads_.size(); ++i) stats_[i].Add(s);
  }

 private:
  void Run(WorkerStats* stats) {
    CompletionSink sink;
    while (std::unique_ptr<Slice> slice = ctx_->queue->Pop()) {
      PlanSlice(*ctx_, slice.get(), &sink, stats);
      for (size_t k = 0; k < slice->plan.reads.size(); ++k) {
        InflightRead r;
        r.slice = slice.get();
        r.plan = slice->plan.reads[k];
        r.source = ctx_->sources->Get(slice->batch->request(
            slice->plan.members[r.plan.first_member]).source);
        PrepareTarget(&r, *ctx_->pool, ctx_->options.direct_io);
        r.submit_ns = NowNs();
        ExecuteBlockingRead(*ctx_, &r);
        FinishRead(&r, NowNs(), sink.For(slice->batch.get()));
        WorkerStats::Bump(stats->reads_completed, 1);
        WorkerStats::Bump(stats->bytes_read, r.done_bytes);
        WorkerStats::Bump(stats->requests_completed, r.plan.member_count);
        if (k % kDeliverEvery == kDeliverEvery - 1) sink.Flush();
      }
      sink.Flush();
      slice.reset();
      ctx_->queue->SliceDone();
    }
  }

  const BackendContext* ctx_;
  std::unique_ptr<WorkerStats[]> stats_;
  std::vector<std::thread> threads_;
};

}  // namespace

std::unique_ptr<Backend> StartPreadBackend(const BackendContext* ctx) {
  return std::make_unique<PreadBackend>(ctx);
}

void WorkerStats::Add(EngineStats* s) const {
  s->requests_completed += requests_completed.load(std::memory_order_relaxed);
  s->reads_completed += reads_completed.load(std::memory_order_relaxed);
  s->bytes_read += bytes_read.load(std::memory_order_relaxed);
  s->sqes_submitted += sqes_submitted.load(std::memory_order_relaxed);
  s->submit_calls += submit_calls.load(std::memory_order_relaxed);
}

void PlanSlice(const BackendContext& ctx, Slice* slice, CompletionSink* sink,
               WorkerStats* stats) {
  Batch& batch = *slice->batch;
  PlanRequests(batch.requests(), batch.results(), slice->begin, slice->end, *ctx.sources,
               ctx.plan, &slice->plan);
  if (!slice->plan.immediate.empty()) {
    std::vector<uint32_t>* done = sink->For(&batch);
    done->insert(done->end(), slice->plan.immediate.begin(), slice->plan.immediate.end());
    WorkerStats::Bump(stats->requests_completed, slice->plan.immediate.size());
  }
}

}  // namespace zring::engine::internal
