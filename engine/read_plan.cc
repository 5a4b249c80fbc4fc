#include "engine/read_plan.h"

#include <algorithm>
#include <limits>

#include "fmt/format.h"

namespace zring::engine::internal {
namespace {

uint64_t AlignDown(uint64_t x) { return x & ~(kDirectAlignmentBytes - 1); }
uint64_t AlignUp(uint64_t x) { return AlignDown(x + kDirectAlignmentBytes - 1); }

// Out of line: the hot loop keeps one test of r.suffix for it.
[[gnu::noinline, gnu::cold]] absl::Status SuffixOnLocalSource(uint32_t index, const Source& s) {
  return absl::InvalidArgumentError(fmt::format(
      "request {} on \"{}\": suffix reads are for object sources; read a local file's tail by "
      "offset",
      index, s.path));
}

// The status of a request that cannot be read at all, or OK when it can (or needs no I/O).
absl::Status Validate(const ReadRequest& r, uint32_t index, const Source* s) {
  if (s == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("request {}: no source with id {}", index, r.source));
  }
  if (r.suffix) [[unlikely]] return SuffixOnLocalSource(index, *s);
  if (s->closed.load(std::memory_order_acquire)) {
    return absl::FailedPreconditionError(
        fmt::format("request {}: source {} (\"{}\") is closed", index, r.source, s->path));
  }
  if (!r.dst.empty() && r.dst.size() < r.length_bytes) {
    return absl::InvalidArgumentError(
        fmt::format("request {} on \"{}\": dst holds {} bytes, length_bytes is {}", index,
                    s->path, r.dst.size(), r.length_bytes));
  }
  if (r.length_bytes > std::numeric_limits<int64_t>::max() - r.offset_bytes) {
    return absl::InvalidArgumentError(
        fmt::format("request {} on \"{}\": offset {} + length {} overflows a file offset",
                    index, s->path, r.offset_bytes, r.length_bytes));
  }
  return absl::OkStatus();
}

void AddRead(Plan* plan, uint32_t first, uint32_t count, uint64_t start, uint64_t end,
             bool direct) {
  if (direct) {
    start = AlignDown(start);
    end = AlignUp(end);
  }
  plan->reads.push_back({first, count, start, end - start});
}

// Sort key of a coalescing candidate, held by value so sorting touches no request. `packed`
// is (source << 40 | offset), meaningful only when every candidate of the batch fits; it makes
// the common comparison one integer compare.
struct Candidate {
  uint64_t packed;
  uint64_t offset_bytes;
  SourceId source;
  uint32_t index;
};

constexpr int kOffsetBits = 40;  // 1 TiB

bool Packable(const ReadRequest& r) {
  return r.source < (1u << (64 - kOffsetBits)) && r.offset_bytes < (uint64_t{1} << kOffsetBits);
}

void SortCandidates(std::vector<Candidate>& c, bool packed) {
  auto by_packed = [](const Candidate& a, const Candidate& b) {
    return a.packed != b.packed ? a.packed < b.packed : a.index < b.index;
  };
  auto by_fields = [](const Candidate& a, const Candidate& b) {
    if (a.source != b.source) return a.source < b.source;
    if (a.offset_bytes != b.offset_bytes) return a.offset_bytes < b.offset_bytes;
    return a.index < b.index;
  };
  if (packed) {
    if (!std::is_sorted(c.begin(), c.end(), by_packed)) std::sort(c.begin(), c.end(), by_packed);
  } else if (!std::is_sorted(c.begin(), c.end(), by_fields)) {
    std::sort(c.begin(), c.end(), by_fields);
  }
}

// Sorts the file-source members by (source, offset) and merges neighbours into reads.
void CoalesceFileReads(std::span<const ReadRequest> reqs, std::vector<Candidate> candidates,
                       bool packed, const PlanOptions& options, Plan* plan) {
  SortCandidates(candidates, packed);
  const auto gap = static_cast<uint64_t>(options.coalesce_gap_bytes);
  size_t i = 0;
  while (i < candidates.size()) {
    const ReadRequest& head = reqs[candidates[i].index];
    uint64_t start = head.offset_bytes;
    uint64_t end = start + head.length_bytes;
    size_t j = i + 1;
    for (; j < candidates.size(); ++j) {
      const ReadRequest& next = reqs[candidates[j].index];
      uint64_t next_end = std::max(end, next.offset_bytes + next.length_bytes);
      if (next.source != head.source || next.offset_bytes > end + gap ||
          next_end - start > options.max_coalesced_bytes) {
        break;
      }
      end = next_end;
    }
    auto first = static_cast<uint32_t>(plan->members.size());
    for (size_t k = i; k < j; ++k) plan->members.push_back(candidates[k].index);
    AddRead(plan, first, static_cast<uint32_t>(j - i), start, end, options.direct_io);
    i = j;
  }
}

}  // namespace

void PlanRequests(std::span<const ReadRequest> requests, std::span<ReadResult> results,
                  uint32_t begin, uint32_t end, const SourceTable& sources,
                  const PlanOptions& options, Plan* plan) {
  const bool coalesce = options.coalesce_gap_bytes >= 0;
  std::vector<Candidate> candidates;
  bool packed = true;
  plan->members.reserve(end - begin);
  plan->reads.reserve(end - begin);
  for (uint32_t i = begin; i < end; ++i) {
    const ReadRequest& r = requests[i];
    const Source* s = sources.Get(r.source);
    absl::Status status = Validate(r, i, s);
    if (!status.ok() || r.length_bytes == 0) {
      results[i].status = std::move(status);
      results[i].bytes_read = 0;
      results[i].data = r.dst.data();
      plan->immediate.push_back(i);
      continue;
    }
    if (coalesce && s->kind == SourceKind::kFile) {
      packed = packed && Packable(r);
      candidates.push_back({uint64_t{r.source} << kOffsetBits | r.offset_bytes, r.offset_bytes,
                            r.source, i});
      continue;
    }
    auto first = static_cast<uint32_t>(plan->members.size());
    plan->members.push_back(i);
    AddRead(plan, first, 1, r.offset_bytes, r.offset_bytes + r.length_bytes,
            options.direct_io);
  }
  if (!candidates.empty()) {
    CoalesceFileReads(requests, std::move(candidates), packed, options, plan);
  }
}

}  // namespace zring::engine::internal
