#include "zarr/crop_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <future>
#include <system_error>
#include <mutex>
#include <tuple>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/buffer.h"
#include "zarr/crop_plan.h"
#include "zarr/errors.h"

namespace zring::zarr {
namespace {

// A chunk whose crops need at most this fraction of its bytes is range-decoded. The range
// decoder skips c-blosc's copy of raw streams and unshuffles only the range, so it wins even
// for most of a chunk (bench/bytes_codec_bench BM_BloscRange).
constexpr size_t kRangeDecodeNum = 3, kRangeDecodeDen = 4;

// One crop's need for one chunk: slices[crop][slice] of the call.
struct Use {
  uint32_t crop;
  uint32_t slice;
};

// A chunk (an inner chunk when sharded) that one or more crops need.
struct Unit {
  DimVector index;  // on the read grid
  uint32_t first_use = 0;
  uint32_t num_uses = 0;
  bool cached = false;  // served from the decoded-chunk cache
  uint32_t shard = ~uint32_t{0};  // into Call::shards when sharded
  uint64_t inner_number = 0;      // C-order number inside its shard
  engine::ReadRequest request;
  // range_read: the request reads the stored chunk from this byte on, not from its start.
  uint64_t range_lo = 0;
  bool range_read = false;
};

// Whether [offset, offset + length) of the mapped file lies in it and in pages that were resident.
bool Resident(const MappedFile& map, const std::vector<uint8_t>& pages, uint64_t offset,
              uint64_t length) {
  if (pages.empty() || length == 0 || offset > map.size() || length > map.size() - offset) {
    return false;
  }
  const uint64_t ps = MappedFile::page_size();
  for (uint64_t p = offset / ps; p <= (offset + length - 1) / ps; ++p) {
    if ((pages[p] & 1) == 0) return false;
  }
  return true;
}

// Sorts (key, value) pairs by key, stably: LSD radix with 11-bit digits, as many passes as the
// largest key needs. Pairs pushed in value order come out as std::sort would order them.
void SortByKey(std::vector<std::pair<uint64_t, uint64_t>>& v,
               std::vector<std::pair<uint64_t, uint64_t>>& scratch) {
  if (v.size() < 512) {
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    return;
  }
  uint64_t max_key = 0;
  for (const auto& p : v) max_key = std::max(max_key, p.first);
  scratch.resize(v.size());
  constexpr int kBits = 11;
  constexpr size_t kBuckets = size_t{1} << kBits;
  std::vector<size_t> count(kBuckets + 1);
  for (int shift = 0; shift < 64 && (max_key >> shift) != 0; shift += kBits) {
    std::fill(count.begin(), count.end(), 0);
    for (const auto& p : v) ++count[((p.first >> shift) & (kBuckets - 1)) + 1];
    for (size_t b = 1; b <= kBuckets; ++b) count[b] += count[b - 1];
    for (const auto& p : v) scratch[count[(p.first >> shift) & (kBuckets - 1)]++] = p;
    v.swap(scratch);
  }
}

uint64_t Linear(std::span<const uint64_t> index, std::span<const uint64_t> grid_shape) {
  uint64_t n = 0;
  for (size_t d = 0; d < index.size(); ++d) n = n * grid_shape[d] + index[d];
  return n;
}

}  // namespace

struct CropReader::ShardInfo {
  DimVector index;  // on the array's (shard) grid
  uint64_t linear = 0;
  engine::SourceId source = engine::kInvalidSource;
  uint64_t size_bytes = 0;
  bool missing = false;
  bool needed = true;  // some unit of the shard was not served from the cache
  absl::Status status;
  std::vector<ShardIndexEntry> entries;
  std::shared_ptr<MappedFile> map;  // map_resident: the shard's mapping, if made
  std::vector<uint8_t> resident;    // its pages in memory when the call began (mincore)
};

struct CropReader::Call {
  std::span<const Box> crops;
  std::span<const CropOutput> outputs;
  std::vector<std::vector<ChunkSlice>> slices;
  std::vector<Use> uses;
  std::vector<Unit> units;
  std::vector<ShardInfo> shards;
  std::vector<uint32_t> to_read;  // units with a request, in submission order
  std::vector<uint32_t> mapped;   // units copied from their shard's mapping instead
  // read_resident_: chunk files tried on the decoding threads first; those left to the engine.
  std::vector<uint32_t> resident_try, resident_missed;
  uint64_t mapped_bytes = 0;      // sizes of the shards this call maps
  std::mutex mu;
  std::condition_variable cv;
  std::vector<absl::Status> status;  // guarded by mu once reads are in flight
  // Stored bytes submitted and not yet processed, and the units they belong to. A completion
  // wakes RunRounds only when the bytes fall back under the budget or the last unit is done.
  uint64_t inflight_bytes = 0;       // guarded by mu
  size_t pending = 0;                // guarded by mu
  // Planning scratch: (chunk key, crop << 32 | slice) pairs, in (crop, slice) order until
  // sorted by key.
  std::vector<std::pair<uint64_t, uint64_t>> needs, sort_scratch;

