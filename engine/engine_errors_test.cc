// The engine under failure and concurrency, per backend: missing and unreadable files, one bad
// request among good ones, closed sources, several submitting threads, and fork.
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine {
namespace {

using ::testing::HasSubstr;
using ::zring::engine::testing::RandomBytes;
using ::zring::engine::testing::ScratchDir;
using ::zring::engine::testing::WriteFile;
using ::zring::testing::StatusIs;

class EngineErrorsTest : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override {
    file_ = dir_.File("data.bin");
    content_ = RandomBytes(kFileBytes, 99);
    WriteFile(file_, content_);
  }
  std::unique_ptr<Engine> MakeEngine(EngineOptions o = {}) {
    o.backend = GetParam();
    o.io_threads = 2;
    auto e = Engine::Create(o);
    EXPECT_OK(e.status());
    return e.ok() ? std::move(*e) : nullptr;
  }
  bool SameBytes(const ReadResult& r, uint64_t offset, uint64_t n) {
    return r.status.ok() && r.bytes_read == n &&
           std::memcmp(r.data, content_.data() + offset, n) == 0;
  }

  static constexpr uint64_t kFileBytes = 1 << 20;
  ScratchDir dir_;
  std::string file_;
  std::vector<std::byte> content_;
};

TEST_P(EngineErrorsTest, MissingFileIsNotFoundNamingThePath) {
  auto engine = MakeEngine();
  std::string missing = dir_.File("no/such/file");
  EXPECT_THAT(engine->OpenFile(missing),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(missing)));
  ASSERT_OK_AND_ASSIGN(SourceId chunk, engine->AddPath(missing));
  ASSERT_OK_AND_ASSIGN(SourceId good, engine->OpenFile(file_));
  std::vector<ReadRequest> reqs = {{good, 10, 100, {}, 0}, {chunk, 0, 4096, {}, 1},
                                   {good, 500, 100, {}, 2}};
  ASSERT_OK_AND_ASSIGN(auto results, engine->ReadAll(reqs));
  EXPECT_TRUE(SameBytes(results[0], 10, 100));
  EXPECT_THAT(results[1].status, StatusIs(absl::StatusCode::kNotFound, HasSubstr(missing)));
  EXPECT_EQ(results[1].bytes_read, 0u);
  EXPECT_TRUE(SameBytes(results[2], 500, 100));
}

TEST_P(EngineErrorsTest, UnreadableFileFailsOnlyItsRequestNamingThePath) {
  // Tests run as root, so permissions cannot make a file unreadable; a directory can.
  std::string d = dir_.File("a_directory");
  std::filesystem::create_directory(d);
  auto engine = MakeEngine();
  EXPECT_THAT(engine->OpenFile(d), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(d)));
  ASSERT_OK_AND_ASSIGN(SourceId dir_chunk, engine->AddPath(d));
  ASSERT_OK_AND_ASSIGN(SourceId good, engine->OpenFile(file_));
  std::vector<ReadRequest> reqs = {{dir_chunk, 0, 100, {}, 0}, {good, 0, 100, {}, 1}};
  ASSERT_OK_AND_ASSIGN(auto results, engine->ReadAll(reqs));
  EXPECT_THAT(results[0].status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(d)));
  EXPECT_TRUE(SameBytes(results[1], 0, 100));
}

