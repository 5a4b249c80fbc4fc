#include "zarr/array_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <utility>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/errors.h"
#include "zarr/metadata/json.h"
#include "zarr/strided_copy.h"
#include "zarr/worker_pool.h"

namespace zring::zarr {
namespace {

using internal::Join;

absl::Status SetText(Store& store, const std::string& key, std::string_view text) {
  return WithPrefix(store.Set(key, std::as_bytes(std::span(text.data(), text.size()))),
                    fmt::format("write \"{}\" in {}", key, store.Describe()));
}

// kAlreadyExists when a Zarr node (either format) already lives at `path`.
absl::Status CheckNoNode(const Store& store, const std::string& path) {
  for (const char* doc : {"zarr.json", ".zarray", ".zgroup"}) {
    const std::string key = JoinKey(path, doc);
    auto size = store.GetSize(key);
    if (size.ok()) {
      return absl::AlreadyExistsError(fmt::format(
          "{} already holds a Zarr node at \"/{}\" ({}); refusing to replace its metadata "
          "without overwrite", store.Describe(), path, key));
    }
    if (!absl::IsNotFound(size.status())) return size.status();
  }
  return absl::OkStatus();
}

// Writes a node's documents: `docs` (key name -> text; empty text deletes), after deleting the
// other format's documents so a reader never sees a stale node of the other format.
absl::Status WriteNode(Store& store, const std::string& path, int format,
                       const std::vector<std::pair<std::string, std::string>>& docs,
                       const CreateOptions& options) {
  if (!options.overwrite_metadata) ZRING_RETURN_IF_ERROR(CheckNoNode(store, path));
  std::vector<std::string> stale;
  if (format == 3) stale = {".zarray", ".zgroup", ".zattrs"};
  else stale = {"zarr.json"};
  for (const auto& [name, text] : docs) {
    if (text.empty()) stale.push_back(name);
  }
  if (options.overwrite_metadata) {
    for (const std::string& name : stale) {
      const std::string key = JoinKey(path, name);
      ZRING_RETURN_IF_ERROR(WithPrefix(store.Delete(key), fmt::format("delete \"{}\"", key)));
    }
  }
  for (const auto& [name, text] : docs) {
    if (!text.empty()) ZRING_RETURN_IF_ERROR(SetText(store, JoinKey(path, name), text));
  }
  return absl::OkStatus();
}

// mkdir -p of the directory holding `file`.
absl::Status MakeParentDirs(const std::string& file) {
  for (size_t pos = file.find('/', 1); pos != std::string::npos; pos = file.find('/', pos + 1)) {
    const std::string dir = file.substr(0, pos);
    if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
      return ErrnoToStatus(errno, fmt::format("mkdir \"{}\"", dir));
    }
  }
  return absl::OkStatus();
}

// An exclusive lock on one grid chunk for a read-merge-write. Across processes: flock(2) on
// ".<name>.lock" beside the chunk's file, unlinked while still held so no lock file stays
// behind; a locker that opened the file before it was unlinked sees a different inode after
// flock returns and retries. Stores without files fall back to an in-process mutex.
class ChunkLock {
 public:
  static absl::StatusOr<std::unique_ptr<ChunkLock>> Acquire(Store& store, const std::string& key) {
    std::unique_ptr<ChunkLock> lock(new ChunkLock());
    auto* dir = dynamic_cast<DirectoryStore*>(&store);
    if (dir == nullptr) {
      lock->mutex_ = &StripedMutex(key);
      lock->mutex_->lock();
      return lock;
    }
    const std::string path = dir->PathOf(key);
    const size_t slash = path.rfind('/');
    lock->path_ = fmt::format("{}.{}.lock", path.substr(0, slash + 1), path.substr(slash + 1));
    ZRING_RETURN_IF_ERROR(MakeParentDirs(lock->path_));
    while (true) {
      const int fd = ::open(lock->path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
      if (fd < 0) return ErrnoToStatus(errno, fmt::format("create lock \"{}\"", lock->path_));
      int rc;
      do rc = ::flock(fd, LOCK_EX);
      while (rc != 0 && errno == EINTR);  // a signal interrupted the wait: wait again
      if (rc != 0) {
        const int err = errno;
        ::close(fd);
        return ErrnoToStatus(err, fmt::format("lock \"{}\"", lock->path_));
      }
      struct stat held, named;
      if (::fstat(fd, &held) == 0 && ::stat(lock->path_.c_str(), &named) == 0 &&
          held.st_ino == named.st_ino && held.st_dev == named.st_dev) {
        lock->fd_ = fd;
        return lock;
      }
      ::close(fd);  // the previous holder unlinked this file: lock the current one instead
    }
  }
  ~ChunkLock() {
    if (fd_ >= 0) {
      ::unlink(path_.c_str());
      ::close(fd_);
    }
    if (mutex_ != nullptr) mutex_->unlock();
  }

 private:
  ChunkLock() = default;
  static std::mutex& StripedMutex(const std::string& key) {
    static std::mutex stripes[64];
    return stripes[std::hash<std::string>()(key) % 64];
  }
  std::string path_;
  int fd_ = -1;
  std::mutex* mutex_ = nullptr;
};

std::string DescribeBox(const Box& box) {
  std::string out;
  for (size_t d = 0; d < box.origin.size(); ++d) {
    out += fmt::format("{}[{}, {})", d ? " x " : "", box.origin[d], box.origin[d] + box.shape[d]);
  }
  return out.empty() ? "[] (zero-dimensional)" : out;
}

}  // namespace

absl::Status CreateArray(Store& store, std::string_view raw_path, const ArrayMetadata& metadata,
                         const CreateOptions& options) {
  const std::string path = NormalizePath(raw_path);
  const std::string where =
      fmt::format("array \"/{}\" in {}", path, store.Describe());
  std::vector<std::pair<std::string, std::string>> docs;
  absl::StatusOr<ArrayMetadata> parsed;
  if (metadata.zarr_format == 3) {
    auto json = ArrayMetadataToJsonV3(metadata);
    if (!json.ok()) return WithPrefix(json.status(), where);
    parsed = ParseArrayMetadataV3(*json);
    docs.emplace_back("zarr.json", std::move(*json));
  } else if (metadata.zarr_format == 2) {
    auto zarray = ArrayMetadataToZarrayV2(metadata);
    if (!zarray.ok()) return WithPrefix(zarray.status(), where);
    auto zattrs = AttributesToZattrsV2(metadata.attributes_json);
    if (!zattrs.ok()) return WithPrefix(zattrs.status(), where);
    parsed = ParseArrayMetadataV2(*zarray, *zattrs);
    // .zattrs before .zarray: once the array is visible its attributes are complete.
    docs.emplace_back(".zattrs", std::move(*zattrs));
    docs.emplace_back(".zarray", std::move(*zarray));
  } else {
    return absl::InvalidArgumentError(
        fmt::format("{}: zarr_format must be 2 or 3, got {}", where, metadata.zarr_format));
  }
  // What readers will parse must build a codec chain, or nothing is written.
  if (!parsed.ok()) return WithPrefix(parsed.status(), where);
  auto chain = CodecChain::ForArray(*parsed);
  if (!chain.ok()) return WithPrefix(chain.status(), where);
  return WriteNode(store, path, metadata.zarr_format, docs, options);
}

absl::Status CreateGroup(Store& store, std::string_view raw_path, const GroupMetadata& metadata,
                         const CreateOptions& options) {
  const std::string path = NormalizePath(raw_path);
  const std::string where = fmt::format("group \"/{}\" in {}", path, store.Describe());
  std::vector<std::pair<std::string, std::string>> docs;
  if (metadata.zarr_format == 3) {
    auto json = GroupMetadataToJsonV3(metadata);
    if (!json.ok()) return WithPrefix(json.status(), where);
    docs.emplace_back("zarr.json", std::move(*json));
  } else if (metadata.zarr_format == 2) {
    auto zattrs = AttributesToZattrsV2(metadata.attributes_json);
    if (!zattrs.ok()) return WithPrefix(zattrs.status(), where);
    docs.emplace_back(".zattrs", std::move(*zattrs));
    docs.emplace_back(".zgroup", GroupMetadataToZgroupV2());
  } else {
    return absl::InvalidArgumentError(
        fmt::format("{}: zarr_format must be 2 or 3, got {}", where, metadata.zarr_format));
  }
  return WriteNode(store, path, metadata.zarr_format, docs, options);
}

struct ArrayWriter::Impl {
  Impl(Store& s, const Array& a, const WriterOptions& o)
      : store(s), array(a), options(o), pool(o.threads) {}

