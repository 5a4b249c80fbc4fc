#include "zarr/sampler.h"

#include <stdlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "engine/status_matchers.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::zarr {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::testing::StatusIsCode;

using V = std::vector<uint64_t>;

// ---- Hash and uniform draws: pinned values (computed by an independent implementation of the
// formulas in sampler.h), since users' crops depend on them.

TEST(SamplerHash, MatchesTheSpecifiedFormula) {
  EXPECT_EQ(SamplerHash(0, 0, 0, 0), 0x2130748aaac80268ull);
  EXPECT_EQ(SamplerHash(1, 2, 3, 4), 0xd55ccd4aeb3ccafbull);
  EXPECT_EQ(SamplerHash(~0ull, ~0ull, ~0ull, ~0ull), 0x9c666618c8f279d7ull);
}

TEST(UniformBelow, MatchesTheSpecifiedFormula) {
  EXPECT_EQ(UniformBelow(10, 0, 0, 0, 0), 1u);
  EXPECT_EQ(UniformBelow(100, 7, 3, 5, 1), 63u);
  EXPECT_EQ(UniformBelow(1000003, 42, 1, 2, 2), 305611u);
  // n just above 2^63 rejects almost half the products: the re-hash path.
  const uint64_t n = (1ull << 63) + 1;
  EXPECT_EQ(UniformBelow(n, 5, 0, 0, 0), 8181681990547560324ull);
  EXPECT_EQ(UniformBelow(n, 5, 0, 1, 0), 2311263339184814289ull);
  EXPECT_EQ(UniformBelow(n, 5, 0, 2, 0), 7053203007960610180ull);
}

TEST(UniformBelow, StaysBelowN) {
  for (uint64_t n : {1ull, 2ull, 3ull, 7ull, 1000ull, (1ull << 63) + 1, ~0ull}) {
    for (uint64_t i = 0; i < 2000; ++i) EXPECT_LT(UniformBelow(n, 1, 2, i, 0), n) << n;
  }
  EXPECT_EQ(UniformBelow(1, 9, 9, 9, 9), 0u);
}

// ---- CropSampler

CropSamplerOptions Opts(V shape, V crop, uint64_t seed = 0) {
  CropSamplerOptions o;
  o.array_shape = std::move(shape);
  o.crop_shape = std::move(crop);
  o.seed = seed;
  o.length = 100;
  return o;
}

TEST(CropSampler, RejectsBadShapesNamingTheDimension) {
  EXPECT_THAT(CropSampler::Create(Opts({10, 10}, {4})).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 dimensions")));
  EXPECT_THAT(CropSampler::Create(Opts({10, 10}, {4, 11})).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("dimension 1"), HasSubstr("crop extent 11"))));
  EXPECT_THAT(CropSampler::Create(Opts({10, 10}, {0, 1})).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dimension 0")));
  CropSamplerOptions roi = Opts({10, 10}, {4, 4});
  roi.roi_begin = {0, 5};
  roi.roi_end = {10, 8};
  EXPECT_THAT(CropSampler::Create(roi).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("dimension 1"), HasSubstr("[5, 8)"))));
  roi.roi_end = {10, 11};
  EXPECT_THAT(CropSampler::Create(roi).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("dimension 1"), HasSubstr("outside"))));
  roi.roi_begin = {0, 5, 0};
  EXPECT_THAT(CropSampler::Create(roi).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2 dimensions")));
}

TEST(CropSampler, CropIsTheSpecifiedDraw) {
  ASSERT_OK_AND_ASSIGN(CropSampler s, CropSampler::Create(Opts({100, 50}, {10, 5}, 3)));
  Box b = s.Crop(2, 7);
  EXPECT_THAT(b.origin, ElementsAre(63, 16));
  EXPECT_THAT(b.shape, ElementsAre(10, 5));
  CropSamplerOptions roi = Opts({100, 50}, {10, 5}, 3);
  roi.roi_begin = {0, 20};
  ASSERT_OK_AND_ASSIGN(CropSampler r, CropSampler::Create(roi));
  EXPECT_THAT(r.Crop(2, 7).origin, ElementsAre(63, 29));
  EXPECT_THAT(r.options().roi_end, ElementsAre(100, 50));
}

