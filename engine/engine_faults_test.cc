// The engine against hostile kernel answers, injected through EngineOptions::fault_injector on
// both backends: EINTR and EAGAIN (retried, boundedly), ECANCELED and EIO (the request fails
// alone, with its path), short reads (completed by reading the rest), on plain files, under
// O_DIRECT, through open -> read -> close chains, and in batches far larger than the rings.
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "engine/fault_injection.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine {
namespace {

using ::testing::HasSubstr;
using ::zring::engine::testing::DirectIoSupported;
using ::zring::engine::testing::RandomBytes;
using ::zring::engine::testing::ScratchDir;
using ::zring::engine::testing::WriteFile;
using ::zring::testing::StatusIs;

// An injector from a function, counting how often it changed an outcome.
class FnInjector final : public FaultInjector {
 public:
  using Fn = std::function<int64_t(const FaultSite&, int64_t)>;
  explicit FnInjector(Fn fn) : fn_(std::move(fn)) {}
  int64_t Rewrite(const FaultSite& site, int64_t result) override {
    int64_t out = fn_(site, result);
    if (out != result) {
      std::lock_guard<std::mutex> lock(mu_);
      ++injected_;
    }
    return out;
  }
  uint64_t injected() {
    std::lock_guard<std::mutex> lock(mu_);
    return injected_;
  }

 private:
  std::mutex mu_;
  Fn fn_;
  uint64_t injected_ = 0;
};

struct Span {
  uint64_t offset, length;
};

class EngineFaultsTest : public ::testing::TestWithParam<BackendKind> {
 protected:
  static constexpr uint64_t kFileBytes = 4 << 20;

  void SetUp() override {
    file_ = dir_.File("data.bin");
    content_ = RandomBytes(kFileBytes, 7);
    WriteFile(file_, content_);
  }

  std::unique_ptr<Engine> MakeEngine(FaultInjector* injector, EngineOptions o = {}) {
    o.backend = GetParam();
    if (o.io_threads == 0) o.io_threads = 2;
    o.fault_injector = injector;
    auto e = Engine::Create(o);
    EXPECT_OK(e.status());
    return e.ok() ? std::move(*e) : nullptr;
  }

  static std::vector<Span> RandomSpans(size_t n, uint64_t max_len, uint32_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<Span> spans(n);
    for (Span& s : spans) {
      s.length = 1 + rng() % max_len;
      s.offset = rng() % (kFileBytes - s.length);
    }
    return spans;
  }

  // Reads `spans` of the file into caller buffers; returns the results.
  std::vector<ReadResult> ReadSpans(Engine& engine, const std::vector<Span>& spans,
                                    std::vector<std::vector<std::byte>>& dst) {
    auto id = engine.OpenFile(file_);
    EXPECT_OK(id.status());
    if (!id.ok()) return {};
    dst.assign(spans.size(), {});
    std::vector<ReadRequest> reqs;
    for (size_t i = 0; i < spans.size(); ++i) {
      dst[i].assign(spans[i].length, std::byte{0xEE});
      reqs.push_back({*id, spans[i].offset, spans[i].length, dst[i], i});
    }
    auto results = engine.ReadAll(std::move(reqs));
    EXPECT_OK(results.status());
    return results.ok() ? std::move(*results) : std::vector<ReadResult>{};
  }

  bool Exact(const ReadResult& r, const std::vector<std::byte>& dst, const Span& s) const {
    return r.status.ok() && r.bytes_read == s.length &&
           std::memcmp(dst.data(), content_.data() + s.offset, s.length) == 0;
  }

  void ExpectAllExact(const std::vector<ReadResult>& results,
                      const std::vector<std::vector<std::byte>>& dst,
                      const std::vector<Span>& spans) const {
    ASSERT_EQ(results.size(), spans.size());
    for (size_t i = 0; i < spans.size(); ++i) {
      ASSERT_TRUE(Exact(results[i], dst[i], spans[i])) << i << ": " << results[i].status;
    }
  }

