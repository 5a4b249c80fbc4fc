// Bindings of zarr/sampler.h: the deterministic crop sampler, rank / worker index sharding, and
// reads of one box from several arrays stacked as channels (zring.ArrayStack).
#include "bindings/python/src/py_sampler.h"

#include <optional>
#include <span>

#include <pybind11/stl.h>

#include "bindings/python/src/errors.h"
#include "bindings/python/src/process_local.h"
#include "bindings/python/src/py_array.h"
#include "fmt/format.h"
#include "zarr/sampler.h"

namespace py = pybind11;

namespace zring::python {
namespace {

template <typename T>
T ValueOrRaise(absl::StatusOr<T> v) {
  if (!v.ok()) ThrowStatus(v.status(), ErrorContext::kOpen);
  return std::move(*v);
}

// Fills `out` (int64, C-contiguous (N, ndim)) with the origins of crops `indices` (int64, N) of
// `epoch`.
void CropOrigins(std::vector<uint64_t> array_shape, std::vector<uint64_t> crop_shape, uint64_t seed,
                 uint64_t length, uint64_t epoch, const py::buffer& indices, const py::buffer& out,
                 std::optional<std::vector<uint64_t>> roi_begin,
                 std::optional<std::vector<uint64_t>> roi_end) {
  zarr::CropSamplerOptions o;
  o.array_shape = std::move(array_shape);
  o.crop_shape = std::move(crop_shape);
  o.seed = seed;
  o.length = length;
  if (roi_begin) o.roi_begin = *roi_begin;
  if (roi_end) o.roi_end = *roi_end;
  const zarr::CropSampler sampler = ValueOrRaise(zarr::CropSampler::Create(std::move(o)));
  const py::buffer_info in = indices.request();
  const py::buffer_info dst = out.request(/*writable=*/true);
  if (in.ndim != 1 || in.itemsize != 8 || (in.shape[0] > 1 && in.strides[0] != 8)) {
    Throw(PyExc_ValueError, "indices must be a contiguous 1-d int64 array");
  }
  const size_t n = static_cast<size_t>(in.shape[0]);
  if (dst.ndim != 2 || dst.itemsize != 8 || static_cast<size_t>(dst.shape[0]) != n ||
      static_cast<size_t>(dst.shape[1]) != sampler.ndim() ||
      (n > 0 && (dst.strides[1] != 8 || dst.strides[0] != 8 * dst.shape[1]))) {
    Throw(PyExc_ValueError, fmt::format("out must be a C-contiguous int64 array of shape ({}, {})",
                                        n, sampler.ndim()));
  }
  const auto* idx = static_cast<const int64_t*>(in.ptr);
  for (size_t i = 0; i < n; ++i) {
    if (idx[i] < 0) Throw(PyExc_IndexError, fmt::format("index {} is negative", idx[i]));
  }
  const std::span<const uint64_t> ids(reinterpret_cast<const uint64_t*>(idx), n);
  const absl::Status st = sampler.CropOrigins(
      epoch, ids, std::span<uint64_t>(static_cast<uint64_t*>(dst.ptr), n * sampler.ndim()));
  if (!st.ok()) ThrowStatus(st, ErrorContext::kOpen);
}

bool IsCContiguous(const py::buffer_info& b) {
  py::ssize_t expect = b.itemsize;
  for (py::ssize_t d = b.ndim; d-- > 0;) {
    if (b.shape[d] > 1 && b.strides[d] != expect) return false;
    expect *= b.shape[d];
  }
  return true;
}

// zring.ArrayStack's core: arrays of one shape and data type read box by box, channels last.
class PyStack {
 public:
  explicit PyStack(py::list arrays) : arrays_(arrays) {
    for (py::handle h : arrays) ptrs_.push_back(&h.cast<PyArray&>().array());
    // Shapes and data types are checked here, at construction; the reader comes at first read.
    if (ptrs_.empty()) Throw(PyExc_ValueError, "ArrayStack needs at least one array");
    for (const zarr::Array* a : ptrs_) {
      if (a->metadata().shape != ptrs_[0]->metadata().shape ||
          !(a->data_type() == ptrs_[0]->data_type())) {
        Throw(PyExc_ValueError,
              fmt::format("ArrayStack: {} and {} differ in shape or data type",
                          ptrs_[0]->Describe(), a->Describe()));
      }
    }
    const PyArray& first = arrays[0].cast<PyArray&>();
    options_.threads = first.threads();
    options_.budget_bytes = first.budget_bytes();
  }

