#include "engine/ring.h"

#include <cerrno>

#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::internal {
namespace {

// Setup flags, best first. DEFER_TASKRUN (6.1) runs completion work only when this thread
// enters the kernel to wait, so it is never interrupted mid-loop; SINGLE_ISSUER (6.0) lets the
// kernel skip locking; COOP_TASKRUN (5.19) is the older half of the same idea; SUBMIT_ALL
// (5.18) keeps submitting past a bad SQE so one request cannot stall its neighbours.
constexpr unsigned kFlagChoices[] = {
    IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL,
    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL,
    0,
};

int InitRing(const RingOptions& options, io_uring* ring) {
  int ret = -EINVAL;
  if (options.sqpoll) {
    io_uring_params p{};
    p.flags = IORING_SETUP_SQPOLL;
    p.sq_thread_idle = 100;  // ms the kernel thread spins before it sleeps
    return io_uring_queue_init_params(options.entries, ring, &p);
  }
  for (unsigned flags : kFlagChoices) {
    io_uring_params p{};
    p.flags = flags;
    ret = io_uring_queue_init_params(options.entries, ring, &p);
    if (ret != -EINVAL) return ret;  // EINVAL: an unknown flag on an older kernel
  }
  return ret;
}

bool ProbeDirectOpen(io_uring* ring) {
  io_uring_probe* probe = io_uring_get_probe_ring(ring);
  if (probe == nullptr) return false;
  bool ok = io_uring_opcode_supported(probe, IORING_OP_OPENAT) &&
            io_uring_opcode_supported(probe, IORING_OP_CLOSE);
  io_uring_free_probe(probe);
  return ok;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Ring>> Ring::Create(const RingOptions& options) {
  std::unique_ptr<Ring> r(new Ring());
  int ret = InitRing(options, &r->ring_);
  if (ret < 0) return ErrnoToStatus(-ret, "io_uring_queue_init");
  r->initialised_ = true;
  ret = io_uring_ring_dontfork(&r->ring_);
  if (ret < 0) return ErrnoToStatus(-ret, "io_uring_ring_dontfork");
  // Saves an fd lookup per io_uring_enter (5.18+); harmless to lack.
  io_uring_register_ring_fd(&r->ring_);
  if (options.file_slots > 0 &&
      io_uring_register_files_sparse(&r->ring_, options.file_slots) == 0) {
    r->file_slots_ = options.file_slots;
    r->direct_open_ = ProbeDirectOpen(&r->ring_);
  }
  return r;
}

Ring::~Ring() {
  if (initialised_) io_uring_queue_exit(&ring_);
}

absl::Status Ring::RegisterBuffer(std::span<std::byte> region) {
  iovec iov{region.data(), region.size()};
  int ret = io_uring_register_buffers(&ring_, &iov, 1);
  if (ret < 0) return ErrnoToStatus(-ret, "io_uring_register_buffers");
  return absl::OkStatus();
}

int Ring::UpdateFileSlot(unsigned slot, int fd) {
  int ret = io_uring_register_files_update(&ring_, slot, &fd, 1);
  return ret < 0 ? -ret : 0;
}

absl::StatusOr<unsigned> Ring::SubmitAndWait(unsigned wait_nr) {
  int ret = io_uring_submit_and_wait(&ring_, wait_nr);
  if (ret >= 0) return static_cast<unsigned>(ret);
  // EINTR: a signal arrived while waiting; the SQEs were consumed or stay queued for the next
  // call. EAGAIN/EBUSY: the kernel is short of request memory or has overflowed completions
  // to flush; reaping and calling again resolves both.
  if (ret == -EINTR || ret == -EAGAIN || ret == -EBUSY) return 0u;
  return ErrnoToStatus(-ret, "io_uring_enter");
}

}  // namespace zring::engine::internal
