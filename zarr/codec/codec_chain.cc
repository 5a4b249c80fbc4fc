#include "zarr/codec/codec_chain.h"

#include <algorithm>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/codec/endian_codec.h"
#include "zarr/codec/sharding_codec.h"
#include "zarr/codec/transpose_codec.h"
#include "zarr/errors.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

// Bound on what a bytes codec may claim to decode to when the chain cannot know the exact size
// (in front of a sharding codec): generous for real shards, small enough that a lying header
// cannot make us allocate without limit.
uint64_t VariableSizeLimit(const ChunkSpec& spec) { return spec.NumBytes() * 8 + (uint64_t{1} << 24); }

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeBytes(const CodecSpec& spec,
                                                      uint32_t element_size_bytes) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto config, internal::ParseJsonObject(parser, spec.configuration_json));
  return MakeBytesCodec(spec.name, config, BytesCodecContext{element_size_bytes});
}

}  // namespace

absl::StatusOr<std::unique_ptr<CodecChain>> CodecChain::Make(std::span<const CodecSpec> codecs,
                                                             const ChunkSpec& decoded) {
  std::unique_ptr<CodecChain> chain(new CodecChain());
  chain->decoded_ = decoded;
  const ChunkSpec* current = &decoded;
  for (const CodecSpec& spec : codecs) {
    if (IsArrayToArrayCodec(spec.name)) {
      if (chain->a2b_) {
        return absl::InvalidArgumentError(fmt::format(
            "codec \"{}\" is an array -> array codec but comes after the array -> bytes codec",
            spec.name));
      }
      auto codec = MakeArrayToArrayCodec(spec.name, spec.configuration_json, *current);
      if (!codec.ok()) return codec.status();
      chain->a2a_.push_back(std::move(*codec));
      current = &chain->a2a_.back()->encoded_spec();
    } else if (IsArrayToBytesCodec(spec.name)) {
      if (chain->a2b_) {
        return absl::InvalidArgumentError(fmt::format(
            "codec \"{}\": a codec chain has exactly one array -> bytes codec", spec.name));
      }
      ZRING_ASSIGN_OR_RETURN(chain->a2b_,
                             MakeArrayToBytesCodec(spec.name, spec.configuration_json, *current));
    } else if (IsBytesCodec(spec.name)) {
      if (!chain->a2b_) {
        return absl::InvalidArgumentError(fmt::format(
            "codec \"{}\" is a bytes -> bytes codec but comes before the array -> bytes codec",
            spec.name));
      }
      ZRING_ASSIGN_OR_RETURN(auto codec, MakeBytes(spec, current->data_type.size_bytes()));
      chain->b2b_.push_back(std::move(codec));
    } else {
      return absl::InvalidArgumentError(fmt::format("unknown codec \"{}\"", spec.name));
    }
  }
  if (!chain->a2b_) {
    return absl::InvalidArgumentError(
        "the codecs have no array -> bytes codec (\"bytes\" or \"sharding_indexed\")");
  }
  return chain;
}

