// PyArray: the object behind zring.Array - an opened Zarr array plus this process's CropReader.
//
// Holds the Store - a local directory, or remote objects (http(s)://, s3://, gs://) opened with
// the caller's storage options (zarr/open_store.h) - which the zarr::Array points into (the
// store is declared first, so it is destroyed last), and the reader options; the CropReader
// (and the engine it reads through: the process engine for local files, an engine configured
// by the store for remote objects) is made at the first read in each process
// (process_local.h), so opening an array starts no thread and a fork child never touches the
// parent's reader, engine or HTTP client.
//
// ReadCrops is the one read path: boxes from an (N, ndim) int64 buffer of starts and one shape,
// into any writable buffer of N crops with non-negative element strides (C-contiguous, or e.g.
// one channel of a stacked batch). The GIL is released while reading; calls on one array from
// several Python threads run one after the other.
#ifndef ZRING_BINDINGS_PYTHON_SRC_PY_ARRAY_H_
#define ZRING_BINDINGS_PYTHON_SRC_PY_ARRAY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>

#include "bindings/python/src/process_local.h"
#include "zarr/array.h"
#include "zarr/crop_reader.h"
#include "zarr/store.h"

namespace zring::python {

// Storage options as Python passes them: (key, value) strings, in the caller's order.
using StorageOptionPairs = std::vector<std::pair<std::string, std::string>>;

// Opens a store directory or a remote store URL with `options`, or raises: ValueError for bad
// options or URLs, FileNotFoundError / OSError for a missing or unreadable directory.
std::shared_ptr<zarr::Store> OpenStore(const std::string& store_path,
                                       const StorageOptionPairs& options = {});

// Boxes of N crops of `shape` whose origins are the rows of `starts` (int64, C-contiguous,
// (N, shape.size())), each checked to lie inside `array_shape` (IndexError naming the crop).
std::vector<zarr::Box> BoxesFromStarts(const pybind11::buffer& starts,
                                       const std::vector<uint64_t>& shape,
                                       const std::vector<uint64_t>& array_shape);

// Raises the first failed crop's error (as zring.CorruptChunkError, FileNotFoundError or OSError
// with the crop number and origin in front), or returns.
void RaiseFirstFailure(const std::vector<absl::Status>& statuses,
                       const std::vector<zarr::Box>& boxes, size_t first_index);

class PyArray {
 public:
  PyArray(const std::string& store_path, const std::string& path, int threads,
          uint64_t budget_bytes, const StorageOptionPairs& storage_options = {});

  const zarr::Array& array() const { return *array_; }
  std::shared_ptr<const zarr::Store> store() const { return store_; }
  const std::string& store_path() const { return store_path_; }
  int threads() const { return options_.threads; }
  uint64_t budget_bytes() const { return options_.budget_bytes; }

  // See the file comment. `out` is (N, *shape) elements of the array's size.
  void ReadCrops(const pybind11::buffer& starts, const std::vector<uint64_t>& shape,
                 const pybind11::buffer& out);
  // This process's reader counters (zeros before the first read).
  pybind11::dict Stats() const;

 private:
  std::string store_path_;
  std::shared_ptr<zarr::Store> store_;
  std::unique_ptr<zarr::Array> array_;
  zarr::CropReaderOptions options_;
  ProcessLocal<zarr::CropReader> local_;  // last: destroyed before the array it reads
};


}  // namespace zring::python

#endif  // ZRING_BINDINGS_PYTHON_SRC_PY_ARRAY_H_
