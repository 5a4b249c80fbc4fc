// Batch planning: which physical reads serve a run of requests. Pure: no I/O, no threads.
//
// Requests on the same file source whose gap is at most coalesce_gap_bytes become one read
// (capped at max_coalesced_bytes), scattered back to their destinations on completion. With
// O_DIRECT every read is widened to 4096-byte boundaries. Path sources are never merged.
// Requests that need no I/O (zero length) or cannot be served (unknown or closed source, dst
// smaller than length_bytes, a suffix request, which only object sources serve) get their result
// here and are listed in Plan::immediate.
//
// Invariant: every index in [begin, end) appears exactly once, either in `immediate` or in the
// members of exactly one read; a read's members are sorted by offset and its range covers all
// of theirs.
#ifndef ZRING_ENGINE_READ_PLAN_H_
#define ZRING_ENGINE_READ_PLAN_H_

#include <cstdint>
#include <span>
#include <vector>

#include "engine/read_request.h"
#include "engine/source_table.h"

namespace zring::engine::internal {

inline constexpr uint64_t kDirectAlignmentBytes = 4096;

struct PlanOptions {
  int64_t coalesce_gap_bytes = 4096;  // < 0: never merge
  uint64_t max_coalesced_bytes = 4 << 20;
  bool direct_io = false;
};

struct PlannedRead {
  uint32_t first_member = 0;  // into Plan::members
  uint32_t member_count = 0;
  uint64_t offset_bytes = 0;  // physical range (aligned under O_DIRECT)
  uint64_t length_bytes = 0;
};

struct Plan {
  std::vector<uint32_t> members;  // request indices, grouped by read
  std::vector<PlannedRead> reads;
  std::vector<uint32_t> immediate;
};

// Plans requests [begin, end). Results of immediate requests are written into `results`.
void PlanRequests(std::span<const ReadRequest> requests, std::span<ReadResult> results,
                  uint32_t begin, uint32_t end, const SourceTable& sources,
                  const PlanOptions& options, Plan* plan);

}  // namespace zring::engine::internal

#endif  // ZRING_ENGINE_READ_PLAN_H_
