// zring's batched asynchronous reader: the engine every higher layer reads through.
//
// An Engine owns a source table, a buffer pool and a backend (io_uring rings on I/O threads,
// or a pread thread pool). Callers register sources, then submit batches of 1 to 1,000,000
// ReadRequests in one call; each request completes on its own, with its own status.
//
//   ZRING_ASSIGN_OR_RETURN(std::unique_ptr<Engine> engine, Engine::Create({}));
//   ZRING_ASSIGN_OR_RETURN(SourceId shard, engine->OpenFile("/data/a.zarr/c/0/0"));
//   std::vector<ReadRequest> reqs = ...;                 // thousands of sparse ranges
//   ZRING_ASSIGN_OR_RETURN(auto batch, engine->Submit(std::move(reqs)));
//   std::vector<uint32_t> done;
//   while (batch->WaitSome(&done) > 0) {                  // decode as completions arrive
//     for (uint32_t i : done) Decode(batch->result(i));
//     done.clear();
//   }
//
// Or pass a callback to Submit: it runs on an I/O thread after that thread has finished
// walking its completion queue (never inside it), possibly on several I/O threads at once;
// keep it short (hand decoding to another pool) and never wait on a batch inside it.
//
// A batch is cut into contiguous parts (at most 4 per I/O thread, at least 32 requests each)
// that idle I/O threads take in turn; coalescing merges requests within one part, so callers
// who want neighbours merged should keep them near each other in the batch.
//
// Threads: every method is thread-safe; several threads may submit at once. Nothing (threads,
// rings, arena) is created before the first Submit or AllocateBuffer.
// Fork: the engine belongs to the process that first used it. In a forked child, Submit
// returns FailedPrecondition and Batch::Wait on a parent's unfinished batch returns
// FailedPrecondition instead of waiting forever; create a new Engine in the child.
//
// Object sources (AddObject: an http(s) URL, optionally signed) are read with range GETs
// through an HttpClient made at the first batch of object reads (engine/remote_backend.h):
// per source, requests are sorted by offset and neighbours within remote_coalesce_gap_bytes
// become one GET; the bytes of GETs in flight stay under max_inflight_bytes. Their
// completions (and callbacks) run on the HTTP client's threads (loops, or the disk cache's). A batch holds only object
// sources or only local ones (files, paths); Submit refuses a mix. Sources named s3:// or gs://
// are resolved to https URLs and signers by the caller (engine/http/object_url.h).
#ifndef ZRING_ENGINE_ENGINE_H_
#define ZRING_ENGINE_ENGINE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/batch.h"
#include "engine/buffer_pool.h"
#include "engine/fault_injection.h"
#include "engine/http/http_client.h"
#include "engine/read_request.h"

namespace zring::engine {

namespace internal {
class RemoteReader;
}  // namespace internal

enum class BackendKind {
  kAuto,   // io_uring; the pread pool when the kernel refuses it (EPERM/ENOSYS), with a notice.
           // The environment variable ZRING_IO_BACKEND=pread|uring overrides kAuto.
  kUring,  // io_uring or an error at first use
  kPread,  // blocking pread on a thread pool
};

struct EngineOptions {
  BackendKind backend = BackendKind::kAuto;
  int io_threads = 0;                 // rings / I/O threads; 0: one per online core
  int pread_threads = 0;              // pread backend pool size; 0: 4 per io thread
  uint32_t queue_depth = 128;         // reads in flight per ring
  int64_t coalesce_gap_bytes = 4096;  // merge same-file reads with gaps up to this; <0: never
  uint64_t max_coalesced_bytes = 4 << 20;    // a merged read never grows past this
  uint64_t max_inflight_bytes = 512 << 20;   // over all rings; bigger batches stream
  bool direct_io = false;             // O_DIRECT; alignment is handled inside
  bool sqpoll = false;                // IORING_SETUP_SQPOLL (a kernel thread polls the SQ)
  bool registered_buffers = true;     // register the pool's arena with every ring
  uint64_t buffer_pool_bytes = 64 << 20;     // the arena; larger buffers come from the heap
  // Largest single read (SQE or pread call); a longer read continues where the previous one
  // stopped, exactly as after a short read. Rounded down to 4096 under O_DIRECT.
  uint32_t max_read_bytes = 1u << 30;
  // Tests only: rewrites read outcomes before the engine handles them (engine/fault_injection.h).
  FaultInjector* fault_injector = nullptr;

