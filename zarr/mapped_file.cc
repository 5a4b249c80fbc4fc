#include "zarr/mapped_file.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "fmt/format.h"

namespace zring::zarr {
namespace {

absl::Status ErrnoStatus(int err, const std::string& what) {
  const std::string msg = fmt::format("{}: {}", what, std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == EACCES || err == EPERM) return absl::PermissionDeniedError(msg);
  return absl::InternalError(msg);
}

// The guard of the copy running on this thread, if any. Set only around a copy; read by the
// SIGBUS handler on the same thread (the fault is synchronous).
thread_local sigjmp_buf* t_guard = nullptr;
struct sigaction g_previous;
std::once_flag g_install;

void OnSigbus(int sig, siginfo_t* info, void* context) {
  if (sigjmp_buf* guard = t_guard; guard != nullptr) {
    t_guard = nullptr;
    siglongjmp(*guard, 1);
  }
  // Not a guarded copy: whatever would have happened without us.
  if (g_previous.sa_flags & SA_SIGINFO) {
    if (g_previous.sa_sigaction != nullptr) g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN &&
      g_previous.sa_handler != nullptr) {
    g_previous.sa_handler(sig);
    return;
  }
  // Default action: restore it; returning re-runs the faulting access, which now kills.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGBUS, &dfl, nullptr);
  if (info == nullptr || info->si_code <= 0) raise(SIGBUS);  // sent, not a fault: deliver it
}

void InstallHandler() {
  struct sigaction sa {};
  sa.sa_sigaction = &OnSigbus;
  // SA_NODEFER: SIGBUS stays unblocked, so leaving the handler by siglongjmp (without saving
  // and restoring the signal mask, which would cost a syscall per copy) leaves no mask behind.
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &g_previous);
}

}  // namespace

absl::StatusOr<std::shared_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, fmt::format("open {}", path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus(err, fmt::format("stat {}", path));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  void* p = nullptr;
  if (size > 0) {
    p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, fmt::format("mmap {} ({} bytes)", path, size));
    }
  }
  ::close(fd);  // the mapping keeps the file
  return std::shared_ptr<MappedFile>(
      new MappedFile(path, static_cast<const std::byte*>(p), size));
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::byte*>(data_), size_);
}

uint64_t MappedFile::page_size() {
  static const uint64_t size = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  return size;
}

std::vector<uint8_t> MappedFile::Residency() const {
  if (data_ == nullptr) return {};
  std::vector<uint8_t> pages((size_ + page_size() - 1) / page_size());
  if (::mincore(const_cast<std::byte*>(data_), size_,
                reinterpret_cast<unsigned char*>(pages.data())) != 0) {
    return {};
  }
  return pages;
}

bool GuardMappedRead(absl::FunctionRef<void()> copy) {
  std::call_once(g_install, InstallHandler);
  sigjmp_buf guard;
  if (sigsetjmp(guard, 0) != 0) return false;  // came back from the handler
  t_guard = &guard;
  copy();
  t_guard = nullptr;
  return true;
}

}  // namespace zring::zarr
