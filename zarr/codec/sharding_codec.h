// ShardingCodec: the v3 `sharding_indexed` array -> bytes codec.
//
// A shard (one chunk of the array's grid) is split into inner chunks of `chunk_shape`, each
// encoded with the inner `codecs` and stored back to back, plus an index of (offset, nbytes)
// uint64 pairs per inner chunk in C order, encoded with `index_codecs` (default: little-endian
// bytes + crc32c) and stored at the start or the end ("index_location", default "end"). An entry
// of two all-ones values marks an inner chunk that is not stored: it reads as the fill value.
// Inner codecs may themselves shard (nested sharding).
//
// Decoding never trusts the index: an entry pointing past the end of the shard, or a half-empty
// entry, is kDataLoss naming the inner chunk. Encoding leaves inner chunks that equal the fill
// value unstored.
//
// Besides whole-shard Decode/Encode, the index is exposed for a planner that reads an index
// first (IndexRange, DecodeIndex) and then only the inner chunks a request needs
// (inner_chain().Decode on each inner chunk's bytes).
//
//   const ShardingCodec* s = chain->sharding();
//   ZRING_ASSIGN_OR_RETURN(Buffer idx, store.GetRange(key, s->IndexRange()));
//   ZRING_ASSIGN_OR_RETURN(auto entries, s->DecodeIndex(idx.span(), shard_size));
#ifndef ZRING_ZARR_CODEC_SHARDING_CODEC_H_
#define ZRING_ZARR_CODEC_SHARDING_CODEC_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "zarr/codec/codec.h"
#include "zarr/codec/codec_chain.h"
#include "zarr/store.h"

namespace zring::zarr {

struct ShardIndexEntry {
  static constexpr uint64_t kMissing = ~uint64_t{0};
  uint64_t offset_bytes = kMissing;
  uint64_t length_bytes = kMissing;
  bool missing() const { return offset_bytes == kMissing && length_bytes == kMissing; }
};

class ShardingCodec final : public ArrayToBytesCodec {
 public:
  // `configuration_json`: the codec's configuration; `shard` the spec of one shard.
  static absl::StatusOr<std::unique_ptr<ShardingCodec>> Make(std::string_view configuration_json,
                                                             const ChunkSpec& shard);

  std::string_view name() const override { return "sharding_indexed"; }
  uint64_t FixedEncodedSize() const override { return 0; }
  absl::Status Decode(std::span<const std::byte> encoded,
                      std::span<std::byte> decoded) const override;
  absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const override;
  std::string ToJson(int zarr_format) const override;

  const std::vector<uint64_t>& inner_chunk_shape() const { return inner_spec_.shape; }
  // Inner chunks per shard along each dimension.
  const std::vector<uint64_t>& chunks_per_shard() const { return chunks_per_shard_; }
  uint64_t num_inner_chunks() const { return num_inner_; }
  bool index_at_end() const { return index_at_end_; }
  uint64_t index_size_bytes() const { return index_size_; }
  // Where the index lies in a shard: the last index_size_bytes() or the first.
  ByteRange IndexRange() const;
  // Decodes and checks an encoded index against a shard of `shard_size_bytes` bytes: one entry
  // per inner chunk, C order.
  absl::StatusOr<std::vector<ShardIndexEntry>> DecodeIndex(std::span<const std::byte> index,
                                                           uint64_t shard_size_bytes) const;
  // Decodes one inner chunk's bytes into inner_chain().decoded_spec() layout.
  const CodecChain& inner_chain() const { return *inner_; }

 private:
  ShardingCodec() = default;
  std::string InnerChunkName(uint64_t n) const;

  ChunkSpec shard_spec_;
  ChunkSpec inner_spec_;
  std::vector<uint64_t> chunks_per_shard_;
  uint64_t num_inner_ = 0;
  bool index_at_end_ = true;
  uint64_t index_size_ = 0;
  std::unique_ptr<CodecChain> inner_;
  std::unique_ptr<CodecChain> index_;
  std::vector<std::string> inner_json_, index_json_;
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_SHARDING_CODEC_H_