  ScratchDir dir_;
  std::string file_;
  std::vector<std::byte> content_;
};

TEST_P(EngineFaultsTest, EintrOnEveryFirstAttemptIsRetriedAndReadsExactBytes) {
  FnInjector inj([](const FaultSite& s, int64_t r) { return s.retries == 0 ? -EINTR : r; });
  auto engine = MakeEngine(&inj);
  ASSERT_NE(engine, nullptr);
  auto spans = RandomSpans(2000, 20000, 1);
  std::vector<std::vector<std::byte>> dst;
  auto results = ReadSpans(*engine, spans, dst);
  ExpectAllExact(results, dst, spans);
  EXPECT_GE(inj.injected(), engine->Stats().reads_completed);
}

TEST_P(EngineFaultsTest, EagainThatNeverStopsFailsOnlyItsRequestAfterBoundedRetries) {
  // Every read touching [1 MiB, 1 MiB + 4 KiB) is refused with EAGAIN forever.
  constexpr uint64_t kBad = 1 << 20;
  FnInjector inj([](const FaultSite& s, int64_t r) {
    bool bad = s.offset_bytes < kBad + 4096 && s.offset_bytes + s.length_bytes > kBad;
    return bad ? int64_t{-EAGAIN} : r;
  });
  EngineOptions o;
  o.coalesce_gap_bytes = -1;  // keep the bad request apart from its neighbours
  auto engine = MakeEngine(&inj, o);
  ASSERT_NE(engine, nullptr);
  std::vector<Span> spans = {{0, 4096}, {kBad, 100}, {kBad + 8192, 4096}, {3 << 20, 50000}};
  std::vector<std::vector<std::byte>> dst;
  auto results = ReadSpans(*engine, spans, dst);
  ASSERT_EQ(results.size(), spans.size());
  EXPECT_THAT(results[1].status,
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("data.bin")));
  for (size_t i : {0, 2, 3}) EXPECT_TRUE(Exact(results[i], dst[i], spans[i])) << i;
  // Bounded: the retries stopped (the batch completed) after a fixed number of attempts.
  EXPECT_LT(inj.injected(), 5000u);
}

TEST_P(EngineFaultsTest, CanceledAndIoErrorsFailAloneWithTheirCodes) {
  FnInjector inj([](const FaultSite& s, int64_t r) {
    if (s.offset_bytes == 8192) return int64_t{-ECANCELED};
    if (s.offset_bytes == 65536) return int64_t{-EIO};
    return r;
  });
  EngineOptions o;
  o.coalesce_gap_bytes = -1;
  auto engine = MakeEngine(&inj, o);
  ASSERT_NE(engine, nullptr);
  std::vector<Span> spans = {{0, 4096}, {8192, 4096}, {16384, 4096}, {65536, 10}, {70000, 99}};
  std::vector<std::vector<std::byte>> dst;
  auto results = ReadSpans(*engine, spans, dst);
  ASSERT_EQ(results.size(), spans.size());
  EXPECT_THAT(results[1].status, StatusIs(absl::StatusCode::kCancelled, HasSubstr("data.bin")));
  EXPECT_FALSE(results[3].status.ok());
  EXPECT_THAT(results[3].status.message(), HasSubstr("data.bin"));
  for (size_t i : {0, 2, 4}) EXPECT_TRUE(Exact(results[i], dst[i], spans[i])) << i;
}

TEST_P(EngineFaultsTest, ShortReadsAreCompletedByReadingTheRest) {
  // At most 777 bytes per attempt, coalesced reads included.
  FnInjector inj([](const FaultSite&, int64_t r) { return r > 777 ? int64_t{777} : r; });
  auto engine = MakeEngine(&inj);
  ASSERT_NE(engine, nullptr);
  auto spans = RandomSpans(500, 10000, 2);
  std::vector<std::vector<std::byte>> dst;
  auto results = ReadSpans(*engine, spans, dst);
  ExpectAllExact(results, dst, spans);
  EXPECT_GT(inj.injected(), 0u);
}

