// `zring bench crops STORE`: random-crop read throughput of the crop pipeline (zarr/crop_reader.h).
//
// Parameters:
//   --array PATH   the array inside STORE ("" = the store root)
//   --crop A,B,C   the shape of every crop (one extent per dimension)
//   --n N          number of crops; starts are drawn uniformly (std::mt19937_64 seeded with --seed)
//                  so that each crop lies inside the array
//   --starts FILE  instead: one crop start per line, comma-separated (as the peer scripts in
//                  bench/peers/ write and read them); --n then caps how many are used
//   --threads N    decode workers (0: one per core); --budget-mib: read buffers in flight
//   --cache-mib N  decoded-chunk cache (LRU) kept across calls; 0 (default): off
//   --group N      crops per ReadCrops call; output memory is one group's crops
//   --plan-group N crops the reader plans and reads together inside a call (its group_crops;
//                  default 4096): chunks are shared within one; one is read while the next
//                  is planned
//   --direct       O_DIRECT reads: every read goes to the device (cold), whatever is cached
//   --no-range-decode  decode every chunk whole, also those the crops need only part of
//                  (CropReaderOptions::range_decode off; to measure what range decoding gives)
//   --no-range-read  read every uncompressed chunk whole, also those the crops need only part of
//                  (CropReaderOptions::range_read off; to measure what range reads give)
//   --no-map       read every chunk through the engine, also those already in the page cache
//                  (which by default are copied from a mapping of their shard, or for chunk
//                  files read by the decoding threads: CropReaderOptions::map_resident)
//   --iolog FILE   also write the stored byte ranges the crops read as a fio iolog
//   --warmup       read every crop once, untimed, first (page cache warm)
//   --ceiling      also measure the whole-chunk decode ceiling: one thread decodes (from memory)
//                  up to 256 of the chunks the crops touch (inner chunks when sharded: what the
//                  reader decodes), repeatedly for about a second; the
//                  ceiling in crops/s is cores x chunks/s / (mean chunks a crop touches)
//   --checksum     sha256 of all crops concatenated in order (C order, little-endian), computed
//                  outside the timed calls
//   -o KEY=VALUE   remote store option (repeatable; tools/store_args.h): STORE may be an
//                  http(s)://, s3:// or gs:// URL
// Figures: crops/s, output bytes/s, chunks (inner chunks when sharded) decoded per second, and
// the stored bytes the pipeline read. On a remote store also the HTTP figures of the timed pass
// from the reader's engine (EngineStats): GET requests/s (after coalescing), body bytes/s,
// retries, and GET latency p50/p99/p99.9 (over the engine's life, warm-up included).
#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "fmt/format.h"
#include "tools/bench_iolog.h"
#include "tools/commands.h"
#include "tools/store_args.h"
#include "zarr/array.h"
#include "zarr/codec/sharding_codec.h"
#include "zarr/crop_plan.h"
#include "zarr/crop_reader.h"

