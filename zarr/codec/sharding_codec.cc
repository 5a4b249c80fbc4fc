#include "zarr/codec/sharding_codec.h"

#include <cstring>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/chunk_grid.h"
#include "zarr/errors.h"
#include "zarr/metadata/json.h"
#include "zarr/strided_copy.h"

namespace zring::zarr {
namespace {

absl::StatusOr<std::vector<CodecSpec>> ParseCodecList(simdjson::dom::object config,
                                                      std::string_view key) {
  std::vector<CodecSpec> out;
  auto el = internal::Member(config, key);
  if (!el) return out;
  simdjson::dom::array arr;
  if (el->get(arr) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(fmt::format("\"{}\" must be an array of codecs", key));
  }
  for (simdjson::dom::element c : arr) {
    std::string_view name;
    if (c.get(name) == simdjson::SUCCESS) {
      out.push_back({std::string(name), "{}"});
      continue;
    }
    simdjson::dom::object obj;
    if (c.get(obj) != simdjson::SUCCESS) {
      return absl::InvalidArgumentError(fmt::format("\"{}\" entries must be codec objects", key));
    }
    ZRING_ASSIGN_OR_RETURN(auto name_el, internal::Required(obj, "name"));
    ZRING_ASSIGN_OR_RETURN(name, internal::String(name_el, "name"));
    CodecSpec spec{std::string(name), "{}"};
    if (auto cfg = internal::Member(obj, "configuration"); cfg && cfg->is_object()) {
      spec.configuration_json = simdjson::minify(*cfg);
    }
    out.push_back(std::move(spec));
  }
  return out;
}

std::string JoinJson(const std::vector<std::string>& items) {
  return fmt::format("[{}]", internal::Join(items));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ShardingCodec>> ShardingCodec::Make(
    std::string_view configuration_json, const ChunkSpec& shard) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto config, internal::ParseJsonObject(parser, configuration_json));
  std::unique_ptr<ShardingCodec> c(new ShardingCodec());
  c->shard_spec_ = shard;
  ZRING_ASSIGN_OR_RETURN(auto shape_el, internal::Required(config, "chunk_shape"));
  ZRING_ASSIGN_OR_RETURN(auto inner_shape, internal::UintArray(shape_el, "chunk_shape"));
  if (inner_shape.size() != shard.shape.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "sharding_indexed: inner chunk_shape [{}] has {} dimensions, the shard has {}",
        internal::Join(inner_shape), inner_shape.size(), shard.shape.size()));
  }
  for (size_t d = 0; d < inner_shape.size(); ++d) {
    if (inner_shape[d] == 0 || shard.shape[d] % inner_shape[d] != 0) {
      return absl::InvalidArgumentError(fmt::format(
          "sharding_indexed: inner chunk_shape [{}] does not divide the shard shape [{}]",
          internal::Join(inner_shape), internal::Join(shard.shape)));
    }
    c->chunks_per_shard_.push_back(shard.shape[d] / inner_shape[d]);
  }
  c->num_inner_ = ShapeProduct(c->chunks_per_shard_);
  // The index (16 bytes per inner chunk) is read and decoded whole; bound it at 1 GiB.
  constexpr uint64_t kMaxInnerChunks = uint64_t{1} << 26;
  if (c->num_inner_ > kMaxInnerChunks) {
    return absl::InvalidArgumentError(fmt::format(
        "sharding_indexed: {} inner chunks per shard, more than the supported {}", c->num_inner_,
        kMaxInnerChunks));
  }
  c->inner_spec_ = ChunkSpec{shard.data_type, inner_shape, shard.fill_value};
  if (auto loc = internal::Member(config, "index_location")) {
    ZRING_ASSIGN_OR_RETURN(std::string_view where, internal::String(*loc, "index_location"));
    if (where != "start" && where != "end") {
      return absl::InvalidArgumentError(fmt::format(
          "sharding_indexed: index_location must be \"start\" or \"end\", got \"{}\"", where));
    }
    c->index_at_end_ = where == "end";
  }
  ZRING_ASSIGN_OR_RETURN(auto inner_codecs, ParseCodecList(config, "codecs"));
  if (inner_codecs.empty()) {
    return absl::InvalidArgumentError("sharding_indexed: \"codecs\" is missing or empty");
  }
  ZRING_ASSIGN_OR_RETURN(auto index_codecs, ParseCodecList(config, "index_codecs"));
  if (index_codecs.empty()) {
    index_codecs = {{"bytes", R"({"endian":"little"})"}, {"crc32c", "{}"}};
  }
  auto inner = CodecChain::Make(inner_codecs, c->inner_spec_);
  if (!inner.ok()) return WithPrefix(inner.status(), "sharding_indexed inner codecs");
  c->inner_ = std::move(*inner);
  std::vector<uint64_t> index_shape = c->chunks_per_shard_;
  index_shape.push_back(2);
  ChunkSpec index_spec{DataType(DataKind::kUInt, 8), index_shape,
                       FillValue(std::vector<std::byte>(8, std::byte{0xff}), true)};
  auto index = CodecChain::Make(index_codecs, index_spec);
  if (!index.ok()) return WithPrefix(index.status(), "sharding_indexed index_codecs");
  c->index_ = std::move(*index);
  // The index must encode to a fixed size; learn it by encoding an all-missing index.
  Buffer empty_index(index_spec.NumBytes());
  std::memset(empty_index.data(), 0xff, empty_index.size());
  Buffer encoded_index;
  ZRING_RETURN_IF_ERROR(c->index_->Encode(empty_index.span(), encoded_index));
  c->index_size_ = encoded_index.size();
  c->inner_json_ = c->inner_->CodecJson(3);
  c->index_json_ = c->index_->CodecJson(3);
  return c;
}

