#include "engine/remote_backend.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "engine/http/caching_client.h"
#include "engine/read_exec.h"
#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::internal {
namespace {

// Why request r cannot be read at all, or OK when it can (or needs no GET).
absl::Status ValidateObjectRequest(const ReadRequest& r, uint32_t index, const Source* s) {
  if (s == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("request {}: no source with id {}", index, r.source));
  }
  if (s->kind != SourceKind::kObject) {
    return absl::InvalidArgumentError(fmt::format(
        "request {}: local source {} (\"{}\") in a batch of object reads", index, r.source,
        s->path));
  }
  if (s->closed.load(std::memory_order_acquire)) {
    return absl::FailedPreconditionError(
        fmt::format("request {}: source {} (\"{}\") is closed", index, r.source, s->path));
  }
  if (!r.dst.empty() && r.dst.size() < r.length_bytes) {
    return absl::InvalidArgumentError(
        fmt::format("request {} on \"{}\": dst holds {} bytes, length_bytes is {}", index,
                    s->path, r.dst.size(), r.length_bytes));
  }
  uint64_t offset = r.suffix ? 0 : r.offset_bytes;
  if (r.length_bytes > std::numeric_limits<int64_t>::max() - offset) {
    return absl::InvalidArgumentError(
        fmt::format("request {} on \"{}\": offset {} + length {} overflows an object offset",
                    index, s->path, offset, r.length_bytes));
  }
  return absl::OkStatus();
}

struct Candidate {
  SourceId source;
  uint64_t offset_bytes;
  uint32_t index;
  bool operator<(const Candidate& o) const {
    if (source != o.source) return source < o.source;
    if (offset_bytes != o.offset_bytes) return offset_bytes < o.offset_bytes;
    return index < o.index;
  }
};

constexpr uint64_t kDefaultCacheBytes = uint64_t{1} << 30;  // EngineOptions::cache_bytes == 0

// Saves and restores which reader this thread is issuing for, so a GET that completes inside
// HttpClient::Start (a cache hit, a refused request) does not recurse into another issue loop:
// the loop already running on this thread picks up the budget it freed.
thread_local const void* t_pumping = nullptr;

}  // namespace

int LatencyHistogram::BucketOf(uint64_t ns) {
  if (ns < 16) return static_cast<int>(ns);
  int e = std::bit_width(ns) - 1;  // 4..63
  auto sub = static_cast<int>((ns >> (e - 3)) & 7);
  return 16 + (e - 4) * 8 + sub;
}

uint64_t LatencyHistogram::Midpoint(int bucket) {
  if (bucket < 16) return static_cast<uint64_t>(bucket);
  int e = (bucket - 16) / 8 + 4;
  uint64_t sub = static_cast<uint64_t>((bucket - 16) % 8);
  uint64_t width = uint64_t{1} << (e - 3);
  return (8 + sub) * width + width / 2;
}

void LatencyHistogram::Record(uint64_t ns) {
  counts_[BucketOf(ns)].fetch_add(1, std::memory_order_relaxed);
}

uint64_t LatencyHistogram::Percentile(double q) const {
  std::array<uint64_t, kBuckets> counts;
  uint64_t total = 0;
  for (int b = 0; b < kBuckets; ++b) {
    counts[b] = counts_[b].load(std::memory_order_relaxed);
    total += counts[b];
  }
  if (total == 0) return 0;
  auto rank = static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * double(total)));
  rank = std::max<uint64_t>(rank, 1);
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts[b];
    if (seen >= rank) return Midpoint(b);
  }
  return Midpoint(kBuckets - 1);
}

void PlanObjectRequests(std::span<const ReadRequest> requests, std::span<ReadResult> results,
                        const SourceTable& sources, int64_t gap_bytes,
                        uint64_t max_coalesced_bytes, Plan* plan) {
  std::vector<Candidate> candidates;
  candidates.reserve(requests.size());
  plan->members.reserve(requests.size());
  for (uint32_t i = 0; i < requests.size(); ++i) {
    const ReadRequest& r = requests[i];
    absl::Status status = ValidateObjectRequest(r, i, sources.Get(r.source));
    if (!status.ok() || r.length_bytes == 0) {
      results[i].status = std::move(status);
      results[i].bytes_read = 0;
      results[i].data = r.dst.data();
      plan->immediate.push_back(i);
    } else if (r.suffix || gap_bytes < 0) {
      plan->reads.push_back({static_cast<uint32_t>(plan->members.size()), 1, r.offset_bytes,
                             r.length_bytes});
      plan->members.push_back(i);
    } else {
      candidates.push_back({r.source, r.offset_bytes, i});
    }
  }
  if (!std::is_sorted(candidates.begin(), candidates.end())) {
    std::sort(candidates.begin(), candidates.end());
  }
  const auto gap = static_cast<uint64_t>(std::max<int64_t>(gap_bytes, 0));
  size_t i = 0;
  while (i < candidates.size()) {
    uint64_t start = candidates[i].offset_bytes;
    uint64_t end = start + requests[candidates[i].index].length_bytes;
    size_t j = i + 1;
    for (; j < candidates.size(); ++j) {
      const ReadRequest& next = requests[candidates[j].index];
      uint64_t next_end = std::max(end, next.offset_bytes + next.length_bytes);
      if (candidates[j].source != candidates[i].source || next.offset_bytes > end + gap ||
          next_end - start > max_coalesced_bytes) {
        break;
      }
      end = next_end;
    }
    plan->reads.push_back({static_cast<uint32_t>(plan->members.size()),
                           static_cast<uint32_t>(j - i), start, end - start});
    for (size_t k = i; k < j; ++k) plan->members.push_back(candidates[k].index);
    i = j;
  }
}