namespace zring::tools {
namespace {

struct BenchCropsArgs {
  std::string store;
  std::string array;
  std::string crop = "4,128,128";
  uint64_t n = 2000;
  uint64_t seed = 0;
  std::string starts_file;
  int threads = 0;
  uint64_t budget_mib = 256;
  uint64_t cache_mib = 0;
  uint64_t group = 500;
  uint32_t plan_group = zarr::CropReaderOptions{}.group_crops;
  bool direct = false;
  bool no_map = false;
  bool no_range_decode = false;
  bool no_range_read = false;
  std::string iolog;
  bool warmup = false;
  bool checksum = false;
  bool ceiling = false;
  bool json = false;
  std::vector<std::string> storage_options;
};

[[noreturn]] void Fail(const std::string& msg);

struct Ceiling {
  double chunks_per_s_per_core = 0;
  double chunks_per_crop = 0;
  double crops_per_s = 0;
};

// The stored bytes of up to 256 of the chunks the crops touch - inner chunks on sharded arrays,
// which is what the crop reader reads and decodes - with the chain that decodes them.
struct StoredChunks {
  std::vector<zarr::Buffer> bytes;
  const zarr::CodecChain* chain = nullptr;
  double chunks_per_crop = 0;
};

StoredChunks LoadChunks(const zarr::Array& array, const std::vector<zarr::Box>& crops) {
  StoredChunks out;
  const zarr::ShardingCodec* sharding = array.codec_chain().sharding();
  if (array.codec_chain().HasArrayToArrayCodecs() || array.codec_chain().HasBytesToBytesCodecs()) {
    sharding = nullptr;  // the crop reader decodes such shards whole
  }
  const std::vector<uint64_t>& grid_chunk = array.metadata().chunk_shape;
  const std::vector<uint64_t> read_chunk = sharding ? sharding->inner_chunk_shape() : grid_chunk;
  out.chain = sharding ? &sharding->inner_chain() : &array.codec_chain();
  double touched = 0;
  std::vector<std::vector<uint64_t>> chunks;  // in read_chunk units
  for (const zarr::Box& b : crops) {
    touched += static_cast<double>(zarr::CountCropChunks(b, read_chunk));
    for (const zarr::ChunkSlice& s : zarr::PlanCrop(b, read_chunk)) {
      if (chunks.size() < 256) chunks.emplace_back(s.chunk_index.begin(), s.chunk_index.end());
    }
  }
  out.chunks_per_crop = touched / static_cast<double>(crops.size());
  for (const auto& idx : chunks) {
    if (sharding == nullptr) {
      auto got = array.store().Get(array.StoreKey(idx));
      if (got.ok()) out.bytes.push_back(std::move(*got));
      continue;
    }
    std::vector<uint64_t> shard(idx.size());
    uint64_t inner = 0;
    for (size_t d = 0; d < idx.size(); ++d) {
      const uint64_t per = sharding->chunks_per_shard()[d];
      shard[d] = idx[d] / per;
      inner = inner * per + idx[d] % per;
    }
    const std::string key = array.StoreKey(shard);
    auto size = array.store().GetSize(key);
    if (!size.ok()) continue;
    auto index = array.store().GetRange(key, sharding->IndexRange());
    if (!index.ok()) Fail(index.status().ToString());
    auto entries = sharding->DecodeIndex(index->span(), *size);
    if (!entries.ok()) Fail(entries.status().ToString());
    const zarr::ShardIndexEntry& e = (*entries)[inner];
    if (e.missing()) continue;
    auto got = array.store().GetRange(key, zarr::ByteRange{e.offset_bytes, e.length_bytes});
    if (!got.ok()) Fail(got.status().ToString());
    out.bytes.push_back(std::move(*got));
  }
  return out;
}

// Whole-chunk decodes of stored chunks already in memory, on this thread.
Ceiling MeasureCeiling(const zarr::Array& array, const std::vector<zarr::Box>& crops,
                       unsigned cores) {
  Ceiling c;
  StoredChunks stored = LoadChunks(array, crops);
  c.chunks_per_crop = stored.chunks_per_crop;
  if (stored.bytes.empty()) return c;
  zarr::Buffer out(stored.chain->decoded_spec().NumBytes());
  uint64_t decoded = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double seconds = 0;
  while (seconds < 1.0) {
    for (const zarr::Buffer& b : stored.bytes) {
      absl::Status st = stored.chain->Decode(b.span(), out.span());
      if (!st.ok()) Fail(st.ToString());
      ++decoded;
    }
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  c.chunks_per_s_per_core = static_cast<double>(decoded) / seconds;
  c.crops_per_s = cores * c.chunks_per_s_per_core / c.chunks_per_crop;
  return c;
}

[[noreturn]] void Fail(const std::string& msg) {
  std::fprintf(stderr, "zring bench crops: %s\n", msg.c_str());
  throw CLI::RuntimeError(1);
}

// Bytes of one decoded chunk as reads deliver it (the inner chunk when sharded).
uint64_t ReadChunkBytes(const zarr::Array& array) {
  const zarr::ShardingCodec* sharding = array.codec_chain().sharding();
  const std::vector<uint64_t>& shape =
      sharding ? sharding->inner_chunk_shape() : array.metadata().chunk_shape;
  uint64_t n = array.data_type().size_bytes();
  for (uint64_t d : shape) n *= d;
  return n;
}

std::vector<uint64_t> ParseList(const std::string& text, const std::string& what) {
  std::vector<uint64_t> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t used = 0;
      out.push_back(std::stoull(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      Fail(fmt::format("{}: \"{}\" is not a comma-separated list of integers", what, text));
    }
  }
  return out;
}

std::vector<zarr::Box> MakeCrops(const BenchCropsArgs& a, const std::vector<uint64_t>& shape) {
  const std::vector<uint64_t> extent = ParseList(a.crop, "--crop");
  if (extent.size() != shape.size()) {
    Fail(fmt::format("--crop has {} dimensions, the array {}", extent.size(), shape.size()));
  }
  std::vector<zarr::Box> crops;
  if (!a.starts_file.empty()) {
    std::ifstream in(a.starts_file);
    if (!in) Fail(fmt::format("cannot open --starts file {}", a.starts_file));
    std::string line;
    while (crops.size() < a.n && std::getline(in, line)) {
      if (line.empty()) continue;
      crops.push_back({ParseList(line, a.starts_file), extent});
    }
    return crops;
  }
  std::mt19937_64 rng(a.seed);
  for (uint64_t i = 0; i < a.n; ++i) {
    zarr::Box b{std::vector<uint64_t>(shape.size()), extent};
    for (size_t d = 0; d < shape.size(); ++d) {
      if (extent[d] > shape[d]) Fail("--crop is larger than the array");
      b.origin[d] = rng() % (shape[d] - extent[d] + 1);
    }
    crops.push_back(std::move(b));
  }
  return crops;
}

// HTTP figures of the timed pass (remote stores).
struct RemoteFigures {
  uint64_t requests = 0, retries = 0, bytes = 0;
  double requests_per_s = 0, bytes_per_s = 0;
  double p50_ms = 0, p99_ms = 0, p999_ms = 0;  // over the engine's life
};

RemoteFigures Remote(const engine::EngineStats& before, const engine::EngineStats& after,
                     double seconds) {
  RemoteFigures r;
  r.requests = after.http_requests - before.http_requests;
  r.retries = after.http_retries - before.http_retries;
  r.bytes = after.http_bytes - before.http_bytes;
  r.requests_per_s = static_cast<double>(r.requests) / seconds;
  r.bytes_per_s = static_cast<double>(r.bytes) / seconds;
  r.p50_ms = static_cast<double>(after.http_latency_p50_ns) / 1e6;
  r.p99_ms = static_cast<double>(after.http_latency_p99_ns) / 1e6;
  r.p999_ms = static_cast<double>(after.http_latency_p999_ns) / 1e6;
  return r;
}

std::string RemoteJson(const RemoteFigures& r) {
  return fmt::format(", \"http_requests\": {}, \"http_retries\": {}, \"http_bytes\": {}, "
                     "\"requests_per_s\": {:.1f}, \"http_bytes_per_s\": {:.0f}, "
                     "\"latency_p50_ms\": {:.3f}, \"latency_p99_ms\": {:.3f}, "
                     "\"latency_p999_ms\": {:.3f}",
                     r.requests, r.retries, r.bytes, r.requests_per_s, r.bytes_per_s, r.p50_ms,
                     r.p99_ms, r.p999_ms);
}

void PrintRemote(const RemoteFigures& r) {
  std::printf("requests/s   %.1f (%llu GETs, %llu retries)\n", r.requests_per_s,
              static_cast<unsigned long long>(r.requests),
              static_cast<unsigned long long>(r.retries));
  std::printf("http MB/s    %.1f (%llu body bytes)\n", r.bytes_per_s / 1e6,
              static_cast<unsigned long long>(r.bytes));
  std::printf("latency      p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms\n", r.p50_ms, r.p99_ms,
              r.p999_ms);
}

void RunBenchCrops(const BenchCropsArgs& a) {
  auto store = OpenStoreArg(a.store, a.storage_options);
  if (!store.ok()) Fail(store.status().ToString());
  const bool remote = (*store)->engine_access() == zarr::EngineAccess::kObjects;
  auto array = zarr::Array::Open(**store, a.array);
  if (!array.ok()) Fail(array.status().ToString());
  const std::vector<zarr::Box> crops = MakeCrops(a, (*array)->metadata().shape);
  if (crops.empty()) Fail("no crops to read");
  zarr::CropReaderOptions opt;
  opt.threads = a.threads;
  opt.budget_bytes = a.budget_mib << 20;
  opt.chunk_cache_bytes = a.cache_mib << 20;
  opt.engine.direct_io = a.direct;
  opt.map_resident = !a.no_map;
  opt.group_crops = std::max<uint32_t>(1, a.plan_group);
  opt.range_decode = !a.no_range_decode;
  opt.range_read = !a.no_range_read;
  auto reader = zarr::CropReader::Create(**array, opt);
  if (!reader.ok()) Fail(reader.status().ToString());

  const size_t elem = (*array)->data_type().size_bytes();
  const uint64_t crop_bytes = crops[0].NumElements() * elem;
  const size_t group = std::max<uint64_t>(1, std::min<uint64_t>(a.group, crops.size()));
  if (!a.iolog.empty()) {
    auto sum =
        WriteFioIolog(**array, crops, group, opt.group_crops, a.iolog, 4096, opt.range_read);
    if (!sum.ok()) Fail(sum.status().ToString());
    std::fprintf(stderr, "iolog        %llu reads of %llu bytes (%llu widened to 4 KiB) over %llu "
                 "files in %s\n",
                 static_cast<unsigned long long>(sum->reads),
                 static_cast<unsigned long long>(sum->bytes),
                 static_cast<unsigned long long>(sum->aligned_bytes),
                 static_cast<unsigned long long>(sum->files), a.iolog.c_str());
  }
  std::vector<std::byte> buf(group * crop_bytes);
  std::vector<zarr::CropOutput> outs(group);
  for (size_t i = 0; i < group; ++i) outs[i].data = {buf.data() + i * crop_bytes, crop_bytes};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr);

  auto pass = [&](bool timed) {
    double seconds = 0;
    for (size_t first = 0; first < crops.size(); first += group) {
      const size_t count = std::min(group, crops.size() - first);
      const auto t0 = std::chrono::steady_clock::now();
      auto st = (*reader)->ReadCrops(std::span(crops).subspan(first, count),
                                     std::span<const zarr::CropOutput>(outs).first(count));
      seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (!st.ok()) Fail(st.status().ToString());
      for (size_t i = 0; i < count; ++i) {
        if (!(*st)[i].ok()) Fail(fmt::format("crop {}: {}", first + i, (*st)[i].ToString()));
      }
      if (timed && a.checksum) EVP_DigestUpdate(sha.get(), buf.data(), count * crop_bytes);
    }
    return seconds;
  };
  if (a.warmup) pass(false);
  const zarr::CropReadStats before = (*reader)->stats();
  const engine::EngineStats engine_before = (*reader)->engine().Stats();
  const double seconds = pass(true);
  const zarr::CropReadStats after = (*reader)->stats();
  const engine::EngineStats engine_after = (*reader)->engine().Stats();
  const RemoteFigures net = Remote(engine_before, engine_after, seconds);

  const unsigned cores =
      a.threads > 0 ? static_cast<unsigned>(a.threads) : std::max(1u, std::thread::hardware_concurrency());
  const Ceiling ceil = a.ceiling ? MeasureCeiling(**array, crops, cores) : Ceiling{};
  std::string hex;
  if (a.checksum) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(sha.get(), md, &len);
    for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  }
  const double n = static_cast<double>(crops.size());
  const double chunks = static_cast<double>(after.chunks_decoded - before.chunks_decoded);
  const uint64_t read = after.bytes_read - before.bytes_read;
  const uint64_t mapped = after.chunks_mapped - before.chunks_mapped;
  const uint64_t resident = after.chunks_resident_read - before.chunks_resident_read;
  const uint64_t range_read = after.chunks_range_read - before.chunks_range_read;
  const double out_bytes = n * static_cast<double>(crop_bytes);
  if (a.json) {
    std::printf(
        "{\"crops\": %.0f, \"seconds\": %.6f, \"crops_per_s\": %.1f, \"out_bytes_per_s\": %.0f, "
        "\"chunks_per_s\": %.1f, \"chunks_decoded\": %.0f, \"chunks_mapped\": %llu, "
        "\"chunks_resident_read\": %llu, \"chunks_range_read\": %llu, \"bytes_read\": %llu"
        "%s%s%s}\n",
        n, seconds, n / seconds, out_bytes / seconds, chunks / seconds, chunks,
        static_cast<unsigned long long>(mapped), static_cast<unsigned long long>(resident),
        static_cast<unsigned long long>(range_read),
        static_cast<unsigned long long>(read),
        a.checksum ? fmt::format(", \"sha256\": \"{}\"", hex).c_str() : "",
        a.ceiling ? fmt::format(", \"ceiling_chunks_per_s_per_core\": {:.1f}, "
                                "\"chunks_per_crop\": {:.3f}, \"ceiling_crops_per_s\": {:.1f}",
                                ceil.chunks_per_s_per_core, ceil.chunks_per_crop,
                                ceil.crops_per_s).c_str()
                  : "",
        remote ? RemoteJson(net).c_str() : "");
  } else {
    std::printf("crops        %.0f in %.3f s\n", n, seconds);
    std::printf("crops/s      %.1f\n", n / seconds);
    std::printf("out MB/s     %.1f\n", out_bytes / seconds / 1e6);
    std::printf("chunks/s     %.1f (%.0f chunks decoded, %.2f per crop)\n", chunks / seconds,
                chunks, chunks / n);
    const uint64_t ranged = after.chunks_range_decoded - before.chunks_range_decoded;
    if (ranged > 0) {
      const double whole = chunks * static_cast<double>(ReadChunkBytes(**array));
      std::printf("range decode %llu of the chunks decoded only the bytes their crops need; "
                  "decompressed %.3f of the decoded chunks' bytes\n",
                  static_cast<unsigned long long>(ranged),
                  static_cast<double>(after.bytes_decompressed - before.bytes_decompressed) /
                      whole);
    }
    std::printf("stored bytes %llu read (%.1f MB/s)\n", static_cast<unsigned long long>(read),
                static_cast<double>(read) / seconds / 1e6);
    if (range_read > 0) {
      std::printf("range read   %llu of the chunks read only from the first to the last byte "
                  "their crops need\n",
                  static_cast<unsigned long long>(range_read));
    }
    if (mapped > 0) {
      std::printf("mapped       %llu of the chunks copied from a mapping of their shard\n",
                  static_cast<unsigned long long>(mapped));
    }
    if (resident > 0) {
      std::printf("resident     %llu of the chunk files read by the decoding threads from the "
                  "page cache\n",
                  static_cast<unsigned long long>(resident));
    }
    if (remote) PrintRemote(net);
    if (a.checksum) std::printf("sha256       %s\n", hex.c_str());
    if (a.ceiling) {
      std::printf("ceiling      %.1f chunks/s per core, %.2f chunks per crop: %.1f crops/s on %u "
                  "cores (zring at %.2f of it)\n",
                  ceil.chunks_per_s_per_core, ceil.chunks_per_crop, ceil.crops_per_s, cores,
                  n / seconds / ceil.crops_per_s);
    }
  }
}

}  // namespace