  // Empties the call for the next group, keeping the vectors' memory (the per-crop slice lists
  // too: PlanCrop overwrites them in place).
  void Reset() {
    crops = {};
    outputs = {};
    uses.clear();
    units.clear();
    shards.clear();
    to_read.clear();
    mapped.clear();
    resident_try.clear();
    resident_missed.clear();
    mapped_bytes = 0;
    status.clear();
    inflight_bytes = 0;
    pending = 0;
    needs.clear();
  }
};

absl::StatusOr<std::unique_ptr<CropReader>> CropReader::Create(const Array& array,
                                                               const CropReaderOptions& options,
                                                               engine::Engine* engine) {
  if (array.store().engine_access() == EngineAccess::kNone) {
    return absl::UnimplementedError(fmt::format(
        "{}: crop reads need a directory store or an object store (read through the engine), "
        "not {}",
        array.Describe(), array.store().Describe()));
  }
  std::unique_ptr<engine::Engine> owned;
  if (engine == nullptr) {
    engine::EngineOptions engine_options = options.engine;
    // Reads in flight stay within the budget, so a larger registered arena would only sit in
    // memory (it is resident in full); 4 MiB at least, for registered buffers at tiny budgets.
    engine_options.buffer_pool_bytes = std::min<uint64_t>(
        engine_options.buffer_pool_bytes, std::max<uint64_t>(options.budget_bytes, 4 << 20));
    array.store().ConfigureEngine(engine_options);
    ZRING_ASSIGN_OR_RETURN(owned, engine::Engine::Create(engine_options));
    engine = owned.get();
  }
  return std::unique_ptr<CropReader>(new CropReader(array, options, engine, std::move(owned)));
}

CropReader::CropReader(const Array& array, const CropReaderOptions& options,
                       engine::Engine* engine, std::unique_ptr<engine::Engine> owned)
    : array_(array),
      options_(options),
      owned_engine_(std::move(owned)),
      engine_(engine),
      objects_(array.store().engine_access() == EngineAccess::kObjects),
      index_cache_(options.index_cache_bytes) {
  const CodecChain& chain = array.codec_chain();
  sharding_ = chain.sharding();
  // Codecs around the sharding stage would have to run on whole shards: read those whole.
  if (chain.HasArrayToArrayCodecs() || chain.HasBytesToBytesCodecs()) sharding_ = nullptr;
  read_chunk_shape_ = sharding_ ? sharding_->inner_chunk_shape() : array.metadata().chunk_shape;
  for (size_t d = 0; d < read_chunk_shape_.size(); ++d) {
    const uint64_t c = read_chunk_shape_[d];
    read_grid_shape_.push_back((array.metadata().shape[d] + c - 1) / c);
  }
  if (options.chunk_cache_bytes > 0) {
    chunk_cache_ = std::make_unique<ChunkCache>(options.chunk_cache_bytes);
  }
  raw_chunks_ = chunk_cache_ == nullptr &&
                (sharding_ != nullptr ? sharding_->inner_chain() : chain).IsIdentity();
  // Cached chunks are taken without the engine: from shard mappings, or chunk files read by
  // the decoding threads.
  const bool resident = options.map_resident && chunk_cache_ == nullptr &&
                        !engine_->options().direct_io &&
                        dynamic_cast<const DirectoryStore*>(&array.store()) != nullptr;
  map_resident_ = resident && sharding_ != nullptr;
  read_resident_ = resident && sharding_ == nullptr;
  pool_ = std::make_unique<WorkerPool>(options.threads);
}

CropReader::~CropReader() {
  {
    std::lock_guard<std::mutex> lock(async_mu_);
    async_stop_ = true;
  }
  async_cv_.notify_all();
  if (async_thread_.joinable()) async_thread_.join();  // runs what was queued first
}

CropReader::CropsFuture CropReader::ReadCropsAsync(std::vector<Box> crops,
                                                   std::vector<CropOutput> outputs) {
  std::packaged_task<absl::StatusOr<std::vector<absl::Status>>()> task(
      [this, crops = std::move(crops), outputs = std::move(outputs)] {
        return ReadCrops(crops, outputs);
      });
  CropsFuture future = task.get_future();
  std::lock_guard<std::mutex> lock(async_mu_);
  async_queue_.push_back(std::move(task));
  if (!async_thread_.joinable()) {
    async_thread_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(async_mu_);
      for (;;) {
        async_cv_.wait(lock, [this] { return async_stop_ || !async_queue_.empty(); });
        if (async_queue_.empty()) return;  // stopping, and nothing left to run
        auto next = std::move(async_queue_.front());
        async_queue_.pop_front();
        lock.unlock();
        next();
        lock.lock();
      }
    });
  }
  async_cv_.notify_one();
  return future;
}

CropReadStats CropReader::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  CropReadStats s = stats_;
  s.chunks_decoded += chunks_decoded_.load(std::memory_order_relaxed);
  s.bytes_read += chunk_bytes_read_.load(std::memory_order_relaxed);
  s.chunks_filled += chunks_filled_.load(std::memory_order_relaxed);
  s.chunks_cached += chunks_cached_.load(std::memory_order_relaxed);
  s.chunks_mapped += chunks_mapped_.load(std::memory_order_relaxed);
  s.chunks_resident_read += chunks_resident_read_.load(std::memory_order_relaxed);
  s.chunks_direct += chunks_direct_.load(std::memory_order_relaxed);
  s.chunks_range_decoded += chunks_range_decoded_.load(std::memory_order_relaxed);
  s.chunks_range_read += chunks_range_read_.load(std::memory_order_relaxed);
  s.bytes_decompressed += bytes_decompressed_.load(std::memory_order_relaxed);
  return s;
}

absl::Status CropReader::Read(const Box& crop, const CropOutput& output) {
  ZRING_ASSIGN_OR_RETURN(std::vector<absl::Status> s,
                         ReadCrops(std::span<const Box>(&crop, 1),
                                   std::span<const CropOutput>(&output, 1)));
  return s[0];
}

absl::StatusOr<std::vector<absl::Status>> CropReader::ReadCrops(
    std::span<const Box> crops, std::span<const CropOutput> outputs) {
  if (crops.size() != outputs.size()) {
    return absl::InvalidArgumentError(fmt::format("{}: {} crops but {} outputs",
                                                  array_.Describe(), crops.size(),
                                                  outputs.size()));
  }
  std::lock_guard<std::mutex> lock(call_mu_);
  if (crops.empty()) return std::vector<absl::Status>();
  const size_t group = std::max<size_t>(1, options_.group_crops);
  const size_t groups = (crops.size() + group - 1) / group;
  auto crops_of = [&](size_t k) {
    return crops.subspan(k * group, std::min(group, crops.size() - k * group));
  };
  auto outputs_of = [&](size_t k) {
    return outputs.subspan(k * group, std::min(group, crops.size() - k * group));
  };
  // Two calls' plans alternate: while group k is read on this thread (and the pool and the I/O
  // threads), group k + 1 is planned on a planner thread, so planning costs no wall time
  // beyond the first group.
  for (std::unique_ptr<Call>& c : calls_) {
    if (c == nullptr) c = std::make_unique<Call>();
  }
  PrepareGroup(*calls_[0], crops_of(0), outputs_of(0));
  std::vector<absl::Status> all;
  all.reserve(crops.size());
  for (size_t k = 0; k < groups; ++k) {
    std::future<void> next;
    bool planned_ahead = false;
    if (k + 1 < groups) {
      try {
        next = std::async(std::launch::async, [this, k, &crops_of, &outputs_of] {
          PrepareGroup(*calls_[(k + 1) % 2], crops_of(k + 1), outputs_of(k + 1));
        });
        planned_ahead = true;
      } catch (const std::system_error&) {
        // No thread to be had: plan the next group after this one instead.
      }
    }
    for (absl::Status& st : ExecuteGroup(*calls_[k % 2])) all.push_back(std::move(st));
    if (planned_ahead) {
      next.get();
    } else if (k + 1 < groups) {
      PrepareGroup(*calls_[(k + 1) % 2], crops_of(k + 1), outputs_of(k + 1));
    }
  }
  return all;
}