// One GET in flight: which planned read it serves and where its body lands.
struct RemoteReader::Get {
  BatchIt batch;
  const PlannedRead* read = nullptr;
  PooledBuffer owned;           // the body's buffer unless it lands in a single member's dst
  std::byte* target = nullptr;
  bool shared = false;          // several members: scatter (copies or views) on finish
};

absl::StatusOr<std::unique_ptr<RemoteReader>> RemoteReader::Create(
    const EngineOptions& options, const SourceTable* sources, BufferPool* pool) {
  ZRING_ASSIGN_OR_RETURN(std::unique_ptr<http::HttpClient> client,
                         http::HttpClient::Create(options.http));
  if (!options.cache_dir.empty()) {
    uint64_t bytes = options.cache_bytes > 0 ? options.cache_bytes : kDefaultCacheBytes;
    ZRING_ASSIGN_OR_RETURN(client,
                           http::MakeCachingClient(std::move(client), options.cache_dir, bytes));
  }
  return std::unique_ptr<RemoteReader>(
      new RemoteReader(options, sources, pool, std::move(client)));
}

RemoteReader::RemoteReader(const EngineOptions& options, const SourceTable* sources,
                           BufferPool* pool, std::unique_ptr<http::HttpClient> client)
    : sources_(sources),
      pool_(pool),
      gap_bytes_(options.remote_coalesce_gap_bytes),
      max_coalesced_bytes_(options.remote_max_coalesced_bytes),
      budget_bytes_(options.max_inflight_bytes),
      max_gets_(2 * static_cast<size_t>(std::max(1, options.http.max_requests))),
      client_(std::move(client)) {}

RemoteReader::~RemoteReader() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_cv_.wait(lock, [&] { return batches_.empty(); });
  }
  // The client's destructor waits for callbacks still running (they may be just past their
  // last use of this reader's mutex), so members are destroyed only after it.
  client_.reset();
}

void RemoteReader::Submit(std::shared_ptr<Batch> batch) {
  ObjectBatch ob;
  ob.batch = std::move(batch);
  Batch& b = *ob.batch;
  PlanObjectRequests(b.requests(), b.results(), *sources_, gap_bytes_, max_coalesced_bytes_,
                     &ob.plan);
  const bool has_reads = !ob.plan.reads.empty();
  std::vector<uint32_t> immediate = std::move(ob.plan.immediate);
  if (has_reads) {
    std::lock_guard<std::mutex> lock(mu_);
    batches_.push_back(std::move(ob));
    pending_.push_back(std::prev(batches_.end()));
  }
  if (!immediate.empty()) {
    requests_completed_.fetch_add(immediate.size(), std::memory_order_relaxed);
    b.Deliver(immediate);  // b stays alive: the caller holds the batch across Submit
  }
  if (has_reads) Pump();
}

// Issues GETs while the budget allows. Loops until nothing more fits, so budget freed by GETs
// that completed inline (during Issue) is used here rather than by a nested loop.
void RemoteReader::Pump() {
  if (t_pumping == this) return;
  const void* saved = std::exchange(t_pumping, this);
  std::vector<Get*> ready;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      while (!pending_.empty() && inflight_gets_ < max_gets_) {
        ObjectBatch& ob = *pending_.front();
        const PlannedRead& p = ob.plan.reads[ob.next_read];
        if (inflight_bytes_ > 0 && inflight_bytes_ + p.length_bytes > budget_bytes_) break;
        ++inflight_gets_;
        inflight_bytes_ += p.length_bytes;
        ++ob.outstanding;
        auto* get = new Get;
        get->batch = pending_.front();
        get->read = &p;
        ready.push_back(get);
        if (++ob.next_read == ob.plan.reads.size()) pending_.pop_front();
      }
    }
    if (ready.empty()) break;
    for (Get* get : ready) Issue(get);
    ready.clear();
  }
  t_pumping = saved;
}

