// The engine's read correctness, run once per backend (io_uring and pread): every test checks
// the bytes against a pread reference, not just the status.
#include "engine/engine.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/engine_test_util.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine {
namespace {

using ::testing::HasSubstr;
using ::zring::engine::testing::DirectIoSupported;
using ::zring::engine::testing::PreadReference;
using ::zring::engine::testing::RandomBytes;
using ::zring::engine::testing::ScratchDir;
using ::zring::engine::testing::WriteFile;

std::string BackendParamName(const ::testing::TestParamInfo<BackendKind>& info) {
  return info.param == BackendKind::kUring ? "Uring" : "Pread";
}

class EngineTest : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override {
    file_ = dir_.File("data.bin");
    content_ = RandomBytes(kFileBytes, 1234);
    WriteFile(file_, content_);
  }

  std::unique_ptr<Engine> MakeEngine(EngineOptions o = {}) {
    o.backend = GetParam();
    if (o.io_threads == 0) o.io_threads = 2;
    auto e = Engine::Create(o);
    EXPECT_OK(e.status());
    return e.ok() ? std::move(*e) : nullptr;
  }

  // Submits `reqs` and checks every result against pread of the same range.
  void ReadAndCheck(Engine& engine, std::vector<ReadRequest> reqs, const std::string& path) {
    std::vector<ReadRequest> copy = reqs;
    ASSERT_OK_AND_ASSIGN(std::vector<ReadResult> results, engine.ReadAll(std::move(reqs)));
    ASSERT_EQ(results.size(), copy.size());
    for (size_t i = 0; i < copy.size(); ++i) {
      std::vector<std::byte> want =
          PreadReference(path, copy[i].offset_bytes, copy[i].length_bytes);
      ASSERT_OK(results[i].status) << "request " << i;
      ASSERT_EQ(results[i].bytes_read, want.size()) << "request " << i;
      ASSERT_EQ(results[i].tag, copy[i].tag);
      if (!want.empty()) {
        ASSERT_EQ(std::memcmp(results[i].data, want.data(), want.size()), 0)
            << "request " << i << " offset " << copy[i].offset_bytes << " length "
            << copy[i].length_bytes;
      }
      if (!copy[i].dst.empty()) {
        ASSERT_EQ(results[i].data, copy[i].dst.data());
      }
    }
  }

  // Seeded random requests, some past EOF, half into misaligned caller buffers.
  std::vector<ReadRequest> RandomRequests(SourceId src, size_t n, uint32_t seed,
                                          std::vector<std::byte>* arena) {
    std::mt19937 rng(seed);
    std::vector<ReadRequest> reqs(n);
    std::vector<size_t> dst_offsets(n, SIZE_MAX);
    size_t arena_bytes = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t len = rng() % 3 == 0 ? rng() % 70000 : rng() % 9000;
      uint64_t off = rng() % (kFileBytes + 8192);
      reqs[i] = {src, off, len, {}, i * 7 + 1};
      if (rng() % 2 == 0) {
        dst_offsets[i] = arena_bytes + rng() % 512;
        arena_bytes = dst_offsets[i] + len;
      }
    }
    arena->assign(arena_bytes + 1, std::byte{0});
    for (size_t i = 0; i < n; ++i) {
      if (dst_offsets[i] != SIZE_MAX) {
        reqs[i].dst = {arena->data() + dst_offsets[i], reqs[i].length_bytes};
      }
    }
    return reqs;
  }

  static constexpr uint64_t kFileBytes = 3 << 20;
  ScratchDir dir_;
  std::string file_;
  std::vector<std::byte> content_;
};

TEST_P(EngineTest, RandomReadsMatchPread) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::vector<std::byte> arena;
  ReadAndCheck(*engine, RandomRequests(src, 5000, 7, &arena), file_);
  ASSERT_OK_AND_ASSIGN(std::string name, engine->BackendName());
  EXPECT_EQ(name, GetParam() == BackendKind::kUring ? "uring" : "pread");
}

TEST_P(EngineTest, RandomReadsMatchPreadWithoutCoalescing) {
  EngineOptions o;
  o.coalesce_gap_bytes = -1;
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::vector<std::byte> arena;
  ReadAndCheck(*engine, RandomRequests(src, 3000, 8, &arena), file_);
}

