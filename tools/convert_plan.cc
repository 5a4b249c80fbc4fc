// Slab planning and the convert journal: see convert_plan.h.
#include "tools/convert_plan.h"

#include <algorithm>
#include <charconv>
#include <numeric>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace zring::tools {
namespace {

// Elements along dimension d of the grid chunks [lo, hi), clipped to the array.
uint64_t ExtentElements(const zarr::ChunkGrid& grid, size_t d, uint64_t lo, uint64_t hi) {
  const uint64_t c = grid.chunk_shape()[d];
  const uint64_t end = std::min(hi * c, grid.array_shape()[d]);
  return end > lo * c ? end - lo * c : 0;
}

// Bytes of the largest slab of `n` chunks along split dimension d (one chunk before it, the
// whole region after it).
uint64_t SlabBytes(const zarr::ChunkGrid& grid, const GridRegion& r, size_t d, uint64_t n,
                   size_t element_bytes) {
  uint64_t bytes = element_bytes;
  for (size_t i = 0; i < grid.ndim(); ++i) {
    uint64_t extent;
    if (i < d) {
      extent = std::min(grid.chunk_shape()[i], grid.array_shape()[i]);
    } else if (i == d) {
      extent = std::min(n * grid.chunk_shape()[i], ExtentElements(grid, i, r.lo[i], r.hi[i]));
    } else {
      extent = ExtentElements(grid, i, r.lo[i], r.hi[i]);
    }
    bytes *= extent;
  }
  return bytes;
}

absl::StatusOr<uint64_t> ParseBound(std::string_view s, size_t dim) {
  uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) {
    return absl::InvalidArgumentError(
        fmt::format("--region: dimension {}: \"{}\" is not an integer", dim, s));
  }
  return v;
}

// Checks `v` is a grid boundary of dimension d (a multiple of the chunk or the array's end)
// and returns it in chunk units.
absl::StatusOr<uint64_t> ToChunkBound(const zarr::ChunkGrid& grid, size_t d, uint64_t v) {
  const uint64_t c = grid.chunk_shape()[d];
  const uint64_t n = grid.array_shape()[d];
  if (v > n) {
    return absl::OutOfRangeError(fmt::format(
        "--region: dimension {}: {} is outside the array (extent {})", d, v, n));
  }
  if (v == n) return grid.grid_shape()[d];
  if (v % c != 0) {
    return absl::InvalidArgumentError(fmt::format(
        "--region: dimension {}: {} is not on a destination grid boundary (multiples of {} or "
        "the array end {}); concurrent writers must own whole grid chunks",
        d, v, c, n));
  }
  return v / c;
}

}  // namespace

GridRegion WholeGrid(const zarr::ChunkGrid& grid) {
  return {std::vector<uint64_t>(grid.ndim(), 0), grid.grid_shape()};
}

absl::StatusOr<GridRegion> ParseRegion(std::string_view text, const zarr::ChunkGrid& grid) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (parts.size() != grid.ndim()) {
    return absl::InvalidArgumentError(fmt::format(
        "--region \"{}\" has {} dimensions, the array {}", text, parts.size(), grid.ndim()));
  }
  GridRegion r = WholeGrid(grid);
  for (size_t d = 0; d < parts.size(); ++d) {
    const size_t colon = parts[d].find(':');
    if (colon == std::string_view::npos) {
      return absl::InvalidArgumentError(
          fmt::format("--region: dimension {}: \"{}\" is not start:stop", d, parts[d]));
    }
    const std::string_view a = parts[d].substr(0, colon);
    const std::string_view b = parts[d].substr(colon + 1);
    uint64_t lo = 0;
    uint64_t hi = grid.array_shape()[d];
    if (!a.empty()) {
      auto v = ParseBound(a, d);
      if (!v.ok()) return v.status();
      lo = *v;
    }
    if (!b.empty()) {
      auto v = ParseBound(b, d);
      if (!v.ok()) return v.status();
      hi = *v;
    }
    if (lo >= hi) {
      return absl::InvalidArgumentError(
          fmt::format("--region: dimension {}: {}:{} is empty", d, lo, hi));
    }
    auto clo = ToChunkBound(grid, d, lo);
    if (!clo.ok()) return clo.status();
    auto chi = ToChunkBound(grid, d, hi);
    if (!chi.ok()) return chi.status();
    r.lo[d] = *clo;
    r.hi[d] = *chi;
  }
  return r;
}

std::string RegionTag(const GridRegion& region, const zarr::ChunkGrid& grid) {
  std::string out;
  for (size_t d = 0; d < grid.ndim(); ++d) {
    const uint64_t c = grid.chunk_shape()[d];
    const uint64_t hi = std::min(region.hi[d] * c, grid.array_shape()[d]);
    out += fmt::format("{}{}-{}", d == 0 ? "" : "_", region.lo[d] * c, hi);
  }
  return out;
}

