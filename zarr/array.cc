#include "zarr/array.h"

#include <unistd.h>

#include <algorithm>
#include <mutex>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/crop_reader.h"
#include "zarr/errors.h"
#include "zarr/strided_copy.h"

namespace zring::zarr {
namespace {

std::string_view AsText(const Buffer& b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

// The value of `key`, or "" when it is not stored.
absl::StatusOr<std::string> GetOptional(const Store& store, const std::string& key) {
  auto value = store.Get(key);
  if (absl::IsNotFound(value.status())) return std::string();
  if (!value.ok()) return value.status();
  return std::string(AsText(*value));
}

}  // namespace

std::string NormalizePath(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

std::string Array::Describe() const {
  return fmt::format("array \"{}\" in {}", path_.empty() ? "/" : path_, store_->Describe());
}

std::string Array::DescribeChunk(std::span<const uint64_t> grid_index) const {
  return fmt::format("chunk {} of \"{}\" in {}", ChunkKey(grid_index), path_.empty() ? "/" : path_,
                     store_->Describe());
}

absl::StatusOr<std::unique_ptr<Array>> Array::Open(const Store& store, std::string_view raw_path,
                                                   int format) {
  const std::string path = NormalizePath(raw_path);
  const std::string where =
      fmt::format("array \"{}\" in {}", path.empty() ? "/" : path, store.Describe());
  if (format != 2) {
    const std::string key = JoinKey(path, "zarr.json");
    auto text = store.Get(key);
    if (text.ok()) {
      auto m = ParseArrayMetadataV3(AsText(*text));
      if (!m.ok()) return WithPrefix(m.status(), fmt::format("{}: {}", where, "zarr.json"));
      return FromMetadata(store, path, std::move(*m));
    }
    if (!absl::IsNotFound(text.status()) || format == 3) return WithPrefix(text.status(), where);
  }
  const std::string zarray_key = JoinKey(path, ".zarray");
  auto zarray = store.Get(zarray_key);
  if (absl::IsNotFound(zarray.status())) {
    return absl::NotFoundError(
        fmt::format("{}: no zarr.json or .zarray: not a Zarr array", where));
  }
  if (!zarray.ok()) return WithPrefix(zarray.status(), where);
  ZRING_ASSIGN_OR_RETURN(std::string zattrs, GetOptional(store, JoinKey(path, ".zattrs")));
  auto m = ParseArrayMetadataV2(AsText(*zarray), zattrs);
  if (!m.ok()) return WithPrefix(m.status(), fmt::format("{}: .zarray", where));
  return FromMetadata(store, path, std::move(*m));
}

absl::StatusOr<std::unique_ptr<Array>> Array::FromMetadata(const Store& store,
                                                           std::string_view path,
                                                           ArrayMetadata metadata) {
  std::unique_ptr<Array> a(new Array());
  a->reader_ = std::make_unique<ReaderSlot>();
  a->store_ = &store;
  a->path_ = NormalizePath(path);
  a->grid_ = ChunkGrid(metadata.shape, metadata.chunk_shape);
  auto chain = CodecChain::ForArray(metadata);
  if (!chain.ok()) return WithPrefix(chain.status(), a->Describe());
  a->chain_ = std::move(*chain);
  a->metadata_ = std::move(metadata);
  return a;
}

std::string Array::ChunkKey(std::span<const uint64_t> grid_index) const {
  return metadata_.chunk_key_encoding.Encode(grid_index);
}

std::string Array::StoreKey(std::span<const uint64_t> grid_index) const {
  return JoinKey(path_, ChunkKey(grid_index));
}

absl::Status Array::DecodeChunk(std::span<const uint64_t> grid_index,
                                std::span<const std::byte> encoded,
                                std::span<std::byte> out) const {
  return WithPrefix(chain_->Decode(encoded, out), DescribeChunk(grid_index));
}

absl::Status Array::EncodeChunk(std::span<const uint64_t> grid_index,
                                std::span<const std::byte> decoded, Buffer& encoded) const {
  return WithPrefix(chain_->Encode(decoded, encoded), DescribeChunk(grid_index));
}

absl::StatusOr<bool> Array::ReadChunk(std::span<const uint64_t> grid_index,
                                      std::span<std::byte> out) const {
  if (!grid_.Contains(grid_index)) {
    return absl::OutOfRangeError(
        fmt::format("{}: grid index is outside the chunk grid", DescribeChunk(grid_index)));
  }
  if (out.size() != chunk_size_bytes()) {
    return absl::InvalidArgumentError(fmt::format("{}: output holds {} bytes, the chunk needs {}",
                                                  DescribeChunk(grid_index), out.size(),
                                                  chunk_size_bytes()));
  }
  auto encoded = store_->Get(StoreKey(grid_index));
  if (absl::IsNotFound(encoded.status())) {
    metadata_.fill_value.FillInto(out);
    return false;
  }
  if (!encoded.ok()) return WithPrefix(encoded.status(), DescribeChunk(grid_index));
  ZRING_RETURN_IF_ERROR(DecodeChunk(grid_index, encoded->span(), out));
  return true;
}

absl::Status Array::ReadBox(const Box& box, std::span<std::byte> out) const {
  const size_t ndim = grid_.ndim();
  const size_t elem = metadata_.data_type.size_bytes();
  if (box.origin.size() != ndim || box.shape.size() != ndim) {
    return absl::InvalidArgumentError(fmt::format("{}: box has the wrong rank", Describe()));
  }
  for (size_t d = 0; d < ndim; ++d) {
    if (box.origin[d] > metadata_.shape[d] || box.shape[d] > metadata_.shape[d] - box.origin[d]) {
      return absl::OutOfRangeError(fmt::format("{}: box exceeds the array shape", Describe()));
    }
  }
  if (out.size() != box.NumElements() * elem) {
    return absl::InvalidArgumentError(fmt::format("{}: box output holds {} bytes, needs {}",
                                                  Describe(), out.size(),
                                                  box.NumElements() * elem));
  }
  if (box.NumElements() == 0) return absl::OkStatus();
  const auto& cs = metadata_.chunk_shape;
  std::vector<uint64_t> first(ndim), last(ndim);
  for (size_t d = 0; d < ndim; ++d) {
    first[d] = box.origin[d] / cs[d];
    last[d] = (box.origin[d] + box.shape[d] - 1) / cs[d];
  }
  const std::vector<int64_t> out_strides = COrderStrides(box.shape, elem);
  const std::vector<int64_t> chunk_strides = COrderStrides(cs, elem);
  Buffer chunk(chunk_size_bytes());
  std::vector<uint64_t> idx = first;
  std::vector<uint64_t> extent(ndim);
  // When chunks span every dimension but the first, a chunk wholly inside the box is one
  // contiguous run of `out`: decode it there directly.
  bool rows_are_chunks = ndim > 0;
  for (size_t d = 1; d < ndim; ++d) {
    rows_are_chunks &= box.origin[d] == 0 && box.shape[d] == cs[d] && cs[d] == metadata_.shape[d];
  }
  while (true) {
    const uint64_t c0 = ndim > 0 ? idx[0] * cs[0] : 0;
    if (rows_are_chunks && c0 >= box.origin[0] && c0 + cs[0] <= box.origin[0] + box.shape[0]) {
      const uint64_t at = (c0 - box.origin[0]) * static_cast<uint64_t>(out_strides[0]);
      ZRING_RETURN_IF_ERROR(ReadChunk(idx, out.subspan(at, chunk_size_bytes())).status());
      if (++idx[0] > last[0]) break;
      continue;
    }
    ZRING_RETURN_IF_ERROR(ReadChunk(idx, chunk.span()).status());
    int64_t src_off = 0, dst_off = 0;
    for (size_t d = 0; d < ndim; ++d) {
      const uint64_t c0 = idx[d] * cs[d];
      const uint64_t b0 = std::max(c0, box.origin[d]);
      const uint64_t b1 = std::min(c0 + cs[d], box.origin[d] + box.shape[d]);
      extent[d] = b1 - b0;
      src_off += static_cast<int64_t>(b0 - c0) * chunk_strides[d];
      dst_off += static_cast<int64_t>(b0 - box.origin[d]) * out_strides[d];
    }
    CopyStrided(chunk.data() + src_off, chunk_strides, out.data() + dst_off, out_strides, extent,
                elem);
    size_t d = ndim;
    while (d-- > 0) {
      if (++idx[d] <= last[d]) break;
      idx[d] = first[d];
    }
    if (d == static_cast<size_t>(-1)) break;
  }
  return absl::OkStatus();
}

struct Array::ReaderSlot {
  std::mutex mu;
  CropReaderOptions options;     // guarded by mu
  std::unique_ptr<CropReader> reader;  // guarded by mu
  pid_t pid = 0;                 // the process that made `reader`
};

Array::~Array() {
  // A reader made by another process (before a fork) has no threads here to join: abandon it.
  if (reader_ != nullptr && reader_->reader != nullptr && reader_->pid != getpid()) {
    reader_->reader.release();
  }
}

void Array::SetReadOptions(const CropReaderOptions& options) const {
  std::lock_guard<std::mutex> lock(reader_->mu);
  reader_->options = options;
}

absl::StatusOr<std::vector<absl::Status>> Array::ReadCrops(
    std::span<const Box> crops, std::span<const CropOutput> outputs) const {
  std::lock_guard<std::mutex> lock(reader_->mu);
  if (reader_->reader != nullptr && reader_->pid != getpid()) {
    reader_->reader.release();  // the parent's, after fork: its threads are not ours
  }
  if (reader_->reader == nullptr) {
    ZRING_ASSIGN_OR_RETURN(reader_->reader, CropReader::Create(*this, reader_->options));
    reader_->pid = getpid();
  }
  return reader_->reader->ReadCrops(crops, outputs);
}

absl::Status Array::Read(const Box& box, std::span<std::byte> out) const {
  CropOutput output{.data = out, .strides_elements = {}};
  ZRING_ASSIGN_OR_RETURN(std::vector<absl::Status> statuses,
                         ReadCrops(std::span<const Box>(&box, 1),
                                   std::span<const CropOutput>(&output, 1)));
  return statuses[0];
}

}  // namespace zring::zarr