void CropReader::PrepareGroup(Call& call, std::span<const Box> crops,
                              std::span<const CropOutput> outputs) {
  // The plan's vectors keep their memory from one group to the next (no fresh pages to fault
  // in per group).
  call.Reset();
  call.crops = crops;
  call.outputs = outputs;
  call.status.assign(crops.size(), absl::OkStatus());
  PlanUnits(call);
  if (chunk_cache_ != nullptr) ServeFromCache(call);
  if (sharding_ != nullptr) OpenShards(call);
  PrepareRequests(call);
}

std::vector<absl::Status> CropReader::ExecuteGroup(Call& call) {
  AssembleMapped(call);
  ReadResidentFiles(call);
  RunRounds(call);
  for (const ShardInfo& s : call.shards) {
    if (s.source != engine::kInvalidSource) engine_->CloseSource(s.source).IgnoreError();
  }
  std::vector<absl::Status> status = std::move(call.status);
  call.Reset();
  return status;
}

void CropReader::PlanUnits(Call& call) {
  const size_t elem = array_.data_type().size_bytes();
  if (call.slices.size() < call.crops.size()) call.slices.resize(call.crops.size());
  // One entry per (crop, chunk) pair, sorted by the chunk's key: the chunk's C-order number on
  // the read grid, or for sharded arrays its shard's number times the inner chunks per shard
  // plus its number inside the shard, so that units come out shard by shard in file order.
  // Paired with crop << 32 | slice.
  std::vector<std::pair<uint64_t, uint64_t>>& needs = call.needs;
  uint64_t inner_per_shard = 1;
  if (sharding_ != nullptr) {
    for (uint64_t c : sharding_->chunks_per_shard()) inner_per_shard *= c;
  }
  // LocateInShard's arithmetic, folded into one number without building the shard index: this
  // runs for every (crop, chunk) pair.
  auto key_of = [&](const DimVector& index) {
    if (sharding_ == nullptr) return Linear(index, read_grid_shape_);
    const std::vector<uint64_t>& per = sharding_->chunks_per_shard();
    const std::vector<uint64_t>& shards = array_.grid().grid_shape();
    uint64_t shard = 0, inner = 0;
    for (size_t d = 0; d < index.size(); ++d) {
      shard = shard * shards[d] + index[d] / per[d];
      inner = inner * per[d] + index[d] % per[d];
    }
    return shard * inner_per_shard + inner;
  };
  for (size_t i = 0; i < call.crops.size(); ++i) {
    absl::Status s = ValidateCrop(call.crops[i], array_.metadata().shape);
    if (s.ok()) s = CheckOutput(call.crops[i], call.outputs[i], elem);
    if (!s.ok()) {
      call.status[i] = WithPrefix(s, array_.Describe());
      call.slices[i].clear();
      continue;
    }
    PlanCrop(call.crops[i], read_chunk_shape_, call.slices[i]);
    for (size_t j = 0; j < call.slices[i].size(); ++j) {
      needs.emplace_back(key_of(call.slices[i][j].chunk_index), uint64_t{i} << 32 | j);
    }
  }
  SortByKey(needs, call.sort_scratch);
  call.uses.reserve(needs.size());
  size_t num_units = 0;
  for (size_t k = 0; k < needs.size(); ++k) {
    num_units += k == 0 || needs[k - 1].first != needs[k].first;
  }
  call.units.reserve(num_units);
  for (size_t k = 0; k < needs.size(); ++k) {
    const uint32_t crop = static_cast<uint32_t>(needs[k].second >> 32);
    const uint32_t slice = static_cast<uint32_t>(needs[k].second);
    if (k == 0 || needs[k - 1].first != needs[k].first) {
      Unit u;
      u.index = call.slices[crop][slice].chunk_index;
      u.first_use = static_cast<uint32_t>(call.uses.size());
      if (sharding_ != nullptr) {
        u.inner_number = needs[k].first % inner_per_shard;
        const uint64_t shard_linear = needs[k].first / inner_per_shard;
        // Sorted by key: a shard's units are one run.
        if (call.shards.empty() || call.shards.back().linear != shard_linear) {
          call.shards.emplace_back();
          call.shards.back().index =
              LocateInShard(u.index, sharding_->chunks_per_shard()).shard_index;
          call.shards.back().linear = shard_linear;
        }
        u.shard = static_cast<uint32_t>(call.shards.size() - 1);
      }
      call.units.push_back(std::move(u));
    }
    call.uses.push_back({crop, slice});
    ++call.units.back().num_uses;
  }
}

void CropReader::OpenShards(Call& call) {
  const Store& store = array_.store();
  std::vector<ShardInfo*> misses;
  for (ShardInfo& s : call.shards) {
    if (!s.needed) continue;
    const std::string key = array_.StoreKey(s.index);
    if (objects_) {
      // An object's size costs a request: the index read tells it (ReadShardIndexes). A shard
      // read before keeps the size learned then.
      auto known = object_shard_sizes_.find(s.linear);
      if (known != object_shard_sizes_.end()) s.size_bytes = known->second;
    } else {
      absl::StatusOr<uint64_t> size = store.GetSize(key);  // one stat
      if (absl::IsNotFound(size.status())) {
        s.missing = true;
        continue;
      }
      if (!size.ok()) {
        s.status = WithPrefix(size.status(), array_.DescribeChunk(s.index));
        continue;
      }
      s.size_bytes = *size;
    }
    // A local shard becomes an engine source only when something must be read through the
    // engine: its index (not cached), or inner chunks not copied from its mapping
    // (PrepareRequests). Registering costs an open and a file-table update per ring.
    if (objects_ && !RegisterShard(s)) continue;
    if (map_resident_) MapShard(call, s);
    const std::vector<ShardIndexEntry>* hit =
        objects_ && s.size_bytes == 0 ? nullptr : index_cache_.Find(s.linear, s.size_bytes);
    if (hit != nullptr) {
      s.entries = *hit;
    } else if (RegisterShard(s)) {
      misses.push_back(&s);
    }
  }
  if (!misses.empty()) ReadShardIndexes(misses);
}

