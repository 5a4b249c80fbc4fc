#include "engine/http/disk_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <isa-l/crc.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <utility>

#include "absl/status/status.h"
#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::http {
namespace {

constexpr char kMagic[8] = {'Z', 'R', 'C', 'A', 'C', 'H', 'E', '\n'};
constexpr uint32_t kVersion = 1;
constexpr size_t kFixedHeaderBytes = 72;
constexpr uint32_t kMaxUrlBytes = 1 << 20;
constexpr uint32_t kMaxEtagBytes = 1 << 16;
constexpr const char* kEntrySuffix = ".zc";
constexpr const char* kTempPrefix = ".tmp-";
// A temporary file this old belongs to a writer that died; eviction passes remove it.
constexpr int64_t kStaleTempSeconds = 3600;

// Fixed header layout (little-endian):
//   0 magic[8] | 8 version u32 | 12 header_len u32 | 16 kind u8 | 17 size_known u8 |
//   18 http_status u16 | 20 url_len u32 | 24 etag_len u32 | 28 payload_crc u32 |
//   32 offset u64 | 40 length u64 | 48 object_size u64 | 56 payload_len u64 |
//   64 header_crc u32 (over bytes 0..64, the url and the etag) | 68 reserved u32
// followed by the url and the etag, then the payload.
void PutLe(std::byte* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xff);
}
uint64_t GetLe(const std::byte* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | static_cast<uint64_t>(p[i]);
  return v;
}

uint32_t Crc32c(uint32_t crc, const void* data, size_t size) {
  auto* p = static_cast<unsigned char*>(const_cast<void*>(data));
  while (size > 0) {
    int n = static_cast<int>(std::min<size_t>(size, size_t{1} << 30));
    crc = crc32_iscsi(p, n, crc);
    p += n;
    size -= static_cast<size_t>(n);
  }
  return crc;
}

uint32_t HeaderCrc(const std::byte* fixed, std::string_view url, std::string_view etag) {
  uint32_t crc = Crc32c(0, fixed, 64);
  crc = Crc32c(crc, url.data(), url.size());
  return Crc32c(crc, etag.data(), etag.size());
}

// Whole-buffer pread/pwrite; false on an error or a short read (errno 0 then).
bool PreadAll(int fd, std::byte* p, size_t n, uint64_t off) {
  while (n > 0) {
    ssize_t r = ::pread(fd, p, n, static_cast<off_t>(off));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      if (r == 0) errno = 0;
      return false;
    }
    p += r;
    n -= static_cast<size_t>(r);
    off += static_cast<uint64_t>(r);
  }
  return true;
}
bool WriteAll(int fd, const std::byte* p, size_t n) {
  while (n > 0) {
    ssize_t r = ::write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

int64_t NowSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec;
}

bool IsHexName(const char* name) {
  return std::strlen(name) == 2 && std::isxdigit(static_cast<unsigned char>(name[0])) &&
         std::isxdigit(static_cast<unsigned char>(name[1]));
}
bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

absl::Status MakeDirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoToStatus(errno, fmt::format("cache: mkdir {}", prefix));
    }
  }
  struct stat st{};
  if (::stat(dir.c_str(), &st) != 0) {
    return ErrnoToStatus(errno, fmt::format("cache: stat {}", dir));
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(fmt::format("cache directory {} is not a directory", dir));
  }
  return absl::OkStatus();
}

// An entry file's header, parsed.
struct EntryHeader {
  uint64_t header_len = 0, payload_len = 0, offset = 0, length = 0, object_size = 0;
  uint32_t payload_crc = 0;
  RangeKind kind = RangeKind::kNone;
  bool object_size_known = false;
  int http_status = 0;
  size_t url_len = 0;
  std::string strings;  // url then etag
  std::string_view url() const { return std::string_view(strings).substr(0, url_len); }
  std::string_view etag() const { return std::string_view(strings).substr(url_len); }
};

