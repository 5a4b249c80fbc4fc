// ChunkGrid: the regular grid of chunks over an array (v2 `chunks`, v3 "regular" chunk_grid).
//
// Chunk (i, j, ...) covers [i * chunk[0], min((i + 1) * chunk[0], shape[0])) x ...; edge chunks
// are stored at full chunk shape and only their in-bounds part is meaningful. Plain data; cheap to
// copy and thread-safe.
//
//   ChunkGrid grid(shape, chunk_shape);
//   for (uint64_t n = 0; n < grid.NumChunks(); ++n) {
//     std::vector<uint64_t> index = grid.UnravelIndex(n);
//     Box box = grid.ChunkBox(index);    // clipped to the array
//   }
#ifndef ZRING_ZARR_CHUNK_GRID_H_
#define ZRING_ZARR_CHUNK_GRID_H_

#include <cstdint>
#include <span>
#include <vector>

namespace zring::zarr {

// A half-open box [origin, origin + shape) in array coordinates.
struct Box {
  std::vector<uint64_t> origin;
  std::vector<uint64_t> shape;
  uint64_t NumElements() const;
};

class ChunkGrid {
 public:
  ChunkGrid() = default;
  // chunk_shape entries must be > 0 (metadata parsing guarantees it).
  ChunkGrid(std::vector<uint64_t> array_shape, std::vector<uint64_t> chunk_shape);

  size_t ndim() const { return array_shape_.size(); }
  const std::vector<uint64_t>& array_shape() const { return array_shape_; }
  const std::vector<uint64_t>& chunk_shape() const { return chunk_shape_; }
  // Chunks per dimension: ceil(shape / chunk).
  const std::vector<uint64_t>& grid_shape() const { return grid_shape_; }
  uint64_t NumChunks() const;
  uint64_t ChunkNumElements() const;

  // C-order linear chunk number <-> grid index.
  std::vector<uint64_t> UnravelIndex(uint64_t linear) const;
  // The part of the array chunk `grid_index` covers (clipped at the upper edge).
  Box ChunkBox(std::span<const uint64_t> grid_index) const;
  bool Contains(std::span<const uint64_t> grid_index) const;

 private:
  std::vector<uint64_t> array_shape_;
  std::vector<uint64_t> chunk_shape_;
  std::vector<uint64_t> grid_shape_;
};

// Product of `shape` (1 for an empty shape); saturates at UINT64_MAX instead of wrapping.
uint64_t ShapeProduct(std::span<const uint64_t> shape);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CHUNK_GRID_H_