bool CropReader::RegisterShard(ShardInfo& s) {
  if (s.source != engine::kInvalidSource) return true;
  if (!s.status.ok()) return false;
  absl::StatusOr<engine::SourceId> src = array_.store().RegisterWithEngine(
      *engine_, array_.StoreKey(s.index), SourceUse::kRanges);
  if (!src.ok()) {
    s.status = WithPrefix(src.status(), array_.DescribeChunk(s.index));
    return false;
  }
  s.source = *src;
  return true;
}

void CropReader::ReadShardIndexes(std::vector<ShardInfo*>& misses) {
  const uint64_t index_bytes = sharding_->index_size_bytes();
  std::vector<engine::ReadRequest> reqs;
  std::vector<ShardInfo*> asked;
  for (ShardInfo* s : misses) {
    if (objects_) {
      // The size is unknown until the response: the index at the end is a suffix read.
      reqs.push_back({.source = s->source, .offset_bytes = 0, .length_bytes = index_bytes,
                      .suffix = sharding_->index_at_end()});
      asked.push_back(s);
      continue;
    }
    if (s->size_bytes < index_bytes) {
      s->status = absl::DataLossError(fmt::format(
          "{}: shard holds {} bytes, less than its {}-byte index",
          array_.DescribeChunk(s->index), s->size_bytes, index_bytes));
      continue;
    }
    const uint64_t at = sharding_->index_at_end() ? s->size_bytes - index_bytes : 0;
    reqs.push_back({.source = s->source, .offset_bytes = at, .length_bytes = index_bytes});
    asked.push_back(s);
  }
  if (reqs.empty()) return;
  absl::StatusOr<std::vector<engine::ReadResult>> results = engine_->ReadAll(std::move(reqs));
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.index_reads += asked.size();
  }
  for (size_t i = 0; i < asked.size(); ++i) {
    ShardInfo& s = *asked[i];
    absl::Status st = results.ok() ? (*results)[i].status : results.status();
    if (objects_ && absl::IsNotFound(st)) {
      s.missing = true;  // a shard that is not stored: all fill value
      continue;
    }
    if (objects_ && st.ok()) {
      st = ObjectShardSize(s, (*results)[i], index_bytes);
      if (!st.ok()) {
        s.status = st;
        continue;
      }
    }
    if (st.ok() && (*results)[i].bytes_read != index_bytes) {
      st = absl::DataLossError(fmt::format("index read returned {} of {} bytes",
                                           (*results)[i].bytes_read, index_bytes));
    }
    if (!st.ok()) {
      s.status = WithPrefix(st, array_.DescribeChunk(s.index) + ": shard index");
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats_.bytes_read += index_bytes;
    }
    absl::StatusOr<std::vector<ShardIndexEntry>> entries = sharding_->DecodeIndex(
        std::span<const std::byte>((*results)[i].data, index_bytes), s.size_bytes);
    if (!entries.ok()) {
      s.status = WithPrefix(entries.status(), array_.DescribeChunk(s.index) + ": shard index");
      continue;
    }
    s.entries = std::move(*entries);
    index_cache_.Insert(s.linear, s.entries, s.size_bytes);
  }
}

absl::Status CropReader::ObjectShardSize(ShardInfo& s, const engine::ReadResult& result,
                                         uint64_t index_bytes) {
  if (result.source_size == engine::kUnknownSize) {
    return absl::DataLossError(fmt::format(
        "{}: shard index: the server did not report the shard's size (no Content-Range or "
        "Content-Length), which the index offsets are checked against",
        array_.DescribeChunk(s.index)));
  }
  if (result.source_size < index_bytes || result.bytes_read < index_bytes) {
    return absl::DataLossError(fmt::format("{}: shard holds {} bytes, less than its {}-byte index",
                                           array_.DescribeChunk(s.index), result.source_size,
                                           index_bytes));
  }
  s.size_bytes = result.source_size;
  // Bounded: past this many shards the sizes are forgotten and the next call re-reads indexes.
  if (object_shard_sizes_.size() >= kMaxRememberedShardSizes) object_shard_sizes_.clear();
  object_shard_sizes_[s.linear] = s.size_bytes;
  return absl::OkStatus();
}

void CropReader::PrepareRequests(Call& call) {
  // Chunk files are tried on the decoding threads unless the file system refuses RWF_NOWAIT, or
  // most of a recent group's were not in the page cache (ReadResidentFiles).
  // Only the planning of one group at a time counts the skipped groups down.
  bool try_resident = read_resident_ && !nowait_refused_.load(std::memory_order_relaxed);
  if (try_resident && resident_skip_groups_.load(std::memory_order_relaxed) > 0) {
    resident_skip_groups_.fetch_sub(1, std::memory_order_relaxed);
    try_resident = false;
  }
  const uint64_t inner_bytes = ShapeProduct(read_chunk_shape_) * array_.data_type().size_bytes();
  for (uint32_t u = 0; u < call.units.size(); ++u) {
    Unit& unit = call.units[u];
    if (unit.cached) continue;
    if (sharding_ != nullptr) {
      ShardInfo& s = call.shards[unit.shard];
      if (!s.status.ok()) {
        FailUnit(call, u, s.status);
        continue;
      }
      if (s.missing || s.entries[unit.inner_number].missing()) {
        FillUnit(call, u);
        continue;
      }
      const ShardIndexEntry& e = s.entries[unit.inner_number];
      if (s.map != nullptr && (!raw_chunks_ || e.length_bytes == inner_bytes) &&
          Resident(*s.map, s.resident, e.offset_bytes, e.length_bytes)) {
        call.mapped.push_back(u);
        continue;
      }
      if (!RegisterShard(s)) {
        FailUnit(call, u, s.status);
        continue;
      }
      uint64_t lo = 0, hi = e.length_bytes;
      if (e.length_bytes == inner_bytes) std::tie(lo, hi) = RangeToRead(call, u, inner_bytes, false);
      unit.range_read = hi - lo < e.length_bytes;
      unit.range_lo = lo;
      unit.request = {.source = s.source, .offset_bytes = e.offset_bytes + lo,
                      .length_bytes = hi - lo, .tag = u};
      call.to_read.push_back(u);
    } else if (try_resident) {
      call.resident_try.push_back(u);
    } else {
      RequestChunkFile(call, u);
    }
  }
  if (sharding_ != nullptr) {
    // Inner chunks of one shard in file order, so the engine can merge near ranges. Units come
    // shard by shard in inner-chunk order, which is file order for shards written in order.
    auto file_order = [&](uint32_t a, uint32_t b) {
      const Unit& x = call.units[a];
      const Unit& y = call.units[b];
      return std::tie(x.shard, x.request.offset_bytes) < std::tie(y.shard, y.request.offset_bytes);
    };
    if (!std::is_sorted(call.to_read.begin(), call.to_read.end(), file_order)) {
      std::stable_sort(call.to_read.begin(), call.to_read.end(), file_order);
    }
  }
}