// Reads and checks the header of an entry file of file_size bytes: magic, version, lengths
// consistent with each other and with the file size, header checksum. False when damaged.
bool ReadHeader(int fd, uint64_t file_size, EntryHeader* h) {
  std::byte fixed[kFixedHeaderBytes];
  if (file_size < kFixedHeaderBytes || !PreadAll(fd, fixed, sizeof(fixed), 0)) return false;
  if (std::memcmp(fixed, kMagic, sizeof(kMagic)) != 0 || GetLe(fixed + 8, 4) != kVersion) {
    return false;
  }
  h->header_len = GetLe(fixed + 12, 4);
  const uint64_t url_len = GetLe(fixed + 20, 4), etag_len = GetLe(fixed + 24, 4);
  h->payload_len = GetLe(fixed + 56, 8);
  if (url_len > kMaxUrlBytes || etag_len > kMaxEtagBytes || etag_len == 0) return false;
  if (h->header_len != kFixedHeaderBytes + url_len + etag_len) return false;
  if (h->payload_len > file_size || file_size != h->header_len + h->payload_len) return false;
  h->url_len = url_len;
  h->strings.assign(url_len + etag_len, '\0');
  if (!PreadAll(fd, reinterpret_cast<std::byte*>(h->strings.data()), h->strings.size(),
                kFixedHeaderBytes)) {
    return false;
  }
  if (GetLe(fixed + 64, 4) != HeaderCrc(fixed, h->url(), h->etag())) return false;
  h->kind = static_cast<RangeKind>(GetLe(fixed + 16, 1));
  h->object_size_known = GetLe(fixed + 17, 1) != 0;
  h->http_status = static_cast<int>(GetLe(fixed + 18, 2));
  h->payload_crc = static_cast<uint32_t>(GetLe(fixed + 28, 4));
  h->offset = GetLe(fixed + 32, 8);
  h->length = GetLe(fixed + 40, 8);
  h->object_size = GetLe(fixed + 48, 8);
  return true;
}

struct ScannedEntry {
  timespec mtime;
  uint64_t bytes;
  std::string path;
};

// Lists the entry files under dir's fan-out directories into *entries and adds their sizes,
// and those of temporaries being written, to *total. Temporaries older than
// kStaleTempSeconds (their writer died) are removed when remove_stale. False (errno set) when
// dir cannot be read.
bool ListEntries(const std::string& dir, bool remove_stale, std::vector<ScannedEntry>* entries,
                 uint64_t* total) {
  DIR* top = ::opendir(dir.c_str());
  if (top == nullptr) return false;
  const int64_t now = NowSeconds();
  while (dirent* sub = ::readdir(top)) {
    if (!IsHexName(sub->d_name)) continue;
    const std::string subdir = fmt::format("{}/{}", dir, sub->d_name);
    DIR* d = ::opendir(subdir.c_str());
    if (d == nullptr) continue;  // a file in a directory's place: nothing cached there
    while (dirent* e = ::readdir(d)) {
      std::string_view name(e->d_name);
      struct stat st{};
      if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (!S_ISREG(st.st_mode)) continue;
      std::string path = fmt::format("{}/{}", subdir, name);
      if (name.substr(0, std::strlen(kTempPrefix)) == kTempPrefix) {
        if (remove_stale && now - st.st_mtim.tv_sec > kStaleTempSeconds) {
          ::unlink(path.c_str());
        } else {
          *total += static_cast<uint64_t>(st.st_size);
        }
        continue;
      }
      if (!EndsWith(name, kEntrySuffix)) continue;
      *total += static_cast<uint64_t>(st.st_size);
      entries->push_back({st.st_mtim, static_cast<uint64_t>(st.st_size), std::move(path)});
    }
    ::closedir(d);
  }
  ::closedir(top);
  return true;
}

}  // namespace

