// CropReader: reads many crops (N-d boxes) of one array into caller buffers, as a pipeline:
// plan (zarr/crop_plan.h) -> batched reads through the engine -> decode on a worker pool as
// reads complete -> assembly into every crop that needs the chunk (zarr/assembler.h).
//
// Reads go out in rounds, one engine batch each; a new round is submitted whenever the stored
// bytes read but not yet decoded fall below `budget_bytes`, so memory beyond the outputs stays
// near the budget (a round always holds at least one chunk, so a budget smaller than one chunk
// still makes progress). Crops are planned in groups of `group_crops` (a few dozen bytes of plan
// per crop and chunk it touches), so a crop list of any length streams through; while one group
// is read, the next is planned on a planner thread (two groups' plans at a time). A chunk one
// crop needs whole, whose rows are whole rows of that crop's C-order output, decodes straight
// into the output; every other chunk decodes into a per-worker scratch chunk and is copied out.
// Sharded arrays: the needed shard indexes are read first in one batch
// (and kept in an LRU cache bounded in bytes), then only the inner chunks the crops need.
// Chunks, inner chunks and shards that are not stored read as the fill value. With
// chunk_cache_bytes > 0, decoded chunks are kept (LRU) and later calls needing them read nothing.
//
// Status is per crop: a chunk that fails to read or decode fails the crops that need it, with
// a message naming the chunk; every other crop completes.
//
// Needs a store the engine reads (Store::engine_access(): a DirectoryStore's files, or an
// ObjectStore's objects). On object stores a shard's size is not known before its index is read:
// indexes are read as suffixes (or from offset 0 when the index is at the start) and the size
// the response reports is kept as the index cache's key for the reader's life, so objects are
// assumed not to change while the reader reads them; a missing object reads as the fill value.
// A reader that makes its own engine takes the store's remote settings (Store::ConfigureEngine).
// The array and the engine must outlive the reader. Calls from several threads are run one at a time; ReadCropsAsync queues
// them on the reader's call thread.
//
//   ZRING_ASSIGN_OR_RETURN(auto reader, CropReader::Create(*array, {}));
//   std::vector<Box> crops = ...;
//   std::vector<CropOutput> outs = ...;   // one buffer per crop, C order
//   ZRING_ASSIGN_OR_RETURN(std::vector<absl::Status> statuses, reader->ReadCrops(crops, outs));
#ifndef ZRING_ZARR_CROP_READER_H_
#define ZRING_ZARR_CROP_READER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <list>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "zarr/array.h"
#include "zarr/assembler.h"
#include "zarr/buffer.h"
#include "zarr/chunk_cache.h"
#include "zarr/mapped_file.h"
#include "zarr/codec/sharding_codec.h"
#include "zarr/shard_index_cache.h"
#include "zarr/worker_pool.h"