  absl::Status CheckRegion(const Box& box, size_t data_size) const;
  absl::Status CheckAligned(const Box& box) const;
  // Writes grid chunk `idx`'s part of the region.
  absl::Status WriteChunk(const Box& box, std::span<const std::byte> data,
                          const std::vector<uint64_t>& idx);
  // Whether the in-bounds part (`extent`) of a full-shape chunk buffer equals the fill value.
  bool IsAllFill(const std::byte* chunk, std::span<const uint64_t> extent) const;

  Store& store;
  const Array& array;
  WriterOptions options;
  WorkerPool pool;
  size_t elem = 0;
  std::vector<int64_t> chunk_strides;
  std::vector<std::byte> fill_row;  // one innermost row of the chunk, all fill value
  mutable std::mutex stats_mu;
  WriteStats stats;  // guarded by stats_mu
};

absl::Status ArrayWriter::Impl::CheckRegion(const Box& box, size_t data_size) const {
  const auto& shape = array.metadata().shape;
  const size_t ndim = shape.size();
  if (box.origin.size() != ndim || box.shape.size() != ndim) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: region has origin rank {} and shape rank {}, the array has {} dimensions",
        array.Describe(), box.origin.size(), box.shape.size(), ndim));
  }
  for (size_t d = 0; d < ndim; ++d) {
    if (box.origin[d] > shape[d] || box.shape[d] > shape[d] - box.origin[d]) {
      return absl::InvalidArgumentError(fmt::format(
          "{}: region origin [{}] shape [{}] is outside the array shape [{}] (dimension {})",
          array.Describe(), Join(box.origin), Join(box.shape), Join(shape), d));
    }
  }
  const uint64_t n = box.NumElements();
  if (n > SIZE_MAX / elem || n * elem != data_size) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: region [{}] of {} needs {} bytes ({} elements of {} bytes), got {}",
        array.Describe(), Join(box.shape), array.data_type().Name(), n * elem, n, elem,
        data_size));
  }
  return absl::OkStatus();
}