TEST_P(EngineFaultsTest, ShortAndInterruptedReadsUnderODirect) {
  if (!DirectIoSupported(file_)) GTEST_SKIP() << "the test directory's filesystem refuses O_DIRECT";
  // Whole blocks only (a partial block under O_DIRECT is the file's end), plus one EINTR each.
  FnInjector inj([](const FaultSite& s, int64_t r) {
    if (s.retries == 0 && s.offset_bytes % 3 == 0) return int64_t{-EINTR};
    return r > 4096 ? int64_t{4096} : r;
  });
  EngineOptions o;
  o.direct_io = true;
  auto engine = MakeEngine(&inj, o);
  ASSERT_NE(engine, nullptr);
  auto spans = RandomSpans(300, 30000, 3);
  std::vector<std::vector<std::byte>> dst;
  auto results = ReadSpans(*engine, spans, dst);
  ExpectAllExact(results, dst, spans);
  EXPECT_GT(inj.injected(), 0u);
}

TEST_P(EngineFaultsTest, ChainedOpenReadCloseSurvivesEintrAndFailsCanceledAlone) {
  std::vector<std::string> paths;
  std::vector<std::vector<std::byte>> files;
  for (int i = 0; i < 64; ++i) {
    std::string name = "c";
    name += std::to_string(i);
    paths.push_back(dir_.File(name));
    files.push_back(RandomBytes(1000 + 37 * i, 100 + i));
    WriteFile(paths.back(), files.back());
  }
  FnInjector inj([&](const FaultSite& s, int64_t r) {
    if (!s.chained) return r;
    if (s.path == paths[5]) return int64_t{-ECANCELED};
    return s.retries < 2 ? int64_t{-EINTR} : r;
  });
  auto engine = MakeEngine(&inj);
  ASSERT_NE(engine, nullptr);
  std::vector<ReadRequest> reqs;
  for (size_t i = 0; i < paths.size(); ++i) {
    auto id = engine->AddPath(paths[i]);
    ASSERT_OK(id.status());
    reqs.push_back({*id, 0, 1 << 16, {}, i});
  }
  auto results = engine->ReadAll(std::move(reqs));
  ASSERT_OK(results.status());
  for (size_t i = 0; i < paths.size(); ++i) {
    const ReadResult& r = (*results)[i];
    if (i == 5) {
      EXPECT_THAT(r.status, StatusIs(absl::StatusCode::kCancelled, HasSubstr("c5")));
      continue;
    }
    ASSERT_OK(r.status);
    ASSERT_EQ(r.bytes_read, files[i].size()) << i;
    EXPECT_EQ(std::memcmp(r.data, files[i].data(), files[i].size()), 0) << i;
  }
}

TEST_P(EngineFaultsTest, AHugeBatchThroughSmallRingsWithFaultsStreamsWithoutDeadlock) {
  // 100k reads through rings of 8 with every third attempt interrupted and every read short.
  FnInjector inj([](const FaultSite& s, int64_t r) {
    if (s.retries == 0 && (s.offset_bytes / 512) % 3 == 0) return int64_t{-EINTR};
    return r > 300 ? r / 2 : r;
  });
  EngineOptions o;
  o.queue_depth = 8;
  o.max_inflight_bytes = 1 << 20;
  auto engine = MakeEngine(&inj, o);
  ASSERT_NE(engine, nullptr);
  auto spans = RandomSpans(100000, 2000, 4);
  std::vector<std::vector<std::byte>> dst;
  auto results = ReadSpans(*engine, spans, dst);
  ASSERT_EQ(results.size(), spans.size());
  size_t bad = 0;
  for (size_t i = 0; i < spans.size(); ++i) bad += !Exact(results[i], dst[i], spans[i]);
  EXPECT_EQ(bad, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, EngineFaultsTest,
                         ::testing::Values(BackendKind::kUring, BackendKind::kPread),
                         [](const auto& info) {
                           return info.param == BackendKind::kUring ? "uring" : "pread";
                         });

}  // namespace
}  // namespace zring::engine