uint64_t CropReader::ChunkFileBound() const {
  const uint64_t chunk_bytes = array_.chunk_size_bytes();
  return chunk_bytes + chunk_bytes / 4 + (64 << 10);
}

Buffer& CropReader::StoredChunkScratch() {
  thread_local Buffer stored;
  return stored;
}

void CropReader::RequestChunkFile(Call& call, uint32_t u) {
  Unit& unit = call.units[u];
  // A chunk file's size is not known without a stat; read up to a bound that any sane encoding
  // of the chunk fits in, and fall back to a whole-file read when the bound was reached.
  const uint64_t inner_bytes = array_.chunk_size_bytes();
  const std::string key = array_.StoreKey(unit.index);
  uint64_t lo = 0, hi = inner_bytes;
  std::tie(lo, hi) = RangeToRead(call, u, inner_bytes, true);
  if (hi - lo < inner_bytes && !objects_) {
    // Only a file that holds exactly one chunk's bytes is the chunk as it is; any other is read
    // whole and decoded, which names what is wrong with it.
    absl::StatusOr<uint64_t> size = array_.store().GetSize(key);
    if (absl::IsNotFound(size.status())) return FillUnit(call, u);
    if (!size.ok()) {
      return FailUnit(call, u, WithPrefix(size.status(), array_.DescribeChunk(unit.index)));
    }
    if (*size != inner_bytes) lo = 0, hi = inner_bytes;
  }
  absl::StatusOr<engine::SourceId> src =
      array_.store().RegisterWithEngine(*engine_, key, SourceUse::kWholeValue);
  if (!src.ok()) {
    return FailUnit(call, u, WithPrefix(src.status(), array_.DescribeChunk(unit.index)));
  }
  unit.range_read = hi - lo < inner_bytes;
  unit.range_lo = lo;
  unit.request = {.source = *src, .offset_bytes = lo,
                  .length_bytes = unit.range_read ? hi - lo : ChunkFileBound(), .tag = u};
  call.to_read.push_back(u);
}

void CropReader::ReadResidentFiles(Call& call) {
  const size_t n = call.resident_try.size();
  if (n == 0) return;
  const auto& dir = static_cast<const DirectoryStore&>(array_.store());
  // One chunk file per part (each a read and a decode, tens of microseconds or more), so that
  // the few chunks of a small call spread over every thread.
  const size_t parts = std::clamp<size_t>(n, 1, 1024);
  auto run = [this, &call, &dir, n, parts](size_t part) {
    for (size_t i = n * part / parts; i < n * (part + 1) / parts; ++i) {
      const uint32_t u = call.resident_try[i];
      if (!ReadResidentFile(call, u, dir.PathOf(array_.StoreKey(call.units[u].index)))) {
        std::lock_guard<std::mutex> lock(call.mu);
        call.resident_missed.push_back(u);
      }
    }
  };
  pool_->RunParts(parts, run);
  // What the page cache did not hold is read through the engine, in plan order. When that was
  // most of them (cold data), the next groups go straight to the engine: a miss costs an open
  // and a stat, and starts the kernel's readahead outside the engine and its budget.
  if (n >= 8 && call.resident_missed.size() * 2 > n) {
    resident_skip_groups_.store(kResidentSkipGroups, std::memory_order_relaxed);
  }
  std::sort(call.resident_missed.begin(), call.resident_missed.end());
  for (uint32_t u : call.resident_missed) RequestChunkFile(call, u);
}

bool CropReader::ReadResidentFile(Call& call, uint32_t u, const std::string& path) {
  if (nowait_refused_.load(std::memory_order_relaxed)) return false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) return false;  // the engine reads it, and names what is wrong
    FillUnit(call, u);                  // no chunk stored: the fill value
    return true;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t inner_bytes = array_.chunk_size_bytes();
  // Larger than the engine's bound, or empty: the engine's path reads and reports it.
  if (size == 0 || size > ChunkFileBound()) return false;
  // The same part-read decision as the engine's path (the stat it would cost is done).
  uint64_t lo = 0, hi = size;
  if (size == inner_bytes) std::tie(lo, hi) = RangeToRead(call, u, inner_bytes, true);
  Buffer& stored = StoredChunkScratch();
  stored.Resize(hi - lo);
  iovec iov{stored.data(), hi - lo};
  const ssize_t got = ::preadv2(fd, &iov, 1, static_cast<off_t>(lo), RWF_NOWAIT);
  if (got < 0) {
    if (errno == EOPNOTSUPP || errno == EINVAL || errno == ENOSYS) {
      nowait_refused_.store(true, std::memory_order_relaxed);
    }
    return false;
  }
  // Not all of it in the page cache (or the file changed since fstat): the engine reads it.
  if (static_cast<uint64_t>(got) != hi - lo) return false;
  chunk_bytes_read_.fetch_add(hi - lo, std::memory_order_relaxed);
  chunks_resident_read_.fetch_add(1, std::memory_order_relaxed);  // read, decoded or not
  if (hi - lo < size) {  // part of a chunk stored as it is: copied straight into the crops
    chunks_decoded_.fetch_add(1, std::memory_order_relaxed);
    chunks_range_read_.fetch_add(1, std::memory_order_relaxed);
    AssembleUnit(call, u, stored.data(), lo);
    return true;
  }
  DecodeUnit(call, u, std::span<const std::byte>(stored.data(), size));
  return true;
}