TEST(CropSampler, StartsStayInsideTheRoiAndReachEveryStart) {
  CropSamplerOptions o = Opts({9, 7}, {2, 3}, 11);
  o.roi_begin = {2, 1};
  o.roi_end = {7, 6};  // starts: dim 0 in [2, 5], dim 1 in [1, 3]
  ASSERT_OK_AND_ASSIGN(CropSampler s, CropSampler::Create(o));
  std::set<std::pair<uint64_t, uint64_t>> seen;
  for (uint64_t i = 0; i < 2000; ++i) {
    Box b = s.Crop(0, i);
    ASSERT_GE(b.origin[0], 2u);
    ASSERT_LE(b.origin[0] + 2, 7u);
    ASSERT_GE(b.origin[1], 1u);
    ASSERT_LE(b.origin[1] + 3, 6u);
    seen.insert({b.origin[0], b.origin[1]});
  }
  EXPECT_EQ(seen.size(), 4u * 3u);
}

TEST(CropSampler, StartsAreRoughlyUniform) {
  ASSERT_OK_AND_ASSIGN(CropSampler s, CropSampler::Create(Opts({24}, {5}, 0)));  // 20 starts
  constexpr int kDraws = 40000;
  std::vector<int> counts(20, 0);
  for (uint64_t i = 0; i < kDraws; ++i) ++counts[s.Crop(1, i).origin[0]];
  double chi2 = 0;
  const double expected = kDraws / 20.0;
  for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
  // 19 degrees of freedom: P(chi2 > 50) is about 1e-4 for a uniform source.
  EXPECT_LT(chi2, 50.0);
  EXPECT_GT(chi2, 1.0);  // suspiciously perfect counts would mean a non-random pattern
}

TEST(CropSampler, SameCropsWhateverTheCallOrderOrThreads) {
  ASSERT_OK_AND_ASSIGN(CropSampler s, CropSampler::Create(Opts({50, 60, 70}, {4, 8, 8}, 5)));
  constexpr uint64_t kN = 400;
  std::vector<Box> forward;
  for (uint64_t i = 0; i < kN; ++i) forward.push_back(s.Crop(3, i));
  for (uint64_t i = kN; i-- > 0;) EXPECT_EQ(s.Crop(3, i).origin, forward[i].origin);
  std::vector<V> threaded(kN);
  std::vector<std::thread> threads;
  for (uint64_t t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t i = t; i < kN; i += 4) threaded[i] = s.Crop(3, i).origin;
    });
  }
  for (auto& t : threads) t.join();
  for (uint64_t i = 0; i < kN; ++i) EXPECT_EQ(threaded[i], forward[i].origin) << i;
  // Crops(...) and CropOrigins(...) agree with Crop().
  V idx{7, 3, 399, 0};
  std::vector<Box> some = s.Crops(3, idx);
  V flat(idx.size() * 3);
  ASSERT_OK(s.CropOrigins(3, idx, flat));
  for (size_t k = 0; k < idx.size(); ++k) {
    EXPECT_EQ(some[k].origin, forward[idx[k]].origin);
    EXPECT_EQ(V(flat.begin() + 3 * k, flat.begin() + 3 * k + 3), forward[idx[k]].origin);
  }
  V small(2);
  EXPECT_THAT(s.CropOrigins(3, idx, small), StatusIsCode(absl::StatusCode::kInvalidArgument));
  // Another epoch or seed moves crops.
  int same_epoch = 0, same_seed = 0;
  ASSERT_OK_AND_ASSIGN(CropSampler other, CropSampler::Create(Opts({50, 60, 70}, {4, 8, 8}, 6)));
  for (uint64_t i = 0; i < kN; ++i) {
    same_epoch += s.Crop(4, i).origin == forward[i].origin;
    same_seed += other.Crop(3, i).origin == forward[i].origin;
  }
  EXPECT_LT(same_epoch, 3);
  EXPECT_LT(same_seed, 3);
}