  // Object sources. http.max_requests bounds concurrent GETs; max_inflight_bytes bounds their
  // bytes as for files.
  http::HttpOptions http;
  int64_t remote_coalesce_gap_bytes = 1 << 20;     // merge same-object reads; <0: never
  uint64_t remote_max_coalesced_bytes = 16 << 20;  // a merged GET never grows past this
  // Non-empty: fetched ranges are kept in this local disk cache (engine/http/caching_client.h),
  // bounded by cache_bytes (0: 1 GiB).
  std::string cache_dir;
  uint64_t cache_bytes = 0;
};

struct EngineStats {
  uint64_t requests_completed = 0;
  uint64_t reads_completed = 0;   // physical reads (after coalescing), resubmissions excluded
  uint64_t bytes_read = 0;        // physical bytes, including coalescing gaps and widening
  uint64_t sqes_submitted = 0;    // uring backend only
  uint64_t submit_calls = 0;      // io_uring_enter calls that submitted or waited
  // Object sources (requests_completed counts their requests too).
  uint64_t http_requests = 0;     // GETs completed (after coalescing), OK or failed; with
                                  // cache_dir, hits served by the disk cache count too
  uint64_t http_retries = 0;      // attempts beyond the first, over those GETs
  uint64_t http_bytes = 0;        // body bytes received, including coalescing gaps
  uint64_t http_latency_p50_ns = 0;   // GET latency (retries included) over the engine's life
  uint64_t http_latency_p99_ns = 0;
  uint64_t http_latency_p999_ns = 0;
};

class Engine {
 public:
  using CompletionCallback = Batch::CompletionCallback;

  static absl::StatusOr<std::unique_ptr<Engine>> Create(const EngineOptions& options);
  ~Engine();  // waits for every submitted batch to complete
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Opens `path` once for all later reads (NotFound / PermissionDenied / InvalidArgument for a
  // directory or a filesystem that refuses O_DIRECT, each naming the path).
  absl::StatusOr<SourceId> OpenFile(const std::string& path);
  // Registers a one-file-per-chunk path; the file is opened by each read of it.
  absl::StatusOr<SourceId> AddPath(std::string path);
  // Registers an object: an http:// or https:// URL, read with range GETs, each attempt signed
  // by `signer` when given (null: unsigned). No I/O here; a missing object shows as NotFound in
  // the results of its reads. InvalidArgument for anything but an http(s) URL.
  absl::StatusOr<SourceId> AddObject(
      std::string url, std::shared_ptr<const http::RequestSigner> signer = nullptr);
  // Frees the source. No read on it may be in flight.
  absl::Status CloseSource(SourceId id);

  // Queues every request and returns at once. Errors here concern the whole call (fork, empty
  // or oversized batch, object and local sources mixed, backend or HTTP client unavailable);
  // per-request problems come back in the results. Object batches are planned here, on the
  // calling thread, and their requests that need no GET (zero length, invalid) complete here.
  absl::StatusOr<std::shared_ptr<Batch>> Submit(std::vector<ReadRequest> requests,
                                                CompletionCallback on_complete = nullptr);
  // Submit + Wait; returns the results in request order.
  absl::StatusOr<std::vector<ReadResult>> ReadAll(std::vector<ReadRequest> requests);

  // A reusable destination from the registered arena (reads into it skip page pinning).
  PooledBuffer AllocateBuffer(size_t size_bytes);

  EngineStats Stats() const;
  // The backend in use ("uring" or "pread"); starts the engine if it has not started yet.
  absl::StatusOr<std::string> BackendName();
  const EngineOptions& options() const { return options_; }

  static constexpr size_t kMaxBatchRequests = 1'000'000;

 private:
  struct State;
  explicit Engine(const EngineOptions& options);
  absl::Status EnsureStarted();
  absl::Status CheckProcess() const;
  absl::StatusOr<internal::RemoteReader*> EnsureRemote();

  EngineOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace zring::engine

#endif  // ZRING_ENGINE_ENGINE_H_
