// Test helpers for the engine suites: a scratch directory on the build's disk (not /tmp, which
// may be tmpfs and refuse O_DIRECT), files of seeded random bytes, and a pread reference.
#ifndef ZRING_ENGINE_ENGINE_TEST_UTIL_H_
#define ZRING_ENGINE_ENGINE_TEST_UTIL_H_

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace zring::engine::testing {

class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::current_path() / "zring_engine_test.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp " << tmpl;
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::vector<std::byte> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; i += 8) {
    uint64_t x = rng();
    for (size_t k = 0; k < 8 && i + k < n; ++k) v[i + k] = std::byte(x >> (8 * k));
  }
  return v;
}

inline void WriteFile(const std::string& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  ASSERT_TRUE(out.good()) << "writing " << path;
}

// What pread(2) returns for [offset, offset + length) of `path`: the reference every engine
// read is checked against.
inline std::vector<std::byte> PreadReference(const std::string& path, uint64_t offset,
                                             uint64_t length) {
  std::vector<std::byte> out(length);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(fd, 0) << path;
  uint64_t done = 0;
  while (fd >= 0 && done < length) {
    ssize_t n = pread(fd, out.data() + done, length - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += uint64_t(n);
  }
  if (fd >= 0) close(fd);
  out.resize(done);
  return out;
}

// True when `dir`'s filesystem accepts O_DIRECT opens.
inline bool DirectIoSupported(const std::string& file) {
  int fd = open(file.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace zring::engine::testing

#endif  // ZRING_ENGINE_ENGINE_TEST_UTIL_H_