// ---- Shuffle and sharding

TEST(ShuffledIndex, MatchesTheSpecifiedPermutation) {
  V e0, e1;
  for (uint64_t p = 0; p < 10; ++p) {
    e0.push_back(ShuffledIndex(10, 0, 0, p));
    e1.push_back(ShuffledIndex(10, 0, 1, p));
  }
  EXPECT_THAT(e0, ElementsAre(6, 3, 9, 4, 0, 8, 1, 2, 7, 5));
  EXPECT_THAT(e1, ElementsAre(1, 2, 7, 8, 9, 0, 6, 4, 5, 3));
}

TEST(ShuffledIndex, IsAPermutationForEveryLength) {
  std::vector<uint64_t> lengths;
  for (uint64_t n = 0; n <= 130; ++n) lengths.push_back(n);
  for (uint64_t n : {255ull, 256ull, 257ull, 1000ull, 4097ull, 65537ull}) lengths.push_back(n);
  for (uint64_t n : lengths) {
    std::vector<bool> hit(n, false);
    for (uint64_t p = 0; p < n; ++p) {
      const uint64_t x = ShuffledIndex(n, 9, 2, p);
      ASSERT_LT(x, n);
      ASSERT_FALSE(hit[x]) << "length " << n << " maps two positions to " << x;
      hit[x] = true;
    }
  }
}

TEST(ShuffledIndex, EpochsAndSeedsGiveDifferentOrders) {
  constexpr uint64_t kN = 1000;
  V a, b, c, a2;
  for (uint64_t p = 0; p < kN; ++p) {
    a.push_back(ShuffledIndex(kN, 1, 0, p));
    a2.push_back(ShuffledIndex(kN, 1, 0, p));
    b.push_back(ShuffledIndex(kN, 1, 1, p));
    c.push_back(ShuffledIndex(kN, 2, 0, p));
  }
  EXPECT_EQ(a, a2);
  int fixed_ab = 0, fixed_ac = 0, fixed_identity = 0;
  for (uint64_t p = 0; p < kN; ++p) {
    fixed_ab += a[p] == b[p];
    fixed_ac += a[p] == c[p];
    fixed_identity += a[p] == p;
  }
  // A random permutation agrees with another in about one place.
  EXPECT_LT(fixed_ab, 10);
  EXPECT_LT(fixed_ac, 10);
  EXPECT_LT(fixed_identity, 10);
}

TEST(RankIndices, PadsLikeTorchWithoutShuffle) {
  // torch: 10 indices, 4 ranks -> total 12, order 0..9,0,1, rank r takes order[r::4].
  std::vector<V> got;
  for (int r = 0; r < 4; ++r) {
    ASSERT_OK_AND_ASSIGN(V v, RankIndices(10, 0, 0, r, 4, false, false));
    got.push_back(v);
  }
  EXPECT_THAT(got[0], ElementsAre(0, 4, 8));
  EXPECT_THAT(got[1], ElementsAre(1, 5, 9));
  EXPECT_THAT(got[2], ElementsAre(2, 6, 0));
  EXPECT_THAT(got[3], ElementsAre(3, 7, 1));
  ASSERT_OK_AND_ASSIGN(V dropped, RankIndices(10, 0, 0, 3, 4, false, true));
  EXPECT_THAT(dropped, ElementsAre(3, 7));
  // More ranks than indices: the order wraps as often as needed.
  ASSERT_OK_AND_ASSIGN(V wrapped, RankIndices(2, 0, 0, 4, 5, false, false));
  EXPECT_THAT(wrapped, ElementsAre(0));
  ASSERT_OK_AND_ASSIGN(V none, RankIndices(2, 0, 0, 4, 5, false, true));
  EXPECT_TRUE(none.empty());
  ASSERT_OK_AND_ASSIGN(V empty, RankIndices(0, 0, 0, 0, 1, true, false));
  EXPECT_TRUE(empty.empty());
}