// Where a payload goes: the caller's span or a vector resized to the payload.
struct DiskCache::Sink {
  std::span<std::byte> dst;
  std::vector<std::byte>* out = nullptr;
  // False when the payload does not fit; *p may be null for an empty payload.
  bool Prepare(uint64_t n, std::byte** p) {
    if (out != nullptr) {
      out->resize(n);
      *p = out->data();
      return true;
    }
    *p = dst.data();
    return n <= dst.size();
  }
};

absl::StatusOr<std::unique_ptr<DiskCache>> DiskCache::Open(std::string dir, uint64_t max_bytes) {
  DiskCacheOptions options;
  options.dir = std::move(dir);
  options.max_bytes = max_bytes;
  return Open(std::move(options));
}

absl::StatusOr<std::unique_ptr<DiskCache>> DiskCache::Open(DiskCacheOptions options) {
  if (options.dir.empty()) return absl::InvalidArgumentError("cache: empty directory name");
  if (options.max_bytes == 0) {
    return absl::InvalidArgumentError(fmt::format(
        "cache {}: max_bytes (the cache size bound, cache_bytes) must be > 0", options.dir));
  }
  while (options.dir.size() > 1 && options.dir.back() == '/') options.dir.pop_back();
  ZRING_RETURN_IF_ERROR(MakeDirs(options.dir));
  std::unique_ptr<DiskCache> cache(new DiskCache(std::move(options)));
  cache->ScanAndEvict(/*evict=*/true);
  return cache;
}

DiskCache::DiskCache(DiskCacheOptions options) : options_(std::move(options)) {}

std::string DiskCache::NameOf(const CacheKey& key) const {
  if (options_.name_for_testing) return options_.name_for_testing(key);
  std::string material;
  material.reserve(key.url.size() + 32);
  std::byte fixed[25];
  PutLe(fixed, key.url.size(), 8);
  fixed[8] = static_cast<std::byte>(key.kind);
  PutLe(fixed + 9, key.offset, 8);
  PutLe(fixed + 17, key.length, 8);
  material.append(reinterpret_cast<const char*>(fixed), sizeof(fixed));
  material.append(key.url);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  EVP_Digest(material.data(), material.size(), digest, &digest_len, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < digest_len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string DiskCache::EntryPathForTesting(const CacheKey& key) const {
  std::string name = NameOf(key);
  return fmt::format("{}/{}/{}{}", options_.dir, name.substr(0, 2), name, kEntrySuffix);
}

void DiskCache::NoteIoError(std::string_view what, int err) {
  io_errors_.fetch_add(1, std::memory_order_relaxed);
  if (!logged_.exchange(true)) {
    std::fprintf(stderr, "zring: cache %s: %.*s: %s (reads bypass the cache where it fails)\n",
                 options_.dir.c_str(), static_cast<int>(what.size()), what.data(),
                 std::strerror(err));
  }
}

// Removes a bad entry, unless a writer has renamed a fresh entry over its name since `fd`
// was opened (then the name no longer refers to the file `fd` reads).
void DiskCache::RemoveIfSame(const std::string& path, int fd) {
  bad_entries_.fetch_add(1, std::memory_order_relaxed);
  struct stat by_fd{}, by_name{};
  if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_name) != 0) return;
  if (by_fd.st_dev != by_name.st_dev || by_fd.st_ino != by_name.st_ino) return;
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) NoteIoError("remove bad entry", errno);
}

bool DiskCache::Lookup(const CacheKey& key, std::string_view etag, std::span<std::byte> dst,
                       EntryInfo* info) {
  Sink sink{dst, nullptr};
  return LookupInto(key, etag, sink, info);
}

bool DiskCache::Lookup(const CacheKey& key, std::string_view etag, std::vector<std::byte>* out,
                       EntryInfo* info) {
  Sink sink{{}, out};
  return LookupInto(key, etag, sink, info);
}