SlabPlan PlanSlabs(const zarr::ChunkGrid& grid, const GridRegion& region, size_t element_bytes,
                   uint64_t slab_budget_bytes, uint64_t max_slab_bytes,
                   std::span<const uint64_t> source_chunk_shape) {
  SlabPlan plan;
  plan.region = region;
  const size_t nd = grid.ndim();
  if (nd == 0) {
    plan.num_slabs = 1;
    plan.max_slab_bytes = element_bytes;
    plan.over_budget = element_bytes > slab_budget_bytes;
    return plan;
  }
  // The first dimension at which one chunk-row of the rest fits: the longest C-order runs.
  size_t d = 0;
  while (d + 1 < nd && SlabBytes(grid, region, d, 1, element_bytes) > slab_budget_bytes) ++d;
  plan.split_dim = d;
  const uint64_t extent = region.hi[d] - region.lo[d];
  const uint64_t unit = std::max<uint64_t>(1, SlabBytes(grid, region, d, 1, element_bytes));
  plan.chunks_along_split = std::clamp<uint64_t>(slab_budget_bytes / unit, 1, extent);
  if (source_chunk_shape.size() == nd && region.lo[d] == 0) {
    // Grid chunks per source-aligned step: lcm(destination chunk, source chunk) / destination.
    const uint64_t c = grid.chunk_shape()[d];
    const uint64_t m = std::lcm(c, source_chunk_shape[d]) / c;
    uint64_t& n = plan.chunks_along_split;
    if (n >= m) {
      n -= n % m;
    } else if (m <= extent && m * unit <= std::max(max_slab_bytes, slab_budget_bytes)) {
      n = m;
    }
  }
  plan.over_budget = unit > std::max(max_slab_bytes, slab_budget_bytes);
  plan.num_slabs = (extent + plan.chunks_along_split - 1) / plan.chunks_along_split;
  for (size_t i = 0; i < d; ++i) plan.num_slabs *= region.hi[i] - region.lo[i];
  plan.max_slab_bytes = SlabBytes(grid, region, d, plan.chunks_along_split, element_bytes);
  return plan;
}

Slab SlabAt(const zarr::ChunkGrid& grid, const SlabPlan& plan, uint64_t n) {
  const size_t nd = grid.ndim();
  const GridRegion& r = plan.region;
  Slab s{zarr::Box{std::vector<uint64_t>(nd), std::vector<uint64_t>(nd)}, r};
  if (nd == 0) return s;
  const size_t d = plan.split_dim;
  // Unravel n over (extent[0], ..., extent[d-1], ceil(extent[d] / chunks_along_split)).
  const uint64_t steps =
      (r.hi[d] - r.lo[d] + plan.chunks_along_split - 1) / plan.chunks_along_split;
  uint64_t step = n % steps;
  n /= steps;
  s.chunks.lo[d] = r.lo[d] + step * plan.chunks_along_split;
  s.chunks.hi[d] = std::min(r.hi[d], s.chunks.lo[d] + plan.chunks_along_split);
  for (size_t i = d; i-- > 0;) {
    const uint64_t extent = r.hi[i] - r.lo[i];
    s.chunks.lo[i] = r.lo[i] + n % extent;
    s.chunks.hi[i] = s.chunks.lo[i] + 1;
    n /= extent;
  }
  for (size_t i = 0; i < nd; ++i) {
    const uint64_t c = grid.chunk_shape()[i];
    s.box.origin[i] = s.chunks.lo[i] * c;
    s.box.shape[i] = ExtentElements(grid, i, s.chunks.lo[i], s.chunks.hi[i]);
  }
  return s;
}

std::string Journal::Serialize() const {
  std::string out = fmt::format("{}\nidentity {}\nnum_chunks {}\nstate {}\ndone ", kFirstLine,
                                identity, num_chunks, complete ? "complete" : "running");
  bool first = true;
  for (uint64_t i = 0; i < done.size();) {
    if (!done[i]) {
      ++i;
      continue;
    }
    uint64_t j = i;
    while (j + 1 < done.size() && done[j + 1]) ++j;
    out += fmt::format("{}{}-{}", first ? "" : ",", i, j);
    first = false;
    i = j + 1;
  }
  out += "\n";
  return out;
}

absl::StatusOr<Journal> Journal::Parse(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return absl::DataLossError(fmt::format("convert journal is malformed: {}", why));
  };
  std::vector<std::string_view> lines;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  if (lines.size() != 5 || lines[0] != kFirstLine) return bad("unexpected header or line count");
  auto field = [&](size_t i, std::string_view name) -> std::string_view {
    if (lines[i].substr(0, name.size() + 1) != fmt::format("{} ", name)) return {};
    return lines[i].substr(name.size() + 1);
  };
  Journal j;
  j.identity = std::string(field(1, "identity"));
  if (j.identity.empty()) return bad("no identity line");
  auto n = ParseBound(field(2, "num_chunks"), 0);
  if (!n.ok()) return bad("num_chunks is not an integer");
  j.num_chunks = *n;
  const std::string_view state = field(3, "state");
  if (state != "complete" && state != "running") return bad("state is neither complete nor running");
  j.complete = state == "complete";
  if (lines[4].substr(0, 5) != "done ") return bad("no done line");
  j.done.assign(j.num_chunks, false);
  std::string_view ranges = lines[4].substr(5);
  while (!ranges.empty()) {
    const size_t comma = ranges.find(',');
    const std::string_view item = ranges.substr(0, comma);
    ranges = comma == std::string_view::npos ? std::string_view() : ranges.substr(comma + 1);
    const size_t dash = item.find('-');
    if (dash == std::string_view::npos) return bad("a done range is not first-last");
    auto a = ParseBound(item.substr(0, dash), 0);
    auto b = ParseBound(item.substr(dash + 1), 0);
    if (!a.ok() || !b.ok() || *a > *b || *b >= j.num_chunks) return bad("a done range is invalid");
    for (uint64_t i = *a; i <= *b; ++i) j.done[i] = true;
  }
  return j;
}

}  // namespace zring::tools