TEST(RankIndices, RanksCoverEveryIndexWithTorchSizes) {
  for (uint64_t length : {1ull, 7ull, 100ull, 101ull, 1003ull}) {
    for (int world : {1, 2, 3, 8}) {
      for (bool drop_last : {false, true}) {
        const uint64_t w = static_cast<uint64_t>(world);
        const uint64_t per_rank = drop_last ? length / w : (length + w - 1) / w;
        std::multiset<uint64_t> all;
        for (int r = 0; r < world; ++r) {
          ASSERT_OK_AND_ASSIGN(V v, RankIndices(length, 4, 1, r, world, true, drop_last));
          ASSERT_EQ(v.size(), per_rank) << length << " " << world << " " << drop_last;
          all.insert(v.begin(), v.end());
        }
        ASSERT_EQ(all.size(), per_rank * w);
        std::set<uint64_t> distinct(all.begin(), all.end());
        if (drop_last) {
          EXPECT_EQ(distinct.size(), all.size()) << "dropping never repeats an index";
        } else {
          EXPECT_EQ(distinct.size(), length) << "padding covers every index";
        }
        for (uint64_t x : distinct) ASSERT_LT(x, length);
      }
    }
  }
}

TEST(RankIndices, ShuffleDependsOnEpochOnly) {
  ASSERT_OK_AND_ASSIGN(V e0, RankIndices(500, 7, 0, 1, 2, true, false));
  ASSERT_OK_AND_ASSIGN(V e0again, RankIndices(500, 7, 0, 1, 2, true, false));
  ASSERT_OK_AND_ASSIGN(V e1, RankIndices(500, 7, 1, 1, 2, true, false));
  EXPECT_EQ(e0, e0again);
  EXPECT_NE(e0, e1);
  // World 1 reads the whole shuffled order; world 2 interleaves the same order.
  ASSERT_OK_AND_ASSIGN(V all, RankIndices(500, 7, 0, 0, 1, true, false));
  for (size_t k = 0; k < e0.size(); ++k) EXPECT_EQ(e0[k], all[2 * k + 1]);
}

TEST(RankIndices, RejectsBadRanks) {
  EXPECT_THAT(RankIndices(10, 0, 0, 0, 0, true, false).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("world size 0")));
  EXPECT_THAT(RankIndices(10, 0, 0, 2, 2, true, false).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rank 2")));
  EXPECT_THAT(RankIndices(10, 0, 0, -1, 2, true, false).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("rank -1")));
}

TEST(WorkerIndices, HandsOutBatchesRoundRobin) {
  V idx;
  for (uint64_t i = 0; i < 11; ++i) idx.push_back(100 + i);
  ASSERT_OK_AND_ASSIGN(V w0, WorkerIndices(idx, 0, 2, 3));
  ASSERT_OK_AND_ASSIGN(V w1, WorkerIndices(idx, 1, 2, 3));
  EXPECT_THAT(w0, ElementsAre(100, 101, 102, 106, 107, 108));
  EXPECT_THAT(w1, ElementsAre(103, 104, 105, 109, 110));
  ASSERT_OK_AND_ASSIGN(V s2, WorkerIndices(idx, 2, 3));
  EXPECT_THAT(s2, ElementsAre(102, 105, 108));
  ASSERT_OK_AND_ASSIGN(V many, WorkerIndices(idx, 5, 20, 1));
  EXPECT_THAT(many, ElementsAre(105));
  ASSERT_OK_AND_ASSIGN(V none, WorkerIndices(idx, 15, 20, 1));
  EXPECT_TRUE(none.empty());
  EXPECT_THAT(WorkerIndices(idx, 2, 2).status(), StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WorkerIndices(idx, 0, 0).status(), StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(WorkerIndices(idx, 0, 1, 0).status(), StatusIsCode(absl::StatusCode::kInvalidArgument));
}

// ---- MultiArrayCropReader on a directory store: three 13x17x11 arrays in 4x5x3 chunks.

const V kShape{13, 17, 11};

std::string Meta(const std::string& dtype, const V& shape) {
  return fmt::format(
      R"({{"zarr_format": 3, "node_type": "array", "shape": [{}, {}, {}], "data_type": "{}",
      "chunk_grid": {{"name": "regular", "configuration": {{"chunk_shape": [4, 5, 3]}}}},
      "chunk_key_encoding": {{"name": "default"}}, "fill_value": 7, "codecs": [
      {{"name": "bytes", "configuration": {{"endian": "little"}}}},
      {{"name": "gzip", "configuration": {{"level": 1}}}}]}})",
      shape[0], shape[1], shape[2], dtype);
}

