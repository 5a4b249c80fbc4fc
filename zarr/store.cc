#include "zarr/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "engine/engine.h"
#include "engine/status.h"
#include "fmt/format.h"

namespace zring::zarr {
namespace {

// Closes an fd on scope exit.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

absl::Status PreadFull(int fd, std::byte* dst, uint64_t length, uint64_t offset,
                       const std::string& path) {
  uint64_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, dst + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;  // a signal interrupted the read before any byte moved
      return ErrnoToStatus(errno, fmt::format("read \"{}\"", path));
    }
    if (n == 0) {
      return absl::DataLossError(fmt::format("\"{}\" shrank while being read: got {} of {} bytes",
                                             path, done, length));
    }
    done += static_cast<uint64_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> OpenRead(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    // ENOTDIR: a parent is a file ("a/.zarray/x"), which for a key-value store is just absent.
    const int err = errno == ENOTDIR ? ENOENT : errno;
    return ErrnoToStatus(err, fmt::format("open \"{}\"", path));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::NotFoundError(fmt::format("\"{}\" is not a regular file", path));
  }
  return fd;
}

absl::Status MakeParents(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    const std::string dir = path.substr(0, pos);
    if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) {
      return ErrnoToStatus(errno, fmt::format("mkdir \"{}\"", dir));
    }
  }
  return absl::OkStatus();
}

// Files a writer keeps beside a key while it works: temporary values (".<name>.tmp.<...>", see
// DirectoryStore::Set) and lock files (".<name>.lock", zarr/array_writer.cc). Neither is a value.
bool IsWriterScratch(std::string_view name) {
  if (name.size() < 2 || name[0] != '.') return false;
  if (name.find(".tmp.", 1) != std::string_view::npos) return true;
  return name.size() > 6 && name.substr(name.size() - 5) == ".lock";
}

void Walk(const std::string& dir, const std::string& key_prefix, std::vector<StoreEntry>& out) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == ".." || IsWriterScratch(name)) continue;
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) continue;
    const std::string key = JoinKey(key_prefix, name);
    if (S_ISDIR(st.st_mode)) Walk(path, key, out);
    else if (S_ISREG(st.st_mode)) out.push_back({key, static_cast<uint64_t>(st.st_size)});
  }
  ::closedir(d);
}

}  // namespace

absl::Status Store::Delete(std::string_view key) {
  return absl::UnimplementedError(
      fmt::format("{} cannot delete values (key \"{}\")", Describe(), key));
}

absl::StatusOr<engine::SourceId> Store::RegisterWithEngine(engine::Engine&, std::string_view key,
                                                           SourceUse) const {
  return absl::UnimplementedError(fmt::format(
      "{} cannot be read through the engine (key \"{}\"); bulk reads need a directory or an "
      "object store", Describe(), key));
}

void Store::ConfigureEngine(engine::EngineOptions&) const {}

absl::Status ValidateKey(std::string_view key) {
  if (key.empty()) return absl::InvalidArgumentError("empty store key");
  size_t start = 0;
  while (true) {
    const size_t end = std::min(key.find('/', start), key.size());
    const std::string_view seg = key.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") {
      return absl::InvalidArgumentError(fmt::format(
          "store key \"{}\" is not a relative path of non-empty, non-dot segments", key));
    }
    if (end == key.size()) break;
    start = end + 1;
  }
  if (key.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("store key contains a NUL byte");
  }
  return absl::OkStatus();
}

std::string JoinKey(std::string_view prefix, std::string_view name) {
  if (prefix.empty()) return std::string(name);
  if (name.empty()) return std::string(prefix);
  return fmt::format("{}/{}", prefix, name);
}

absl::StatusOr<std::pair<uint64_t, uint64_t>> ResolveRange(std::string_view key, ByteRange range,
                                                           uint64_t size) {
  if (range.suffix) {
    if (range.length > size) {
      return absl::OutOfRangeError(fmt::format("\"{}\" holds {} bytes, fewer than the {} requested "
                                               "from its end", key, size, range.length));
    }
    return std::pair(size - range.length, size);
  }
  if (range.offset > size || range.length > size - range.offset) {
    return absl::OutOfRangeError(
        fmt::format("\"{}\" holds {} bytes; range [{}, {}) is past its end", key, size,
                    range.offset, range.offset + range.length));
  }
  return std::pair(range.offset, range.offset + range.length);
}