namespace zring::zarr {

struct CropReaderOptions {
  int threads = 0;                         // decode workers; 0: one per online core
  // Read buffers in flight (read, not yet decoded), each counted at the engine pool block it
  // takes (BufferPool::BlockBytes: its length rounded up to a power-of-two multiple of 4 KiB).
  uint64_t budget_bytes = 256 << 20;
  uint64_t index_cache_bytes = 64 << 20;   // decoded shard indexes kept between calls
  // Crops planned and read together. A longer list streams through in groups of this many, so
  // the plan's memory (a few dozen bytes per crop and chunk) stays bounded however long the
  // list; a chunk shared by crops of different groups is read once per group. A group's
  // planning overlaps the reading of the one before it.
  uint32_t group_crops = 4096;
  // Decoded chunks (inner chunks when sharded) kept between calls, LRU, bounded in bytes; for
  // workloads that revisit chunks. 0: off. Assumes the store does not change meanwhile.
  uint64_t chunk_cache_bytes = 0;
  // Local arrays: chunks already in the page cache are taken without the engine, by the threads
  // that decode them, so reading overlaps decoding with no hand-off between threads; the others
  // are read through the engine as usual.
  // Sharded: inner chunks whose pages are all in the page cache (mincore) are taken from a
  // read-only mapping of their shard, with no syscall or engine buffer: stored as they are (no
  // compression), they are copied straight into the crops; compressed, the decoding thread
  // copies them out of the mapping and decodes them. Chunk files (unsharded): the decoding
  // thread opens the file and reads it with preadv2(RWF_NOWAIT), which reads only what the page
  // cache holds; a file not wholly in it (or of an unexpected size) is read through the engine
  // after the others, and after a group whose files were mostly not in it the next 8 groups are
  // read through the engine only. Compressed chunks copied out of a mapping and chunk files read
  // this way go into one buffer per thread (as large as the largest such chunk so far; for
  // chunk files at most 1.25 chunks + 64 KiB). Shards stay mapped between calls, LRU, at
  // most budget_bytes of them (a larger shard is not mapped; while one group is read and the
  // next planned, the first's may stay mapped beyond that). A shard that shrinks while it is
  // mapped fails the crops that needed the lost bytes: the SIGBUS is caught (zarr/mapped_file.h;
  // the first mapped copy installs a process-wide SIGBUS handler that passes other faults on).
  // Ignored when the engine reads with O_DIRECT (reads must reach the device) or with a chunk
  // cache.
  bool map_resident = true;
  // Chunks whose crops need only part of them decode only that byte range where the codecs can
  // (blosc lz4: CodecChain::CanDecodeRange). Off: every chunk decodes whole (for comparison).
  bool range_decode = true;
  // Chunks stored as they are (no compression; no chunk cache) whose crops need only part of
  // them are read only from the first to the last byte those crops need (C order), not whole.
  // Inner chunks of a shard: whenever that is less than the chunk (the shard index gives the
  // stored length). Chunk files: when it saves at least a quarter of the chunk and 16 KiB; a
  // local file is sized first (one stat) and read in part only when it holds exactly one
  // chunk's bytes; an object whose reported size is not exactly that is read again whole. Off:
  // whole chunks are read (for comparison).
  bool range_read = true;
  // For the reader's own engine (none was passed); its buffer arena is capped at
  // max(budget_bytes, 4 MiB).
  engine::EngineOptions engine;
};

// Counters over the reader's lifetime.
struct CropReadStats {
  uint64_t chunks_decoded = 0;   // chunks (inner chunks when sharded) read and decoded
  uint64_t chunks_filled = 0;    // chunk slices filled because nothing was stored
  uint64_t chunks_direct = 0;    // of chunks_decoded: decoded straight into a crop's output
  uint64_t bytes_read = 0;       // stored bytes read (chunks + indexes), mapped chunks too
  uint64_t index_reads = 0;      // shard indexes read (cache misses)
  uint64_t rounds = 0;           // engine batches submitted for chunk data
  uint64_t chunk_reads = 0;      // chunk read requests in those batches (missing files too)
  uint64_t chunks_cached = 0;    // chunks served from the decoded-chunk cache (no read)
  // Of chunks_decoded: decoded only between the first and last byte their crops need.
  uint64_t chunks_range_decoded = 0;
  // Of chunks_decoded: stored as they are, and read only between the first and last byte their
  // crops need (range_read).
  uint64_t chunks_range_read = 0;
  // Bytes the decompressors produced: a whole decode counts the chunk's size, a range decode
  // what lz4 wrote (streams c-blosc stored raw are read in place and count nothing). Over
  // chunks_decoded x chunk size, the fraction of chunk bytes actually decoded.
  uint64_t bytes_decompressed = 0;
  // Of chunks_decoded: copied from a mapping of their shard (map_resident), not read.
  uint64_t chunks_mapped = 0;
  // Chunk files read by the decoding thread because the page cache held them (map_resident),
  // not through the engine; one that then fails to decode counts here but not in chunks_decoded.
  uint64_t chunks_resident_read = 0;
};

class CropReader {
 public:
  // `engine` null: the reader makes its own from options.engine.
  static absl::StatusOr<std::unique_ptr<CropReader>> Create(const Array& array,
                                                            const CropReaderOptions& options,
                                                            engine::Engine* engine = nullptr);
  ~CropReader();

  // Reads crops[i] into outputs[i]. The returned vector holds one status per crop. The call
  // itself fails only when the arguments do not match (different counts) or the store cannot
  // be read through the engine.
  absl::StatusOr<std::vector<absl::Status>> ReadCrops(std::span<const Box> crops,
                                                      std::span<const CropOutput> outputs);
  // One crop; its status.
  absl::Status Read(const Box& crop, const CropOutput& output);