uint16_t Value(int channel, const V& at) {
  return static_cast<uint16_t>(channel * 5000 + at[0] * 17 * 11 + at[1] * 11 + at[2]);
}

class MultiArrayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zring_sampler_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_OK_AND_ASSIGN(store_, DirectoryStore::Open(dir_));
    for (int c = 0; c < 3; ++c) WriteArray(std::string(1, static_cast<char>('a' + c)), c);
    Put("wide/zarr.json", Meta("uint32", kShape));
    Put("long/zarr.json", Meta("uint16", {13, 17, 12}));
    for (const char* p : {"a", "b", "c", "wide", "long"}) {
      ASSERT_OK_AND_ASSIGN(auto arr, Array::Open(*store_, p));
      arrays_.push_back(std::move(arr));
    }
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Put(const std::string& key, const std::string& text) {
    ASSERT_OK(store_->Set(key, std::as_bytes(std::span(text.data(), text.size()))));
  }
  // Every chunk but (1, 1, 1) is stored, so crops also see fill values.
  void WriteArray(const std::string& path, int channel) {
    Put(path + "/zarr.json", Meta("uint16", kShape));
    ASSERT_OK_AND_ASSIGN(auto arr, Array::Open(*store_, path));
    const ChunkGrid& g = arr->grid();
    for (uint64_t n = 0; n < g.NumChunks(); ++n) {
      const V idx = g.UnravelIndex(n);
      if (idx == V{1, 1, 1}) continue;
      std::vector<uint16_t> chunk(4 * 5 * 3, 0);
      for (uint64_t i = 0; i < 4; ++i)
        for (uint64_t j = 0; j < 5; ++j)
          for (uint64_t k = 0; k < 3; ++k) {
            V at{idx[0] * 4 + i, idx[1] * 5 + j, idx[2] * 3 + k};
            chunk[(i * 5 + j) * 3 + k] = Value(channel, at);
          }
      Buffer enc;
      ASSERT_OK(arr->EncodeChunk(idx, std::as_bytes(std::span(chunk)), enc));
      ASSERT_OK(store_->Set(arr->StoreKey(idx), enc.span()));
    }
  }
  std::vector<uint16_t> ReadBox(int channel, const Box& b) {
    std::vector<uint16_t> v(b.NumElements());
    EXPECT_OK(arrays_[channel]->ReadBox(b, std::as_writable_bytes(std::span(v))));
    return v;
  }

  std::string dir_;
  std::unique_ptr<DirectoryStore> store_;
  std::vector<std::unique_ptr<Array>> arrays_;  // a, b, c, wide (uint32), long (other shape)
};

