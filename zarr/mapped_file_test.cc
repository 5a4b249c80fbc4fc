#include "zarr/mapped_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <atomic>
#include <thread>
#include <vector>

#include "engine/engine_test_util.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::zarr {
namespace {

using ::zring::testing::StatusIs;

// A scratch directory and its files, as the engine tests make them.
class MappedFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::vector<std::byte>& bytes) {
    const std::string path = dir_.File(name);
    engine::testing::WriteFile(path, bytes);
    return path;
  }
  engine::testing::ScratchDir dir_;
};

std::vector<std::byte> Pattern(size_t n) {
  std::vector<std::byte> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<std::byte>(i * 7 + 3);
  return v;
}

TEST_F(MappedFileTest, MapsTheFileAndReportsResidentPages) {
  const uint64_t ps = MappedFile::page_size();
  const std::vector<std::byte> bytes = Pattern(3 * ps + 100);
  const std::string path = Write("f", bytes);
  ASSERT_OK_AND_ASSIGN(auto m, MappedFile::Open(path));
  ASSERT_EQ(m->size(), bytes.size());
  EXPECT_EQ(std::memcmp(m->data(), bytes.data(), bytes.size()), 0);
  const std::vector<uint8_t> resident = m->Residency();
  ASSERT_EQ(resident.size(), 4u);
  for (uint8_t r : resident) EXPECT_EQ(r & 1, 1);  // just written and just read: in memory
  EXPECT_EQ(m->path(), path);
}

TEST_F(MappedFileTest, MissingAndEmptyFiles) {
  EXPECT_THAT(MappedFile::Open(dir_.File("nope")).status(), StatusIs(absl::StatusCode::kNotFound, ::testing::HasSubstr("nope")));
  ASSERT_OK_AND_ASSIGN(auto m, MappedFile::Open(Write("empty", {})));
  EXPECT_EQ(m->size(), 0u);
  EXPECT_EQ(m->data(), nullptr);
  EXPECT_TRUE(m->Residency().empty());
}

// A file truncated under its mapping: reading the lost pages is a SIGBUS, which the guard turns
// into false (several times, on several threads), while pages still there read normally.
TEST_F(MappedFileTest, GuardTurnsTheSigbusOfATruncatedFileIntoFalse) {
  const uint64_t ps = MappedFile::page_size();
  const std::vector<std::byte> bytes = Pattern(4 * ps);
  const std::string path = Write("t", bytes);
  ASSERT_OK_AND_ASSIGN(auto m, MappedFile::Open(path));
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(ps)), 0);
  std::vector<std::byte> out(ps);
  EXPECT_TRUE(GuardMappedRead([&] { std::memcpy(out.data(), m->data(), ps); }));
  EXPECT_EQ(std::memcmp(out.data(), bytes.data(), ps), 0);
  for (int i = 0; i < 3; ++i) {
    bool reached_end = false;
    EXPECT_FALSE(GuardMappedRead([&] {
      std::memcpy(out.data(), m->data() + 2 * ps, ps);
      reached_end = true;
    }));
    EXPECT_FALSE(reached_end);
  }
  std::vector<std::thread> threads;
  std::atomic<int> caught{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<std::byte> o(ps);
      if (!GuardMappedRead([&] { std::memcpy(o.data(), m->data() + 3 * ps, ps); })) ++caught;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(caught.load(), 4);
  // Still fine afterwards.
  EXPECT_TRUE(GuardMappedRead([&] { std::memcpy(out.data(), m->data(), ps); }));
}

// A SIGBUS outside any guard still does what it did before (here: kills the process).
TEST_F(MappedFileTest, UnguardedSigbusStillKills) {
  const uint64_t ps = MappedFile::page_size();
  const std::string path = Write("u", Pattern(2 * ps));
  ASSERT_OK_AND_ASSIGN(auto m, MappedFile::Open(path));
  ASSERT_TRUE(GuardMappedRead([] {}));  // the handler is installed
  ASSERT_EQ(::truncate(path.c_str(), 0), 0);
  EXPECT_DEATH(
      {
        volatile std::byte b = m->data()[ps];
        (void)b;
      },
      "");
}

}  // namespace
}  // namespace zring::zarr
