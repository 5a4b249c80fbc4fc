// libFuzzer target for the metadata parsers: the input is one metadata document, tried as a v3
// zarr.json (array and group), a v2 .zarray (with and without .zattrs), a v2 .zgroup, and both
// consolidated forms. Documents that parse as arrays with small chunks also get their codec
// chain built and a chunk of fill values encoded and decoded, so codec configurations reached
// through metadata are fuzzed too. Any crash, sanitizer report or leak is a bug; errors are fine.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "zarr/codec/codec_chain.h"
#include "zarr/metadata/array_metadata.h"

namespace {

// Only small chunks are round-tripped, so the fuzzer spends its time on parsing.
constexpr uint64_t kMaxChunkBytes = uint64_t{1} << 16;

void Exercise(const zring::zarr::ArrayMetadata& m) {
  (void)m.fill_value.ToJson(m.data_type);
  (void)m.chunk_key_encoding.Encode(m.chunk_shape);
  (void)m.chunk_key_encoding.Decode("c/0/0", m.ndim());
  uint64_t bytes = m.data_type.size_bytes();
  for (uint64_t s : m.chunk_shape) bytes *= s;
  if (bytes > kMaxChunkBytes) return;
  auto chain = zring::zarr::CodecChain::ForArray(m);
  if (!chain.ok()) return;
  zring::zarr::Buffer chunk(bytes);
  m.fill_value.FillInto(chunk.span());
  zring::zarr::Buffer encoded;
  if (!(*chain)->Encode(chunk.span(), encoded).ok()) return;
  (void)(*chain)->Decode(encoded.span(), chunk.span());
  (void)(*chain)->CodecJson(m.zarr_format);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto m = zring::zarr::ParseArrayMetadataV3(text); m.ok()) Exercise(*m);
  if (auto m = zring::zarr::ParseArrayMetadataV2(text, ""); m.ok()) Exercise(*m);
  (void)zring::zarr::ParseArrayMetadataV2(R"({"zarr_format": 2})", text);
  (void)zring::zarr::NodeTypeV3(text);
  (void)zring::zarr::ParseGroupMetadataV3(text);
  (void)zring::zarr::ParseGroupMetadataV2(text, "");
  (void)zring::zarr::ParseConsolidatedV2(text);
  (void)zring::zarr::ParseConsolidatedV3(text);
  return 0;
}
