#include "bindings/python/src/py_array.h"

#include <algorithm>
#include <span>

#include <pybind11/stl.h>

#include "bindings/python/src/errors.h"
#include "engine/http/storage_options.h"
#include "fmt/format.h"
#include "zarr/codec/sharding_codec.h"
#include "zarr/open_store.h"

namespace py = pybind11;

namespace zring::python {
namespace {

// Crops per CropReader::ReadCrops call: its plan lives for the whole call, so very long lists go
// in groups; each group still decodes every chunk once for all of its crops.
constexpr size_t kCropsPerCall = 4096;

// "1, 2, 3" (by hand: fmt::join over integers trips a gcc 12 -O3 false positive in fmt 9).
template <typename T>
std::string JoinInts(const std::vector<T>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(v[i]);
  }
  return s;
}

// One CropOutput per crop over a buffer of N crops of `shape` with the given element strides.
// C order inside a crop passes no strides, so whole chunks may decode straight into the output.
std::vector<zarr::CropOutput> OutputsFromBuffer(const py::buffer_info& out,
                                                const std::vector<uint64_t>& shape, size_t n,
                                                size_t elem) {
  if (out.readonly) Throw(PyExc_ValueError, "out is read-only");
  if (static_cast<size_t>(out.itemsize) != elem) {
    Throw(PyExc_ValueError, fmt::format("out has {}-byte elements, the array {}-byte ones",
                                        out.itemsize, elem));
  }
  std::vector<uint64_t> want{n};
  want.insert(want.end(), shape.begin(), shape.end());
  std::vector<uint64_t> got(out.shape.begin(), out.shape.end());
  if (got != want) {
    Throw(PyExc_ValueError,
          "out has shape (" + JoinInts(got) + "), expected (" + JoinInts(want) + ")");
  }
  std::vector<int64_t> strides(out.ndim);
  for (py::ssize_t d = 0; d < out.ndim; ++d) {
    const int64_t s = out.strides[d];
    if (s < 0 || s % out.itemsize != 0 || (s == 0 && out.shape[d] > 1)) {
      Throw(PyExc_ValueError, fmt::format("out has stride {} bytes in dimension {}: zring writes "
                                          "only through positive multiples of the element size",
                                          s, d));
    }
    strides[d] = s / out.itemsize;
  }
  // Elements one crop spans, and whether a crop is C order.
  uint64_t span_elements = 1;
  bool c_order = true;
  int64_t expect = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 0) span_elements = 0;
    if (span_elements != 0) span_elements += (shape[d] - 1) * static_cast<uint64_t>(strides[d + 1]);
    if (shape[d] > 1 && strides[d + 1] != expect) c_order = false;
    expect *= static_cast<int64_t>(shape[d]);
  }
  std::vector<zarr::CropOutput> outs(n);
  auto* base = static_cast<std::byte*>(out.ptr);
  for (size_t i = 0; i < n; ++i) {
    outs[i].data = {base + i * static_cast<uint64_t>(strides[0]) * elem, span_elements * elem};
    if (!c_order) outs[i].strides_elements.assign(strides.begin() + 1, strides.end());
  }
  return outs;
}

}  // namespace

std::shared_ptr<zarr::Store> OpenStore(const std::string& store_path,
                                       const StorageOptionPairs& options) {
  auto parsed = engine::http::ParseStorageOptions(options);
  if (!parsed.ok()) ThrowStatus(parsed.status(), ErrorContext::kOpen, "storage_options");
  auto store = zarr::OpenStore(store_path, *parsed);
  if (!store.ok()) ThrowStatus(store.status(), ErrorContext::kOpen);
  return std::shared_ptr<zarr::Store>(std::move(*store));
}