  // `out`: C-contiguous (N, *shape, C) elements.
  void ReadCrops(const py::buffer& starts, const std::vector<uint64_t>& shape,
                 const py::buffer& out) {
    const std::vector<zarr::Box> boxes = BoxesFromStarts(starts, shape, ptrs_[0]->metadata().shape);
    const py::buffer_info dst = out.request(/*writable=*/true);
    const size_t elem = ptrs_[0]->data_type().size_bytes();
    const uint64_t want = boxes.size() * zarr::ShapeProduct(shape) * ptrs_.size() * elem;
    if (dst.readonly || static_cast<size_t>(dst.itemsize) != elem ||
        !IsCContiguous(dst) ||
        static_cast<uint64_t>(dst.size) * elem != want) {
      Throw(PyExc_ValueError, fmt::format("out must be a writable C-contiguous buffer of {} "
                                          "elements of {} bytes",
                                          want / elem, elem));
    }
    if (want == 0) return;
    auto slot = local_.Acquire();
    if (!slot->reader) {
      absl::Status st;
      slot->engine = EngineFor(ptrs_[0]->store(), &st);
      if (!slot->engine) ThrowStatus(st, ErrorContext::kRead, "starting the I/O engine");
      auto reader = zarr::MultiArrayCropReader::Create(ptrs_, options_, slot->engine.get());
      if (!reader.ok()) ThrowStatus(reader.status(), ErrorContext::kRead);
      slot->reader = std::move(*reader);
    }
    absl::StatusOr<std::vector<absl::Status>> got;
    {
      py::gil_scoped_release nogil;
      std::lock_guard<std::mutex> lock(slot->mu);
      got = slot->reader->ReadCrops(
          boxes, std::span<std::byte>(static_cast<std::byte*>(dst.ptr), want));
    }
    if (!got.ok()) ThrowStatus(got.status(), ErrorContext::kRead);
    RaiseFirstFailure(*got, boxes, 0);
  }

  size_t num_channels() const { return ptrs_.size(); }

 private:
  py::list arrays_;  // keeps the PyArrays (and so the zarr::Arrays in ptrs_) alive
  std::vector<const zarr::Array*> ptrs_;
  zarr::CropReaderOptions options_;
  ProcessLocal<zarr::MultiArrayCropReader> local_;
};

}  // namespace

void BindSampler(py::module_& m) {
  m.def("crop_origins", &CropOrigins, py::arg("array_shape"), py::arg("crop_shape"),
        py::arg("seed"), py::arg("length"), py::arg("epoch"), py::arg("indices"), py::arg("out"),
        py::arg("roi_begin") = py::none(), py::arg("roi_end") = py::none(),
        "Fills out[i] with the origin of crop indices[i] of `epoch` (zarr/sampler.h CropSampler).");
  m.def(
      "rank_indices",
      [](uint64_t length, uint64_t seed, uint64_t epoch, int rank, int world, bool shuffle,
         bool drop_last) {
        return ValueOrRaise(
            zarr::RankIndices(length, seed, epoch, rank, world, shuffle, drop_last));
      },
      py::arg("length"), py::arg("seed"), py::arg("epoch"), py::arg("rank"), py::arg("world"),
      py::arg("shuffle") = true, py::arg("drop_last") = false,
      "Dataset indices of rank `rank` of `world` in `epoch` (DistributedSampler semantics).");
  m.def(
      "worker_indices",
      [](std::vector<uint64_t> indices, int worker_id, int num_workers, uint64_t batch_size) {
        return ValueOrRaise(zarr::WorkerIndices(indices, worker_id, num_workers, batch_size));
      },
      py::arg("indices"), py::arg("worker_id"), py::arg("num_workers"), py::arg("batch_size") = 1,
      "The part of `indices` DataLoader worker `worker_id` reads.");
  m.def("sampler_hash", &zarr::SamplerHash, py::arg("seed"), py::arg("a"), py::arg("b"),
        py::arg("c"), "The counter-based hash every draw comes from.");
  m.def("shuffled_index", &zarr::ShuffledIndex, py::arg("length"), py::arg("seed"),
        py::arg("epoch"), py::arg("position"), "Position `position` of epoch's shuffled order.");

  py::class_<PyStack>(m, "ArrayStack")
      .def(py::init<py::list>(), py::arg("arrays"))
      .def("read_crops_into", &PyStack::ReadCrops, py::arg("starts"), py::arg("shape"),
           py::arg("out"))
      .def_property_readonly("num_channels", &PyStack::num_channels);
}

}  // namespace zring::python
