// Reads every array listed in the shared conformance MANIFEST.json (stores written by
// zarr-python, zarrs, zarrita.js, zarr-java, neuroglancer, ...) and checks zring's whole-array
// decode against the expected SHA-256, byte count and sample values.
//
// The fixtures live beside the checkout: $ZRING_CONFORMANCE_DIR, else the directory meson passes
// as ZRING_CONFORMANCE_DEFAULT_DIR (<source>/../shared/conformance). When they are absent the
// test says so loudly and skips. Entries whose expected value could not be established are
// listed by name as "unknown" (still decoded, so a crash or error shows), never skipped quietly.
// `codec_vectors` are checked by zarr/codec/codec_vectors_test.cc.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/status_matchers.h"
#include "fmt/format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "simdjson.h"
#include "zarr/array.h"
#include "zarr/checksum.h"
#include "zarr/store.h"

#ifndef ZRING_CONFORMANCE_DEFAULT_DIR
#define ZRING_CONFORMANCE_DEFAULT_DIR "../shared/conformance"
#endif

namespace zring::zarr {
namespace {

std::filesystem::path ConformanceDir() {
  const char* dir = std::getenv("ZRING_CONFORMANCE_DIR");
  return dir != nullptr && *dir != '\0' ? std::filesystem::path(dir)
                                        : std::filesystem::path(ZRING_CONFORMANCE_DEFAULT_DIR);
}

std::string Hex(std::span<const std::byte> bytes) {
  std::string s;
  for (std::byte b : bytes) s += fmt::format("{:02x}", static_cast<unsigned>(b));
  return s;
}

struct Outcome {
  size_t passed = 0;
  std::vector<std::string> failed;
  std::vector<std::string> unknown;
};

// Checks one manifest entry; returns "" on success, else what went wrong.
std::string CheckEntry(const std::filesystem::path& dir, simdjson::dom::element entry) {
  std::string_view path, metadata_file, sha256;
  uint64_t nbytes = 0;
  if (entry["path"].get(path) || entry["metadata_file"].get(metadata_file)) {
    return "manifest entry lacks path/metadata_file";
  }
  auto store = DirectoryStore::Open((dir / std::string(path)).string());
  if (!store.ok()) return store.status().ToString();
  const int format = metadata_file == ".zarray" ? 2 : 3;
  auto array = Array::Open(**store, "", format);
  if (!array.ok()) return array.status().ToString();
  const bool have_sha = entry["expected"]["sha256"].get(sha256) == simdjson::SUCCESS;
  const bool have_nbytes = entry["expected"]["nbytes"].get(nbytes) == simdjson::SUCCESS;
  const uint64_t elem = (*array)->data_type().size_bytes();
  uint64_t elements = 1;
  for (uint64_t s : (*array)->metadata().shape) elements *= s;
  if (have_nbytes && elements * elem != nbytes) {
    return fmt::format("nbytes {} != expected {}", elements * elem, nbytes);
  }
  // A small memory cap so the slab streaming is exercised, not just one big read.
  auto sha = ArraySha256(**array, 4096);
  if (!sha.ok()) return sha.status().ToString();
  if (have_sha && *sha != sha256) return fmt::format("sha256 {} != expected {}", *sha, sha256);
  simdjson::dom::array samples;
  if (entry["expected"]["samples"].get(samples) == simdjson::SUCCESS) {
    for (simdjson::dom::element sample : samples) {
      simdjson::dom::array index;
      std::string_view le_hex;
      if (sample["index"].get(index) || sample["le_hex"].get(le_hex)) continue;
      Box box;
      for (simdjson::dom::element i : index) {
        box.origin.push_back(uint64_t(i.get_uint64().value_unsafe()));
        box.shape.push_back(1);
      }
      std::vector<std::byte> value(elem);
      auto st = (*array)->ReadBox(box, value);
      if (!st.ok()) return st.ToString();
      if (Hex(value) != le_hex) {
        return fmt::format("sample {} is {} expected {}", simdjson::minify(sample["index"]),
                           Hex(value), le_hex);
      }
    }
  }
  return "";
}

TEST(Conformance, EveryManifestArrayDecodesToItsExpectedBytes) {
  const std::filesystem::path dir = ConformanceDir();
  const std::filesystem::path manifest = dir / "MANIFEST.json";
  if (!std::filesystem::exists(manifest)) {
    std::fprintf(stderr,
                 "\n!!! CONFORMANCE FIXTURES ABSENT: %s not found. NO array of other Zarr "
                 "implementations was checked. Set ZRING_CONFORMANCE_DIR.\n\n",
                 manifest.c_str());
    GTEST_SKIP() << "conformance fixtures absent: " << manifest;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.load(manifest.string()).get(root), simdjson::SUCCESS) << manifest;
  simdjson::dom::array arrays;
  ASSERT_EQ(root["arrays"].get(arrays), simdjson::SUCCESS);
  Outcome outcome;
  for (simdjson::dom::element entry : arrays) {
    std::string_view id, status;
    ASSERT_EQ(entry["id"].get(id), simdjson::SUCCESS);
    if (entry["expected"]["status"].get(status) || status == "unknown") {
      outcome.unknown.emplace_back(id);
      const std::string problem = CheckEntry(dir, entry);
      std::fprintf(stderr, "UNKNOWN expected value (decoded, not compared): %s%s\n",
                   std::string(id).c_str(), problem.empty() ? "" : (": " + problem).c_str());
      continue;
    }
    const std::string problem = CheckEntry(dir, entry);
    if (problem.empty()) {
      ++outcome.passed;
    } else {
      outcome.failed.push_back(fmt::format("{}: {}", id, problem));
      ADD_FAILURE() << id << ": " << problem;
    }
  }
  std::fprintf(stderr, "conformance: %zu passed, %zu failed, %zu with unknown expected value\n",
               outcome.passed, outcome.failed.size(), outcome.unknown.size());
  EXPECT_GT(outcome.passed, 0u);
}

// Arrays the manifest leaves undescribed (strings, objects): fixed-length ones must decode (as
// their raw representation), variable-length ones must be refused as kUnimplemented; no other
// error and no crash.
TEST(Conformance, OutOfScopeArraysDecodeRawOrAreRefusedClearly) {
  const std::filesystem::path manifest = ConformanceDir() / "MANIFEST.json";
  if (!std::filesystem::exists(manifest)) GTEST_SKIP() << "conformance fixtures absent";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.load(manifest.string()).get(root), simdjson::SUCCESS);
  simdjson::dom::array arrays;
  ASSERT_EQ(root["out_of_scope_arrays"].get(arrays), simdjson::SUCCESS);
  size_t decoded = 0, refused = 0;
  for (simdjson::dom::element entry : arrays) {
    std::string_view path;
    ASSERT_EQ(entry["path"].get(path), simdjson::SUCCESS);
    SCOPED_TRACE(std::string(path));
    ASSERT_OK_AND_ASSIGN(auto store,
                         DirectoryStore::Open((ConformanceDir() / std::string(path)).string()));
    auto array = Array::Open(*store, "");
    if (!array.ok()) {
      EXPECT_EQ(array.status().code(), absl::StatusCode::kUnimplemented) << array.status();
      EXPECT_THAT(std::string(array.status().message()), ::testing::HasSubstr("not supported"));
      ++refused;
      continue;
    }
    EXPECT_OK(ArraySha256(**array).status());
    ++decoded;
  }
  std::fprintf(stderr, "out-of-scope arrays: %zu decoded raw, %zu refused as unsupported\n",
               decoded, refused);
  EXPECT_GT(decoded + refused, 0u);
}

}  // namespace
}  // namespace zring::zarr
