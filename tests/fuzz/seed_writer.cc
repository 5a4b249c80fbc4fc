// Writes the seed corpora of the decoder fuzz targets: real chunks (sensor-like uint16 samples,
// random bytes, zeros, tiny and empty buffers) encoded with the real libraries through
// MakeBytesCodec, in every configuration worth exploring (each blosc compressor and shuffle).
//   fuzz_seed_writer OUT_DIR      -> OUT_DIR/<target>/<config>-<input>.seed
// The fuzz targets are named after the codec id: "<id>_decode_fuzzer" (blosc frames also seed
// "blosc_range_fuzzer").
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "simdjson.h"
#include "zarr/buffer.h"
#include "zarr/codec/bytes_codec.h"

namespace {

struct Config {
  const char* id;
  const char* json;
};

constexpr Config kConfigs[] = {
    {"blosc", R"({"cname":"lz4","clevel":5,"shuffle":1})"},
    {"blosc", R"({"cname":"lz4hc","clevel":9,"shuffle":0})"},
    {"blosc", R"({"cname":"blosclz","clevel":5,"shuffle":2})"},
    {"blosc", R"({"cname":"zlib","clevel":1,"shuffle":1,"blocksize":1024})"},
    {"blosc", R"({"cname":"zstd","clevel":3,"shuffle":2})"},
    {"blosc", R"({"cname":"lz4","clevel":0,"shuffle":0})"},
    {"gzip", R"({"level":1})"},
    {"gzip", R"({"level":9})"},
    {"zlib", R"({"level":1})"},
    {"zlib", R"({"level":0})"},
    {"zstd", R"({"level":1})"},
    {"zstd", R"({"level":19,"checksum":true})"},
    {"lz4", R"({"acceleration":1})"},
    {"bz2", R"({"level":1})"},
    {"crc32c", "{}"},
    {"shuffle", R"({"elementsize":4})"},
};

std::vector<std::pair<std::string, std::vector<std::byte>>> Inputs() {
  std::mt19937 rng(1234);
  std::vector<std::pair<std::string, std::vector<std::byte>>> in;
  std::vector<std::byte> smooth(8192);
  for (size_t i = 0; i < smooth.size(); i += 2) {
    uint16_t v = static_cast<uint16_t>(20000 + (i / 2 % 500) * 7 + (rng() & 7));
    smooth[i] = static_cast<std::byte>(v & 0xff);
    smooth[i + 1] = static_cast<std::byte>(v >> 8);
  }
  in.emplace_back("smooth-u16", smooth);
  std::vector<std::byte> random(1024);
  for (auto& b : random) b = static_cast<std::byte>(rng() & 0xff);
  in.emplace_back("random", random);
  in.emplace_back("zeros", std::vector<std::byte>(4096));
  in.emplace_back("four", std::vector<std::byte>{std::byte{1}, std::byte{2}, std::byte{3},
                                                 std::byte{4}});
  in.emplace_back("empty", std::vector<std::byte>{});
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  std::filesystem::path out_dir = argv[1];
  int written = 0;
  for (size_t c = 0; c < std::size(kConfigs); ++c) {
    simdjson::dom::parser parser;
    simdjson::dom::object config;
    if (parser.parse(simdjson::padded_string(std::string_view(kConfigs[c].json))).get(config) !=
        simdjson::SUCCESS) {
      std::fprintf(stderr, "bad seed config %s\n", kConfigs[c].json);
      return 1;
    }
    auto codec = zring::zarr::MakeBytesCodec(kConfigs[c].id, config, {.element_size_bytes = 2});
    if (!codec.ok()) {
      std::fprintf(stderr, "%s\n", codec.status().ToString().c_str());
      return 1;
    }
    std::filesystem::path dir = out_dir / (std::string(kConfigs[c].id) + "_decode_fuzzer");
    std::filesystem::create_directories(dir);
    for (const auto& [label, bytes] : Inputs()) {
      zring::zarr::Buffer encoded;
      if (!(*codec)->Encode(bytes, encoded).ok()) continue;  // e.g. shuffle of odd sizes
      std::string file = "config" + std::to_string(c) + "-" + label + ".seed";
      std::vector<std::filesystem::path> dirs = {dir};
      // The partial-decode target reads blosc frames too.
      if (std::string_view(kConfigs[c].id) == "blosc") {
        dirs.push_back(out_dir / "blosc_range_fuzzer");
      }
      for (const std::filesystem::path& d : dirs) {
        std::filesystem::create_directories(d);
        std::ofstream f(d / file, std::ios::binary);
        f.write(reinterpret_cast<const char*>(encoded.data()),
                static_cast<std::streamsize>(encoded.size()));
        ++written;
      }
    }
  }
  std::printf("wrote %d seeds under %s\n", written, out_dir.c_str());
  return 0;
}
