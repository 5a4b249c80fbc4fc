// Object sources through the Engine: range GETs against loopback servers (nginx, and
// tests/remote/fault_server.py for injected faults) checked byte for byte against the files
// they serve; the planning and the latency histogram alone; and the rules that need no server
// (mixed batches, suffix on local sources, URL validation). Tests that need a server skip,
// saying why, when nginx or python3 is missing.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine/engine_test_util.h"
#include "engine/http/test_servers.h"
#include "engine/remote_backend.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::zring::engine::http::testing::FaultServer;
using ::zring::engine::http::testing::NginxServer;
using ::zring::engine::testing::RandomBytes;
using ::zring::engine::testing::ScratchDir;
using ::zring::engine::testing::WriteFile;
using ::zring::testing::StatusIs;

constexpr int kObjects = 4;

class EngineRemoteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int k = 0; k < kObjects; ++k) {
      contents_[k] = RandomBytes((1 << 20) + 12345 * (k + 1), 100 + k);
      WriteFile(dir_.File(Name(k)), contents_[k]);
    }
  }

  static std::string Name(int k) { return "obj" + std::to_string(k) + ".bin"; }

  std::unique_ptr<Engine> MakeEngine(EngineOptions o = {}) {
    o.http.backoff_base_ms = 5;  // retries in these tests should not take seconds
    o.http.backoff_max_ms = 50;
    auto e = Engine::Create(o);
    EXPECT_OK(e.status());
    return e.ok() ? std::move(*e) : nullptr;
  }

  // Registers every object under `base_url`; ids_[k] is object k.
  void AddObjects(Engine& engine, const std::string& base_url) {
    for (int k = 0; k < kObjects; ++k) {
      ASSERT_OK_AND_ASSIGN(ids_[k], engine.AddObject(base_url + "/" + Name(k)));
    }
  }

  int ObjectOf(SourceId id) const {
    return int(std::find(ids_, ids_ + kObjects, id) - ids_);
  }

  // Checks r against bytes [offset, offset + length) of object k (fewer at its end).
  ::testing::AssertionResult SameBytes(const ReadResult& r, int k, uint64_t offset,
                                       uint64_t length) const {
    const std::vector<std::byte>& c = contents_[k];
    if (!r.status.ok()) return ::testing::AssertionFailure() << r.status.ToString();
    uint64_t want = offset >= c.size() ? 0 : std::min<uint64_t>(length, c.size() - offset);
    if (r.bytes_read != want) {
      return ::testing::AssertionFailure() << "object " << k << " [" << offset << ", +"
                                           << length << "): " << r.bytes_read
                                           << " bytes, want " << want;
    }
    if (want > 0 && std::memcmp(r.data, c.data() + offset, want) != 0) {
      return ::testing::AssertionFailure() << "object " << k << " [" << offset << ", +"
                                           << length << "): bytes differ";
    }
    if (want > 0 && r.source_size != c.size()) {
      return ::testing::AssertionFailure() << "source_size " << r.source_size << ", want "
                                           << c.size();
    }
    return ::testing::AssertionSuccess();
  }

  // Seeded random ranges over every object, some past the end, half into caller buffers.
  std::vector<ReadRequest> RandomRequests(size_t n, uint32_t seed,
                                          std::vector<std::byte>* arena) {
    std::mt19937 rng(seed);
    std::vector<ReadRequest> reqs(n);
    std::vector<size_t> dst_at(n, SIZE_MAX);
    size_t arena_bytes = 0;
    for (size_t i = 0; i < n; ++i) {
      int k = int(rng() % kObjects);
      uint64_t len = rng() % 3 == 0 ? rng() % 70000 : rng() % 9000;
      uint64_t off = rng() % (contents_[k].size() + 8192);
      reqs[i] = {ids_[k], off, len, {}, i};
      if (rng() % 2 == 0) {
        dst_at[i] = arena_bytes + rng() % 64;
        arena_bytes = dst_at[i] + len;
      }
    }
    arena->assign(arena_bytes + 1, std::byte{0});
    for (size_t i = 0; i < n; ++i) {
      if (dst_at[i] != SIZE_MAX) reqs[i].dst = {arena->data() + dst_at[i], reqs[i].length_bytes};
    }
    return reqs;
  }

  void ReadAndCheck(Engine& engine, const std::vector<ReadRequest>& reqs) {
    ASSERT_OK_AND_ASSIGN(std::vector<ReadResult> results, engine.ReadAll(reqs));
    ASSERT_EQ(results.size(), reqs.size());
    for (size_t i = 0; i < reqs.size(); ++i) {
      const ReadRequest& q = reqs[i];
      ASSERT_TRUE(SameBytes(results[i], ObjectOf(q.source), q.offset_bytes, q.length_bytes))
          << "request " << i;
      ASSERT_EQ(results[i].tag, q.tag);
      if (!q.dst.empty()) {
        ASSERT_EQ(results[i].data, q.dst.data()) << "request " << i;
      }
    }
  }

  ScratchDir dir_;
  std::vector<std::byte> contents_[kObjects];
  SourceId ids_[kObjects] = {};
};

