// The stored byte ranges a crop workload reads, as a fio iolog, so fio can replay exactly the
// reads `zring bench crops` makes (figure 3 of the crop benchmarks: cold reads against fio on
// the same byte ranges; bench/peers/cold_vs_fio.py).
#ifndef ZRING_TOOLS_BENCH_IOLOG_H_
#define ZRING_TOOLS_BENCH_IOLOG_H_

#include <cstdint>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "zarr/array.h"

namespace zring::tools {

struct IologSummary {
  uint64_t reads = 0;
  uint64_t bytes = 0;          // the ranges as the crop reader asks for them
  uint64_t aligned_bytes = 0;  // after widening to `align`
  uint64_t files = 0;
};

// Writes to `path` (fio iolog version 2) the reads the crop reader makes for `crops` read
// `group` per call and planned `plan_group` together (CropReaderOptions::group_crops): per plan
// group, each stored chunk (inner chunk on sharded arrays) the call's
// crops touch, once, in first-touch order (chunks stored as they are: only the part the call's
// crops need, as the reader reads them with `range_read`); on sharded arrays each shard's index
// the first time the shard is touched (the reader keeps indexes between calls). Ranges are
// widened to multiples of `align` (4096 for O_DIRECT, which fio needs aligned; zring aligns
// inside). Local directory stores only.
absl::StatusOr<IologSummary> WriteFioIolog(const zarr::Array& array,
                                          std::span<const zarr::Box> crops, size_t group,
                                          size_t plan_group, const std::string& path,
                                          uint64_t align, bool range_read);

}  // namespace zring::tools

#endif  // ZRING_TOOLS_BENCH_IOLOG_H_
