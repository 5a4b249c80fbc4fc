#include "engine/engine.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>

#include "engine/backend.h"
#include "engine/remote_backend.h"
#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine {

using internal::Backend;
using internal::BackendContext;

namespace {

constexpr uint32_t kMinSliceRequests = 32;  // below this, splitting costs more than it gains
constexpr int kSlicesPerThread = 4;         // lets idle threads take over a slow one's work

BackendKind FromEnvironment(BackendKind kind) {
  if (kind != BackendKind::kAuto) return kind;
  const char* env = std::getenv("ZRING_IO_BACKEND");
  if (env == nullptr || *env == '\0') return kind;
  std::string_view v(env);
  if (v == "pread") return BackendKind::kPread;
  if (v == "uring") return BackendKind::kUring;
  std::fprintf(stderr, "zring: ignoring ZRING_IO_BACKEND=%s (expected pread or uring)\n", env);
  return kind;
}

// Whether the batch reads object sources (true) or local ones (false); InvalidArgument when it
// mixes them. Requests naming no known source go with the rest (they fail in their results).
absl::StatusOr<bool> IsObjectBatch(const std::vector<ReadRequest>& requests,
                                   const internal::SourceTable& sources) {
  size_t first_object = SIZE_MAX, first_local = SIZE_MAX;
  for (size_t i = 0; i < requests.size(); ++i) {
    const internal::Source* s = sources.Get(requests[i].source);
    if (s == nullptr) continue;
    size_t& first = s->kind == internal::SourceKind::kObject ? first_object : first_local;
    if (first == SIZE_MAX) first = i;
    if (first_object != SIZE_MAX && first_local != SIZE_MAX) {
      return absl::InvalidArgumentError(fmt::format(
          "a batch reads object sources or local ones, not both: request {} reads \"{}\", "
          "request {} reads \"{}\"; submit them as two batches",
          first_object, sources.Get(requests[first_object].source)->path, first_local,
          sources.Get(requests[first_local].source)->path));
    }
  }
  return first_object != SIZE_MAX;
}

}  // namespace

struct Engine::State {
  explicit State(const EngineOptions& options) : sources(options.direct_io) {}

  std::mutex mu;
  std::atomic<bool> started{false};
  std::atomic<int> owner_pid{0};
  absl::Status start_status;  // guarded by mu
  internal::SourceTable sources;
  std::unique_ptr<BufferPool> pool;  // guarded by mu until started
  internal::WorkQueue queue;
  BackendContext ctx;
  std::unique_ptr<Backend> backend;
  int parallelism = 1;
  // Object sources: made at the first object batch (under mu), then read without the lock.
  std::unique_ptr<internal::RemoteReader> remote;
  std::atomic<internal::RemoteReader*> remote_ptr{nullptr};
};

Engine::Engine(const EngineOptions& options)
    : options_(options), state_(std::make_unique<State>(options)) {
  if (options_.direct_io) options_.max_read_bytes &= ~uint32_t{4095};
  if (options_.io_threads <= 0) {
    options_.io_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
}

absl::StatusOr<std::unique_ptr<Engine>> Engine::Create(const EngineOptions& options) {
  if (options.queue_depth == 0 || options.queue_depth > 32768) {
    return absl::InvalidArgumentError(
        fmt::format("queue_depth must be in [1, 32768], got {}", options.queue_depth));
  }
  if (options.max_read_bytes < (options.direct_io ? 4096u : 1u)) {
    return absl::InvalidArgumentError(fmt::format(
        "max_read_bytes must be at least {}, got {}", options.direct_io ? 4096 : 1,
        options.max_read_bytes));
  }
  if (options.max_inflight_bytes == 0 || options.max_coalesced_bytes == 0 ||
      options.remote_max_coalesced_bytes == 0) {
    return absl::InvalidArgumentError(
        "max_inflight_bytes, max_coalesced_bytes and remote_max_coalesced_bytes must be > 0");
  }
  return std::unique_ptr<Engine>(new Engine(options));
}

Engine::~Engine() {
  State& s = *state_;
  int owner = s.owner_pid.load();
  if (owner == 0) return;  // never used
  if (getpid() != owner) {
    // A forked child: the I/O threads, rings and HTTP loops belong to the parent. Joining
    // threads that do not exist here, unmapping ring memory that was never inherited, or
    // destroying condition variables the parent's threads were waiting on (glibc then waits
    // for them forever) would hang or corrupt, so the whole state is deliberately abandoned.
    (void)state_.release();
    return;
  }
  s.remote.reset();  // waits for every object batch, then ends the HTTP client
  if (!s.started.load(std::memory_order_acquire) || s.backend == nullptr) return;
  s.queue.WaitIdle();
  s.queue.Stop();
  s.backend->Join();
}

// The engine belongs to the process that first used it (local or object reads).
absl::Status Engine::CheckProcess() const {
  int owner = state_->owner_pid.load();
  if (owner != 0 && owner != getpid()) {
    return absl::FailedPreconditionError(fmt::format(
        "engine started in process {} cannot be used in forked child {} (its I/O threads, "
        "rings and HTTP connections stay with the parent); create a new Engine in the child",
        owner, getpid()));
  }
  return absl::OkStatus();
}

absl::Status Engine::EnsureStarted() {
  State& s = *state_;
  ZRING_RETURN_IF_ERROR(CheckProcess());
  if (s.started.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(s.mu);
    return s.start_status;
  }
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.started.load()) return s.start_status;
  if (s.pool == nullptr) s.pool = std::make_unique<BufferPool>(options_.buffer_pool_bytes);
  s.ctx.options = options_;
  s.ctx.plan = {options_.coalesce_gap_bytes, options_.max_coalesced_bytes, options_.direct_io};
  s.ctx.sources = &s.sources;
  s.ctx.pool = s.pool.get();
  s.ctx.queue = &s.queue;
  BackendKind kind = FromEnvironment(options_.backend);
  if (kind == BackendKind::kAuto) {
    int err = internal::ProbeUring();
    if (err == EPERM || err == ENOSYS || err == EACCES) {
      std::fprintf(stderr, "zring: io_uring refused (%s); using the pread backend\n",
                   std::strerror(err));
      kind = BackendKind::kPread;
    }
  }
  if (kind == BackendKind::kPread) {
    s.backend = internal::StartPreadBackend(&s.ctx);
    s.parallelism = options_.pread_threads > 0 ? options_.pread_threads
                                               : 4 * options_.io_threads;
  } else {
    absl::StatusOr<std::unique_ptr<Backend>> b = internal::StartUringBackend(&s.ctx);
    if (b.ok()) {
      s.backend = std::move(*b);
      s.parallelism = options_.io_threads;
    } else {
      s.start_status = b.status();
    }
  }
  s.owner_pid.store(getpid());
  s.started.store(true, std::memory_order_release);
  return s.start_status;
}