TEST_F(EngineRemoteTest, RandomRangesMatchTheFiles) {
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(dir_.File("")));
  auto engine = MakeEngine();
  AddObjects(*engine, nginx->base_url());
  std::vector<std::byte> arena;
  ReadAndCheck(*engine, RandomRequests(4000, 7, &arena));
  EngineStats st = engine->Stats();
  EXPECT_EQ(st.requests_completed, 4000u);
  EXPECT_GT(st.http_requests, 0u);
  EXPECT_GT(st.http_bytes, 0u);
  EXPECT_GT(st.http_latency_p50_ns, 0u);
  EXPECT_LE(st.http_latency_p50_ns, st.http_latency_p99_ns);
  EXPECT_LE(st.http_latency_p99_ns, st.http_latency_p999_ns);
}

TEST_F(EngineRemoteTest, RandomRangesMatchOverH2cWithoutCoalescing) {
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(dir_.File(""), {.h2c = true}));
  EngineOptions o;
  o.http.h2c = true;
  o.remote_coalesce_gap_bytes = -1;
  auto engine = MakeEngine(o);
  AddObjects(*engine, nginx->base_url());
  std::vector<std::byte> arena;
  std::vector<ReadRequest> reqs = RandomRequests(2000, 8, &arena);
  ReadAndCheck(*engine, reqs);
  auto gets = std::count_if(reqs.begin(), reqs.end(), [](auto& q) { return q.length_bytes > 0; });
  EXPECT_EQ(engine->Stats().http_requests, uint64_t(gets));  // one GET per non-empty range
}

// 500 ranges of 1000 bytes every 1500 bytes in each object: one GET per object with the
// default gap, 44 ranges per GET under a 64 KiB cap, one GET per range without coalescing.
TEST_F(EngineRemoteTest, NearRangesBecomeFewGetsWithExactBytes) {
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(dir_.File("")));
  struct Case {
    int64_t gap;
    uint64_t cap;
    uint64_t gets;
  } cases[] = {{1 << 20, 16 << 20, kObjects}, {1 << 20, 65536, kObjects * 12},
               {-1, 16 << 20, kObjects * 500}};
  for (const Case& c : cases) {
    EngineOptions o;
    o.remote_coalesce_gap_bytes = c.gap;
    o.remote_max_coalesced_bytes = c.cap;
    auto engine = MakeEngine(o);
    AddObjects(*engine, nginx->base_url());
    std::vector<std::byte> arena(kObjects * 500 * 1000);
    std::vector<ReadRequest> reqs;
    for (int i = 0; i < 500; ++i) {
      for (int k = 0; k < kObjects; ++k) {  // interleaved: the plan sorts them back
        ReadRequest q{ids_[k], uint64_t(i) * 1500, 1000, {}, uint64_t(i)};
        if (i % 2 == 0) q.dst = {arena.data() + (i * kObjects + k) * 1000, 1000};
        reqs.push_back(q);
      }
    }
    ReadAndCheck(*engine, reqs);
    EXPECT_EQ(engine->Stats().http_requests, c.gets) << "gap " << c.gap << " cap " << c.cap;
  }
}