void RemoteReader::Issue(Get* get) {
  const ObjectBatch& ob = *get->batch;
  const PlannedRead& p = *get->read;
  const ReadRequest& head = ob.batch->request(ob.plan.members[p.first_member]);
  const Source* source = sources_->Get(head.source);
  // A single member's GET covers exactly its range, so its dst (if any) takes the body.
  if (p.member_count == 1 && !head.dst.empty()) {
    get->target = head.dst.data();
  } else {
    get->owned = pool_->Allocate(p.length_bytes);
    get->target = get->owned.data();
    get->shared = p.member_count > 1;
  }
  if (get->target == nullptr) {
    http::HttpResponse failed;
    failed.status = absl::ResourceExhaustedError(fmt::format(
        "no memory for a {}-byte buffer to GET \"{}\"", p.length_bytes, source->path));
    Finish(get, failed);
    return;
  }
  http::HttpRequest req;
  req.url = source->path;
  req.signer = source->signer;
  req.range = head.suffix ? http::RangeKind::kSuffix : http::RangeKind::kRange;
  req.offset = p.offset_bytes;
  req.length = p.length_bytes;
  req.dst = {get->target, p.length_bytes};
  client_->Start(std::move(req), [this, get](http::HttpResponse& r) { Finish(get, r); });
}

// Runs on a client loop thread (or inline from Issue): results for the GET's members, one
// Deliver for all of them, then the budget goes to the next GETs.
void RemoteReader::Finish(Get* get, http::HttpResponse& response) {
  ObjectBatch& ob = *get->batch;
  Batch& batch = *ob.batch;
  const PlannedRead& p = *get->read;
  std::span<const uint32_t> members(&ob.plan.members[p.first_member], p.member_count);
  const bool ok = response.status.ok();
  const uint64_t got = ok ? std::min(response.bytes, p.length_bytes) : 0;
  const uint64_t size = ok && response.object_size_known ? response.object_size : kUnknownSize;
  // Members without a dst share the merged body: views into one block, freed with the last.
  std::shared_ptr<const PooledBuffer> shared;
  for (uint32_t i : members) {
    const ReadRequest& q = batch.request(i);
    ReadResult& out = batch.result(i);
    out.latency_ns = response.latency_ns;
    out.source_size = size;
    if (!ok) {
      out.status = response.status;
      out.bytes_read = 0;
      out.data = q.dst.data();
      continue;
    }
    const uint64_t rel = q.suffix ? 0 : q.offset_bytes - p.offset_bytes;
    out.bytes_read = got > rel ? std::min(q.length_bytes, got - rel) : 0;
    std::byte* src = get->target + rel;
    if (!q.dst.empty()) {
      out.data = q.dst.data();
      if (get->shared && out.bytes_read > 0) std::memcpy(out.data, src, out.bytes_read);
    } else if (!get->shared) {
      out.data = src;
      out.buffer = std::move(get->owned);
    } else {
      if (shared == nullptr) shared = std::make_shared<const PooledBuffer>(std::move(get->owned));
      out.data = src;
      out.buffer = PooledBuffer::ViewOf(shared, src, q.length_bytes);
    }
  }
  // Counted before delivery, so a caller who saw its batch complete sees these in Stats().
  requests_completed_.fetch_add(members.size(), std::memory_order_relaxed);
  http_requests_.fetch_add(1, std::memory_order_relaxed);
  http_retries_.fetch_add(response.attempts > 1 ? response.attempts - 1 : 0,
                          std::memory_order_relaxed);
  http_bytes_.fetch_add(response.bytes, std::memory_order_relaxed);
  latency_.Record(response.latency_ns);
  batch.Deliver(members);

  const uint64_t length = p.length_bytes;
  BatchIt it = get->batch;
  delete get;
  std::list<ObjectBatch> finished;  // destroyed outside the lock (it may hold the last results)
  {
    std::lock_guard<std::mutex> lock(mu_);
    --inflight_gets_;
    inflight_bytes_ -= length;
    if (--it->outstanding == 0 && it->next_read == it->plan.reads.size()) {
      finished.splice(finished.begin(), batches_, it);
      if (batches_.empty()) idle_cv_.notify_all();
    }
  }
  finished.clear();
  Pump();
}

void RemoteReader::AddStats(EngineStats* stats) const {
  stats->requests_completed += requests_completed_.load(std::memory_order_relaxed);
  stats->http_requests += http_requests_.load(std::memory_order_relaxed);
  stats->http_retries += http_retries_.load(std::memory_order_relaxed);
  stats->http_bytes += http_bytes_.load(std::memory_order_relaxed);
  stats->http_latency_p50_ns = latency_.Percentile(0.5);
  stats->http_latency_p99_ns = latency_.Percentile(0.99);
  stats->http_latency_p999_ns = latency_.Percentile(0.999);
}

}  // namespace zring::engine::internal
