// Planning for `zring convert` (tools/convert.cc): which slabs to stream, and the journal that
// makes a killed convert resumable.
//
// A slab is a box of whole destination grid chunks (shards when sharded; the array's end counts
// as a chunk boundary), so every slab is written without read-modify-write and two writers of
// disjoint grid-aligned regions never touch the same file. Slabs are cut from a region of the
// grid (in grid-chunk units, default the whole grid): one grid chunk along every dimension
// before `split_dim`, `chunks_along_split` along split_dim, the whole region after it - the
// largest such C-order run that fits the slab budget.
//
// The journal records which grid chunks are finished (written, or all fill value and so
// deliberately not written), the conversion it belongs to (a digest of the source and the
// region) and whether the whole conversion finished. Completion is tracked per grid chunk, not
// per slab, so a resume with another --memory (other slabs) is still exact.
//
// Pure functions and plain data: no I/O, testable alone.
#ifndef ZRING_TOOLS_CONVERT_PLAN_H_
#define ZRING_TOOLS_CONVERT_PLAN_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "zarr/chunk_grid.h"

namespace zring::tools {

// A box of grid chunks: [lo, hi) per dimension, in grid-chunk units.
struct GridRegion {
  std::vector<uint64_t> lo;
  std::vector<uint64_t> hi;
};

struct SlabPlan {
  GridRegion region;
  size_t split_dim = 0;
  uint64_t chunks_along_split = 1;
  uint64_t num_slabs = 0;
  uint64_t max_slab_bytes = 0;  // bytes of the largest slab (decoded, canonical layout)
  bool over_budget = false;     // even one grid chunk is larger than the budget
};

struct Slab {
  zarr::Box box;                      // in array elements, clipped to the array
  GridRegion chunks;                  // the grid chunks it covers
};

// The whole grid as a region.
GridRegion WholeGrid(const zarr::ChunkGrid& grid);
// Parses "0:128,:,64:" (element coordinates; "a:b", "a:", ":b", ":" per dimension) into the grid
// chunks it covers. Each bound must lie on a grid chunk boundary or the array's end; errors say
// which dimension and which boundaries would be valid.
absl::StatusOr<GridRegion> ParseRegion(std::string_view text, const zarr::ChunkGrid& grid);
// "0-128_0-1024" style text for file names and messages (element coordinates).
std::string RegionTag(const GridRegion& region, const zarr::ChunkGrid& grid);

// Slabs of at most about `slab_budget_bytes`. With `source_chunk_shape`, slabs along the split
// dimension are grown (up to `max_slab_bytes`) or shrunk to a multiple of the source's chunks
// where that is possible, so no source chunk is decoded for two slabs.
SlabPlan PlanSlabs(const zarr::ChunkGrid& grid, const GridRegion& region, size_t element_bytes,
                   uint64_t slab_budget_bytes, uint64_t max_slab_bytes = 0,
                   std::span<const uint64_t> source_chunk_shape = {});
Slab SlabAt(const zarr::ChunkGrid& grid, const SlabPlan& plan, uint64_t n);
// Calls f(linear C-order grid index) for every grid chunk of `chunks`.
template <typename F>
void ForEachChunk(const zarr::ChunkGrid& grid, const GridRegion& chunks, F&& f);

// Which grid chunks are finished, plus the identity of the conversion.
struct Journal {
  static constexpr std::string_view kFirstLine = "zring-convert-progress 1";
  std::string identity;      // digest of source, array, destination metadata and region
  uint64_t num_chunks = 0;   // grid chunks of the destination
  bool complete = false;     // every slab finished (and nothing left to do)
  std::vector<bool> done;    // num_chunks entries

  // Text form: header lines, then the finished chunks as ranges "0-15,32-47".
  std::string Serialize() const;
  static absl::StatusOr<Journal> Parse(std::string_view text);
};

// ---- implementation of the template above

template <typename F>
void ForEachChunk(const zarr::ChunkGrid& grid, const GridRegion& chunks, F&& f) {
  const size_t nd = grid.ndim();
  for (size_t d = 0; d < nd; ++d) {
    if (chunks.lo[d] >= chunks.hi[d]) return;
  }
  std::vector<uint64_t> idx = chunks.lo;
  const std::vector<uint64_t>& gs = grid.grid_shape();
  while (true) {
    uint64_t linear = 0;
    for (size_t d = 0; d < nd; ++d) linear = linear * gs[d] + idx[d];
    f(linear);
    size_t d = nd;
    while (d > 0) {
      --d;
      if (++idx[d] < chunks.hi[d]) break;
      idx[d] = chunks.lo[d];
      if (d == 0) return;
    }
    if (nd == 0) return;
  }
}

}  // namespace zring::tools

#endif  // ZRING_TOOLS_CONVERT_PLAN_H_