TEST_F(EngineRemoteTest, SuffixReadsReturnTheTailAndTheSize) {
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(dir_.File("")));
  auto engine = MakeEngine();
  AddObjects(*engine, nginx->base_url());
  std::vector<std::byte> dst(100);
  std::vector<ReadRequest> reqs;
  for (int k = 0; k < kObjects; ++k) {
    ReadRequest tail{ids_[k], 999999, 100, {}, 0, true};  // offset_bytes is ignored
    if (k == 0) tail.dst = dst;
    reqs.push_back(tail);
    reqs.push_back({ids_[k], 0, 8u << 20, {}, 1, true});  // larger than the object
    reqs.push_back({ids_[k], 0, 0, {}, 2, true});         // nothing asked
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ReadResult> results, engine->ReadAll(reqs));
  for (int k = 0; k < kObjects; ++k) {
    uint64_t size = contents_[k].size();
    EXPECT_TRUE(SameBytes(results[3 * k], k, size - 100, 100)) << k;
    EXPECT_EQ(results[3 * k].source_size, size);
    EXPECT_TRUE(SameBytes(results[3 * k + 1], k, 0, size)) << k;
    EXPECT_OK(results[3 * k + 2].status);
    EXPECT_EQ(results[3 * k + 2].bytes_read, 0u);
  }
  EXPECT_EQ(results[0].data, dst.data());
}

TEST_F(EngineRemoteTest, MissingAndForbiddenObjectsFailOnlyTheirRequests) {
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(dir_.File("")));
  auto engine = MakeEngine();
  AddObjects(*engine, nginx->base_url());
  std::string missing_url = nginx->base_url() + "/no/such/object";
  std::string forbidden_url = nginx->base_url() + "/forbidden/obj0.bin";
  ASSERT_OK_AND_ASSIGN(SourceId missing, engine->AddObject(missing_url));
  ASSERT_OK_AND_ASSIGN(SourceId forbidden, engine->AddObject(forbidden_url));
  std::vector<ReadRequest> reqs;
  for (uint64_t i = 0; i < 300; ++i) {
    SourceId s = i % 3 == 0 ? ids_[i % kObjects] : i % 3 == 1 ? missing : forbidden;
    reqs.push_back({s, i * 3000, 2000, {}, i});
  }
  ASSERT_OK_AND_ASSIGN(std::vector<ReadResult> results, engine->ReadAll(reqs));
  for (uint64_t i = 0; i < 300; ++i) {
    if (i % 3 == 0) {
      EXPECT_TRUE(SameBytes(results[i], int(i % kObjects), i * 3000, 2000)) << i;
    } else if (i % 3 == 1) {
      EXPECT_THAT(results[i].status, StatusIs(absl::StatusCode::kNotFound,
                                              HasSubstr(missing_url)));
    } else {
      EXPECT_THAT(results[i].status, StatusIs(absl::StatusCode::kPermissionDenied,
                                              AllOf(HasSubstr(forbidden_url), HasSubstr("403"))));
    }
  }
}

// A budget of 128 KiB against 40 MB of reads: GETs are issued as earlier ones free the budget.
TEST_F(EngineRemoteTest, BatchFarLargerThanTheBudgetStreams) {
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(dir_.File("")));
  EngineOptions o;
  o.max_inflight_bytes = 128 << 10;
  o.remote_coalesce_gap_bytes = -1;
  o.http.max_requests = 4;
  auto engine = MakeEngine(o);
  AddObjects(*engine, nginx->base_url());
  std::mt19937 rng(11);
  std::vector<ReadRequest> reqs;
  for (uint64_t i = 0; i < 4000; ++i) {
    int k = int(rng() % kObjects);
    reqs.push_back({ids_[k], rng() % contents_[k].size(), 1 + rng() % 20000, {}, i});
  }
  reqs.push_back({ids_[0], 0, contents_[0].size(), {}, 4000});  // alone larger than the budget
  std::atomic<int> bad{0}, seen{0};
  auto check = [&](uint32_t i, ReadResult& r) {
    const ReadRequest& q = reqs[i];
    if (!SameBytes(r, ObjectOf(q.source), q.offset_bytes, q.length_bytes)) ++bad;
    r.buffer = PooledBuffer();  // memory stays bounded: nothing is kept
    ++seen;
  };
  ASSERT_OK_AND_ASSIGN(auto batch, engine->Submit(reqs, check));
  ASSERT_OK(batch->Wait());
  EXPECT_EQ(seen.load(), 4001);
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(engine->Stats().http_requests, 4001u);
}

