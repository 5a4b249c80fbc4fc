// libFuzzer target for one bytes -> bytes decoder, chosen at compile time:
//   -DZRING_FUZZ_CODEC="blosc"  (a MakeBytesCodec id)
//   -DZRING_FUZZ_CONFIG={...}   (optional JSON configuration, unquoted; default {})
// The input is an encoded chunk as it would come off disk. Properties checked on every input:
//   - Decode either succeeds or fails with kDataLoss (never another code, never a crash; ASan
//     catches any read or write outside the buffers);
//   - when Decode succeeds, DecodeInto into an exactly-sized heap buffer succeeds and yields the
//     same bytes, and DecodeInto into a buffer one byte larger fails;
//   - DecodeInto into a fixed-size buffer never writes outside it, whatever the frame claims.
#include <cstddef>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "simdjson.h"
#include "zarr/buffer.h"
#include "zarr/codec/bytes_codec.h"

#ifndef ZRING_FUZZ_CODEC
#error "define ZRING_FUZZ_CODEC to a bytes codec id"
#endif
#ifndef ZRING_FUZZ_CONFIG
#define ZRING_FUZZ_CONFIG {}
#endif
// The configuration arrives as bare tokens (quoting JSON through meson, ninja and the shell is
// fragile); stringizing restores the text, escapes included.
#define ZRING_FUZZ_STR_(...) #__VA_ARGS__
#define ZRING_FUZZ_STR(...) ZRING_FUZZ_STR_(__VA_ARGS__)

namespace {

using zring::zarr::BytesCodec;

// Decoded sizes above this are refused, so a frame claiming gigabytes cannot exhaust memory.
constexpr size_t kMaxDecodedBytes = size_t{64} << 20;
constexpr size_t kFixedTargetBytes = 4096;

// A violated property: says which, with the statuses involved, then crashes so libFuzzer keeps
// the input.
[[noreturn]] void Violated(const char* property, const absl::Status& a = absl::OkStatus(),
                           const absl::Status& b = absl::OkStatus()) {
  std::fprintf(stderr, "zring-fuzz: property violated: %s\n  first: %s\n  second: %s\n", property,
               a.ToString().c_str(), b.ToString().c_str());
  std::fflush(stderr);
  __builtin_trap();
}

const BytesCodec& Codec() {
  static const BytesCodec* codec = [] {
    simdjson::dom::parser parser;
    simdjson::dom::object config;
    simdjson::padded_string json(std::string_view(ZRING_FUZZ_STR(ZRING_FUZZ_CONFIG)));
    if (parser.parse(json).get(config) != simdjson::SUCCESS) {
      std::abort();
    }
    auto made = zring::zarr::MakeBytesCodec(ZRING_FUZZ_CODEC, config, {.element_size_bytes = 4});
    if (!made.ok()) std::abort();
    return made->release();
  }();
  return *codec;
}

// Exactly-sized heap buffer, so ASan flags a write one byte past the end.
std::unique_ptr<std::byte[]> Exact(size_t n) {
  return std::unique_ptr<std::byte[]>(new std::byte[n]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const BytesCodec& codec = Codec();
  std::span<const std::byte> encoded(reinterpret_cast<const std::byte*>(data), size);

  zring::zarr::Buffer decoded;
  absl::Status status = codec.Decode(encoded, decoded, kMaxDecodedBytes);
  if (!status.ok() && status.code() != absl::StatusCode::kDataLoss) {
    Violated("Decode failed with a code other than kDataLoss", status);
  }

  if (status.ok()) {
    const size_t n = decoded.size();
    auto exact = Exact(n);
    absl::Status exact_status = codec.DecodeInto(encoded, {exact.get(), n});
    if (!exact_status.ok()) {
      Violated("Decode succeeded but DecodeInto an exactly-sized buffer failed", status,
               exact_status);
    }
    if (n > 0 && std::memcmp(exact.get(), decoded.data(), n) != 0) {
      Violated("Decode and DecodeInto produced different bytes");
    }
    auto bigger = Exact(n + 1);
    if (codec.DecodeInto(encoded, {bigger.get(), n + 1}).ok()) {
      Violated("DecodeInto a buffer one byte larger than the decoded size succeeded");
    }
  }

  auto fixed = Exact(kFixedTargetBytes);
  absl::Status into = codec.DecodeInto(encoded, {fixed.get(), kFixedTargetBytes});
  if (!into.ok() && into.code() != absl::StatusCode::kDataLoss) {
    Violated("DecodeInto a fixed buffer failed with a code other than kDataLoss", into);
  }
  return 0;
}