absl::StatusOr<std::unique_ptr<CodecChain>> CodecChain::MakeV2(const ArrayMetadata& m,
                                                               const ChunkSpec& decoded) {
  std::unique_ptr<CodecChain> chain(new CodecChain());
  chain->decoded_ = decoded;
  chain->zarr_format_ = 2;
  const ChunkSpec* current = &decoded;
  if (m.v2_order == 'F' && decoded.shape.size() > 1) {
    // A Fortran-order chunk is the C-order chunk of the reversed shape: a reversing transpose.
    std::vector<size_t> order(decoded.shape.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = order.size() - 1 - i;
    ZRING_ASSIGN_OR_RETURN(auto t, MakeTransposeCodec(std::move(order), *current));
    chain->a2a_.push_back(std::move(t));
    current = &chain->a2a_.back()->encoded_spec();
  }
  std::vector<const CodecSpec*> byte_filters;
  for (const CodecSpec& f : m.v2_filters) {
    if (IsArrayToArrayCodec(f.name) && f.name != "transpose") {
      if (!byte_filters.empty()) {
        return absl::UnimplementedError(fmt::format(
            "filter \"{}\" after the byte filter \"{}\" is not supported", f.name,
            byte_filters.back()->name));
      }
      auto codec = MakeArrayToArrayCodec(f.name, f.configuration_json, *current);
      if (!codec.ok()) return WithPrefix(codec.status(), fmt::format("filter \"{}\"", f.name));
      chain->a2a_.push_back(std::move(*codec));
      current = &chain->a2a_.back()->encoded_spec();
    } else if (IsBytesCodec(f.name)) {
      byte_filters.push_back(&f);
    } else {
      return absl::InvalidArgumentError(fmt::format("unknown filter \"{}\"", f.name));
    }
  }
  chain->a2b_ = MakeEndianCodec(m.v2_endian, *current);
  if (m.v2_compressor) byte_filters.push_back(&*m.v2_compressor);
  for (const CodecSpec* spec : byte_filters) {
    if (!IsBytesCodec(spec->name)) {
      return absl::InvalidArgumentError(fmt::format("unknown compressor \"{}\"", spec->name));
    }
    ZRING_ASSIGN_OR_RETURN(auto codec, MakeBytes(*spec, current->data_type.size_bytes()));
    chain->b2b_.push_back(std::move(codec));
  }
  for (const CodecSpec& f : m.v2_filters) chain->v2_json_.push_back(f.configuration_json);
  if (m.v2_compressor) chain->v2_json_.push_back(m.v2_compressor->configuration_json);
  return chain;
}

absl::StatusOr<std::unique_ptr<CodecChain>> CodecChain::ForArray(const ArrayMetadata& m) {
  ChunkSpec spec{m.data_type, m.chunk_shape, m.fill_value};
  if (m.zarr_format == 2) return MakeV2(m, spec);
  return Make(m.codecs, spec);
}

absl::Status CodecChain::DecodeBytes(std::span<const std::byte> encoded,
                                     std::span<std::byte> array_out) const {
  if (b2b_.empty()) return a2b_->Decode(encoded, array_out);
  const uint64_t fixed = a2b_->FixedEncodedSize();
  std::span<const std::byte> cur = encoded;
  Buffer buffers[2];
  for (size_t j = b2b_.size(); j-- > 0;) {
    const BytesCodec& codec = *b2b_[j];
    Buffer& buf = buffers[j % 2];
    absl::Status st;
    if (j == 0 && fixed != 0 && a2b_->IsIdentity()) {
      // Bytes codecs name themselves in their messages.
      return codec.DecodeInto(cur, array_out);
    }
    if (j == 0 && fixed != 0) {
      buf.Resize(fixed);
      st = codec.DecodeInto(cur, buf.span());
    } else {
      const uint64_t limit =
          fixed != 0 ? fixed + (uint64_t{1} << 20) : VariableSizeLimit(a2a_.empty() ? decoded_ : a2a_.back()->encoded_spec());
      st = codec.Decode(cur, buf, limit);
    }
    if (!st.ok()) return st;
    cur = buf.span();
  }
  return a2b_->Decode(cur, array_out);
}

absl::Status CodecChain::Decode(std::span<const std::byte> encoded,
                                std::span<std::byte> out) const {
  if (out.size() != decoded_.NumBytes()) {
    return absl::InvalidArgumentError(fmt::format(
        "decode buffer holds {} bytes, the chunk needs {}", out.size(), decoded_.NumBytes()));
  }
  ZRING_RETURN_IF_ERROR(DecodeStages(encoded, out));
  if (decoded_.data_type.kind() == DataKind::kBool) {
    // A stored bool byte other than 0 or 1 reads as 1 (true), so every reader sees 0/1.
    for (std::byte& b : out) b = b != std::byte{0} ? std::byte{1} : std::byte{0};
  }
  return absl::OkStatus();
}

absl::Status CodecChain::DecodeStages(std::span<const std::byte> encoded,
                                      std::span<std::byte> out) const {
  if (a2a_.empty()) return DecodeBytes(encoded, out);
  Buffer cur(a2a_.back()->encoded_spec().NumBytes());
  ZRING_RETURN_IF_ERROR(DecodeBytes(encoded, cur.span()));
  Buffer next;
  for (size_t i = a2a_.size(); i-- > 0;) {
    std::span<std::byte> target = out;
    if (i > 0) {
      next.Resize(a2a_[i - 1]->encoded_spec().NumBytes());
      target = next.span();
    }
    ZRING_RETURN_IF_ERROR(a2a_[i]->Decode(cur.span(), target));
    if (i > 0) std::swap(cur, next);
  }
  return absl::OkStatus();
}

absl::Status CodecChain::Encode(std::span<const std::byte> decoded, Buffer& encoded) const {
  if (decoded.size() != decoded_.NumBytes()) {
    return absl::InvalidArgumentError(fmt::format(
        "encode input holds {} bytes, the chunk has {}", decoded.size(), decoded_.NumBytes()));
  }
  std::span<const std::byte> cur = decoded;
  Buffer buffers[2];
  for (size_t i = 0; i < a2a_.size(); ++i) {
    Buffer& buf = buffers[i % 2];
    buf.Resize(a2a_[i]->encoded_spec().NumBytes());
    ZRING_RETURN_IF_ERROR(a2a_[i]->Encode(cur, buf.span()));
    cur = buf.span();
  }
  Buffer bytes;
  ZRING_RETURN_IF_ERROR(a2b_->Encode(cur, bytes));
  for (const auto& codec : b2b_) {
    Buffer next;
    ZRING_RETURN_IF_ERROR(codec->Encode(bytes.span(), next));
    bytes = std::move(next);
  }
  encoded = std::move(bytes);
  return absl::OkStatus();
}

std::vector<std::string> CodecChain::CodecJson(int zarr_format) const {
  if (zarr_format == 2 && zarr_format_ == 2) return v2_json_;
  std::vector<std::string> out;
  for (const auto& c : a2a_) out.push_back(c->ToJson(zarr_format));
  out.push_back(a2b_->ToJson(zarr_format));
  for (const auto& c : b2b_) {
    auto json = c->ToJson(zarr_format);
    out.push_back(json.ok() ? *json : fmt::format(R"({{"name": "{}"}})", c->name()));
  }
  return out;
}

const ShardingCodec* CodecChain::sharding() const {
  return dynamic_cast<const ShardingCodec*>(a2b_.get());
}

bool CodecChain::IsIdentity() const {
  // Bools are not: decoding maps any non-zero byte to 1.
  return a2a_.empty() && b2b_.empty() && a2b_ != nullptr && a2b_->IsIdentity() &&
         decoded_.data_type.kind() != DataKind::kBool;
}

bool CodecChain::CanDecodeRange() const {
  return a2a_.empty() && a2b_ != nullptr && a2b_->IsIdentity() && b2b_.size() == 1 &&
         b2b_[0]->name() == "blosc" && decoded_.data_type.kind() != DataKind::kBool;
}

absl::Status CodecChain::DecodeRange(std::span<const std::byte> encoded, size_t offset,
                                     std::span<std::byte> out, BloscRangeStats* stats) const {
  if (!CanDecodeRange()) {
    return absl::FailedPreconditionError("this codec chain cannot decode part of a chunk");
  }
  ZRING_ASSIGN_OR_RETURN(size_t nbytes, BloscDecodedSize(encoded));
  if (nbytes != decoded_.NumBytes()) {
    return absl::DataLossError(fmt::format(
        "blosc: expected {} decoded bytes, frame holds {}", decoded_.NumBytes(), nbytes));
  }
  return BloscDecodeRange(encoded, offset, out, stats);
}

}  // namespace zring::zarr