  // The same as ReadCrops, run on the reader's own call thread: returns at once; the future
  // becomes ready when every crop is done. Calls (sync and async) run one at a time, in order.
  // The output buffers must stay valid until the future is ready.
  using CropsFuture = std::future<absl::StatusOr<std::vector<absl::Status>>>;
  CropsFuture ReadCropsAsync(std::vector<Box> crops, std::vector<CropOutput> outputs);

  CropReadStats stats() const;
  const Array& array() const { return array_; }
  // The engine reads go through (its Stats() carry the HTTP figures on object stores).
  engine::Engine& engine() const { return *engine_; }

 private:
  struct Call;
  struct ShardInfo;
  CropReader(const Array& array, const CropReaderOptions& options, engine::Engine* engine,
             std::unique_ptr<engine::Engine> owned);

  // A group of crops is planned (PrepareGroup: plan, shard indexes, requests; touches the
  // caches, one planner at a time) and then read (ExecuteGroup: mapped copies, engine rounds,
  // decode and assembly), which may overlap the planning of the next group.
  void PrepareGroup(Call& call, std::span<const Box> crops,
                    std::span<const CropOutput> outputs);
  std::vector<absl::Status> ExecuteGroup(Call& call);
  void PlanUnits(Call& call);
  void OpenShards(Call& call);
  // Makes the shard an engine source if it is not one yet; false (s.status set) on failure.
  bool RegisterShard(ShardInfo& s);
  void ReadShardIndexes(std::vector<ShardInfo*>& misses);
  // Object stores: the shard's size from its index read, checked and remembered.
  absl::Status ObjectShardSize(ShardInfo& s, const engine::ReadResult& result,
                               uint64_t index_bytes);
  void PrepareRequests(Call& call);
  void RunRounds(Call& call);
  void ProcessUnit(Call& call, uint32_t unit, engine::ReadResult& result);
  // Decodes unit `u`'s stored bytes (checked to be whole) and assembles it into its crops.
  void DecodeUnit(Call& call, uint32_t unit, std::span<const std::byte> bytes);
  void FailUnit(Call& call, uint32_t unit, const absl::Status& status);
  // Where a chunk may decode straight into a crop's output, or empty.
  std::span<std::byte> DirectTarget(const Call& call, uint32_t unit, size_t chunk_bytes) const;
  void FillUnit(Call& call, uint32_t unit);
  // The bytes of unit `u`'s decoded chunk its crops need: from the first element of any of its
  // slices to the last (C order), [lo, hi).
  std::pair<size_t, size_t> NeededRange(const Call& call, uint32_t u) const;
  // Copies `chunk` (decoded, read_chunk_shape_) into every crop that needs unit `u`.
  // `chunk` may hold only the chunk's bytes from `chunk_offset_bytes` on (see AssembleSlice).
  void AssembleUnit(Call& call, uint32_t u, const std::byte* chunk,
                    uint64_t chunk_offset_bytes = 0);
  // range_read: the byte range of unit `u` to read instead of the whole stored chunk of
  // `chunk_bytes` (ReadInPart; `chunk_file`: a chunk of its own), or {0, chunk_bytes}.
  std::pair<uint64_t, uint64_t> RangeToRead(const Call& call, uint32_t u, uint64_t chunk_bytes,
                                            bool chunk_file) const;
  // Serves the units whose chunks the cache holds; the rest still need reading.
  void ServeFromCache(Call& call);
  // map_resident: the shard's mapping (made or reused) and which of its pages are resident.
  void MapShard(Call& call, ShardInfo& s);
  // Copies the units in call.mapped from their shards' mappings, on the pool and this thread.
  void AssembleMapped(Call& call);
  // read_resident_: reads and decodes, on the pool and this thread, the chunk files of
  // call.resident_try that the page cache holds; the others get engine requests.
  void ReadResidentFiles(Call& call);
  // One chunk file for ReadResidentFiles: false when it is left to the engine (not wholly in the
  // page cache, not a regular file of a plausible size, or not openable but present).
  bool ReadResidentFile(Call& call, uint32_t unit, const std::string& path);
  // The engine request for unsharded unit `u` (range_read decided here), or its fill value or
  // failure when the file's size already tells.
  void RequestChunkFile(Call& call, uint32_t unit);
  // What a chunk file is read up to without a stat (any sane encoding of a chunk fits).
  uint64_t ChunkFileBound() const;
  // The calling thread's copy of a stored chunk taken without the engine (from a shard's
  // mapping, or a chunk file in the page cache), reused for every chunk it takes.
  static Buffer& StoredChunkScratch();

