// BytesCodec: a bytes -> bytes codec (compressors, checksums, byte shuffles).
//
// One implementation per codec answers to both its Zarr v2 id (numcodecs) and its Zarr v3 name:
//
//   v2 id        v3 name        library
//   "blosc"      "blosc"        c-blosc (blosclz, lz4, lz4hc, zstd, zlib; no/byte/bit shuffle)
//   "gzip"       "gzip"         zlib / libdeflate
//   "zlib"       -              zlib / libdeflate
//   "zstd"       "zstd"         libzstd
//   "lz4"        -              liblz4 with numcodecs framing (4-byte LE decoded size + block)
//   "bz2"        -              libbz2
//   "crc32c"     "crc32c"       ISA-L (4-byte LE checksum appended; verified on decode)
//   "shuffle"    -              numcodecs Shuffle filter (byte transpose by elementsize)
//
// A codec is made once per array (MakeBytesCodec) and then used for many chunks, from many
// threads at once: every method is const and thread-safe.
//
// Decoding never writes outside the buffer it is given, whatever the input says about itself: a
// frame that claims a size different from what the caller expects, or that is truncated or
// corrupt, is an error (absl::StatusCode::kDataLoss) whose message says what was expected and what
// was found. Callers add the chunk key and array path in front of the message.
//
//   ZRING_ASSIGN_OR_RETURN(auto codec, MakeBytesCodec("zstd", config, {.element_size_bytes = 2}));
//   ZRING_RETURN_IF_ERROR(codec->DecodeInto(encoded, out_span));   // size known
//   Buffer plain;
//   ZRING_RETURN_IF_ERROR(codec->Decode(encoded, plain));          // size unknown
#ifndef ZRING_ZARR_CODEC_BYTES_CODEC_H_
#define ZRING_ZARR_CODEC_BYTES_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/buffer.h"

namespace zring::zarr {

// What a bytes codec may need to know about the array it serves.
struct BytesCodecContext {
  // Item size of the array's data type (blosc's typesize when its configuration omits one).
  uint32_t element_size_bytes = 1;
};

class BytesCodec {
 public:
  virtual ~BytesCodec() = default;

  // The v3 name when there is one, else the v2 id ("blosc", "zlib", ...).
  virtual std::string_view name() const = 0;

  // Decodes `encoded` into exactly `decoded`; kDataLoss when the frame does not decode to
  // exactly decoded.size() bytes.
  virtual absl::Status DecodeInto(std::span<const std::byte> encoded,
                                  std::span<std::byte> decoded) const = 0;

  // Decodes `encoded` into `decoded`, resized to what the frame holds. Refuses (kDataLoss) frames
  // that claim more than `max_decoded_bytes`, so a corrupt header cannot make us allocate
  // terabytes.
  virtual absl::Status Decode(std::span<const std::byte> encoded, Buffer& decoded,
                              size_t max_decoded_bytes = size_t{1} << 34) const = 0;

  // Encodes `decoded` into `encoded` (resized to the frame's size).
  virtual absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const = 0;

  // The codec as metadata JSON: v2 `{"id": ..., ...}` when zarr_format == 2, v3
  // `{"name": ..., "configuration": {...}}` when 3. kUnimplemented when the codec has no form in
  // that version (e.g. "lz4" in v3).
  virtual absl::StatusOr<std::string> ToJson(int zarr_format) const = 0;
};

// Makes the codec with v2 id or v3 name `id`. `config` holds its parameters: for v2 the codec
// object itself (its "id" member is ignored), for v3 the "configuration" object (an empty object
// when absent). Unknown ids and bad parameters are kInvalidArgument naming the id and the
// parameter.
absl::StatusOr<std::unique_ptr<BytesCodec>> MakeBytesCodec(std::string_view id,
                                                           simdjson::dom::object config,
                                                           const BytesCodecContext& context);

// True when `id` names a bytes -> bytes codec known to MakeBytesCodec.
bool IsBytesCodec(std::string_view id);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_BYTES_CODEC_H_