absl::Status ArrayWriter::Impl::CheckAligned(const Box& box) const {
  const auto& shape = array.metadata().shape;
  const auto& cs = array.metadata().chunk_shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    const uint64_t end = box.origin[d] + box.shape[d];
    const bool start_ok = box.origin[d] % cs[d] == 0;
    const bool end_ok = end % cs[d] == 0 || end == shape[d];
    if (start_ok && end_ok) continue;
    const uint64_t at = start_ok ? end : box.origin[d];
    return absl::FailedPreconditionError(fmt::format(
        "{}: region {} is not aligned to the {} grid [{}]: in dimension {} it {} at {}, between "
        "boundaries {} and {}; other writers may be active (exclusive is off), so partial {} "
        "are refused: align the region to the grid, or enable lock_partial",
        array.Describe(), DescribeBox(box), array.codec_chain().sharding() ? "shard" : "chunk",
        Join(cs), d, start_ok ? "ends" : "starts", at, at / cs[d] * cs[d],
        std::min(shape[d], (at / cs[d] + 1) * cs[d]),
        array.codec_chain().sharding() ? "shards" : "chunks"));
  }
  return absl::OkStatus();
}

bool ArrayWriter::Impl::IsAllFill(const std::byte* chunk, std::span<const uint64_t> extent) const {
  const size_t ndim = extent.size();
  if (ndim == 0) return std::memcmp(chunk, fill_row.data(), elem) == 0;
  if (ShapeProduct(extent) == 0) return true;
  const size_t row_bytes = extent[ndim - 1] * elem;
  std::vector<uint64_t> idx(ndim - 1, 0);
  while (true) {
    int64_t off = 0;
    for (size_t d = 0; d + 1 < ndim; ++d) off += static_cast<int64_t>(idx[d]) * chunk_strides[d];
    if (std::memcmp(chunk + off, fill_row.data(), row_bytes) != 0) return false;
    size_t d = ndim - 1;
    while (d-- > 0) {
      if (++idx[d] < extent[d]) break;
      idx[d] = 0;
    }
    if (d == static_cast<size_t>(-1)) return true;
  }
}

