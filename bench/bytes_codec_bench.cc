// Bytes -> bytes codec decode throughput on one typical chunk, against memcpy as the reference.
//
// BM_Memcpy: copying the 4 MiB chunk; the ceiling any decoder is measured against.
// BM_Decode/<codec>/<path>: decoding that chunk, encoded with configuration kCases[<codec>]
//   (names below and in the benchmark label); <path> 0 = DecodeInto a caller buffer of the known
//   size (what chunk reads do), 1 = Decode into a Buffer sized from the frame or by streaming
//   (what a codec in the middle of a chain does). The chunk is 2 Mi little-endian uint16 samples
//   of a slow wave with noise (sensor-like data). Throughput is decoded bytes per second, one
//   thread.
// BM_BloscRange/<first>/<slices>: figure 1's chunk (32x64x64 uint16, noisy low bytes, blosc lz4
//   with byte shuffle and one stream per item byte, as numcodecs writes it): decoding only z
//   slices [first, first + slices) with BloscDecodeRange; slices 32 is the whole-chunk decode.
//   Time per call is the figure; the label gives the bytes decompressed per call.
#include <blosc.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "simdjson.h"
#include "zarr/buffer.h"
#include "zarr/codec/blosc_codec.h"
#include "zarr/codec/bytes_codec.h"

namespace zring::zarr {
namespace {

constexpr size_t kChunkBytes = size_t{4} << 20;

struct Case {
  const char* label;
  const char* id;
  const char* config;
};

constexpr Case kCases[] = {
    {"blosc-lz4-shuffle", "blosc", R"({"cname":"lz4","clevel":5,"shuffle":1})"},
    {"blosc-zstd-bitshuffle", "blosc", R"({"cname":"zstd","clevel":3,"shuffle":2})"},
    {"blosc-blosclz-shuffle", "blosc", R"({"cname":"blosclz","clevel":5,"shuffle":1})"},
    {"gzip-1", "gzip", R"({"level":1})"},
    {"zlib-1", "zlib", R"({"level":1})"},
    {"zstd-1", "zstd", R"({"level":1})"},
    {"lz4", "lz4", R"({"acceleration":1})"},
    {"bz2-1", "bz2", R"({"level":1})"},
    {"crc32c", "crc32c", "{}"},
    {"shuffle-2", "shuffle", R"({"elementsize":2})"},
};

const std::vector<std::byte>& Chunk() {
  static const std::vector<std::byte> chunk = [] {
    std::mt19937 rng(7);
    std::vector<std::byte> v(kChunkBytes);
    for (size_t i = 0; i < v.size(); i += 2) {
      uint16_t s = static_cast<uint16_t>(30000 + (i / 2 % 2000) * 3 + (rng() & 3));
      v[i] = static_cast<std::byte>(s & 0xff);
      v[i + 1] = static_cast<std::byte>(s >> 8);
    }
    return v;
  }();
  return chunk;
}

void BM_Memcpy(benchmark::State& state) {
  const std::vector<std::byte>& chunk = Chunk();
  std::vector<std::byte> out(chunk.size());
  for (auto _ : state) {
    std::memcpy(out.data(), chunk.data(), chunk.size());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * chunk.size()));
}
BENCHMARK(BM_Memcpy);

void BM_Decode(benchmark::State& state) {
  const Case& c = kCases[state.range(0)];
  simdjson::dom::parser parser;
  simdjson::dom::object config;
  if (parser.parse(simdjson::padded_string(std::string_view(c.config))).get(config) !=
      simdjson::SUCCESS) {
    state.SkipWithError("bad configuration");
    return;
  }
  auto codec = MakeBytesCodec(c.id, config, {.element_size_bytes = 2});
  Buffer encoded;
  if (!codec.ok() || !(*codec)->Encode(Chunk(), encoded).ok()) {
    state.SkipWithError("cannot encode");
    return;
  }
  Buffer out(kChunkBytes);
  for (auto _ : state) {
    absl::Status s = state.range(1) == 0 ? (*codec)->DecodeInto(encoded.span(), out.span())
                                         : (*codec)->Decode(encoded.span(), out);
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kChunkBytes));
  state.SetLabel(std::string(c.label) + " ratio " +
                 std::to_string(static_cast<double>(kChunkBytes) / encoded.size()).substr(0, 5));
}
BENCHMARK(BM_Decode)->ArgsProduct({benchmark::CreateDenseRange(0, std::size(kCases) - 1, 1),
                                   {0, 1}});

void BM_BloscRange(benchmark::State& state) {
  constexpr size_t kSlice = 64 * 64 * 2, kChunk = 32 * kSlice;
  std::mt19937 rng(5);
  std::vector<std::byte> chunk(kChunk);
  for (size_t i = 0; i < kChunk; i += 2) {
    const size_t item = i / 2, z = item / 4096, y = item / 64 % 64, x = item % 64;
    const auto v = static_cast<uint16_t>(20000 + 40 * z + 30 * y + 20 * x + (rng() & 255));
    chunk[i] = static_cast<std::byte>(v & 0xff);
    chunk[i + 1] = static_cast<std::byte>(v >> 8);
  }
  std::vector<std::byte> frame(kChunk + BLOSC_MAX_OVERHEAD);
  blosc_set_splitmode(BLOSC_ALWAYS_SPLIT);
  const int n = blosc_compress_ctx(5, BLOSC_SHUFFLE, 2, kChunk, chunk.data(), frame.data(),
                                   frame.size(), "lz4", 0, 1);
  blosc_set_splitmode(BLOSC_FORWARD_COMPAT_SPLIT);
  if (n <= 0) {
    state.SkipWithError("cannot encode");
    return;
  }
  frame.resize(static_cast<size_t>(n));
  const size_t first = static_cast<size_t>(state.range(0)) * kSlice;
  const size_t length = static_cast<size_t>(state.range(1)) * kSlice;
  std::vector<std::byte> out(length);
  BloscRangeStats stats;
  for (auto _ : state) {
    absl::Status s = BloscDecodeRange(frame, first, out, &stats);
    if (!s.ok()) state.SkipWithError(std::string(s.message()).c_str());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetLabel("decompressed " +
                 std::to_string(stats.decompressed_bytes / std::max<int64_t>(1, state.iterations())) +
                 " of " + std::to_string(kChunk) + " bytes per call");
}
BENCHMARK(BM_BloscRange)->Args({0, 32})->Args({0, 4})->Args({14, 4})->Args({28, 4});

}  // namespace
}  // namespace zring::zarr

BENCHMARK_MAIN();
