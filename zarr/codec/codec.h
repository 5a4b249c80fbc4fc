// Array codecs: the array -> array and array -> bytes stages of a Zarr codec chain.
//
// Three codec kinds make a chain (zarr v3 core spec, "codecs"):
//   array -> array   transpose, and the numcodecs v2 filters (delta, fixedscaleoffset, astype,
//                    quantize, bitround)
//   array -> bytes   bytes (endianness), sharding_indexed
//   bytes -> bytes   compressors and checksums (zarr/codec/bytes_codec.h)
//
// An array codec is made for one decoded ChunkSpec (data type + shape + fill value): making it
// IS preparing it for that chunk shape, so per-chunk work is only the data pass. Made codecs are
// immutable; every method is const and safe to call from many threads at once.
//
// Arrays between stages are always in zring's canonical layout: C order, little-endian elements
// of the spec's data type, exactly spec.NumBytes() bytes. Decoders write every byte of `out` and
// never outside it; input that does not match what the spec says is kDataLoss saying what was
// expected (callers add the chunk key and array path).
#ifndef ZRING_ZARR_CODEC_CODEC_H_
#define ZRING_ZARR_CODEC_CODEC_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "zarr/buffer.h"
#include "zarr/dtype.h"
#include "zarr/fill_value.h"

namespace zring::zarr {

// The array a codec stage sees.
struct ChunkSpec {
  DataType data_type;
  std::vector<uint64_t> shape;
  FillValue fill_value;

  uint64_t NumElements() const;
  uint64_t NumBytes() const { return NumElements() * data_type.size_bytes(); }
};

class ArrayToArrayCodec {
 public:
  virtual ~ArrayToArrayCodec() = default;
  virtual std::string_view name() const = 0;
  // The array this codec produces when encoding (what the next stage sees).
  virtual const ChunkSpec& encoded_spec() const = 0;
  // `encoded` holds encoded_spec().NumBytes(); `decoded` the decoded spec's NumBytes().
  virtual absl::Status Decode(std::span<const std::byte> encoded,
                              std::span<std::byte> decoded) const = 0;
  virtual absl::Status Encode(std::span<const std::byte> decoded,
                              std::span<std::byte> encoded) const = 0;
  // The metadata form: v3 {"name": ..., "configuration": ...} or v2 {"id": ...}.
  virtual std::string ToJson(int zarr_format) const = 0;
};

class ArrayToBytesCodec {
 public:
  virtual ~ArrayToBytesCodec() = default;
  virtual std::string_view name() const = 0;
  // The encoded size when it does not depend on the data (the `bytes` codec), else 0.
  virtual uint64_t FixedEncodedSize() const = 0;
  // True when the encoded bytes ARE the canonical array (little-endian `bytes`): the chain then
  // decodes bytes codecs straight into the caller's buffer.
  virtual bool IsIdentity() const { return false; }
  // `decoded` holds the spec's NumBytes().
  virtual absl::Status Decode(std::span<const std::byte> encoded,
                              std::span<std::byte> decoded) const = 0;
  virtual absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const = 0;
  virtual std::string ToJson(int zarr_format) const = 0;
};

// Makes array -> array codec `name` (v3 name, "numcodecs.<id>", or v2 id) from its JSON
// configuration (v3 configuration object or v2 codec object) for arrays of `decoded`.
absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeArrayToArrayCodec(
    std::string_view name, std::string_view configuration_json, const ChunkSpec& decoded);
bool IsArrayToArrayCodec(std::string_view name);

absl::StatusOr<std::unique_ptr<ArrayToBytesCodec>> MakeArrayToBytesCodec(
    std::string_view name, std::string_view configuration_json, const ChunkSpec& decoded);
bool IsArrayToBytesCodec(std::string_view name);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_CODEC_H_