std::vector<zarr::Box> BoxesFromStarts(const py::buffer& starts, const std::vector<uint64_t>& shape,
                                       const std::vector<uint64_t>& array_shape) {
  const py::buffer_info info = starts.request();
  const size_t ndim = array_shape.size();
  if (shape.size() != ndim) {
    Throw(PyExc_ValueError,
          fmt::format("crop shape has {} dimensions, the array {}", shape.size(), ndim));
  }
  if (info.ndim != 2 || static_cast<size_t>(info.shape[1]) != ndim || info.itemsize != 8 ||
      (info.shape[0] > 0 && (info.strides[1] != 8 || info.strides[0] != 8 * info.shape[1]))) {
    Throw(PyExc_ValueError,
          fmt::format("starts must be a C-contiguous int64 array of shape (N, {})", ndim));
  }
  const auto* rows = static_cast<const int64_t*>(info.ptr);
  std::vector<zarr::Box> boxes(static_cast<size_t>(info.shape[0]));
  for (size_t i = 0; i < boxes.size(); ++i) {
    boxes[i].origin.resize(ndim);
    boxes[i].shape = shape;
    for (size_t d = 0; d < ndim; ++d) {
      const int64_t s = rows[i * ndim + d];
      if (s < 0 || shape[d] > array_shape[d] ||
          static_cast<uint64_t>(s) > array_shape[d] - shape[d]) {
        Throw(PyExc_IndexError,
              fmt::format("crop {} of {}: start {} + extent {} is outside dimension {} of size {}",
                          i, boxes.size(), s, shape[d], d, array_shape[d]));
      }
      boxes[i].origin[d] = static_cast<uint64_t>(s);
    }
  }
  return boxes;
}

void RaiseFirstFailure(const std::vector<absl::Status>& statuses,
                       const std::vector<zarr::Box>& boxes, size_t first_index) {
  for (size_t i = 0; i < statuses.size(); ++i) {
    if (statuses[i].ok()) continue;
    ThrowStatus(statuses[i], ErrorContext::kRead,
                fmt::format("crop {} at ({})", first_index + i,
                            JoinInts(boxes[first_index + i].origin)));
  }
}

PyArray::PyArray(const std::string& store_path, const std::string& path, int threads,
                 uint64_t budget_bytes, const StorageOptionPairs& storage_options)
    : store_path_(store_path), store_(OpenStore(store_path, storage_options)) {
  auto array = zarr::Array::Open(*store_, path);
  if (!array.ok()) ThrowStatus(array.status(), ErrorContext::kOpen);
  array_ = std::move(*array);
  options_.threads = threads;
  options_.budget_bytes = budget_bytes;
}

void PyArray::ReadCrops(const py::buffer& starts, const std::vector<uint64_t>& shape,
                        const py::buffer& out) {
  const std::vector<zarr::Box> boxes = BoxesFromStarts(starts, shape, array_->metadata().shape);
  const py::buffer_info out_info = out.request(/*writable=*/true);
  const size_t elem = array_->data_type().size_bytes();
  const std::vector<zarr::CropOutput> outs = OutputsFromBuffer(out_info, shape, boxes.size(), elem);
  if (boxes.empty() || zarr::ShapeProduct(shape) == 0) return;

  auto slot = local_.Acquire();
  if (!slot->reader) {
    absl::Status st;
    slot->engine = EngineFor(*store_, &st);
    if (!slot->engine) ThrowStatus(st, ErrorContext::kRead, "starting the I/O engine");
    auto reader = zarr::CropReader::Create(*array_, options_, slot->engine.get());
    if (!reader.ok()) ThrowStatus(reader.status(), ErrorContext::kRead);
    slot->reader = std::move(*reader);
  }
  absl::Status call_status;
  std::vector<absl::Status> statuses;
  size_t first = 0;
  {
    py::gil_scoped_release nogil;
    std::lock_guard<std::mutex> lock(slot->mu);
    for (; first < boxes.size(); first += kCropsPerCall) {
      const size_t count = std::min(kCropsPerCall, boxes.size() - first);
      auto got = slot->reader->ReadCrops(std::span(boxes).subspan(first, count),
                                         std::span(outs).subspan(first, count));
      if (!got.ok()) {
        call_status = got.status();
        break;
      }
      statuses = std::move(*got);
      if (std::any_of(statuses.begin(), statuses.end(), [](auto& s) { return !s.ok(); })) break;
    }
  }
  if (!call_status.ok()) ThrowStatus(call_status, ErrorContext::kRead, array_->Describe());
  if (first < boxes.size()) RaiseFirstFailure(statuses, boxes, first);
}

py::dict PyArray::Stats() const {
  zarr::CropReadStats s;
  if (auto slot = local_.Existing(); slot && slot->reader) s = slot->reader->stats();
  py::dict d;
  d["chunks_decoded"] = s.chunks_decoded;
  d["chunks_filled"] = s.chunks_filled;
  d["chunks_direct"] = s.chunks_direct;
  d["bytes_read"] = s.bytes_read;
  d["index_reads"] = s.index_reads;
  d["rounds"] = s.rounds;
  d["chunk_reads"] = s.chunk_reads;
  return d;
}

}  // namespace zring::python