TEST_P(EngineErrorsTest, InvalidRequestsFailAloneAndSayWhy) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId good, engine->OpenFile(file_));
  std::byte small[8];
  std::vector<ReadRequest> reqs = {{good, 0, 64, {}, 0},
                                   {12345, 0, 64, {}, 1},
                                   {good, 0, 64, {small, 8}, 2},
                                   {good, 64, 64, {}, 3}};
  ASSERT_OK_AND_ASSIGN(auto results, engine->ReadAll(reqs));
  EXPECT_TRUE(SameBytes(results[0], 0, 64));
  EXPECT_THAT(results[1].status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no source with id 12345")));
  EXPECT_THAT(results[2].status,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dst holds 8 bytes")));
  EXPECT_TRUE(SameBytes(results[3], 64, 64));
}

TEST_P(EngineErrorsTest, ClosedSourceIsFailedPrecondition) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId a, engine->OpenFile(file_));
  ASSERT_OK_AND_ASSIGN(auto first, engine->ReadAll({{a, 0, 32, {}, 0}}));
  EXPECT_TRUE(SameBytes(first[0], 0, 32));
  ASSERT_OK(engine->CloseSource(a));
  EXPECT_THAT(engine->CloseSource(a), StatusIs(absl::StatusCode::kFailedPrecondition,
                                               HasSubstr("already closed")));
  ASSERT_OK_AND_ASSIGN(SourceId b, engine->OpenFile(file_));
  ASSERT_OK_AND_ASSIGN(auto results, engine->ReadAll({{a, 0, 32, {}, 0}, {b, 32, 32, {}, 1}}));
  EXPECT_THAT(results[0].status,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(file_)));
  EXPECT_TRUE(SameBytes(results[1], 32, 32));
}

TEST_P(EngineErrorsTest, BatchSizeLimitsAreWholeCallErrors) {
  auto engine = MakeEngine();
  EXPECT_THAT(engine->Submit({}), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("1 to 1000000 requests")));
  std::vector<ReadRequest> too_many(Engine::kMaxBatchRequests + 1);
  EXPECT_THAT(engine->Submit(std::move(too_many)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got 1000001")));
}

TEST_P(EngineErrorsTest, SeveralThreadsSubmitAtOnce) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        std::vector<ReadRequest> reqs;
        for (uint64_t i = 0; i < 500; ++i) {
          uint64_t off = (i * 2311 + uint64_t(t) * 104729 + uint64_t(round) * 31) %
                         (kFileBytes - 700);
          reqs.push_back({src, off, 1 + (i * 13 + uint64_t(t)) % 700, {}, off});
        }
        auto results = engine->ReadAll(reqs);
        if (!results.ok()) {
          ++bad;
          continue;
        }
        for (size_t i = 0; i < reqs.size(); ++i) {
          if (!SameBytes((*results)[i], reqs[i].offset_bytes, reqs[i].length_bytes)) ++bad;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(engine->Stats().requests_completed, 4u * 20u * 500u);
}

// Runs `child` in a forked process and returns its exit code; kills it (and fails) if it has
// not finished within 20 s, so a hang shows up as a failure, not a stuck suite.
int RunInChild(const std::function<int()>& child) {
  pid_t pid = fork();
  if (pid == 0) _exit(child());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "forked child hung";
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

TEST_P(EngineErrorsTest, ForkedChildGetsAClearErrorAndCanReadWithANewEngine) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  ASSERT_OK_AND_ASSIGN(auto before, engine->ReadAll({{src, 0, 4096, {}, 0}}));
  ASSERT_TRUE(SameBytes(before[0], 0, 4096));
  int code = RunInChild([&]() -> int {
    auto reused = engine->Submit({{src, 0, 16, {}, 0}});
    if (reused.ok()) return 1;
    if (reused.status().code() != absl::StatusCode::kFailedPrecondition) return 2;
    if (std::string(reused.status().message()).find("forked child") == std::string::npos) {
      return 3;
    }
    EngineOptions o;
    o.backend = GetParam();
    o.io_threads = 1;
    auto fresh = Engine::Create(o);
    if (!fresh.ok()) return 4;
    auto id = (*fresh)->OpenFile(file_);
    if (!id.ok()) return 5;
    auto got = (*fresh)->ReadAll({{*id, 12345, 5000, {}, 0}});
    if (!got.ok() || !SameBytes((*got)[0], 12345, 5000)) return 6;
    engine.reset();  // abandoning the parent's threads must not hang or crash
    return 0;
  });
  EXPECT_EQ(code, 0) << "1: reuse succeeded, 2: wrong code, 3: message lacks 'forked child', "
                        "4-6: fresh engine failed";
  ASSERT_OK_AND_ASSIGN(auto after, engine->ReadAll({{src, 777, 3000, {}, 0}}));
  EXPECT_TRUE(SameBytes(after[0], 777, 3000));
}

TEST_P(EngineErrorsTest, EngineUnusedBeforeForkWorksInTheChild) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  int code = RunInChild([&]() -> int {
    auto got = engine->ReadAll({{src, 100, 200, {}, 0}});
    return got.ok() && SameBytes((*got)[0], 100, 200) ? 0 : 1;
  });
  EXPECT_EQ(code, 0);
}