absl::StatusOr<std::unique_ptr<DirectoryStore>> DirectoryStore::Open(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  struct stat st;
  if (::stat(root.c_str(), &st) != 0) {
    return ErrnoToStatus(errno, fmt::format("open store \"{}\"", root));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(fmt::format("store \"{}\" is not a directory", root));
  }
  return std::unique_ptr<DirectoryStore>(new DirectoryStore(std::move(root)));
}

absl::StatusOr<std::unique_ptr<DirectoryStore>> DirectoryStore::Create(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  if (root.empty()) return absl::InvalidArgumentError("store path is empty");
  // MakeParents creates every directory above the last component; the "/." makes it create
  // `root` itself too.
  ZRING_RETURN_IF_ERROR(MakeParents(root + "/."));
  return Open(std::move(root));
}

std::string DirectoryStore::PathOf(std::string_view key) const {
  return fmt::format("{}/{}", root_, key);
}

absl::StatusOr<engine::SourceId> DirectoryStore::RegisterWithEngine(engine::Engine& engine,
                                                                    std::string_view key,
                                                                    SourceUse use) const {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  if (use == SourceUse::kRanges) return engine.OpenFile(PathOf(key));
  return engine.AddPath(PathOf(key));
}

absl::StatusOr<Buffer> DirectoryStore::Get(std::string_view key) const {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  const std::string path = PathOf(key);
  ZRING_ASSIGN_OR_RETURN(int raw_fd, OpenRead(path));
  Fd fd{raw_fd};
  struct stat st;
  if (::fstat(fd.fd, &st) != 0) return ErrnoToStatus(errno, fmt::format("stat \"{}\"", path));
  Buffer out(static_cast<size_t>(st.st_size));
  ZRING_RETURN_IF_ERROR(PreadFull(fd.fd, out.data(), out.size(), 0, path));
  return out;
}

absl::StatusOr<Buffer> DirectoryStore::GetRange(std::string_view key, ByteRange range) const {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  const std::string path = PathOf(key);
  ZRING_ASSIGN_OR_RETURN(int raw_fd, OpenRead(path));
  Fd fd{raw_fd};
  struct stat st;
  if (::fstat(fd.fd, &st) != 0) return ErrnoToStatus(errno, fmt::format("stat \"{}\"", path));
  ZRING_ASSIGN_OR_RETURN(auto span, ResolveRange(key, range, static_cast<uint64_t>(st.st_size)));
  Buffer out(span.second - span.first);
  ZRING_RETURN_IF_ERROR(PreadFull(fd.fd, out.data(), out.size(), span.first, path));
  return out;
}

absl::StatusOr<uint64_t> DirectoryStore::GetSize(std::string_view key) const {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  const std::string path = PathOf(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return ErrnoToStatus(errno == ENOTDIR ? ENOENT : errno, fmt::format("stat \"{}\"", path));
  }
  if (!S_ISREG(st.st_mode)) return absl::NotFoundError(fmt::format("\"{}\" is not a file", path));
  return static_cast<uint64_t>(st.st_size);
}

absl::StatusOr<StoreListing> DirectoryStore::ListDir(std::string_view prefix) const {
  if (!prefix.empty()) ZRING_RETURN_IF_ERROR(ValidateKey(prefix));
  const std::string dir = prefix.empty() ? root_ : PathOf(prefix);
  StoreListing out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return out;
    return ErrnoToStatus(errno, fmt::format("list \"{}\"", dir));
  }
  while (struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == ".." || IsWriterScratch(name)) continue;
    struct stat st;
    if (::stat((dir + "/" + name).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) out.prefixes.push_back(name);
    else if (S_ISREG(st.st_mode)) out.values.push_back(name);
  }
  ::closedir(d);
  std::sort(out.values.begin(), out.values.end());
  std::sort(out.prefixes.begin(), out.prefixes.end());
  return out;
}

absl::StatusOr<std::vector<StoreEntry>> DirectoryStore::ListRecursive(
    std::string_view prefix) const {
  if (!prefix.empty()) ZRING_RETURN_IF_ERROR(ValidateKey(prefix));
  std::vector<StoreEntry> out;
  Walk(prefix.empty() ? root_ : PathOf(prefix), std::string(prefix), out);
  std::sort(out.begin(), out.end(),
            [](const StoreEntry& a, const StoreEntry& b) { return a.key < b.key; });
  return out;
}

