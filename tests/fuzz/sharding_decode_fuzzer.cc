// libFuzzer target for the sharding_indexed decoder: the input is one shard of an 8x8 int16
// array split into 2x2 inner chunks. The index uses plain little-endian bytes (no crc32c) so the
// fuzzer reaches index validation and inner-chunk decoding instead of stopping at the checksum;
// ZRING_FUZZ_INNER picks the inner codecs (plain bytes, gzip, or nested sharding). Errors are
// fine; a crash, sanitizer report or out-of-bounds access is a bug.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "zarr/codec/codec_chain.h"

// ZRING_FUZZ_INNER: the inner codecs as a bare (unquoted) JSON array.
#ifndef ZRING_FUZZ_INNER
#define ZRING_FUZZ_INNER [{"name": "bytes", "configuration": {"endian": "little"}}]
#endif
#define ZRING_FUZZ_STR_(...) #__VA_ARGS__
#define ZRING_FUZZ_STR(...) ZRING_FUZZ_STR_(__VA_ARGS__)

namespace {

const zring::zarr::CodecChain& Chain() {
  static const std::unique_ptr<zring::zarr::CodecChain> chain = [] {
    const std::vector<zring::zarr::CodecSpec> specs = {
        {"sharding_indexed",
         std::string(R"({"chunk_shape": [2, 2], "index_location": "end", "codecs": )") +
             ZRING_FUZZ_STR(ZRING_FUZZ_INNER) +
             R"(, "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}}]})"}};
    zring::zarr::ChunkSpec spec{zring::zarr::DataType(zring::zarr::DataKind::kInt, 2), {8, 8},
                                zring::zarr::FillValue(std::vector<std::byte>(2), true)};
    return std::move(zring::zarr::CodecChain::Make(specs, spec)).value();
  }();
  return *chain;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::byte> out(8 * 8 * 2);
  (void)Chain().Decode(std::as_bytes(std::span(data, size)), out);
  return 0;
}
