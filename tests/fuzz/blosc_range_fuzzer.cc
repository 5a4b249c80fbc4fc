// libFuzzer target for BloscDecodeRange (partial decode of a blosc frame).
// The input is a blosc frame. For a few byte ranges spread over what the header promises, the
// range decode must either fail with kDataLoss or, when the whole frame decodes, give exactly the
// same bytes as that slice of the whole-frame decoder's output; it never writes outside its
// exactly-sized buffer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "simdjson.h"
#include "zarr/buffer.h"
#include "zarr/codec/blosc_codec.h"
#include "zarr/codec/bytes_codec.h"

namespace {

// The whole-frame decoder (blosc_decompress_ctx), to cross-check blosc_getitem against.
const zring::zarr::BytesCodec& WholeDecoder() {
  static const zring::zarr::BytesCodec* codec = [] {
    simdjson::dom::parser parser;
    simdjson::dom::object config;
    if (parser.parse(simdjson::padded_string(std::string_view("{}"))).get(config) !=
        simdjson::SUCCESS) {
      std::abort();
    }
    auto made = zring::zarr::MakeBytesCodec("blosc", config, {});
    if (!made.ok()) std::abort();
    return made->release();
  }();
  return *codec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const std::byte> frame(reinterpret_cast<const std::byte*>(data), size);
  absl::StatusOr<size_t> nbytes = zring::zarr::BloscDecodedSize(frame);
  if (!nbytes.ok() || *nbytes == 0 || *nbytes > (size_t{64} << 20)) return 0;

  zring::zarr::Buffer whole(*nbytes);
  const bool whole_ok = WholeDecoder().DecodeInto(frame, whole.span()).ok();
  const size_t n = *nbytes;
  // Ranges: a prefix, a suffix, and odd-sized pieces from the middle (unaligned to typesize).
  const size_t ranges[][2] = {{0, 1}, {n - 1, 1}, {n / 3, n / 3 + 1}, {n / 2, n - n / 2},
                              {n / 7 + 1, n / 5}};
  for (const auto& r : ranges) {
    size_t offset = r[0], length = std::min(r[1], n - offset);
    std::unique_ptr<std::byte[]> out(new std::byte[length]);
    absl::Status s = zring::zarr::BloscDecodeRange(frame, offset, {out.get(), length});
    if (!s.ok() && s.code() != absl::StatusCode::kDataLoss) __builtin_trap();
    if (s.ok() && whole_ok && length > 0 &&
        std::memcmp(out.get(), whole.data() + offset, length) != 0) {
      __builtin_trap();
    }
  }
  return 0;
}
