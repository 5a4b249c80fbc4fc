// A thin RAII wrapper over one io_uring: setup with the best flags the kernel accepts, a sparse
// fixed file table, one registered buffer, and Status-returning submission.
//
// Threading: a Ring is created, used and destroyed on one thread (it is set up with
// IORING_SETUP_SINGLE_ISSUER when the kernel has it, and registers its fd for that thread).
// Fork: the ring's memory is marked MADV_DONTFORK (io_uring_ring_dontfork), so a child never
// shares the parent's SQ/CQ; a child must not touch the Ring object at all.
#ifndef ZRING_ENGINE_RING_H_
#define ZRING_ENGINE_RING_H_

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "absl/status/statusor.h"

namespace zring::engine::internal {

struct RingOptions {
  unsigned entries = 128;    // SQ size; the CQ gets twice as many
  bool sqpoll = false;
  unsigned file_slots = 0;   // size of the sparse fixed file table; 0: none
};

class Ring {
 public:
  // Errors carry the errno of io_uring_queue_init_params in their message and code.
  static absl::StatusOr<std::unique_ptr<Ring>> Create(const RingOptions& options);
  ~Ring();
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  io_uring* raw() { return &ring_; }
  unsigned sq_entries() const { return ring_.sq.ring_entries; }
  unsigned cq_entries() const { return ring_.cq.ring_entries; }
  // The sparse fixed file table registered (5.19+); otherwise reads use plain fds.
  unsigned file_slots() const { return file_slots_; }
  // OPENAT/CLOSE into fixed slots can be chained with a READ (needs the fixed table, 5.15+).
  bool direct_open() const { return direct_open_; }

  // Registers `region` as fixed buffer 0 (IORING_REGISTER_BUFFERS).
  absl::Status RegisterBuffer(std::span<std::byte> region);
  // Points fixed slot `slot` at `fd` (-1 clears it); the errno on failure, else 0.
  int UpdateFileSlot(unsigned slot, int fd);

  unsigned SqSpaceLeft() { return io_uring_sq_space_left(&ring_); }
  // io_uring_submit_and_wait; EINTR is not an error (the caller reaps and comes back).
  // Returns SQEs submitted.
  absl::StatusOr<unsigned> SubmitAndWait(unsigned wait_nr);

 private:
  Ring() = default;
  io_uring ring_{};
  bool initialised_ = false;
  unsigned file_slots_ = 0;
  bool direct_open_ = false;
};

}  // namespace zring::engine::internal

#endif  // ZRING_ENGINE_RING_H_