absl::Status ArrayWriter::Impl::WriteChunk(const Box& box, std::span<const std::byte> data,
                                           const std::vector<uint64_t>& idx) {
  const size_t ndim = idx.size();
  const Box cbox = array.grid().ChunkBox(idx);
  const auto& cs = array.metadata().chunk_shape;
  bool full = true, edge = false;
  std::vector<uint64_t> lo(ndim), extent(ndim);
  for (size_t d = 0; d < ndim; ++d) {
    const uint64_t c1 = cbox.origin[d] + cbox.shape[d];
    const uint64_t b1 = box.origin[d] + box.shape[d];
    full &= box.origin[d] <= cbox.origin[d] && c1 <= b1;
    edge |= cbox.shape[d] != cs[d];
    lo[d] = std::max(cbox.origin[d], box.origin[d]);
    extent[d] = std::min(c1, b1) - lo[d];
  }
  const std::string key = array.StoreKey(idx);
  std::unique_ptr<ChunkLock> lock;
  Buffer chunk(array.chunk_size_bytes());
  if (full) {
    // Edge chunks are stored at full shape; their out-of-bounds part holds the fill value.
    if (edge) array.metadata().fill_value.FillInto(chunk.span());
  } else {
    if (options.lock_partial) {
      ZRING_ASSIGN_OR_RETURN(lock, ChunkLock::Acquire(store, key));
    }
    ZRING_RETURN_IF_ERROR(array.ReadChunk(idx, chunk.span()).status());
  }
  const std::vector<int64_t> data_strides = COrderStrides(box.shape, elem);
  int64_t src = 0, dst = 0;
  for (size_t d = 0; d < ndim; ++d) {
    src += static_cast<int64_t>(lo[d] - box.origin[d]) * data_strides[d];
    dst += static_cast<int64_t>(lo[d] - cbox.origin[d]) * chunk_strides[d];
  }
  CopyStrided(data.data() + src, data_strides, chunk.data() + dst, chunk_strides, extent, elem);
  uint64_t stored = 0;
  const bool skip = !options.write_empty_chunks && IsAllFill(chunk.data(), cbox.shape);
  if (skip) {
    ZRING_RETURN_IF_ERROR(WithPrefix(store.Delete(key), fmt::format(
        "delete all-fill chunk {} of {}", array.ChunkKey(idx), array.Describe())));
  } else {
    Buffer encoded;
    ZRING_RETURN_IF_ERROR(array.EncodeChunk(idx, chunk.span(), encoded));
    chunk = Buffer();  // release before the write: memory is about two chunks per worker
    ZRING_RETURN_IF_ERROR(WithPrefix(store.Set(key, encoded.span()),
                                     fmt::format("write {}", array.DescribeChunk(idx))));
    stored = encoded.size();
  }
  std::lock_guard guard(stats_mu);
  (skip ? stats.chunks_skipped : stats.chunks_written) += 1;
  if (!full) ++stats.chunks_merged;
  stats.bytes_written += stored;
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<ArrayWriter>> ArrayWriter::Create(Store& store, const Array& array,
                                                                 const WriterOptions& options) {
  if (&array.store() != &store) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: the writer's store ({}) is not the store the array was opened from",
        array.Describe(), store.Describe()));
  }
  auto impl = std::make_unique<Impl>(store, array, options);
  impl->elem = array.data_type().size_bytes();
  const auto& cs = array.metadata().chunk_shape;
  impl->chunk_strides = COrderStrides(cs, impl->elem);
  const uint64_t row = cs.empty() ? 1 : cs.back();
  impl->fill_row.resize(row * impl->elem);
  array.metadata().fill_value.FillInto(impl->fill_row);
  return std::unique_ptr<ArrayWriter>(new ArrayWriter(std::move(impl)));
}