std::string ShardingCodec::InnerChunkName(uint64_t n) const {
  std::vector<uint64_t> idx(chunks_per_shard_.size());
  for (size_t d = idx.size(); d-- > 0;) {
    idx[d] = n % chunks_per_shard_[d];
    n /= chunks_per_shard_[d];
  }
  return fmt::format("inner chunk ({})", internal::Join(idx));
}

ByteRange ShardingCodec::IndexRange() const {
  return index_at_end_ ? ByteRange::Suffix(index_size_) : ByteRange{0, index_size_, false};
}

absl::StatusOr<std::vector<ShardIndexEntry>> ShardingCodec::DecodeIndex(
    std::span<const std::byte> index, uint64_t shard_size_bytes) const {
  std::vector<ShardIndexEntry> entries(num_inner_);
  auto st = index_->Decode(index, std::as_writable_bytes(std::span(entries)));
  if (!st.ok()) return WithPrefix(st, "shard index");
  for (uint64_t n = 0; n < num_inner_; ++n) {
    const ShardIndexEntry& e = entries[n];
    if (e.missing()) continue;
    if (e.offset_bytes == ShardIndexEntry::kMissing || e.length_bytes == ShardIndexEntry::kMissing) {
      return absl::DataLossError(fmt::format(
          "shard index: {} has offset {} and length {}: only one of them marks it missing",
          InnerChunkName(n), e.offset_bytes, e.length_bytes));
    }
    if (e.offset_bytes > shard_size_bytes || e.length_bytes > shard_size_bytes - e.offset_bytes) {
      return absl::DataLossError(fmt::format(
          "shard index: {} at bytes [{}, {}) points past the end of the shard ({} bytes)",
          InnerChunkName(n), e.offset_bytes, e.offset_bytes + e.length_bytes, shard_size_bytes));
    }
  }
  return entries;
}

absl::Status ShardingCodec::Decode(std::span<const std::byte> encoded,
                                   std::span<std::byte> decoded) const {
  if (decoded.size() != shard_spec_.NumBytes()) {
    return absl::InternalError("sharding_indexed: output buffer size does not match the shard");
  }
  if (encoded.size() < index_size_) {
    return absl::DataLossError(fmt::format(
        "sharding_indexed: shard holds {} bytes, less than its {}-byte index", encoded.size(),
        index_size_));
  }
  const auto index_bytes = index_at_end_ ? encoded.last(index_size_) : encoded.first(index_size_);
  ZRING_ASSIGN_OR_RETURN(auto entries, DecodeIndex(index_bytes, encoded.size()));
  const size_t elem = shard_spec_.data_type.size_bytes();
  const uint64_t inner_bytes = inner_spec_.NumBytes();
  // When the inner chunk spans every dimension but the first, it is one contiguous run of the
  // shard and decodes in place.
  bool contiguous = true;
  for (size_t d = 1; d < chunks_per_shard_.size(); ++d) contiguous &= chunks_per_shard_[d] == 1;
  const std::vector<int64_t> shard_strides = COrderStrides(shard_spec_.shape, elem);
  const std::vector<int64_t> inner_strides = COrderStrides(inner_spec_.shape, elem);
  Buffer scratch;
  if (!contiguous) scratch.Resize(inner_bytes);
  const size_t ndim = chunks_per_shard_.size();
  std::vector<uint64_t> idx(ndim, 0);
  for (uint64_t n = 0; n < num_inner_; ++n) {
    int64_t offset = 0;
    for (size_t d = 0; d < ndim; ++d) {
      offset += static_cast<int64_t>(idx[d] * inner_spec_.shape[d]) * shard_strides[d];
    }
    std::span<std::byte> target =
        contiguous ? decoded.subspan(static_cast<size_t>(offset), inner_bytes) : scratch.span();
    const ShardIndexEntry& e = entries[n];
    if (e.missing()) {
      inner_spec_.fill_value.FillInto(target);
    } else {
      auto st = inner_->Decode(encoded.subspan(e.offset_bytes, e.length_bytes), target);
      if (!st.ok()) return WithPrefix(st, InnerChunkName(n));
    }
    if (!contiguous) {
      CopyStrided(scratch.data(), inner_strides, decoded.data() + offset, shard_strides,
                  inner_spec_.shape, elem);
    }
    for (size_t d = ndim; d-- > 0;) {  // next inner chunk, C order
      if (++idx[d] < chunks_per_shard_[d]) break;
      idx[d] = 0;
    }
  }
  return absl::OkStatus();
}