void CropReader::RunRounds(Call& call) {
  const uint64_t budget = std::max<uint64_t>(options_.budget_bytes, 1);
  // What a read holds while in flight: its engine buffer, rounded up to the pool's block size,
  // so that reads within the budget fit the engine's arena (capped at the budget) instead of
  // spilling to the heap, whose freed blocks malloc may keep.
  auto cost = [](const engine::ReadRequest& r) {
    return static_cast<uint64_t>(engine::BufferPool::BlockBytes(r.length_bytes));
  };
  // A unit is done: give back its bytes, and wake RunRounds if it may be waiting for them.
  auto release = [&call, budget](uint64_t length) {
    std::lock_guard<std::mutex> lock(call.mu);
    const uint64_t before = call.inflight_bytes;
    call.inflight_bytes -= length;
    if (--call.pending == 0 || (before >= budget && call.inflight_bytes < budget)) {
      call.cv.notify_all();
    }
  };
  // Chunks stored as they are need no decode, only copies into the crops: done right in the
  // completion callback, on the I/O thread that has the bytes in cache, instead of a hand-off
  // per chunk to the decode pool.
  const bool assemble_inline = raw_chunks_ && sharding_ != nullptr;
  size_t next = 0;
  while (next < call.to_read.size()) {
    uint64_t room;
    {
      std::unique_lock<std::mutex> lock(call.mu);
      call.cv.wait(lock, [&] { return call.inflight_bytes < budget; });
      room = budget - call.inflight_bytes;
    }
    // A round takes units up to the room left in the budget, and at least one.
    std::vector<engine::ReadRequest> reqs;
    uint64_t round_bytes = 0;
    while (next < call.to_read.size() && reqs.size() < engine::Engine::kMaxBatchRequests) {
      const engine::ReadRequest& r = call.units[call.to_read[next]].request;
      if (!reqs.empty() && round_bytes + cost(r) > room) break;
      round_bytes += cost(r);
      reqs.push_back(r);
      ++next;
    }
    {
      std::lock_guard<std::mutex> lock(call.mu);
      call.inflight_bytes += round_bytes;
      call.pending += reqs.size();
    }
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      ++stats_.rounds;
      stats_.chunk_reads += reqs.size();
    }
    std::vector<uint32_t> round_units;
    for (const engine::ReadRequest& r : reqs) round_units.push_back(static_cast<uint32_t>(r.tag));
    auto on_complete = [this, &call, &release, &cost, assemble_inline](
                           uint32_t, engine::ReadResult& result) {
      const uint32_t u = static_cast<uint32_t>(result.tag);
      if (assemble_inline) {
        {
          engine::ReadResult done = std::move(result);
          ProcessUnit(call, u, done);
        }  // the read buffer goes back before the budget is released
        return release(cost(call.units[u].request));
      }
      auto owned = std::make_shared<engine::ReadResult>(std::move(result));
      pool_->Post([this, &call, &release, &cost, owned = std::move(owned), u]() mutable {
        ProcessUnit(call, u, *owned);
        owned.reset();  // the read buffer goes back before the budget is released
        release(cost(call.units[u].request));
      });
    };
    absl::StatusOr<std::shared_ptr<engine::Batch>> batch =
        engine_->Submit(std::move(reqs), on_complete);
    if (!batch.ok()) {
      for (uint32_t u : round_units) FailUnit(call, u, batch.status());
      std::lock_guard<std::mutex> lock(call.mu);
      call.inflight_bytes -= round_bytes;
      call.pending -= round_units.size();
    }
  }
  std::unique_lock<std::mutex> lock(call.mu);
  call.cv.wait(lock, [&] { return call.pending == 0; });
}

void CropReader::ProcessUnit(Call& call, uint32_t u, engine::ReadResult& result) {
  const Unit& unit = call.units[u];
  const bool sharded = sharding_ != nullptr;
  auto close_path = [&] {
    if (!sharded) engine_->CloseSource(unit.request.source).IgnoreError();
  };
  const DimVector& where = sharded ? call.shards[unit.shard].index : unit.index;
  // Built only on the error paths: formatting per chunk would cost more than copying it.
  auto what = [&] {
    std::string d = array_.DescribeChunk(where);
    return sharded ? fmt::format("inner chunk {} of {}", unit.inner_number, d) : d;
  };
  if (!result.status.ok()) {
    close_path();
    if (!sharded && absl::IsNotFound(result.status)) {
      if (chunk_cache_ != nullptr) {  // remembered as not stored
        chunk_cache_->Insert(Linear(unit.index, read_grid_shape_),
                             std::make_shared<const std::vector<std::byte>>());
      }
      return FillUnit(call, u);
    }
    return FailUnit(call, u, WithPrefix(result.status, what()));
  }
  close_path();
  std::span<const std::byte> bytes(result.data, result.bytes_read);
  const size_t elem = array_.data_type().size_bytes();
  const size_t chunk_bytes = ShapeProduct(read_chunk_shape_) * elem;
  if (unit.range_read && result.bytes_read == unit.request.length_bytes &&
      (sharded || !objects_ || result.source_size == chunk_bytes)) {
    // The stored chunk is the chunk as it is: copy the range straight into the crops.
    chunk_bytes_read_.fetch_add(bytes.size(), std::memory_order_relaxed);
    chunks_decoded_.fetch_add(1, std::memory_order_relaxed);
    chunks_range_read_.fetch_add(1, std::memory_order_relaxed);
    return AssembleUnit(call, u, bytes.data(), unit.range_lo);
  }
  Buffer whole;
  if (!sharded && (unit.range_read || (result.bytes_read == unit.request.length_bytes &&
                                       result.source_size != result.bytes_read))) {
    // A range of a chunk file that turned out not to hold exactly the chunk (an object of
    // another size, a file changed since it was sized): read it whole, to decode or report.
    // Or the value may be longer than the bound (an object that reported its size is known
    // not to be): read it whole.
    absl::StatusOr<Buffer> got = array_.store().Get(array_.StoreKey(unit.index));
    if (!got.ok()) return FailUnit(call, u, WithPrefix(got.status(), what()));
    whole = std::move(*got);
    bytes = whole.span();
  }
  if (sharded && result.bytes_read != unit.request.length_bytes) {
    return FailUnit(call, u, absl::DataLossError(fmt::format(
                                 "{}: shard index says {} bytes at offset {}, the file holds {}",
                                 what(), unit.request.length_bytes, unit.request.offset_bytes,
                                 result.bytes_read)));
  }
  chunk_bytes_read_.fetch_add(bytes.size(), std::memory_order_relaxed);
  DecodeUnit(call, u, bytes);
}