bool DiskCache::LookupInto(const CacheKey& key, std::string_view etag, Sink& sink,
                           EntryInfo* info) {
  const std::string path = EntryPathForTesting(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno != ENOENT && errno != ENOTDIR) NoteIoError("open entry", errno);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  // Every exit below either serves a fully validated entry or is a miss; kBad removes it.
  enum class Outcome { kHit, kMiss, kBad } outcome = Outcome::kBad;
  struct stat st{};
  EntryHeader h;
  do {
    if (::fstat(fd, &st) != 0 || !ReadHeader(fd, static_cast<uint64_t>(st.st_size), &h)) break;
    if (h.kind != key.kind || h.offset != key.offset || h.length != key.length ||
        h.url() != key.url || (!etag.empty() && h.etag() != etag)) {
      outcome = Outcome::kMiss;  // a valid entry for another key (collision) or version
      break;
    }
    if (key.kind != RangeKind::kNone && h.payload_len > key.length) break;
    std::byte* p = nullptr;
    if (!sink.Prepare(h.payload_len, &p)) {
      outcome = Outcome::kMiss;
      break;
    }
    if (!PreadAll(fd, p, h.payload_len, h.header_len)) break;
    if (Crc32c(0, p, h.payload_len) != h.payload_crc) break;
    info->etag = std::string(h.etag());
    info->object_size_known = h.object_size_known;
    info->object_size = h.object_size;
    info->http_status = h.http_status;
    info->bytes = h.payload_len;
    outcome = Outcome::kHit;
  } while (false);

  if (outcome == Outcome::kHit) {
    // LRU: a hit makes the entry young again (once a second is precise enough and saves a
    // syscall per hit on hot entries). Failing (another user's file, read-only directory)
    // only makes the entry look older than it is.
    if (NowSeconds() - st.st_mtim.tv_sec >= 1) (void)::futimens(fd, nullptr);
    hits_.fetch_add(1, std::memory_order_relaxed);
  } else {
    if (outcome == Outcome::kBad) RemoveIfSame(path, fd);
    misses_.fetch_add(1, std::memory_order_relaxed);
  }
  ::close(fd);
  return outcome == Outcome::kHit;
}

void DiskCache::Insert(const CacheKey& key, const EntryInfo& info,
                       std::span<const std::byte> payload) {
  if (info.etag.empty() || info.etag.size() > kMaxEtagBytes || key.url.size() > kMaxUrlBytes) {
    return;
  }
  const uint64_t header_len = kFixedHeaderBytes + key.url.size() + info.etag.size();
  const uint64_t file_bytes = header_len + payload.size();
  if (file_bytes > options_.max_bytes / 8) return;

  std::vector<std::byte> header(header_len);
  std::memcpy(header.data(), kMagic, sizeof(kMagic));
  PutLe(&header[8], kVersion, 4);
  PutLe(&header[12], header_len, 4);
  PutLe(&header[16], static_cast<uint64_t>(key.kind), 1);
  PutLe(&header[17], info.object_size_known ? 1 : 0, 1);
  PutLe(&header[18], static_cast<uint64_t>(info.http_status) & 0xffff, 2);
  PutLe(&header[20], key.url.size(), 4);
  PutLe(&header[24], info.etag.size(), 4);
  PutLe(&header[28], Crc32c(0, payload.data(), payload.size()), 4);
  PutLe(&header[32], key.offset, 8);
  PutLe(&header[40], key.length, 8);
  PutLe(&header[48], info.object_size, 8);
  PutLe(&header[56], payload.size(), 8);
  std::memcpy(&header[kFixedHeaderBytes], key.url.data(), key.url.size());
  std::memcpy(&header[kFixedHeaderBytes + key.url.size()], info.etag.data(), info.etag.size());
  PutLe(&header[64], HeaderCrc(header.data(), key.url, info.etag), 4);

  const std::string name = NameOf(key);
  const std::string subdir = fmt::format("{}/{}", options_.dir, name.substr(0, 2));
  const std::string final_path = fmt::format("{}/{}{}", subdir, name, kEntrySuffix);
  const std::string temp_path =
      fmt::format("{}/{}{}-{}-{}", subdir, kTempPrefix, name, ::getpid(),
                  temp_counter_.fetch_add(1, std::memory_order_relaxed));
  int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 && errno == ENOENT) {
    if (::mkdir(subdir.c_str(), 0755) != 0 && errno != EEXIST) {
      NoteIoError("mkdir", errno);
      return;
    }
    fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  if (fd < 0) {
    NoteIoError("create entry", errno);
    return;
  }
  bool ok = WriteAll(fd, header.data(), header.size()) &&
            WriteAll(fd, payload.data(), payload.size());
  int err = errno;
  if (::close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && ::rename(temp_path.c_str(), final_path.c_str()) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    ::unlink(temp_path.c_str());
    NoteIoError("write entry", err);
    return;
  }
  inserts_.fetch_add(1, std::memory_order_relaxed);
  const uint64_t total = total_bytes_.fetch_add(file_bytes, std::memory_order_relaxed) + file_bytes;
  const uint64_t since =
      inserted_since_scan_.fetch_add(file_bytes, std::memory_order_relaxed) + file_bytes;
  if (total > options_.max_bytes || since > options_.max_bytes / 8) ScanAndEvict(/*evict=*/true);
}