TEST_F(EngineRemoteTest, DestroyingTheEngineWaitsForObjectBatches) {
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(dir_.File("")));
  auto engine = MakeEngine();
  AddObjects(*engine, nginx->base_url());
  std::vector<std::byte> arena;
  std::vector<ReadRequest> reqs = RandomRequests(500, 12, &arena);
  ASSERT_OK_AND_ASSIGN(auto batch, engine->Submit(reqs));
  engine.reset();
  ASSERT_TRUE(batch->Done());
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(SameBytes(batch->result(i), ObjectOf(reqs[i].source), reqs[i].offset_bytes,
                          reqs[i].length_bytes));
  }
}

TEST_F(EngineRemoteTest, RetriedFaultsStillGiveExactBytes) {
  ZRING_START_SERVER_OR_SKIP(
      auto faults, FaultServer::Start(dir_.File(""), {"--seed", "5", "--error-rate", "0.15",
                                                      "--error-status", "503", "--drop-rate",
                                                      "0.05", "--drop-mid-rate", "0.1"}));
  EngineOptions o;
  o.http.max_retries = 30;
  auto engine = MakeEngine(o);
  AddObjects(*engine, faults->base_url());
  std::vector<std::byte> arena;
  ReadAndCheck(*engine, RandomRequests(600, 13, &arena));
  EXPECT_GT(engine->Stats().http_retries, 0u) << "no fault was injected";
}

TEST_F(EngineRemoteTest, AnAlwaysFailingObjectFailsOnlyItsRequests) {
  ZRING_START_SERVER_OR_SKIP(auto faults,
                            FaultServer::Start(dir_.File(""), {"--fail-path", "/obj1.bin=503"}));
  EngineOptions o;
  o.http.max_retries = 2;
  auto engine = MakeEngine(o);
  AddObjects(*engine, faults->base_url());
  std::vector<std::byte> arena;
  std::vector<ReadRequest> reqs = RandomRequests(400, 14, &arena);
  ASSERT_OK_AND_ASSIGN(std::vector<ReadResult> results, engine->ReadAll(reqs));
  std::string url = faults->base_url() + "/" + Name(1);
  int failed = 0;
  for (size_t i = 0; i < reqs.size(); ++i) {
    int k = ObjectOf(reqs[i].source);
    if (k == 1 && reqs[i].length_bytes > 0) {
      EXPECT_THAT(results[i].status, StatusIs(absl::StatusCode::kUnavailable,
                                              AllOf(HasSubstr(url), HasSubstr("503"))));
      ++failed;
    } else {
      EXPECT_TRUE(SameBytes(results[i], k, reqs[i].offset_bytes, reqs[i].length_bytes)) << i;
    }
  }
  EXPECT_GT(failed, 0);
}

// The fault server's count of file requests, from its /__stats JSON.
uint64_t ServerRequests(FaultServer& server) {
  absl::StatusOr<std::string> json = server.Stats();
  EXPECT_OK(json.status());
  if (!json.ok()) return 0;
  size_t at = json->find("\"requests\":");
  EXPECT_NE(at, std::string::npos) << *json;
  return at == std::string::npos ? 0 : std::stoull(json->substr(at + 11));
}

TEST_F(EngineRemoteTest, CacheDirServesRepeatedReadsWithoutRequests) {
  ZRING_START_SERVER_OR_SKIP(auto server, FaultServer::Start(dir_.File("")));
  ScratchDir cache;
  EngineOptions o;
  o.cache_dir = cache.File("ranges");
  o.cache_bytes = 64 << 20;
  auto engine = MakeEngine(o);
  AddObjects(*engine, server->base_url());
  std::vector<std::byte> arena;
  std::vector<ReadRequest> reqs = RandomRequests(300, 15, &arena);
  ReadAndCheck(*engine, reqs);
  uint64_t first = ServerRequests(*server);
  EXPECT_GT(first, 0u);
  std::fill(arena.begin(), arena.end(), std::byte{0});
  ReadAndCheck(*engine, reqs);  // the same ranges: every GET is a cache hit
  EXPECT_EQ(ServerRequests(*server), first);
  EXPECT_FALSE(std::filesystem::is_empty(o.cache_dir));
}