TEST_P(EngineTest, UnalignedDirectReadsMatchPread) {
  if (!DirectIoSupported(file_)) {
    GTEST_SKIP() << "SKIPPED LOUDLY: the filesystem of " << file_ << " refuses O_DIRECT";
  }
  EngineOptions o;
  o.direct_io = true;
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::vector<std::byte> arena;
  ReadAndCheck(*engine, RandomRequests(src, 3000, 9, &arena), file_);
  // Aligned destinations and ranges go straight to the caller's memory; a tail that ends the
  // file mid-block is still exact.
  PooledBuffer aligned = engine->AllocateBuffer(1 << 20);
  std::vector<ReadRequest> reqs = {{src, 4096, 1 << 20, aligned.span(), 1},
                                   {src, kFileBytes - 100, 4096, {}, 2},
                                   {src, 1, 1, {}, 3}};
  ReadAndCheck(*engine, std::move(reqs), file_);
}

TEST_P(EngineTest, HundredThousandRequestsStreamThroughASmallRing) {
  EngineOptions o;
  o.queue_depth = 4;
  o.max_inflight_bytes = 64 << 10;
  o.coalesce_gap_bytes = -1;
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  constexpr size_t kN = 100'000;
  std::vector<std::byte> out(kN * 64);
  std::vector<ReadRequest> reqs(kN);
  for (size_t i = 0; i < kN; ++i) {
    uint64_t off = (i * 7919) % (kFileBytes - 64);
    reqs[i] = {src, off, 64, {out.data() + i * 64, 64}, i};
  }
  ASSERT_OK_AND_ASSIGN(auto results, engine->ReadAll(reqs));
  for (size_t i = 0; i < kN; ++i) {
    ASSERT_OK(results[i].status);
    ASSERT_EQ(results[i].bytes_read, 64u);
    ASSERT_EQ(std::memcmp(out.data() + i * 64, content_.data() + reqs[i].offset_bytes, 64), 0)
        << "request " << i;
  }
  EXPECT_EQ(engine->Stats().requests_completed, kN);
}

TEST_P(EngineTest, EndOfFileGivesShortResults) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::vector<ReadRequest> reqs = {{src, kFileBytes - 10, 100, {}, 0},
                                   {src, kFileBytes, 100, {}, 1},
                                   {src, kFileBytes + 5000, 100, {}, 2},
                                   {src, 0, kFileBytes + 1, {}, 3}};
  ASSERT_OK_AND_ASSIGN(auto results, engine->ReadAll(reqs));
  EXPECT_OK(results[0].status);
  ASSERT_EQ(results[0].bytes_read, 10u);
  EXPECT_EQ(std::memcmp(results[0].data, content_.data() + kFileBytes - 10, 10), 0);
  EXPECT_OK(results[1].status);
  EXPECT_EQ(results[1].bytes_read, 0u);
  EXPECT_OK(results[2].status);
  EXPECT_EQ(results[2].bytes_read, 0u);
  ASSERT_EQ(results[3].bytes_read, kFileBytes);
  EXPECT_EQ(std::memcmp(results[3].data, content_.data(), kFileBytes), 0);
}

TEST_P(EngineTest, ZeroLengthReadsCompleteWithoutBytes) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::byte sentinel[4] = {std::byte{0xAB}, std::byte{0xAB}, std::byte{0xAB}, std::byte{0xAB}};
  std::vector<ReadRequest> reqs = {{src, 0, 0, {}, 5},
                                   {src, 100, 0, {sentinel, 4}, 6},
                                   {src, 100, 4, {sentinel, 4}, 7}};
  ASSERT_OK_AND_ASSIGN(auto results, engine->ReadAll(reqs));
  EXPECT_OK(results[0].status);
  EXPECT_EQ(results[0].bytes_read, 0u);
  EXPECT_EQ(results[0].tag, 5u);
  EXPECT_OK(results[1].status);
  EXPECT_EQ(results[1].bytes_read, 0u);
  ASSERT_EQ(results[2].bytes_read, 4u);
  EXPECT_EQ(std::memcmp(sentinel, content_.data() + 100, 4), 0);
}

