// Bytes -> bytes codec decode throughput on one typical chunk, against memcpy as the reference.
//
// BM_Memcpy: copying the 4 MiB chunk; the ceiling any decoder is measured against.
// BM_Decode/<codec>/<path>: decoding that chunk, encoded with configuration kCases[<codec>]
//   (names below and in the benchmark label); <path> 0 = DecodeInto a caller buffer of the known
//   size (what chunk reads do), 1 = Decode into a Buffer sized from the frame or by streaming
//   (what a codec in the middle of a chain does). The chunk is 2 Mi little-endian uint16 samples
//   of a slow wave with noise (sensor-like data). Throughput is decoded bytes per second, one
//   thread.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "simdjson.h"
#include "zarr/buffer.h"
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

}  // namespace
}  // namespace zring::zarr

BENCHMARK_MAIN();