// Runs `child` in a forked process; its exit code, or -1 (and a failure) after 20 s.
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

TEST_F(EngineRemoteTest, ForkedChildSubmitIsFailedPrecondition) {
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(dir_.File("")));
  auto engine = MakeEngine();
  AddObjects(*engine, nginx->base_url());
  ASSERT_OK_AND_ASSIGN(auto before, engine->ReadAll({{ids_[2], 10, 5000, {}, 0}}));
  ASSERT_TRUE(SameBytes(before[0], 2, 10, 5000));
  int code = RunInChild([&]() -> int {
    auto reused = engine->Submit({{ids_[2], 0, 16, {}, 0}});
    if (reused.ok()) return 1;
    if (!absl::IsFailedPrecondition(reused.status())) return 2;
    if (std::string(reused.status().message()).find("forked child") == std::string::npos) {
      return 3;
    }
    engine.reset();  // abandoning the parent's client must not hang or crash
    return 0;
  });
  EXPECT_EQ(code, 0) << "1: reuse succeeded, 2: wrong code, 3: message lacks 'forked child'";
  ASSERT_OK_AND_ASSIGN(auto after, engine->ReadAll({{ids_[3], 777, 3000, {}, 0}}));
  EXPECT_TRUE(SameBytes(after[0], 3, 777, 3000));
}

TEST_F(EngineRemoteTest, MixedBatchIsRefused) {
  auto engine = MakeEngine();
  std::string file = dir_.File(Name(0));
  ASSERT_OK_AND_ASSIGN(SourceId local, engine->OpenFile(file));
  ASSERT_OK_AND_ASSIGN(SourceId object, engine->AddObject("http://127.0.0.1:9/x.bin"));
  auto mixed = engine->Submit({{local, 0, 10, {}, 0}, {object, 0, 10, {}, 1}});
  EXPECT_THAT(mixed.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                       AllOf(HasSubstr(file), HasSubstr("x.bin"))));
  // Local batches still read once object sources exist.
  ASSERT_OK_AND_ASSIGN(auto local_only, engine->ReadAll({{local, 5, 100, {}, 0}}));
  ASSERT_OK(local_only[0].status);
  ASSERT_EQ(local_only[0].bytes_read, 100u);
  EXPECT_EQ(std::memcmp(local_only[0].data, contents_[0].data() + 5, 100), 0);
}

TEST_F(EngineRemoteTest, SuffixOnALocalSourceFailsInItsResult) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId local, engine->OpenFile(dir_.File(Name(1))));
  ASSERT_OK_AND_ASSIGN(SourceId path, engine->AddPath(dir_.File(Name(2))));
  ASSERT_OK_AND_ASSIGN(auto results, engine->ReadAll({{local, 0, 64, {}, 0},
                                                      {local, 0, 64, {}, 1, true},
                                                      {path, 0, 64, {}, 2, true}}));
  ASSERT_OK(results[0].status);
  EXPECT_EQ(std::memcmp(results[0].data, contents_[1].data(), 64), 0);
  EXPECT_THAT(results[1].status, StatusIs(absl::StatusCode::kInvalidArgument,
                                          AllOf(HasSubstr("suffix"), HasSubstr(Name(1)))));
  EXPECT_THAT(results[2].status, StatusIs(absl::StatusCode::kInvalidArgument,
                                          AllOf(HasSubstr("suffix"), HasSubstr(Name(2)))));
}

TEST(EngineRemote, AddObjectTakesOnlyHttpUrls) {
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Create({}));
  for (const char* bad : {"", "s3://bucket/key", "gs://b/k", "ftp://h/x", "http://", "/tmp/x"}) {
    EXPECT_THAT(engine->AddObject(bad).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("http")))
        << bad;
  }
  EXPECT_OK(engine->AddObject("https://example.com/a/b").status());
  EXPECT_EQ(engine->Stats().http_requests, 0u);  // registration does no I/O
}