ArrayWriter::ArrayWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ArrayWriter::~ArrayWriter() = default;

absl::Status ArrayWriter::WriteRegion(const Box& box, std::span<const std::byte> data) {
  Impl& im = *impl_;
  ZRING_RETURN_IF_ERROR(im.CheckRegion(box, data.size()));
  if (box.NumElements() == 0) return absl::OkStatus();
  if (!im.options.exclusive && !im.options.lock_partial) ZRING_RETURN_IF_ERROR(im.CheckAligned(box));
  const size_t ndim = box.shape.size();
  const auto& cs = im.array.metadata().chunk_shape;
  std::vector<uint64_t> first(ndim), last(ndim);
  for (size_t d = 0; d < ndim; ++d) {
    first[d] = box.origin[d] / cs[d];
    last[d] = (box.origin[d] + box.shape[d] - 1) / cs[d];
  }
  // A sliding window of grid chunks in flight: at most two per worker are queued or running,
  // so memory stays bounded however large the region.
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;
  absl::Status first_error;
  const size_t window = 2 * im.pool.size();
  std::vector<uint64_t> idx = first;
  while (true) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return in_flight < window; });
      if (!first_error.ok()) break;
      ++in_flight;
    }
    im.pool.Post([&, idx] {
      absl::Status st = im.WriteChunk(box, data, idx);
      std::lock_guard lock(mu);
      if (!st.ok() && first_error.ok()) first_error = std::move(st);
      --in_flight;
      cv.notify_all();  // under the lock: the waiter owns cv and may return once it sees 0
    });
    size_t d = ndim;
    while (d-- > 0) {
      if (++idx[d] <= last[d]) break;
      idx[d] = first[d];
    }
    if (d == static_cast<size_t>(-1)) break;
  }
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return in_flight == 0; });
  if (!first_error.ok()) return first_error;
  std::lock_guard guard(im.stats_mu);
  im.stats.bytes_logical += data.size();
  return absl::OkStatus();
}

absl::StatusOr<bool> ArrayWriter::ChunkStored(std::span<const uint64_t> grid_index) const {
  const Array& array = impl_->array;
  if (grid_index.size() != array.grid().ndim() || !array.grid().Contains(grid_index)) {
    return absl::InvalidArgumentError(fmt::format(
        "{}: grid index [{}] is outside the chunk grid [{}]", array.Describe(), Join(grid_index),
        Join(array.grid().grid_shape())));
  }
  auto size = impl_->store.GetSize(array.StoreKey(grid_index));
  if (absl::IsNotFound(size.status())) return false;
  if (!size.ok()) return WithPrefix(size.status(), array.DescribeChunk(grid_index));
  return true;
}

WriteStats ArrayWriter::stats() const {
  std::lock_guard guard(impl_->stats_mu);
  return impl_->stats;
}

}  // namespace zring::zarr
