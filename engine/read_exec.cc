#include "engine/read_exec.h"

#include <time.h>

#include <algorithm>
#include <cstring>

#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::internal {
namespace {

bool Aligned(const void* p) {
  return reinterpret_cast<uintptr_t>(p) % kDirectAlignmentBytes == 0;
}

absl::Status ReadStatus(const InflightRead& r, const ReadRequest& q) {
  const std::string& path = r.source->path;
  if (r.alloc_failed) {
    return absl::ResourceExhaustedError(fmt::format(
        "no memory for a {}-byte buffer to read \"{}\"", r.plan.length_bytes, path));
  }
  if (r.open_error != 0) return ErrnoToStatus(r.open_error, fmt::format("open \"{}\"", path));
  if (r.read_error != 0) {
    return ErrnoToStatus(r.read_error, fmt::format("read \"{}\" bytes [{}, {})", path,
                                                   q.offset_bytes,
                                                   q.offset_bytes + q.length_bytes));
  }
  return absl::OkStatus();
}

// Bytes of request q that the physical read delivered.
uint64_t Available(const InflightRead& r, const ReadRequest& q) {
  uint64_t end = r.plan.offset_bytes + r.done_bytes;
  if (end <= q.offset_bytes) return 0;
  return std::min(q.length_bytes, end - q.offset_bytes);
}

}  // namespace

uint64_t NowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

void PrepareTarget(InflightRead* r, BufferPool& pool, bool direct_io) {
  const ReadRequest& q = r->slice->batch->request(r->slice->plan.members[r->plan.first_member]);
  bool exact = r->plan.member_count == 1 && r->plan.offset_bytes == q.offset_bytes &&
               r->plan.length_bytes == q.length_bytes;
  r->bounce = false;
  if (r->plan.member_count == 1 && q.dst.empty()) {
    r->owned = pool.Allocate(r->plan.length_bytes);  // widened: data points inside it
    r->target = r->owned.data();
  } else if (exact && (!direct_io || Aligned(q.dst.data()))) {
    r->target = q.dst.data();
  } else {
    r->owned = pool.Allocate(r->plan.length_bytes);
    r->target = r->owned.data();
    r->bounce = true;
  }
  r->alloc_failed = r->target == nullptr;
  r->fixed_buffer = !r->alloc_failed && pool.Contains(r->target, r->plan.length_bytes);
}

void FinishRead(InflightRead* r, uint64_t now_ns,
                std::vector<uint32_t>* done) {
  Batch& batch = *r->slice->batch;
  const uint32_t* members = &r->slice->plan.members[r->plan.first_member];
  // Members without a destination share the coalesced read's buffer instead of each getting a
  // copy: views into one block, freed when the last member's result lets go of it.
  std::shared_ptr<const PooledBuffer> shared;
  for (uint32_t k = 0; k < r->plan.member_count; ++k) {
    uint32_t i = members[k];
    const ReadRequest& q = batch.request(i);
    ReadResult& out = batch.result(i);
    out.latency_ns = now_ns - r->submit_ns;
    out.status = ReadStatus(*r, q);
    if (!out.status.ok()) {
      out.bytes_read = 0;
      out.data = q.dst.data();
      continue;
    }
    out.bytes_read = Available(*r, q);
    const std::byte* src = r->target + (q.offset_bytes - r->plan.offset_bytes);
    if (!r->bounce) {
      if (q.dst.empty()) {
        out.data = const_cast<std::byte*>(src);
        out.buffer = std::move(r->owned);
      } else {
        out.data = q.dst.data();
      }
      continue;
    }
    if (q.dst.empty()) {
      if (shared == nullptr) shared = std::make_shared<const PooledBuffer>(std::move(r->owned));
      out.data = const_cast<std::byte*>(src);
      out.buffer = PooledBuffer::ViewOf(shared, out.data, q.length_bytes);
      continue;
    }
    out.data = q.dst.data();
    if (out.bytes_read > 0) std::memcpy(out.data, src, out.bytes_read);
  }
  done->insert(done->end(), members, members + r->plan.member_count);
  if (r->owned) r->owned = PooledBuffer();
}

std::vector<uint32_t>* CompletionSink::For(Batch* batch) {
  if (runs_.empty() || runs_.back().first != batch) {
    std::vector<uint32_t> v;
    if (!spare_.empty()) {
      v = std::move(spare_.back());
      spare_.pop_back();
    }
    runs_.emplace_back(batch, std::move(v));
  }
  return &runs_.back().second;
}

void CompletionSink::Flush() {
  for (auto& [batch, indices] : runs_) {
    batch->Deliver(indices);
    indices.clear();
    spare_.push_back(std::move(indices));
  }
  runs_.clear();
}

void WorkQueue::Push(std::vector<std::unique_ptr<Slice>> slices) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    unfinished_ += slices.size();
    for (auto& s : slices) slices_.push_back(std::move(s));
  }
  cv_.notify_all();
}

std::unique_ptr<Slice> WorkQueue::Pop() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return !slices_.empty() || stopped_; });
  if (slices_.empty()) return nullptr;
  std::unique_ptr<Slice> s = std::move(slices_.front());
  slices_.pop_front();
  return s;
}

std::unique_ptr<Slice> WorkQueue::TryPop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (slices_.empty()) return nullptr;
  std::unique_ptr<Slice> s = std::move(slices_.front());
  slices_.pop_front();
  return s;
}

void WorkQueue::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

void WorkQueue::SliceDone() {
  std::lock_guard<std::mutex> lock(mu_);
  if (--unfinished_ == 0) idle_cv_.notify_all();
}

void WorkQueue::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [&] { return unfinished_ == 0; });
}

}  // namespace zring::engine::internal