TEST_P(EngineTest, CoalescesOnlyWithinTheGap) {
  EngineOptions o;
  o.coalesce_gap_bytes = 100;
  o.io_threads = 1;
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  ASSERT_OK_AND_ASSIGN(SourceId other, engine->OpenFile(file_));
  // Reads: [0,50)+[150,200) (gap 100: merged) | [301,310) (gap 101: alone) |
  // [1000,1100)+[1050,1060)+[1100,1200) (overlap and adjacent: merged) | other source alone.
  std::vector<ReadRequest> reqs = {{src, 150, 50, {}, 0},   {src, 0, 50, {}, 1},
                                   {src, 301, 9, {}, 2},    {src, 1000, 100, {}, 3},
                                   {src, 1050, 10, {}, 4},  {src, 1100, 100, {}, 5},
                                   {other, 1200, 10, {}, 6}};
  ReadAndCheck(*engine, reqs, file_);
  EXPECT_EQ(engine->Stats().reads_completed, 4u);
  EXPECT_EQ(engine->Stats().requests_completed, 7u);
}

// Members of one coalesced read without destinations share its buffer: each result's buffer is
// a view that stays valid on its own, after the batch and every other member's result are gone.
TEST_P(EngineTest, CoalescedMembersShareTheReadBufferAndOutliveTheBatch) {
  EngineOptions o;
  o.coalesce_gap_bytes = 4096;
  o.io_threads = 1;
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::vector<ReadRequest> reqs;
  for (uint64_t i = 0; i < 8; ++i) reqs.push_back({src, 5000 + i * 3000, 2000, {}, i});
  std::vector<PooledBuffer> kept;
  std::vector<const std::byte*> data;
  {
    ASSERT_OK_AND_ASSIGN(std::vector<ReadResult> results, engine->ReadAll(reqs));
    EXPECT_EQ(engine->Stats().reads_completed, 1u);
    for (ReadResult& r : results) {
      ASSERT_OK(r.status);
      ASSERT_EQ(r.bytes_read, 2000u);
      ASSERT_TRUE(r.buffer);
      EXPECT_EQ(r.buffer.data(), r.data);
      data.push_back(r.data);
      kept.push_back(std::move(r.buffer));
    }
  }
  // Release all but the last two; the block must stay alive for them.
  for (size_t i = 0; i + 2 < kept.size(); ++i) kept[i] = PooledBuffer();
  for (size_t i = kept.size() - 2; i < kept.size(); ++i) {
    EXPECT_EQ(std::memcmp(data[i], content_.data() + 5000 + i * 3000, 2000), 0) << i;
  }
}

TEST_P(EngineTest, MaxCoalescedBytesSplitsLongRuns) {
  EngineOptions o;
  o.max_coalesced_bytes = 4096;
  o.io_threads = 1;
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::vector<ReadRequest> reqs;
  for (uint64_t i = 0; i < 16; ++i) reqs.push_back({src, i * 1024, 1024, {}, i});
  ReadAndCheck(*engine, reqs, file_);
  EXPECT_EQ(engine->Stats().reads_completed, 4u);
}

TEST_P(EngineTest, PathSourcesReadWholeFilesUpToTheMaximum) {
  auto engine = MakeEngine();
  std::vector<ReadRequest> reqs;
  std::vector<std::vector<std::byte>> want;
  for (uint32_t i = 0; i < 300; ++i) {
    std::string p = dir_.File("chunk." + std::to_string(i));
    want.push_back(RandomBytes(i * 37 % 20000, i));
    WriteFile(p, want.back());
    ASSERT_OK_AND_ASSIGN(SourceId id, engine->AddPath(p));
    reqs.push_back({id, 0, 16384, {}, i});  // files above 16 KiB are cut at the maximum
  }
  ASSERT_OK_AND_ASSIGN(auto results, engine->ReadAll(reqs));
  for (uint32_t i = 0; i < 300; ++i) {
    ASSERT_OK(results[i].status) << i;
    size_t n = std::min<size_t>(want[i].size(), 16384);
    ASSERT_EQ(results[i].bytes_read, n) << i;
    if (n > 0) {
      ASSERT_EQ(std::memcmp(results[i].data, want[i].data(), n), 0) << i;
    }
  }
}

TEST_P(EngineTest, PathChainsOnATinyRingFlushTheFullSq) {
  // Depth 2 on a 4-entry SQ: the second 3-SQE chain does not fit until the first is flushed.
  EngineOptions o;
  o.queue_depth = 2;
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId path, engine->AddPath(file_));
  ASSERT_OK_AND_ASSIGN(SourceId file, engine->OpenFile(file_));
  std::vector<ReadRequest> reqs;
  for (uint64_t i = 0; i < 500; ++i) {
    reqs.push_back({i % 2 ? path : file, i * 5000, 3000 + i, {}, i});
  }
  ReadAndCheck(*engine, std::move(reqs), file_);
}