void RegisterBenchCrops(CLI::App& bench) {
  auto a = std::make_shared<BenchCropsArgs>();
  CLI::App* cmd = bench.add_subcommand("crops", "Random-crop throughput of the crop pipeline");
  cmd->add_option("STORE", a->store,
                  "Zarr store: directory, file://, http(s)://, s3:// or gs:// URL")
      ->required();
  cmd->add_option("--array", a->array, "Array path inside STORE (default: the root)");
  cmd->add_option("--crop", a->crop, "Crop shape, comma-separated");
  cmd->add_option("--n", a->n, "Number of crops (a cap when --starts is given)");
  cmd->add_option("--seed", a->seed, "Seed for random starts");
  cmd->add_option("--starts", a->starts_file, "File of crop starts, one per line, a,b,c");
  cmd->add_option("--threads", a->threads, "Decode workers (0: one per core)");
  cmd->add_option("--budget-mib", a->budget_mib, "Read buffers in flight, MiB");
  cmd->add_option("--cache-mib", a->cache_mib,
                  "Decoded-chunk cache kept between calls, MiB (0: off)");
  cmd->add_option("--group", a->group, "Crops per ReadCrops call");
  cmd->add_option("--plan-group", a->plan_group,
                  "Crops the reader plans and reads together inside a call (group_crops)");
  cmd->add_flag("--direct", a->direct, "O_DIRECT reads (cold: no page cache)");
  cmd->add_flag("--no-range-decode", a->no_range_decode,
                "Decode every chunk whole, also those the crops need only part of");
  cmd->add_flag("--no-range-read", a->no_range_read,
                "Read every uncompressed chunk whole, also those the crops need only part of");
  cmd->add_flag("--no-map", a->no_map,
                "Read chunks in the page cache through the engine too, not from a mapping of "
                "their shard (inner chunks) or by the decoding threads (chunk files)");
  cmd->add_option("--iolog", a->iolog,
                  "Also write the stored byte ranges the crops read as a fio iolog (replay "
                  "with fio --read_iolog; bench/peers/cold_vs_fio.py)");
  cmd->add_flag("--warmup", a->warmup, "Read every crop once, untimed, first");
  cmd->add_flag("--checksum", a->checksum, "sha256 of all crops in order");
  cmd->add_flag("--ceiling", a->ceiling, "Also measure the whole-chunk decode ceiling");
  cmd->add_flag("--json", a->json, "One JSON object instead of text");
  AddStorageOptionFlag(cmd, &a->storage_options);
  cmd->callback([a] { RunBenchCrops(*a); });
}

}  // namespace zring::tools