absl::StatusOr<SourceId> Engine::OpenFile(const std::string& path) {
  return state_->sources.OpenFile(path);
}

absl::StatusOr<SourceId> Engine::AddPath(std::string path) {
  return state_->sources.AddPath(std::move(path));
}

absl::StatusOr<SourceId> Engine::AddObject(std::string url,
                                           std::shared_ptr<const http::RequestSigner> signer) {
  return state_->sources.AddObject(std::move(url), std::move(signer));
}

absl::StatusOr<internal::RemoteReader*> Engine::EnsureRemote() {
  State& s = *state_;
  ZRING_RETURN_IF_ERROR(CheckProcess());
  if (internal::RemoteReader* r = s.remote_ptr.load(std::memory_order_acquire)) return r;
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.remote == nullptr) {
    if (s.pool == nullptr) s.pool = std::make_unique<BufferPool>(options_.buffer_pool_bytes);
    ZRING_ASSIGN_OR_RETURN(s.remote,
                           internal::RemoteReader::Create(options_, &s.sources, s.pool.get()));
    int unused = 0;
    s.owner_pid.compare_exchange_strong(unused, getpid());
    s.remote_ptr.store(s.remote.get(), std::memory_order_release);
  }
  return s.remote.get();
}

absl::Status Engine::CloseSource(SourceId id) { return state_->sources.Close(id); }

absl::StatusOr<std::shared_ptr<Batch>> Engine::Submit(std::vector<ReadRequest> requests,
                                                      CompletionCallback on_complete) {
  if (requests.empty() || requests.size() > kMaxBatchRequests) {
    return absl::InvalidArgumentError(fmt::format(
        "a batch holds 1 to {} requests, got {}", kMaxBatchRequests, requests.size()));
  }
  // Engines that never saw an object source skip the classification: one branch per batch.
  if (state_->sources.object_count() > 0) {
    ZRING_ASSIGN_OR_RETURN(bool objects, IsObjectBatch(requests, state_->sources));
    if (objects) {
      ZRING_ASSIGN_OR_RETURN(internal::RemoteReader * remote, EnsureRemote());
      auto batch = std::make_shared<Batch>(std::move(requests), std::move(on_complete));
      remote->Submit(batch);
      return batch;
    }
  }
  ZRING_RETURN_IF_ERROR(EnsureStarted());
  auto batch = std::make_shared<Batch>(std::move(requests), std::move(on_complete));
  auto n = static_cast<uint32_t>(batch->size());
  uint32_t slices = std::clamp<uint32_t>(n / kMinSliceRequests, 1,
                                         uint32_t(state_->parallelism * kSlicesPerThread));
  std::vector<std::unique_ptr<internal::Slice>> work;
  work.reserve(slices);
  for (uint32_t k = 0; k < slices; ++k) {
    auto slice = std::make_unique<internal::Slice>();
    slice->batch = batch;
    slice->begin = uint32_t(uint64_t{n} * k / slices);
    slice->end = uint32_t(uint64_t{n} * (k + 1) / slices);
    work.push_back(std::move(slice));
  }
  state_->queue.Push(std::move(work));
  return batch;
}

absl::StatusOr<std::vector<ReadResult>> Engine::ReadAll(std::vector<ReadRequest> requests) {
  ZRING_ASSIGN_OR_RETURN(std::shared_ptr<Batch> batch, Submit(std::move(requests)));
  ZRING_RETURN_IF_ERROR(batch->Wait());
  return std::move(batch->results());
}

PooledBuffer Engine::AllocateBuffer(size_t size_bytes) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.pool == nullptr) s.pool = std::make_unique<BufferPool>(options_.buffer_pool_bytes);
  return s.pool->Allocate(size_bytes);
}

EngineStats Engine::Stats() const {
  EngineStats stats;
  const State& s = *state_;
  if (s.started.load(std::memory_order_acquire) && s.backend != nullptr) {
    s.backend->AddStats(&stats);
  }
  if (const internal::RemoteReader* r = s.remote_ptr.load(std::memory_order_acquire)) {
    r->AddStats(&stats);
  }
  return stats;
}

absl::StatusOr<std::string> Engine::BackendName() {
  ZRING_RETURN_IF_ERROR(EnsureStarted());
  return std::string(state_->backend->name());
}

}  // namespace zring::engine