TEST_P(EngineTest, CompletionQueueHandsOutEveryIndexOnce) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::vector<ReadRequest> reqs;
  for (uint64_t i = 0; i < 2000; ++i) reqs.push_back({src, i * 1000, 900, {}, i});
  ASSERT_OK_AND_ASSIGN(auto batch, engine->Submit(reqs));
  std::vector<int> seen(reqs.size(), 0);
  std::vector<uint32_t> done;
  while (batch->WaitSome(&done, 64) > 0) {
    for (uint32_t i : done) {
      ++seen[i];
      ASSERT_EQ(batch->result(i).bytes_read, 900u);
      ASSERT_EQ(std::memcmp(batch->result(i).data, content_.data() + i * 1000, 900), 0);
    }
    done.clear();
  }
  EXPECT_TRUE(batch->Done());
  EXPECT_THAT(seen, ::testing::Each(1));
}

TEST_P(EngineTest, CallbackSeesEveryCompletionAndMayTakeTheBuffer) {
  auto engine = MakeEngine();
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::vector<ReadRequest> reqs;
  for (uint64_t i = 0; i < 1000; ++i) reqs.push_back({src, i * 3000, 2000, {}, i});
  std::mutex mu;
  std::vector<PooledBuffer> taken(reqs.size());
  std::vector<std::byte*> data(reqs.size());
  ASSERT_OK_AND_ASSIGN(auto batch, engine->Submit(reqs, [&](uint32_t i, ReadResult& r) {
    std::lock_guard<std::mutex> lock(mu);
    data[i] = r.data;
    taken[i] = std::move(r.buffer);
  }));
  ASSERT_OK(batch->Wait());
  for (size_t i = 0; i < reqs.size(); ++i) {
    ASSERT_TRUE(taken[i]) << i;
    ASSERT_EQ(std::memcmp(data[i], content_.data() + i * 3000, 2000), 0) << i;
  }
}

TEST_P(EngineTest, LongReadsContinueWherePiecesStopLikeShortReads) {
  // max_read_bytes cuts every read into pieces, so each one takes the short-read
  // resubmission path (for path sources: a new open-read-close chain at the new offset).
  EngineOptions o;
  o.max_read_bytes = 1000;
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  ASSERT_OK_AND_ASSIGN(SourceId path, engine->AddPath(file_));
  std::vector<std::byte> arena;
  std::vector<ReadRequest> reqs = RandomRequests(src, 1000, 11, &arena);
  for (size_t i = 0; i < reqs.size(); i += 3) reqs[i].source = path;
  ReadAndCheck(*engine, std::move(reqs), file_);
}

TEST_P(EngineTest, DirectLongReadsAndPathSourcesMatchPread) {
  if (!DirectIoSupported(file_)) {
    GTEST_SKIP() << "SKIPPED LOUDLY: the filesystem of " << file_ << " refuses O_DIRECT";
  }
  EngineOptions o;
  o.direct_io = true;
  o.max_read_bytes = 4096 + 100;  // rounded down to 4096 under O_DIRECT
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  ASSERT_OK_AND_ASSIGN(SourceId path, engine->AddPath(file_));
  std::vector<std::byte> arena;
  std::vector<ReadRequest> reqs = RandomRequests(src, 1000, 12, &arena);
  for (size_t i = 0; i < reqs.size(); i += 2) reqs[i].source = path;
  ReadAndCheck(*engine, std::move(reqs), file_);
}

TEST_P(EngineTest, SqpollAndPlainBuffersReadCorrectly) {
  EngineOptions o;
  o.sqpoll = true;
  o.registered_buffers = false;
  o.buffer_pool_bytes = 0;  // every engine buffer from the heap
  auto engine = MakeEngine(o);
  ASSERT_OK_AND_ASSIGN(SourceId src, engine->OpenFile(file_));
  std::vector<std::byte> arena;
  ReadAndCheck(*engine, RandomRequests(src, 2000, 13, &arena), file_);
}

INSTANTIATE_TEST_SUITE_P(Backends, EngineTest,
                         ::testing::Values(BackendKind::kUring, BackendKind::kPread),
                         BackendParamName);

}  // namespace
}  // namespace zring::engine
