#include "engine/source_table.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string_view>
#include <utility>

#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::internal {

SourceTable::~SourceTable() {
  uint32_t n = count_.load(std::memory_order_acquire);
  for (uint32_t id = 0; id < n; ++id) {
    const Source* s = Get(id);
    if (s->kind == SourceKind::kFile && !s->closed.load()) close(s->fd);
  }
  for (auto& chunk : chunks_) delete[] chunk.load();
}

absl::StatusOr<Source*> SourceTable::Append() {
  uint32_t id = count_.load(std::memory_order_relaxed);
  if ((id >> kChunkBits) >= kMaxChunks) {
    return absl::ResourceExhaustedError(
        fmt::format("source table full ({} sources); close sources no longer needed", id));
  }
  std::atomic<Source*>& chunk = chunks_[id >> kChunkBits];
  if (chunk.load(std::memory_order_relaxed) == nullptr) {
    chunk.store(new Source[size_t{1} << kChunkBits], std::memory_order_release);
  }
  return &chunk.load(std::memory_order_relaxed)[id & kChunkMask];
}

absl::StatusOr<SourceId> SourceTable::OpenFile(const std::string& path) {
  int flags = O_RDONLY | O_CLOEXEC | (direct_io_ ? O_DIRECT : 0);
  int fd = open(path.c_str(), flags);
  if (fd < 0) {
    int err = errno;
    if (err == EINVAL && direct_io_) {
      return absl::InvalidArgumentError(fmt::format(
          "open \"{}\" with O_DIRECT: the filesystem refuses direct I/O (EINVAL)", path));
    }
    return ErrnoToStatus(err, fmt::format("open \"{}\"", path));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
    close(fd);
    return ErrnoToStatus(err, fmt::format("open \"{}\" as a file source", path));
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto slot = Append();
  if (!slot.ok()) {
    close(fd);
    return slot.status();
  }
  Source* s = *slot;
  s->kind = SourceKind::kFile;
  s->path = path;
  s->fd = fd;
  s->file_index = file_count_++;
  events_.push_back({s->file_index, fd});
  event_count_.store(events_.size(), std::memory_order_release);
  SourceId id = count_.load(std::memory_order_relaxed);
  count_.store(id + 1, std::memory_order_release);
  return id;
}

absl::StatusOr<SourceId> SourceTable::AddPath(std::string path) {
  std::lock_guard<std::mutex> lock(mu_);
  ZRING_ASSIGN_OR_RETURN(Source * s, Append());
  s->kind = SourceKind::kPath;
  s->path = std::move(path);
  SourceId id = count_.load(std::memory_order_relaxed);
  count_.store(id + 1, std::memory_order_release);
  return id;
}

absl::StatusOr<SourceId> SourceTable::AddObject(
    std::string url, std::shared_ptr<const http::RequestSigner> signer) {
  std::string_view rest(url);
  if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
  } else if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else {
    return absl::InvalidArgumentError(fmt::format(
        "object source \"{}\": expected an http:// or https:// URL (resolve s3:// and gs:// "
        "URLs to their https endpoint first)",
        url));
  }
  if (rest.empty() || rest.front() == '/') {
    return absl::InvalidArgumentError(
        fmt::format("object source \"{}\": the URL has no host", url));
  }
  std::lock_guard<std::mutex> lock(mu_);
  ZRING_ASSIGN_OR_RETURN(Source * s, Append());
  s->kind = SourceKind::kObject;
  // No fixed-file slot: were an object ever planned as a local read (Submit routes object
  // batches elsewhere), it would fail with EBADF instead of reading file slot 0.
  s->file_index = ~uint32_t{0};
  s->path = std::move(url);
  s->signer = std::move(signer);
  SourceId id = count_.load(std::memory_order_relaxed);
  object_count_.fetch_add(1, std::memory_order_release);
  count_.store(id + 1, std::memory_order_release);
  return id;
}

absl::Status SourceTable::Close(SourceId id) {
  std::lock_guard<std::mutex> lock(mu_);
  Source* s = const_cast<Source*>(Get(id));
  if (s == nullptr) return absl::NotFoundError(fmt::format("no source with id {}", id));
  if (s->closed.exchange(true)) {
    return absl::FailedPreconditionError(
        fmt::format("source {} (\"{}\") is already closed", id, s->path));
  }
  if (s->kind == SourceKind::kFile) {
    events_.push_back({s->file_index, -1});
    event_count_.store(events_.size(), std::memory_order_release);
    close(s->fd);
  }
  return absl::OkStatus();
}

void SourceTable::Events(size_t from, std::vector<SourceEvent>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = from; i < events_.size(); ++i) out->push_back(events_[i]);
}

}  // namespace zring::engine::internal