  const Array& array_;
  const CropReaderOptions options_;
  std::unique_ptr<engine::Engine> owned_engine_;
  engine::Engine* engine_;
  const ShardingCodec* sharding_;   // null when the array is not sharded
  std::vector<uint64_t> read_chunk_shape_;  // the chunks reads deliver (inner when sharded)
  std::vector<uint64_t> read_grid_shape_;
  const bool objects_;              // the store's values are remote objects

  // Object stores: shard sizes learned from index reads (linear shard number -> bytes), so a
  // later call can look its index up in index_cache_. Touched only by PrepareGroup (one at a time).
  static constexpr size_t kMaxRememberedShardSizes = 1 << 20;
  std::unordered_map<uint64_t, uint64_t> object_shard_sizes_;

  ShardIndexCache index_cache_;  // touched only by PrepareGroup (one at a time)
  // Two groups' plans, alternating (one read while the next is planned), their memory reused.
  std::unique_ptr<Call> calls_[2];

  // map_resident: shards kept mapped between calls (linear shard number -> mapping), LRU,
  // their sizes summing to at most budget_bytes. Touched only by PrepareGroup.
  // The chunks reads deliver (inner chunks when sharded) are stored as they are (identity
  // chain) and there is no chunk cache: a read chunk is copied into the crops as it is.
  bool raw_chunks_ = false;
  bool map_resident_ = false;
  // map_resident for chunk files (unsharded, local, no O_DIRECT, no chunk cache); off for good
  // once the file system refuses RWF_NOWAIT (tmpfs does), and for the next
  // kResidentSkipGroups groups after one whose chunk files were mostly not in the page cache.
  bool read_resident_ = false;
  std::atomic<bool> nowait_refused_{false};
  static constexpr int kResidentSkipGroups = 8;
  std::atomic<int> resident_skip_groups_{0};
  struct MappedShard {
    std::shared_ptr<MappedFile> file;
    std::list<uint64_t>::iterator lru;
  };
  std::unordered_map<uint64_t, MappedShard> mapped_;
  std::list<uint64_t> mapped_lru_;  // front: most recently used
  uint64_t mapped_bytes_ = 0;
  std::unique_ptr<ChunkCache> chunk_cache_;  // null when options_.chunk_cache_bytes == 0

  mutable std::mutex stats_mu_;
  CropReadStats stats_;  // guarded by stats_mu_
  // Per-chunk counters, kept apart from stats_ so decode workers never take a lock for them.
  std::atomic<uint64_t> chunks_decoded_{0};
  std::atomic<uint64_t> chunk_bytes_read_{0};
  std::atomic<uint64_t> chunks_filled_{0};
  std::atomic<uint64_t> chunks_direct_{0};
  std::atomic<uint64_t> chunks_range_decoded_{0};
  std::atomic<uint64_t> chunks_range_read_{0};
  std::atomic<uint64_t> bytes_decompressed_{0};
  std::atomic<uint64_t> chunks_cached_{0};
  std::atomic<uint64_t> chunks_mapped_{0};
  std::atomic<uint64_t> chunks_resident_read_{0};
  std::mutex call_mu_;  // one ReadCrops at a time

  // The async call thread, started by the first ReadCropsAsync.
  std::mutex async_mu_;
  std::condition_variable async_cv_;
  std::deque<std::packaged_task<absl::StatusOr<std::vector<absl::Status>>()>> async_queue_;
  bool async_stop_ = false;
  std::thread async_thread_;

  std::unique_ptr<WorkerPool> pool_;  // last: its destructor drains tasks touching the above
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CROP_READER_H_