uint64_t DiskCache::Trim() { return ScanAndEvict(/*evict=*/true); }

// One pass over the directory under <dir>/lock: the true total, stale temporaries removed,
// and (when asked and over max_bytes) the least recently used entries evicted down to 7/8 of
// max_bytes. The lock file is opened per pass so a forked child never shares the parent's
// lock (flock locks belong to the open file description).
uint64_t DiskCache::ScanAndEvict(bool evict) {
  std::lock_guard<std::mutex> guard(scan_mu_);
  const std::string lock_path = options_.dir + "/lock";
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) {
    if (errno != EROFS && errno != EACCES) NoteIoError("open lock", errno);
    evict = false;  // a directory we cannot lock is one we cannot evict from either
  } else {
    while (::flock(lock_fd, LOCK_EX) != 0 && errno == EINTR) {
    }
  }

  std::vector<ScannedEntry> entries;
  uint64_t total = 0;
  if (!ListEntries(options_.dir, /*remove_stale=*/evict, &entries, &total)) {
    NoteIoError("scan", errno);
  }

  if (evict && total > options_.max_bytes) {
    std::sort(entries.begin(), entries.end(), [](const ScannedEntry& a, const ScannedEntry& b) {
      return std::pair(a.mtime.tv_sec, a.mtime.tv_nsec) <
             std::pair(b.mtime.tv_sec, b.mtime.tv_nsec);
    });
    const uint64_t target = options_.max_bytes - options_.max_bytes / 8;
    for (const ScannedEntry& e : entries) {
      if (total <= target) break;
      if (::unlink(e.path.c_str()) == 0) {
        evictions_.fetch_add(1, std::memory_order_relaxed);
        total -= e.bytes;
      } else if (errno == ENOENT) {
        total -= e.bytes;  // another process evicted or replaced it first
      } else {
        NoteIoError("evict", errno);
        break;
      }
    }
  }
  total_bytes_.store(total, std::memory_order_relaxed);
  inserted_since_scan_.store(0, std::memory_order_relaxed);
  if (lock_fd >= 0) ::close(lock_fd);  // releases the flock
  return total;
}

CacheStats DiskCache::Stats() const {
  CacheStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.inserts = inserts_.load(std::memory_order_relaxed);
  s.evictions = evictions_.load(std::memory_order_relaxed);
  s.bad_entries = bad_entries_.load(std::memory_order_relaxed);
  s.io_errors = io_errors_.load(std::memory_order_relaxed);
  s.bytes_estimate = total_bytes_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace zring::engine::http
