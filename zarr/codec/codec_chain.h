// CodecChain: a Zarr codec pipeline prepared for one chunk shape, decoding and encoding whole
// chunks between their stored bytes and zring's canonical layout (C order, little-endian).
//
// Built from v3 `codecs` (array -> array codecs, one array -> bytes codec, bytes -> bytes
// codecs) or from v2 metadata (order F = a transpose, array filters, the implicit `bytes` stage
// in the dtype's byte order, byte filters such as shuffle, then the compressor). Made once per
// array (edge chunks are stored at full chunk shape), then used by many threads for many chunks:
// every method is const and thread-safe.
//
// Decode writes straight into the caller's buffer when no stage needs its own: no array ->
// array codecs and a little-endian `bytes` stage means the last bytes codec (or the raw chunk
// copy) writes its output directly into `out`.
//
//   ZRING_ASSIGN_OR_RETURN(auto chain, CodecChain::Make(metadata.codecs, spec));
//   ZRING_RETURN_IF_ERROR(chain->Decode(stored_bytes, out_span));   // out: spec.NumBytes()
//   Buffer stored;
//   ZRING_RETURN_IF_ERROR(chain->Encode(array_bytes, stored));
#ifndef ZRING_ZARR_CODEC_CODEC_CHAIN_H_
#define ZRING_ZARR_CODEC_CODEC_CHAIN_H_

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "zarr/codec/blosc_codec.h"
#include "zarr/codec/bytes_codec.h"
#include "zarr/codec/codec.h"
#include "zarr/metadata/array_metadata.h"

namespace zring::zarr {

class ShardingCodec;

class CodecChain {
 public:
  // v3: `codecs` in metadata order, for chunks of `decoded`.
  static absl::StatusOr<std::unique_ptr<CodecChain>> Make(std::span<const CodecSpec> codecs,
                                                          const ChunkSpec& decoded);
  // v2: the chunk pipeline `metadata` describes (order, filters, dtype byte order, compressor).
  static absl::StatusOr<std::unique_ptr<CodecChain>> MakeV2(const ArrayMetadata& metadata,
                                                            const ChunkSpec& decoded);
  // Whichever of the two `metadata.zarr_format` calls for, for its chunk shape.
  static absl::StatusOr<std::unique_ptr<CodecChain>> ForArray(const ArrayMetadata& metadata);

  const ChunkSpec& decoded_spec() const { return decoded_; }

  // `out` must hold exactly decoded_spec().NumBytes(). kDataLoss when `encoded` is not a valid
  // encoding of such a chunk (the message says which stage and what it expected). Bool chunks
  // come out as bytes 0/1 whatever non-zero byte was stored.
  absl::Status Decode(std::span<const std::byte> encoded, std::span<std::byte> out) const;
  absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const;

  // The codec JSON objects, in metadata order (v3 form when zarr_format == 3).
  std::vector<std::string> CodecJson(int zarr_format) const;
  // The sharding codec when it is the chain's array -> bytes stage, else nullptr. A planner uses
  // it to read a shard's index and then only the inner chunks it needs.
  const ShardingCodec* sharding() const;
  // Whether any stage sits before or after the array -> bytes stage.
  bool HasArrayToArrayCodecs() const { return !a2a_.empty(); }
  bool HasBytesToBytesCodecs() const { return !b2b_.empty(); }
  // True when stored chunks ARE the decoded chunks (one little-endian `bytes` stage, nothing
  // else): a reader may use the stored bytes as they are.
  bool IsIdentity() const;
  // True when DecodeRange can decode part of a chunk without decoding it whole: the chain is a
  // layout-preserving `bytes` stage then one blosc codec (numcodecs' usual v2 chunk).
  bool CanDecodeRange() const;
  // Decodes bytes [offset, offset + out.size()) of the decoded chunk into `out`, decoding only
  // what that range needs (BloscDecodeRange). kFailedPrecondition when !CanDecodeRange();
  // kDataLoss as Decode for a bad chunk; kOutOfRange for a range past the chunk.
  absl::Status DecodeRange(std::span<const std::byte> encoded, size_t offset,
                           std::span<std::byte> out, BloscRangeStats* stats = nullptr) const;

 private:
  CodecChain() = default;
  absl::Status DecodeBytes(std::span<const std::byte> encoded, std::span<std::byte> array_out) const;
  // Decode without the bool normalization.
  absl::Status DecodeStages(std::span<const std::byte> encoded, std::span<std::byte> out) const;

  ChunkSpec decoded_;
  std::vector<std::unique_ptr<ArrayToArrayCodec>> a2a_;
  std::unique_ptr<ArrayToBytesCodec> a2b_;
  std::vector<std::unique_ptr<BytesCodec>> b2b_;
  // v2 byte filters (shuffle) cannot say how to write themselves as v2 filters; keep the ids.
  int zarr_format_ = 3;
  std::vector<std::string> v2_json_;
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_CODEC_CHAIN_H_