absl::Status ShardingCodec::Encode(std::span<const std::byte> decoded, Buffer& encoded) const {
  if (decoded.size() != shard_spec_.NumBytes()) {
    return absl::InvalidArgumentError("sharding_indexed: input size does not match the shard");
  }
  const size_t elem = shard_spec_.data_type.size_bytes();
  const uint64_t inner_bytes = inner_spec_.NumBytes();
  const std::vector<int64_t> shard_strides = COrderStrides(shard_spec_.shape, elem);
  const std::vector<int64_t> inner_strides = COrderStrides(inner_spec_.shape, elem);
  Buffer scratch(inner_bytes);
  Buffer fill(inner_bytes);
  inner_spec_.fill_value.FillInto(fill.span());
  std::vector<ShardIndexEntry> entries(num_inner_);
  Buffer data;
  const uint64_t base = index_at_end_ ? 0 : index_size_;
  const size_t ndim = chunks_per_shard_.size();
  std::vector<uint64_t> idx(ndim, 0);
  for (uint64_t n = 0; n < num_inner_; ++n) {
    int64_t offset = 0;
    for (size_t d = 0; d < ndim; ++d) {
      offset += static_cast<int64_t>(idx[d] * inner_spec_.shape[d]) * shard_strides[d];
    }
    CopyStrided(decoded.data() + offset, shard_strides, scratch.data(), inner_strides,
                inner_spec_.shape, elem);
    if (std::memcmp(scratch.data(), fill.data(), inner_bytes) != 0) {
      Buffer chunk;
      ZRING_RETURN_IF_ERROR(WithPrefix(inner_->Encode(scratch.span(), chunk), InnerChunkName(n)));
      const size_t at = data.size();
      data.Resize(at + chunk.size());
      if (chunk.size() > 0) std::memcpy(data.data() + at, chunk.data(), chunk.size());
      entries[n] = {base + at, chunk.size()};
    }
    for (size_t d = ndim; d-- > 0;) {
      if (++idx[d] < chunks_per_shard_[d]) break;
      idx[d] = 0;
    }
  }
  Buffer index;
  ZRING_RETURN_IF_ERROR(index_->Encode(std::as_bytes(std::span(entries)), index));
  if (index.size() != index_size_) {
    return absl::InternalError("sharding_indexed: index encoded to an unexpected size");
  }
  encoded.Resize(data.size() + index.size());
  std::byte* out = encoded.data();
  if (!index_at_end_) {
    std::memcpy(out, index.data(), index.size());
    out += index.size();
  }
  if (data.size() > 0) std::memcpy(out, data.data(), data.size());
  if (index_at_end_) std::memcpy(out + data.size(), index.data(), index.size());
  return absl::OkStatus();
}

std::string ShardingCodec::ToJson(int) const {
  return fmt::format(
      R"({{"name": "sharding_indexed", "configuration": {{"chunk_shape": [{}], "codecs": {}, )"
      R"("index_codecs": {}, "index_location": "{}"}}}})",
      internal::Join(inner_spec_.shape), JoinJson(inner_json_), JoinJson(index_json_),
      index_at_end_ ? "end" : "start");
}

}  // namespace zring::zarr