TEST_F(MultiArrayTest, StacksChannelsLastLikeSeparateReads) {
  CropReaderOptions opt;
  opt.threads = 2;
  ASSERT_OK_AND_ASSIGN(auto reader, MultiArrayCropReader::Create(
                                        {arrays_[0].get(), arrays_[1].get(), arrays_[2].get()},
                                        opt));
  EXPECT_EQ(reader->num_channels(), 3u);
  ASSERT_OK_AND_ASSIGN(CropSampler s, CropSampler::Create(Opts(kShape, {4, 6, 5}, 1)));
  V idx;
  for (uint64_t i = 0; i < 40; ++i) idx.push_back(i);
  std::vector<Box> boxes = s.Crops(0, idx);
  boxes.push_back(Box{{4, 5, 3}, {4, 5, 3}});  // exactly the missing chunk: all fill
  EXPECT_EQ(reader->CropBytes(boxes[0].shape), 4u * 6 * 5 * 3 * 2);
  for (int pass = 0; pass < 2; ++pass) {  // the readers are reused across calls
    std::vector<uint16_t> out(boxes.size() * 4 * 6 * 5 * 3 - 4 * 6 * 5 * 3 + 4 * 5 * 3 * 3, 1);
    ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st,
                         reader->ReadCrops(boxes, std::as_writable_bytes(std::span(out))));
    size_t offset = 0;
    for (size_t i = 0; i < boxes.size(); ++i) {
      ASSERT_OK(st[i]);
      const uint64_t n = boxes[i].NumElements();
      for (int c = 0; c < 3; ++c) {
        std::vector<uint16_t> want = ReadBox(c, boxes[i]);
        for (uint64_t e = 0; e < n; ++e) {
          ASSERT_EQ(out[offset + e * 3 + c], want[e]) << "crop " << i << " channel " << c;
        }
      }
      offset += n * 3;
    }
    EXPECT_EQ(out.back(), 7u);  // the fill value, last channel of the last element
  }
  EXPECT_GT(reader->stats().chunks_decoded, 0u);
  EXPECT_GT(reader->stats().chunks_filled, 0u);
}

TEST_F(MultiArrayTest, OneArrayIsPlainCOrder) {
  ASSERT_OK_AND_ASSIGN(auto reader, MultiArrayCropReader::Create({arrays_[1].get()}, {}));
  std::vector<Box> boxes{Box{{0, 0, 0}, {13, 17, 11}}, Box{{3, 2, 1}, {5, 5, 5}}};
  std::vector<uint16_t> out(13 * 17 * 11 + 125);
  ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st,
                       reader->ReadCrops(boxes, std::as_writable_bytes(std::span(out))));
  ASSERT_OK(st[0]);
  ASSERT_OK(st[1]);
  std::vector<uint16_t> want = ReadBox(1, boxes[0]);
  std::vector<uint16_t> want2 = ReadBox(1, boxes[1]);
  want.insert(want.end(), want2.begin(), want2.end());
  EXPECT_EQ(out, want);
}

TEST_F(MultiArrayTest, BadCropFailsOnlyItself) {
  ASSERT_OK_AND_ASSIGN(auto reader,
                       MultiArrayCropReader::Create({arrays_[0].get(), arrays_[2].get()}, {}));
  std::vector<Box> boxes{Box{{0, 0, 0}, {2, 2, 2}}, Box{{12, 0, 0}, {2, 2, 2}}};
  std::vector<uint16_t> out(2 * 8 * 2);
  ASSERT_OK_AND_ASSIGN(std::vector<absl::Status> st,
                       reader->ReadCrops(boxes, std::as_writable_bytes(std::span(out))));
  ASSERT_OK(st[0]);
  EXPECT_THAT(st[1], StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(out[0], Value(0, {0, 0, 0}));
  EXPECT_EQ(out[1], Value(2, {0, 0, 0}));
  EXPECT_EQ(out[15], Value(2, {1, 1, 1}));
  std::vector<uint16_t> small(10);
  EXPECT_THAT(reader->ReadCrops(boxes, std::as_writable_bytes(std::span(small))).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("need 64")));
}

TEST_F(MultiArrayTest, RefusesArraysThatDoNotStack) {
  EXPECT_THAT(MultiArrayCropReader::Create({arrays_[0].get(), arrays_[3].get()}, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"a\""), HasSubstr("\"wide\""), HasSubstr("uint32"))));
  EXPECT_THAT(MultiArrayCropReader::Create({arrays_[0].get(), arrays_[4].get()}, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("\"long\""), HasSubstr("[13, 17, 12]"))));
  EXPECT_THAT(MultiArrayCropReader::Create({}, {}).status(),
              StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(MultiArrayCropReader::Create({arrays_[0].get(), nullptr}, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("null")));
}

}  // namespace
}  // namespace zring::zarr
