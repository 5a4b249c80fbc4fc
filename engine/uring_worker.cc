#include "engine/uring_worker.h"

#include <fcntl.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>

#include "engine/status.h"

namespace zring::engine::internal {
namespace {


constexpr uint32_t kMaxRetries = 1000;      // EINTR/EAGAIN in a row before giving up
constexpr unsigned kMaxFileSlots = 65536;
enum Op : uint64_t { kRead = 0, kOpen = 1, kClose = 2 };

std::atomic<bool> g_unregistered_notice{false};

unsigned FileSlotsFor(unsigned depth) {
  rlimit rl{};
  getrlimit(RLIMIT_NOFILE, &rl);
  // Registering more slots than RLIMIT_NOFILE fails with EMFILE.
  uint64_t cap = rl.rlim_cur > depth + 64 ? rl.rlim_cur - depth - 64 : 0;
  return static_cast<unsigned>(std::min<uint64_t>(kMaxFileSlots, cap)) + depth;
}

}  // namespace

absl::Status UringWorker::Init() {
  RingOptions ro;
  ro.entries = std::max(depth_, 4u);  // a path chain needs 3 SQEs side by side
  ro.sqpoll = ctx_->options.sqpoll;
  ro.file_slots = FileSlotsFor(depth_);
  ZRING_ASSIGN_OR_RETURN(ring_, Ring::Create(ro));
  if (ring_->file_slots() > 0) {
    file_slots_ = ring_->file_slots() - depth_;
    for (unsigned i = 0; i < depth_; ++i) free_path_slots_.push_back(int(file_slots_ + i));
  }
  std::span<std::byte> arena = ctx_->pool->arena();
  if (ctx_->options.registered_buffers && !arena.empty()) {
    absl::Status s = ring_->RegisterBuffer(arena);
    fixed_buffers_ = s.ok();
    if (!s.ok() && !g_unregistered_notice.exchange(true)) {
      rlimit rl{};
      getrlimit(RLIMIT_MEMLOCK, &rl);
      std::fprintf(stderr,
                   "zring: registered buffers unavailable (%s; RLIMIT_MEMLOCK %llu KiB); "
                   "reading without them\n",
                   std::string(s.message()).c_str(),
                   static_cast<unsigned long long>(rl.rlim_cur / 1024));
    }
  }
  slots_.resize(depth_);
  for (uint32_t i = depth_; i > 0; --i) free_slots_.push_back(i - 1);
  return absl::OkStatus();
}

void UringWorker::SyncSources() {
  if (ctx_->sources->event_count() == events_seen_) return;
  std::vector<SourceEvent> events;
  ctx_->sources->Events(events_seen_, &events);
  events_seen_ += events.size();
  for (const SourceEvent& e : events) {
    if (e.file_index >= file_slots_) continue;  // read through its plain fd
    if (slot_ok_.size() <= e.file_index) slot_ok_.resize(e.file_index + 1024, 0);
    slot_ok_[e.file_index] = ring_->UpdateFileSlot(e.file_index, e.fd) == 0 && e.fd >= 0;
  }
}

bool UringWorker::HasRoom(const PlannedRead& p, unsigned cqes) const {
  if (free_slots_.empty() || inflight_cqes_ + cqes > ring_->cq_entries()) return false;
  return inflight_bytes_ == 0 || inflight_bytes_ + p.length_bytes <= budget_bytes_;
}

// The first adopted slice with reads left to issue; adopts (and plans) a queued one if none.
Slice* UringWorker::NextSlice() {
  for (auto& s : active_) {
    if (!s->Exhausted()) return s.get();
  }
  while (std::unique_ptr<Slice> s = ctx_->queue->TryPop()) {
    SyncSources();
    PlanSlice(*ctx_, s.get(), &sink_, &stats_);
    active_.push_back(std::move(s));
    if (!active_.back()->Exhausted()) return active_.back().get();
  }
  return nullptr;
}

void UringWorker::Fill() {
  const uint64_t now = NowNs();
  while (!retry_.empty() && inflight_cqes_ + 3 <= ring_->cq_entries() && SqHasRoom(3)) {
    uint32_t slot = retry_.back();
    retry_.pop_back();
    Issue(slot, now);
  }
  while (Slice* s = NextSlice()) {
    const PlannedRead& p = s->plan.reads[s->next_read];
    const Source* src = ctx_->sources->Get(s->batch->request(s->plan.members[p.first_member]).source);
    bool chain = src->kind == SourceKind::kPath;
    if (!HasRoom(p, chain ? 3 : 1) || !SqHasRoom(chain ? 3 : 1)) break;
    uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    UringRead& u = slots_[slot];
    u = UringRead();
    u.r.slice = s;
    u.r.plan = p;
    u.r.source = src;
    u.r.submit_ns = now;
    ++s->next_read;
    ++s->outstanding;
    ++inflight_reads_;
    inflight_bytes_ += p.length_bytes;
    PrepareTarget(&u.r, *ctx_->pool, ctx_->options.direct_io);
    if (u.r.alloc_failed || (chain && !ring_->direct_open())) {
      if (!u.r.alloc_failed) ExecuteBlockingRead(*ctx_, &u.r);  // no in-ring open here
      Finish(slot, now);
      continue;
    }
    Issue(slot, now);
  }
}

// A full SQ is a flush, not an error: hand what is queued to the kernel and go on.
bool UringWorker::SqHasRoom(unsigned sqes) {
  if (ring_->SqSpaceLeft() >= sqes) return true;
  int ret = io_uring_submit(ring_->raw());
  if (ret > 0) {
    WorkerStats::Bump(stats_.sqes_submitted, unsigned(ret));
    WorkerStats::Bump(stats_.submit_calls, 1);
  }
  return ring_->SqSpaceLeft() >= sqes;
}

// The caller has made sure the SQ has room (SqHasRoom).
void UringWorker::Issue(uint32_t slot, uint64_t now_ns) {
  UringRead& u = slots_[slot];
  if (u.r.submit_ns == 0) u.r.submit_ns = now_ns;
  uint64_t len = std::min<uint64_t>(u.r.remaining_bytes(), ctx_->options.max_read_bytes);
  u.requested = len;
  u.resubmit = false;
  if (u.r.source->kind == SourceKind::kPath) {
    IssueChain(u, slot, len);
    return;
  }
  io_uring_sqe* sqe = io_uring_get_sqe(ring_->raw());
  unsigned fi = u.r.source->file_index;
  bool fixed_file = fi < file_slots_ && fi < slot_ok_.size() && slot_ok_[fi];
  int fd = fixed_file ? int(fi) : u.r.source->fd;
  std::byte* dst = u.r.target + u.r.done_bytes;
  uint64_t off = u.r.plan.offset_bytes + u.r.done_bytes;
  if (fixed_buffers_ && u.r.fixed_buffer) {
    io_uring_prep_read_fixed(sqe, fd, dst, unsigned(len), off, 0);
  } else {
    io_uring_prep_read(sqe, fd, dst, unsigned(len), off);
  }
  if (fixed_file) sqe->flags |= IOSQE_FIXED_FILE;
  io_uring_sqe_set_data64(sqe, uint64_t{slot} << 2 | kRead);
  u.pending_cqes = 1;
  ++inflight_cqes_;
}

// OPENAT into a fixed slot -> READ from it -> CLOSE it. The READ is hard-linked to the CLOSE
// so a short or failed read still closes; a failed OPENAT cancels both (-ECANCELED).
void UringWorker::IssueChain(UringRead& u, uint32_t slot, uint64_t len) {
  u.path_slot = free_path_slots_.back();
  free_path_slots_.pop_back();
  // No O_CLOEXEC: a fixed slot is no fd, and the kernel rejects the flag for it.
  int flags = O_RDONLY | (ctx_->options.direct_io ? O_DIRECT : 0);
  io_uring_sqe* open = io_uring_get_sqe(ring_->raw());
  io_uring_prep_openat_direct(open, AT_FDCWD, u.r.source->path.c_str(), flags, 0,
                              unsigned(u.path_slot));
  open->flags |= IOSQE_IO_LINK;
  io_uring_sqe_set_data64(open, uint64_t{slot} << 2 | kOpen);
  io_uring_sqe* read = io_uring_get_sqe(ring_->raw());
  std::byte* dst = u.r.target + u.r.done_bytes;
  uint64_t off = u.r.plan.offset_bytes + u.r.done_bytes;
  if (fixed_buffers_ && u.r.fixed_buffer) {
    io_uring_prep_read_fixed(read, u.path_slot, dst, unsigned(len), off, 0);
  } else {
    io_uring_prep_read(read, u.path_slot, dst, unsigned(len), off);
  }
  read->flags |= IOSQE_FIXED_FILE | IOSQE_IO_HARDLINK;
  io_uring_sqe_set_data64(read, uint64_t{slot} << 2 | kRead);
  io_uring_sqe* close = io_uring_get_sqe(ring_->raw());
  io_uring_prep_close_direct(close, unsigned(u.path_slot));
  io_uring_sqe_set_data64(close, uint64_t{slot} << 2 | kClose);
  u.pending_cqes = 3;
  inflight_cqes_ += 3;
}

void UringWorker::OnCqe(const io_uring_cqe* cqe) {
  uint64_t data = io_uring_cqe_get_data64(cqe);
  auto slot = static_cast<uint32_t>(data >> 2);
  UringRead& u = slots_[slot];
  --inflight_cqes_;
  --u.pending_cqes;
  switch (data & 3) {
    case kOpen:
      if (cqe->res < 0) u.r.open_error = -cqe->res;
      break;
    case kRead: {
      int res = cqe->res;
      if (ctx_->options.fault_injector != nullptr) {
        const InflightRead& r = u.r;
        FaultSite site{r.source->path, r.plan.offset_bytes + r.done_bytes, u.requested,
                       r.retries, r.source->kind == SourceKind::kPath};
        res = static_cast<int>(internal::InjectFault(ctx_->options.fault_injector, site, res));
      }
      OnRead(u, res);
      break;
    }
    default:  // kClose: nothing to do; a failed close of a read-only file loses no data
      break;
  }
  if (u.pending_cqes > 0) return;
  if (u.path_slot >= 0) {
    free_path_slots_.push_back(u.path_slot);
    u.path_slot = -1;
  }
  if (u.resubmit) {
    retry_.push_back(slot);
  } else {
    finished_.push_back(slot);
  }
}

void UringWorker::OnRead(UringRead& u, int res) {
  InflightRead& r = u.r;
  if (res < 0) {
    int err = -res;
    if (err == ECANCELED && r.open_error != 0) return;  // the open's error says why
    // EINTR: interrupted before any byte moved. EAGAIN: the file asked to be retried (XFS,
    // FUSE). Either way nothing was read; try again, boundedly.
    if ((err == EINTR || err == EAGAIN) && ++r.retries < kMaxRetries) {
      u.resubmit = true;
      return;
    }
    r.read_error = err;  // ECANCELED included: reported as Cancelled
    return;
  }
  r.retries = 0;
  auto got = static_cast<uint64_t>(res);
  r.done_bytes += got;
  // End of file: nothing came back, or under O_DIRECT a count that is not a whole number of
  // blocks (reading on from an unaligned offset would fail with EINVAL).
  bool direct_tail = ctx_->options.direct_io && got % kDirectAlignmentBytes != 0;
  if (got == 0 || direct_tail || r.remaining_bytes() == 0) return;
  // Files: a short read is resubmitted for the rest. Paths: the chain closed the file, so only
  // a full SQE (max_read_bytes) goes on; a short one is the file's end.
  u.resubmit = r.source->kind == SourceKind::kFile || got == u.requested;
}

void UringWorker::Finish(uint32_t slot, uint64_t now_ns) {
  UringRead& u = slots_[slot];
  InflightRead& r = u.r;
  Slice* s = r.slice;
  FinishRead(&r, now_ns, sink_.For(s->batch.get()));
  WorkerStats::Bump(stats_.reads_completed, 1);
  WorkerStats::Bump(stats_.bytes_read, r.done_bytes);
  WorkerStats::Bump(stats_.requests_completed, r.plan.member_count);
  --s->outstanding;
  --inflight_reads_;
  inflight_bytes_ -= r.plan.length_bytes;
  r.slice = nullptr;
  free_slots_.push_back(slot);
}

void UringWorker::DeliverAndRetire() {
  sink_.Flush();
  for (auto it = active_.begin(); it != active_.end();) {
    if ((*it)->Finished()) {
      it = active_.erase(it);
      ctx_->queue->SliceDone();
    } else {
      ++it;
    }
  }
}

void UringWorker::Run() {
  const unsigned wait_batch = std::max(1u, depth_ / 8);
  for (;;) {
    Fill();
    if (inflight_reads_ == 0) {
      DeliverAndRetire();
      std::unique_ptr<Slice> s = ctx_->queue->Pop();
      if (s == nullptr) {  // stopped and drained
        ring_.reset();     // on the thread that created it
        return;
      }
      SyncSources();
      PlanSlice(*ctx_, s.get(), &sink_, &stats_);
      active_.push_back(std::move(s));
      continue;
    }
    // Nothing left to issue: wake for the first completion (latency). Otherwise the ring is
    // full: wait for a group of them, so each enter does more work.
    bool more = !retry_.empty() || NextSlice() != nullptr;
    // Reads waiting in retry_ are not in the kernel and produce nothing to wait for.
    auto in_kernel = static_cast<unsigned>(inflight_reads_ - retry_.size());
    unsigned wait_nr = std::min(in_kernel, more ? wait_batch : 1u);
    absl::StatusOr<unsigned> sent = ring_->SubmitAndWait(wait_nr);
    if (!sent.ok()) {
      std::fprintf(stderr, "zring: %s; retrying\n", sent.status().ToString().c_str());
      std::this_thread::yield();
      sent = 0u;
    }
    WorkerStats::Bump(stats_.sqes_submitted, *sent);
    WorkerStats::Bump(stats_.submit_calls, 1);
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(ring_->raw(), head, cqe) {
      OnCqe(cqe);
      ++seen;
    }
    io_uring_cq_advance(ring_->raw(), seen);
    const uint64_t now = NowNs();
    for (uint32_t slot : finished_) Finish(slot, now);
    finished_.clear();
    DeliverAndRetire();
  }
}

}  // namespace zring::engine::internal