absl::Status DirectoryStore::Set(std::string_view key, std::span<const std::byte> value) {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  const std::string path = PathOf(key);
  ZRING_RETURN_IF_ERROR(MakeParents(path));
  // Unique per process (pid), thread (tid) and call (counter): concurrent writers of one key
  // never share a temporary file, and the last rename wins whole.
  static std::atomic<uint64_t> counter{0};
  const size_t slash = path.rfind('/');
  const std::string tmp = fmt::format("{}.{}.tmp.{}.{}.{}", path.substr(0, slash + 1),
                                      path.substr(slash + 1), ::getpid(),
                                      static_cast<long>(::syscall(SYS_gettid)),
                                      counter.fetch_add(1, std::memory_order_relaxed));
  Fd fd{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)};
  if (fd.fd < 0) return ErrnoToStatus(errno, fmt::format("create \"{}\"", tmp));
  auto fail = [&](int err, std::string_view op) {
    ::unlink(tmp.c_str());
    return ErrnoToStatus(err, fmt::format("{} \"{}\" (for \"{}\")", op, tmp, key));
  };
  size_t done = 0;
  while (done < value.size()) {
    const ssize_t n = ::write(fd.fd, value.data() + done, value.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;  // interrupted before writing anything: retry
      return fail(errno, "write");
    }
    done += static_cast<size_t>(n);
  }
  // close() can report a deferred write error (NFS, quota): it must not be ignored.
  const int raw = fd.fd;
  fd.fd = -1;
  if (::close(raw) != 0) return fail(errno, "close");
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(errno, "rename");
  return absl::OkStatus();
}

absl::Status DirectoryStore::Delete(std::string_view key) {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  const std::string path = PathOf(key);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
    return ErrnoToStatus(errno, fmt::format("delete \"{}\"", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<Buffer> MemoryStore::Get(std::string_view key) const {
  return GetRange(key, ByteRange::Suffix(UINT64_MAX));
}

absl::StatusOr<Buffer> MemoryStore::GetRange(std::string_view key, ByteRange range) const {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(mu_);
  auto it = values_.find(key);
  if (it == values_.end()) return absl::NotFoundError(fmt::format("no key \"{}\"", key));
  const auto& v = it->second;
  if (range.suffix && range.length == UINT64_MAX) range.length = v.size();
  ZRING_ASSIGN_OR_RETURN(auto span, ResolveRange(key, range, v.size()));
  return Buffer::CopyOf(std::span(v).subspan(span.first, span.second - span.first));
}

absl::StatusOr<uint64_t> MemoryStore::GetSize(std::string_view key) const {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(mu_);
  auto it = values_.find(key);
  if (it == values_.end()) return absl::NotFoundError(fmt::format("no key \"{}\"", key));
  return it->second.size();
}

absl::StatusOr<StoreListing> MemoryStore::ListDir(std::string_view prefix) const {
  std::lock_guard lock(mu_);
  StoreListing out;
  const std::string start = prefix.empty() ? "" : std::string(prefix) + "/";
  for (auto it = values_.lower_bound(start); it != values_.end(); ++it) {
    if (it->first.compare(0, start.size(), start) != 0) break;
    const std::string rest = it->first.substr(start.size());
    const size_t slash = rest.find('/');
    if (slash == std::string::npos) {
      out.values.push_back(rest);
    } else if (out.prefixes.empty() || out.prefixes.back() != rest.substr(0, slash)) {
      out.prefixes.push_back(rest.substr(0, slash));
    }
  }
  std::sort(out.prefixes.begin(), out.prefixes.end());
  out.prefixes.erase(std::unique(out.prefixes.begin(), out.prefixes.end()), out.prefixes.end());
  return out;
}

absl::StatusOr<std::vector<StoreEntry>> MemoryStore::ListRecursive(std::string_view prefix) const {
  std::lock_guard lock(mu_);
  std::vector<StoreEntry> out;
  const std::string start = prefix.empty() ? "" : std::string(prefix) + "/";
  for (auto it = values_.lower_bound(start); it != values_.end(); ++it) {
    if (it->first.compare(0, start.size(), start) != 0) break;
    out.push_back({it->first, it->second.size()});
  }
  return out;
}

absl::Status MemoryStore::Set(std::string_view key, std::span<const std::byte> value) {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  std::lock_guard lock(mu_);
  values_[std::string(key)].assign(value.begin(), value.end());
  return absl::OkStatus();
}

absl::Status MemoryStore::Set(std::string_view key, std::string_view text) {
  return Set(key, std::as_bytes(std::span(text.data(), text.size())));
}

absl::Status MemoryStore::Delete(std::string_view key) {
  ZRING_RETURN_IF_ERROR(ValidateKey(key));
  Erase(key);
  return absl::OkStatus();
}

void MemoryStore::Erase(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = values_.find(key);
  if (it != values_.end()) values_.erase(it);
}

}  // namespace zring::zarr