TEST(EngineRemote, ClosedObjectSourceFailsItsRequests) {
  ASSERT_OK_AND_ASSIGN(auto engine, Engine::Create({}));
  ASSERT_OK_AND_ASSIGN(SourceId id, engine->AddObject("http://127.0.0.1:9/gone"));
  ASSERT_OK(engine->CloseSource(id));
  ASSERT_OK_AND_ASSIGN(auto results, engine->ReadAll({{id, 0, 10, {}, 0}}));
  EXPECT_THAT(results[0].status,
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("closed")));
  EXPECT_EQ(engine->Stats().http_requests, 0u);
}

TEST(RemotePlan, MergesNeighboursPerObjectAndKeepsSuffixesAlone) {
  internal::SourceTable table(false);
  ASSERT_OK_AND_ASSIGN(SourceId a, table.AddObject("http://h/a", nullptr));
  ASSERT_OK_AND_ASSIGN(SourceId b, table.AddObject("http://h/b", nullptr));
  std::vector<std::byte> small(4);
  std::vector<ReadRequest> reqs = {
      {a, 1000, 100, {}, 0},       // 0: merges with 2 (gap 50) ...
      {b, 0, 10, {}, 1},           // 1: another object
      {a, 1150, 100, {}, 2},       // 2
      {a, 1400, 100, {}, 3},       // 3: gap 150 > 100: a read of its own
      {a, 0, 64, {}, 4, true},     // 4: suffix: alone
      {a, 5, 0, {}, 5},            // 5: nothing to read
      {99, 0, 10, {}, 6},          // 6: no such source
      {a, 0, 10, small, 7},        // 7: dst too small
  };
  std::vector<ReadResult> results(reqs.size());
  internal::Plan plan;
  internal::PlanObjectRequests(reqs, results, table, 100, 1 << 20, &plan);
  EXPECT_THAT(plan.immediate, ::testing::ElementsAre(5, 6, 7));
  EXPECT_OK(results[5].status);
  EXPECT_THAT(results[6].status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("99")));
  EXPECT_THAT(results[7].status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dst")));
  ASSERT_EQ(plan.reads.size(), 4u);
  auto members = [&](const internal::PlannedRead& r) {
    return std::vector<uint32_t>(plan.members.begin() + r.first_member,
                                 plan.members.begin() + r.first_member + r.member_count);
  };
  EXPECT_THAT(members(plan.reads[0]), ::testing::ElementsAre(4));
  EXPECT_THAT(members(plan.reads[1]), ::testing::ElementsAre(0, 2));
  EXPECT_EQ(plan.reads[1].offset_bytes, 1000u);
  EXPECT_EQ(plan.reads[1].length_bytes, 250u);
  EXPECT_THAT(members(plan.reads[2]), ::testing::ElementsAre(3));
  EXPECT_THAT(members(plan.reads[3]), ::testing::ElementsAre(1));
  // A cap below the merged length keeps 0 and 2 apart.
  internal::Plan capped;
  internal::PlanObjectRequests(reqs, results, table, 100, 200, &capped);
  EXPECT_EQ(capped.reads.size(), 5u);
}

TEST(RemoteLatency, PercentilesAreWithinASixteenth) {
  internal::LatencyHistogram h;
  EXPECT_EQ(h.Percentile(0.5), 0u);
  for (uint64_t v = 1; v <= 100000; ++v) h.Record(v * 1000);
  for (double q : {0.5, 0.99, 0.999}) {
    double want = q * 100000 * 1000;
    double got = double(h.Percentile(q));
    EXPECT_NEAR(got, want, want / 16) << q;
  }
  for (uint64_t v : {0ull, 7ull, 16ull, 1000ull, 123456789ull, ~0ull}) {
    int b = internal::LatencyHistogram::BucketOf(v);
    ASSERT_LT(b, internal::LatencyHistogram::kBuckets);
    double mid = double(internal::LatencyHistogram::Midpoint(b));
    EXPECT_NEAR(mid, double(v), double(v) / 16 + 1) << v;
  }
}

}  // namespace
}  // namespace zring::engine
