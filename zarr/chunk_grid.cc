#include "zarr/chunk_grid.h"

#include <algorithm>
#include <limits>

namespace zring::zarr {

uint64_t ShapeProduct(std::span<const uint64_t> shape) {
  uint64_t n = 1;
  for (uint64_t s : shape) {
    if (s == 0) return 0;
    if (n > std::numeric_limits<uint64_t>::max() / s) n = std::numeric_limits<uint64_t>::max();
    else n *= s;
  }
  return n;
}

uint64_t Box::NumElements() const { return ShapeProduct(shape); }

ChunkGrid::ChunkGrid(std::vector<uint64_t> array_shape, std::vector<uint64_t> chunk_shape)
    : array_shape_(std::move(array_shape)), chunk_shape_(std::move(chunk_shape)) {
  grid_shape_.resize(array_shape_.size());
  for (size_t d = 0; d < array_shape_.size(); ++d) {
    const uint64_t c = std::max<uint64_t>(chunk_shape_[d], 1);
    grid_shape_[d] = array_shape_[d] / c + (array_shape_[d] % c != 0);
  }
}

uint64_t ChunkGrid::NumChunks() const { return ShapeProduct(grid_shape_); }
uint64_t ChunkGrid::ChunkNumElements() const { return ShapeProduct(chunk_shape_); }

std::vector<uint64_t> ChunkGrid::UnravelIndex(uint64_t linear) const {
  std::vector<uint64_t> index(grid_shape_.size());
  for (size_t d = grid_shape_.size(); d-- > 0;) {
    index[d] = linear % grid_shape_[d];
    linear /= grid_shape_[d];
  }
  return index;
}

Box ChunkGrid::ChunkBox(std::span<const uint64_t> grid_index) const {
  Box box;
  box.origin.resize(grid_index.size());
  box.shape.resize(grid_index.size());
  for (size_t d = 0; d < grid_index.size(); ++d) {
    box.origin[d] = grid_index[d] * chunk_shape_[d];
    box.shape[d] = std::min(chunk_shape_[d], array_shape_[d] - box.origin[d]);
  }
  return box;
}

bool ChunkGrid::Contains(std::span<const uint64_t> grid_index) const {
  if (grid_index.size() != grid_shape_.size()) return false;
  for (size_t d = 0; d < grid_index.size(); ++d) {
    if (grid_index[d] >= grid_shape_[d]) return false;
  }
  return true;
}

}  // namespace zring::zarr