void CropReader::DecodeUnit(Call& call, uint32_t u, std::span<const std::byte> bytes) {
  const Unit& unit = call.units[u];
  const bool sharded = sharding_ != nullptr;
  auto what = [&] {
    std::string d = array_.DescribeChunk(sharded ? call.shards[unit.shard].index : unit.index);
    return sharded ? fmt::format("inner chunk {} of {}", unit.inner_number, d) : d;
  };
  const size_t elem = array_.data_type().size_bytes();
  const size_t chunk_bytes = ShapeProduct(read_chunk_shape_) * elem;
  const CodecChain& chain = sharded ? sharding_->inner_chain() : array_.codec_chain();
  if (chunk_cache_ == nullptr && chain.IsIdentity() && bytes.size() == chunk_bytes) {
    // Stored bytes are the chunk: assemble from the read buffer, no decode pass.
    chunks_decoded_.fetch_add(1, std::memory_order_relaxed);
    return AssembleUnit(call, u, bytes.data());
  }
  // Where the chunk decodes: a chunk the cache will keep, straight into a crop's output, or a
  // per-worker scratch chunk.
  thread_local Buffer scratch;
  std::shared_ptr<std::vector<std::byte>> cached;
  std::span<std::byte> target;
  if (chunk_cache_ != nullptr) {
    cached = std::make_shared<std::vector<std::byte>>(chunk_bytes);
    target = *cached;
  } else {
    target = DirectTarget(call, u, chunk_bytes);
  }
  const bool direct = !target.empty() && cached == nullptr;
  if (target.empty()) {
    scratch.Resize(chunk_bytes);
    target = scratch.span();
    // Crops that need only part of the chunk: decode just the bytes between the first and
    // the last element they need (for blosc lz4, each stream only up to what that range
    // needs); the assembly below reads only inside that range.
    if (options_.range_decode && chain.CanDecodeRange()) {
      const auto [lo, hi] = NeededRange(call, u);
      if ((hi - lo) * kRangeDecodeDen <= chunk_bytes * kRangeDecodeNum) {
        BloscRangeStats rs;
        absl::Status st = chain.DecodeRange(bytes, lo, target.subspan(lo, hi - lo), &rs);
        if (!st.ok()) return FailUnit(call, u, WithPrefix(st, what()));
        chunks_decoded_.fetch_add(1, std::memory_order_relaxed);
        chunks_range_decoded_.fetch_add(1, std::memory_order_relaxed);
        bytes_decompressed_.fetch_add(rs.decompressed_bytes, std::memory_order_relaxed);
        return AssembleUnit(call, u, target.data());
      }
    }
  }
  absl::Status st = sharded ? chain.Decode(bytes, target)
                            : array_.DecodeChunk(unit.index, bytes, target);
  if (!st.ok()) return FailUnit(call, u, sharded ? WithPrefix(st, what()) : st);
  chunks_decoded_.fetch_add(1, std::memory_order_relaxed);
  bytes_decompressed_.fetch_add(chunk_bytes, std::memory_order_relaxed);
  if (direct) {
    chunks_direct_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  AssembleUnit(call, u, target.data());
  if (cached != nullptr) {
    chunk_cache_->Insert(Linear(unit.index, read_grid_shape_), std::move(cached));
  }
}

void CropReader::MapShard(Call& call, ShardInfo& s) {
  // Within the budget, counting every shard this call maps (they stay mapped until it ends).
  if (s.size_bytes == 0 || call.mapped_bytes + s.size_bytes > options_.budget_bytes) return;
  auto it = mapped_.find(s.linear);
  if (it != mapped_.end() && it->second.file->size() != s.size_bytes) {  // changed: map anew
    mapped_bytes_ -= it->second.file->size();
    mapped_lru_.erase(it->second.lru);
    mapped_.erase(it);
    it = mapped_.end();
  }
  if (it == mapped_.end()) {
    const auto& dir = static_cast<const DirectoryStore&>(array_.store());
    absl::StatusOr<std::shared_ptr<MappedFile>> m =
        MappedFile::Open(dir.PathOf(array_.StoreKey(s.index)));
    // Not mappable, or changed since its size was taken: the engine reads it (and reports).
    if (!m.ok() || (*m)->size() != s.size_bytes) return;
    while (mapped_bytes_ + s.size_bytes > options_.budget_bytes && !mapped_lru_.empty()) {
      auto old = mapped_.find(mapped_lru_.back());
      mapped_bytes_ -= old->second.file->size();
      mapped_.erase(old);
      mapped_lru_.pop_back();
    }
    mapped_lru_.push_front(s.linear);
    it = mapped_.emplace(s.linear, MappedShard{std::move(*m), mapped_lru_.begin()}).first;
    mapped_bytes_ += s.size_bytes;
  } else {
    mapped_lru_.splice(mapped_lru_.begin(), mapped_lru_, it->second.lru);
  }
  s.map = it->second.file;
  s.resident = s.map->Residency();
  call.mapped_bytes += s.size_bytes;
}

void CropReader::AssembleMapped(Call& call) {
  const size_t n = call.mapped.size();
  if (n == 0) return;
  // Contiguous runs of units (shard by shard), taken in turn by the pool's threads and this
  // one: a few hundred copies each, or a few decodes.
  const size_t parts = raw_chunks_ ? std::clamp<size_t>(n / 256, 1, 256)
                                   : std::clamp<size_t>((n + 7) / 8, 1, 1024);
  auto run = [this, &call, n, parts](size_t part) {
    uint64_t bytes = 0, done = 0;
    // Compressed inner chunks are copied out of the mapping (the guarded part: no locks, no
    // allocation), then decoded as a read one would be.
    Buffer& stored = StoredChunkScratch();
    for (size_t i = n * part / parts; i < n * (part + 1) / parts; ++i) {
      const uint32_t u = call.mapped[i];
      const Unit& unit = call.units[u];
      const ShardInfo& s = call.shards[unit.shard];
      const ShardIndexEntry& e = s.entries[unit.inner_number];
      const std::byte* chunk = s.map->data() + e.offset_bytes;
      if (!raw_chunks_) stored.Resize(e.length_bytes);
      const bool ok = raw_chunks_ ? GuardMappedRead([&] { AssembleUnit(call, u, chunk); })
                                  : GuardMappedRead([&] {
                                      std::memcpy(stored.data(), chunk, e.length_bytes);
                                    });
      if (!ok) {
        FailUnit(call, u, absl::DataLossError(fmt::format(
                              "inner chunk {} of {}: bytes {}..{} of {} could not be read "
                              "through its mapping (the file shrank while being read, or the "
                              "page could not be read back)",
                              unit.inner_number, array_.DescribeChunk(s.index), e.offset_bytes,
                              e.offset_bytes + e.length_bytes, s.map->path())));
        continue;
      }
      bytes += e.length_bytes;
      ++done;
      if (!raw_chunks_) DecodeUnit(call, u, std::span<const std::byte>(stored.data(), e.length_bytes));
    }
    if (raw_chunks_) chunks_decoded_.fetch_add(done, std::memory_order_relaxed);
    chunks_mapped_.fetch_add(done, std::memory_order_relaxed);
    chunk_bytes_read_.fetch_add(bytes, std::memory_order_relaxed);
  };
  pool_->RunParts(parts, run);
}

std::pair<size_t, size_t> CropReader::NeededRange(const Call& call, uint32_t u) const {
  const Unit& unit = call.units[u];
  const size_t elem = array_.data_type().size_bytes();
  size_t lo = ~size_t{0}, hi = 0;
  for (uint32_t k = unit.first_use; k < unit.first_use + unit.num_uses; ++k) {
    const Use& use = call.uses[k];
    const auto [first, last] =
        SliceByteRange(call.slices[use.crop][use.slice], read_chunk_shape_, elem);
    lo = std::min<size_t>(lo, first);
    hi = std::max<size_t>(hi, last);
  }
  return {lo, hi};
}

std::pair<uint64_t, uint64_t> CropReader::RangeToRead(const Call& call, uint32_t u,
                                                      uint64_t chunk_bytes,
                                                      bool chunk_file) const {
  if (!options_.range_read || !raw_chunks_) return {0, chunk_bytes};
  const auto [lo, hi] = NeededRange(call, u);
  if (!ReadInPart(chunk_bytes, lo, hi, chunk_file)) return {0, chunk_bytes};
  return {lo, hi};
}

void CropReader::AssembleUnit(Call& call, uint32_t u, const std::byte* chunk,
                              uint64_t chunk_offset_bytes) {
  const Unit& unit = call.units[u];
  const size_t elem = array_.data_type().size_bytes();
  for (uint32_t k = unit.first_use; k < unit.first_use + unit.num_uses; ++k) {
    const Use& use = call.uses[k];
    AssembleSlice(chunk, read_chunk_shape_, call.slices[use.crop][use.slice],
                  call.crops[use.crop].shape, call.outputs[use.crop], elem, chunk_offset_bytes);
  }
}

void CropReader::ServeFromCache(Call& call) {
  std::vector<uint32_t> uncached_per_shard(call.shards.size(), 0);
  for (uint32_t u = 0; u < call.units.size(); ++u) {
    Unit& unit = call.units[u];
    ChunkCache::Chunk hit = chunk_cache_->Find(Linear(unit.index, read_grid_shape_));
    if (hit == nullptr) {
      if (sharding_ != nullptr) ++uncached_per_shard[unit.shard];
      continue;
    }
    if (hit->empty()) {
      FillUnit(call, u);  // known not to be stored
    } else {
      AssembleUnit(call, u, hit->data());
    }
    unit.cached = true;
    chunks_cached_.fetch_add(1, std::memory_order_relaxed);
  }
  for (size_t i = 0; i < call.shards.size(); ++i) {
    call.shards[i].needed = uncached_per_shard[i] > 0;
  }
}

std::span<std::byte> CropReader::DirectTarget(const Call& call, uint32_t u,
                                              size_t chunk_bytes) const {
  const Unit& unit = call.units[u];
  // Only a chunk that one crop needs whole, and whose rows are whole rows of that crop's C-order
  // output, is one contiguous run of the output in the chunk's own layout.
  const size_t ndim = read_chunk_shape_.size();
  if (unit.num_uses != 1 || ndim == 0) return {};
  const Use& use = call.uses[unit.first_use];
  const ChunkSlice& s = call.slices[use.crop][use.slice];
  const Box& crop = call.crops[use.crop];
  const CropOutput& out = call.outputs[use.crop];
  if (!out.strides_elements.empty()) return {};
  uint64_t row_elements = 1;
  for (size_t d = 0; d < ndim; ++d) {
    if (s.extent[d] != read_chunk_shape_[d]) return {};
    if (d > 0 && crop.shape[d] != s.extent[d]) return {};
    if (d > 0) row_elements *= crop.shape[d];
  }
  return out.data.subspan(s.in_crop[0] * row_elements * (chunk_bytes / ShapeProduct(s.extent)),
                          chunk_bytes);
}

void CropReader::FailUnit(Call& call, uint32_t u, const absl::Status& status) {
  const Unit& unit = call.units[u];
  std::lock_guard<std::mutex> lock(call.mu);
  for (uint32_t k = unit.first_use; k < unit.first_use + unit.num_uses; ++k) {
    absl::Status& s = call.status[call.uses[k].crop];
    if (s.ok()) s = status;
  }
}

void CropReader::FillUnit(Call& call, uint32_t u) {
  const Unit& unit = call.units[u];
  std::vector<std::byte> fill(array_.data_type().size_bytes());
  array_.metadata().fill_value.FillInto(fill);
  for (uint32_t k = unit.first_use; k < unit.first_use + unit.num_uses; ++k) {
    const Use& use = call.uses[k];
    FillSlice(fill, call.slices[use.crop][use.slice], call.crops[use.crop].shape,
              call.outputs[use.crop]);
  }
  chunks_filled_.fetch_add(unit.num_uses, std::memory_order_relaxed);
}

}  // namespace zring::zarr
