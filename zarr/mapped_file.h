// MappedFile: a read-only shared mapping of a local file, for copying data that is already in
// the page cache straight out of it (no read syscall, no intermediate buffer).
//
// A mapping is only as good as the file under it: a file truncated while mapped turns reads of
// the lost pages into SIGBUS. Copies out of a mapping therefore run inside GuardMappedRead,
// which turns that SIGBUS into a `false` return on the reading thread (the caller reports the
// chunk as changed while being read) instead of killing the process. The guard installs a
// process-wide SIGBUS handler on first use that passes every other SIGBUS on to the handler
// that was there before (or to the default action).
//
//   ZRING_ASSIGN_OR_RETURN(std::shared_ptr<MappedFile> m, MappedFile::Open(path));
//   std::vector<uint8_t> resident = m->Residency();   // one byte per page, 1: in memory
//   bool ok = GuardMappedRead([&] { std::memcpy(out, m->data() + off, n); });
#ifndef ZRING_ZARR_MAPPED_FILE_H_
#define ZRING_ZARR_MAPPED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

namespace zring::zarr {

class MappedFile {
 public:
  // Maps the whole file read-only. NotFound for a missing file; an empty file maps to nothing
  // (data() null, size() 0).
  static absl::StatusOr<std::shared_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Which pages are in memory now (mincore): one entry per page of page_size() bytes, nonzero
  // when resident. Empty when the kernel would not say (then treat nothing as resident).
  std::vector<uint8_t> Residency() const;
  static uint64_t page_size();

 private:
  MappedFile(std::string path, const std::byte* data, uint64_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const std::byte* data_;
  uint64_t size_;
};

// Runs `copy`, which may read from mappings. Returns false, with `copy` cut short, when it
// touched a page its file no longer has (SIGBUS); true otherwise. `copy` must not take locks or
// allocate: it may be abandoned at any point. Nested calls are not allowed.
bool GuardMappedRead(absl::FunctionRef<void()> copy);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_MAPPED_FILE_H_