TEST_P(EngineErrorsTest, DestroyingTheEngineWaitsForItsBatches) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::vector<ReadRequest> reqs;
  for (uint64_t i = 0; i < 20000; ++i) reqs.push_back({src, (i * 4099) % (kFileBytes - 64), 64});
  ASSERT_OK_AND_ASSIGN(auto batch, engine->Submit(reqs));
  engine.reset();
  ASSERT_TRUE(batch->Done());
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(SameBytes(batch->result(i), reqs[i].offset_bytes, 64)) << i;
  }
}

TEST_P(EngineErrorsTest, AReadLargerThanTheMemoryBudgetStillCompletes) {
  EngineOptions o;
  o.max_inflight_bytes = 4096;
  o.buffer_pool_bytes = 0;
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  ASSERT_OK_AND_ASSIGN(auto results,
                       engine->ReadAll({{src, 0, kFileBytes, {}, 0}, {src, 10, 5000, {}, 1}}));
  EXPECT_TRUE(SameBytes(results[0], 0, kFileBytes));
  EXPECT_TRUE(SameBytes(results[1], 10, 5000));
}

INSTANTIATE_TEST_SUITE_P(
    Backends, EngineErrorsTest, ::testing::Values(BackendKind::kUring, BackendKind::kPread),
    [](const ::testing::TestParamInfo<BackendKind>& info) {
      return std::string(info.param == BackendKind::kUring ? "Uring" : "Pread");
    });

TEST(EngineBackend, EnvironmentForcesThePreadBackend) {
  setenv("ZRING_IO_BACKEND", "pread", 1);
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Create({}));
  ASSERT_OK_AND_ASSIGN(std::string name, engine->BackendName());
  unsetenv("ZRING_IO_BACKEND");
  EXPECT_EQ(name, "pread");
}

// Makes io_uring_setup fail with EPERM in this process, as container seccomp profiles do.
bool RefuseIoUring() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog prog{static_cast<unsigned short>(sizeof(filter) / sizeof(filter[0])), filter};
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0;
}

TEST(EngineBackend, FallsBackToPreadWhenIoUringIsRefused) {
  ScratchDir dir;
  std::string file = dir.File("f");
  std::vector<std::byte> content = RandomBytes(100000, 5);
  WriteFile(file, content);
  int code = RunInChild([&]() -> int {
    if (!RefuseIoUring()) return 10;
    unsetenv("ZRING_IO_BACKEND");
    EngineOptions forced;
    forced.backend = BackendKind::kUring;
    auto uring = Engine::Create(forced);
    auto name = (*uring)->BackendName();
    if (name.ok() || name.status().message().find("io_uring_queue_init") ==
                         absl::string_view::npos) {
      return 11;
    }
    auto engine = Engine::Create({});
    auto auto_name = (*engine)->BackendName();
    if (!auto_name.ok() || *auto_name != "pread") return 12;
    auto src = (*engine)->OpenFile(file);
    auto got = (*engine)->ReadAll({{*src, 777, 5000, {}, 0}});
    if (!got.ok() || (*got)[0].bytes_read != 5000 ||
        std::memcmp((*got)[0].data, content.data() + 777, 5000) != 0) {
      return 13;
    }
    return 0;
  });
  EXPECT_EQ(code, 0) << "10: seccomp unavailable, 11: forced uring did not fail clearly, "
                        "12: auto did not pick pread, 13: pread read wrong bytes";
}

TEST(EngineBackend, RejectsImpossibleOptions) {
  EngineOptions o;
  o.queue_depth = 0;
  EXPECT_THAT(Engine::Create(o), StatusIs(absl::StatusCode::kInvalidArgument,
                                          HasSubstr("queue_depth")));
}

}  // namespace
}  // namespace zring::engine
