// Decodes the numcodecs codec vectors listed in the shared conformance MANIFEST.json
// (`codec_vectors`: buffers that numcodecs wrote with lz4, zstd, blosc, gzip, zlib, crc32c) and
// checks size and SHA-256 of each decoded buffer against the manifest. The fixtures live beside
// the checkout ($ZRING_CONFORMANCE_DIR, else ZRING_CONFORMANCE_DEFAULT_DIR from meson); when they
// are absent the test says so loudly and skips.
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "engine/status_matchers.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "zarr/codec/codec_test_util.h"

namespace zring::zarr {
namespace {

using ::zring::zarr::testing::SameBytes;
using ::zring::zarr::testing::View;

std::string Sha256Hex(std::span<const std::byte> data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

std::vector<std::byte> ReadFile(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::byte> bytes(chars.size());
  if (!chars.empty()) std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

// Item size of a numpy dtype string ("<i4", "|b1", "<M8[ns]", "<f8").
uint32_t ItemSize(std::string_view dtype) {
  if (dtype.size() >= 2 && (dtype[1] == 'b' || dtype[1] == 'S' || dtype[1] == 'u' ||
                            dtype[1] == 'i' || dtype[1] == 'f' || dtype[1] == 'c')) {
    return static_cast<uint32_t>(std::atoi(std::string(dtype.substr(2)).c_str()));
  }
  if (dtype.size() >= 3 && (dtype[1] == 'M' || dtype[1] == 'm')) return 8;
  return 1;
}

std::filesystem::path ConformanceDir() {
  const char* dir = std::getenv("ZRING_CONFORMANCE_DIR");
  if (dir != nullptr) return dir;
  return ZRING_CONFORMANCE_DEFAULT_DIR;  // beside the checkout; meson sets it
}

TEST(NumcodecsVectors, DecodeToTheManifestedBytes) {
  std::filesystem::path dir = ConformanceDir();
  std::filesystem::path manifest = dir / "MANIFEST.json";
  if (!std::filesystem::exists(manifest)) {
    std::fprintf(stderr,
                 "\n!!! CONFORMANCE FIXTURES ABSENT: %s not found; the numcodecs codec vectors "
                 "were NOT checked. Set ZRING_CONFORMANCE_DIR.\n\n",
                 manifest.c_str());
    GTEST_SKIP() << "conformance fixtures absent: " << manifest;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.load(manifest.string()).get(root), simdjson::SUCCESS) << manifest;
  simdjson::dom::array vectors;
  ASSERT_EQ(root["codec_vectors"]["vectors"].get(vectors), simdjson::SUCCESS);

  size_t checked = 0, unknown = 0;
  for (simdjson::dom::element v : vectors) {
    std::string_view id, codec_id, encoded_file, dtype, sha256;
    ASSERT_EQ(v["id"].get(id), simdjson::SUCCESS);
    SCOPED_TRACE(std::string(id));
    ASSERT_EQ(v["codec"].get(codec_id), simdjson::SUCCESS);
    ASSERT_EQ(v["encoded_file"].get(encoded_file), simdjson::SUCCESS);
    simdjson::dom::object config;
    ASSERT_EQ(v["config"].get(config), simdjson::SUCCESS);
    if (v["npy_dtype"].get(dtype) != simdjson::SUCCESS) dtype = "|u1";
    uint64_t nbytes = 0;
    ASSERT_EQ(v["expected_decoded"]["nbytes"].get(nbytes), simdjson::SUCCESS);
    if (v["expected_decoded"]["sha256"].get(sha256) != simdjson::SUCCESS) {
      std::fprintf(stderr, "codec vector %.*s: expected value unknown, decoded only\n",
                   static_cast<int>(id.size()), id.data());
      ++unknown;
    }

    std::vector<std::byte> encoded = ReadFile(dir / std::string(encoded_file));
    uint64_t encoded_nbytes = 0;
    if (v["encoded_nbytes"].get(encoded_nbytes) == simdjson::SUCCESS) {
      ASSERT_EQ(encoded.size(), encoded_nbytes) << encoded_file;
    }
    ASSERT_OK_AND_ASSIGN(auto codec, MakeBytesCodec(codec_id, config,
                                                    {.element_size_bytes = ItemSize(dtype)}));
    Buffer decoded;
    ASSERT_OK(codec->Decode(encoded, decoded));
    EXPECT_EQ(decoded.size(), nbytes);
    if (!sha256.empty()) {
      EXPECT_EQ(Sha256Hex(decoded.span()), sha256);
    }

    std::vector<std::byte> into(nbytes);
    ASSERT_OK(codec->DecodeInto(encoded, into));
    EXPECT_TRUE(SameBytes(into, View(decoded)));

    // What we encode with the same configuration decodes back to the same bytes.
    Buffer ours, back;
    ASSERT_OK(codec->Encode(decoded.span(), ours));
    ASSERT_OK(codec->Decode(ours.span(), back));
    EXPECT_TRUE(SameBytes(View(back), View(decoded)));
    ++checked;
  }
  EXPECT_EQ(checked, vectors.size());
  EXPECT_GE(checked, 60u) << "MANIFEST lists fewer codec vectors than expected";
  std::fprintf(stderr, "numcodecs codec vectors: %zu decoded, %zu with unknown expected value\n",
               checked, unknown);
}

}  // namespace
}  // namespace zring::zarr
