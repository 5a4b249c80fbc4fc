// Writes the small store the C API test (zring_c_test.c) reads: `zring_c_testdata DIR` creates
// DIR (which must not exist yet or be empty) holding
//   u16      v3 uint16 [13, 17, 11] in [4, 5, 3] chunks, gzip, fill 7; chunk (1, 1, 1) not
//            stored; element (i, j, k) = i * 187 + j * 11 + k
//   f32v2    v2 "<f4" [10, 9] in [4, 4] chunks, zlib, fill 0; element (i, j) = i * 0.5 - j
//   sharded  v3 int32 [8, 12] in shards [4, 6] of inner chunks [2, 3]; element (i, j) =
//            -(i * 100 + j)
//   corrupt  v3 uint16 [4, 4] in [2, 2] chunks, gzip; element (i, j) = i * 4 + j, except that
//            chunk (0, 1) holds bytes that are not gzip
// The C test computes the same formulas; the C API itself cannot write.
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "zarr/array.h"
#include "zarr/store.h"

namespace {

using zring::zarr::Array;
using zring::zarr::DirectoryStore;
using V = std::vector<uint64_t>;

int Die(const std::string& what) {
  std::fprintf(stderr, "zring_c_testdata: %s\n", what.c_str());
  return 1;
}

bool Put(DirectoryStore& store, const std::string& key, const std::string& text) {
  return store.Set(key, std::as_bytes(std::span(text.data(), text.size()))).ok();
}

// Encodes every grid chunk (but `skip`) of a 1-4 byte element array from `value(index)`.
template <typename T>
std::string WriteChunks(DirectoryStore& store, const std::string& path,
                        const std::function<T(const V&)>& value, const V& skip) {
  auto array = Array::Open(store, path);
  if (!array.ok()) return array.status().ToString();
  const zring::zarr::ChunkGrid& g = (*array)->grid();
  const V& cs = g.chunk_shape();
  for (uint64_t n = 0; n < g.NumChunks(); ++n) {
    const V idx = g.UnravelIndex(n);
    if (idx == skip) continue;
    std::vector<T> chunk(g.ChunkNumElements());
    for (uint64_t e = 0; e < chunk.size(); ++e) {
      V at(cs.size());
      uint64_t rest = e;
      for (size_t d = cs.size(); d-- > 0;) {
        at[d] = idx[d] * cs[d] + rest % cs[d];
        rest /= cs[d];
      }
      chunk[e] = value(at);
    }
    zring::zarr::Buffer enc;
    auto st = (*array)->EncodeChunk(idx, std::as_bytes(std::span(chunk)), enc);
    if (!st.ok()) return st.ToString();
    st = store.Set((*array)->StoreKey(idx), enc.span());
    if (!st.ok()) return st.ToString();
  }
  return "";
}

std::string Join(const V& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s;
}

const char kGzip[] = R"([{"name": "bytes", "configuration": {"endian": "little"}},
                        {"name": "gzip", "configuration": {"level": 1}}])";

std::string V3(const V& shape, const V& chunks, const std::string& dtype, const std::string& fill,
               const std::string& codecs) {
  return fmt::format(
      R"({{"zarr_format": 3, "node_type": "array", "shape": [{}], "data_type": "{}",
      "chunk_grid": {{"name": "regular", "configuration": {{"chunk_shape": [{}]}}}},
      "chunk_key_encoding": {{"name": "default"}}, "fill_value": {}, "codecs": {}}})",
      Join(shape), dtype, Join(chunks), fill, codecs);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return Die("usage: zring_c_testdata DIR");
  auto store = DirectoryStore::Create(argv[1]);
  if (!store.ok()) return Die(store.status().ToString());
  DirectoryStore& s = **store;
  const std::string sharded_codecs = fmt::format(
      R"([{{"name": "sharding_indexed", "configuration": {{"chunk_shape": [2, 3],
      "codecs": {}, "index_codecs": [{{"name": "bytes", "configuration": {{"endian": "little"}}}},
      {{"name": "crc32c"}}], "index_location": "end"}}}}])",
      kGzip);
  const bool meta_ok =
      Put(s, "zarr.json", R"({"zarr_format": 3, "node_type": "group"})") &&
      Put(s, "u16/zarr.json", V3({13, 17, 11}, {4, 5, 3}, "uint16", "7", kGzip)) &&
      Put(s, "f32v2/.zarray",
          R"({"zarr_format": 2, "shape": [10, 9], "chunks": [4, 4], "dtype": "<f4",
              "compressor": {"id": "zlib", "level": 1}, "fill_value": 0.0, "order": "C",
              "filters": null})") &&
      Put(s, "sharded/zarr.json", V3({8, 12}, {4, 6}, "int32", "0", sharded_codecs)) &&
      Put(s, "corrupt/zarr.json", V3({4, 4}, {2, 2}, "uint16", "0", kGzip));
  if (!meta_ok) return Die("cannot write metadata");
  std::string err = WriteChunks<uint16_t>(
      s, "u16", [](const V& a) { return static_cast<uint16_t>(a[0] * 187 + a[1] * 11 + a[2]); },
      V{1, 1, 1});
  if (err.empty()) {
    err = WriteChunks<float>(
        s, "f32v2",
        [](const V& a) { return static_cast<float>(a[0]) * 0.5f - static_cast<float>(a[1]); }, V{});
  }
  if (err.empty()) {
    err = WriteChunks<int32_t>(
        s, "sharded", [](const V& a) { return -static_cast<int32_t>(a[0] * 100 + a[1]); }, V{});
  }
  if (err.empty()) {
    err = WriteChunks<uint16_t>(
        s, "corrupt", [](const V& a) { return static_cast<uint16_t>(a[0] * 4 + a[1]); }, V{});
  }
  if (!err.empty()) return Die(err);
  const std::string garbage = "this is not a gzip stream";
  if (!Put(s, "corrupt/c/0/1", garbage)) return Die("cannot write corrupt/c/0/1");
  return 0;
}
