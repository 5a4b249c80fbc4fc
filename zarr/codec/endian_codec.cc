#include "zarr/codec/endian_codec.h"

#include <cstring>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

class EndianCodec final : public ArrayToBytesCodec {
 public:
  EndianCodec(Endian endian, const ChunkSpec& spec)
      : endian_(endian), spec_(spec), size_(spec.NumBytes()) {}

  std::string_view name() const override { return "bytes"; }
  uint64_t FixedEncodedSize() const override { return size_; }
  bool IsIdentity() const override {
    return endian_ == Endian::kLittle || spec_.data_type.swap_unit_bytes() == 1;
  }

  absl::Status Decode(std::span<const std::byte> encoded,
                      std::span<std::byte> decoded) const override {
    if (encoded.size() != size_ || decoded.size() != size_) {
      return absl::DataLossError(fmt::format(
          "bytes codec: expected {} bytes ({} elements of {}), chunk holds {}", size_,
          spec_.NumElements(), spec_.data_type.Name(), encoded.size()));
    }
    if (encoded.data() != decoded.data() && size_ > 0) {
      std::memcpy(decoded.data(), encoded.data(), size_);
    }
    if (!IsIdentity()) SwapBytes(spec_.data_type, decoded.data(), spec_.NumElements());
    return absl::OkStatus();
  }

  absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const override {
    if (decoded.size() != size_) {
      return absl::InvalidArgumentError(fmt::format(
          "bytes codec: expected {} bytes to encode, got {}", size_, decoded.size()));
    }
    encoded.Resize(size_);
    if (size_ > 0) std::memcpy(encoded.data(), decoded.data(), size_);
    if (!IsIdentity()) SwapBytes(spec_.data_type, encoded.data(), spec_.NumElements());
    return absl::OkStatus();
  }

  std::string ToJson(int) const override {
    return fmt::format(R"({{"name": "bytes", "configuration": {{"endian": "{}"}}}})",
                       endian_ == Endian::kLittle ? "little" : "big");
  }

 private:
  Endian endian_;
  ChunkSpec spec_;
  uint64_t size_;
};

}  // namespace

std::unique_ptr<ArrayToBytesCodec> MakeEndianCodec(Endian endian, const ChunkSpec& decoded) {
  return std::make_unique<EndianCodec>(endian, decoded);
}

absl::StatusOr<std::unique_ptr<ArrayToBytesCodec>> MakeEndianCodec(
    std::string_view configuration_json, const ChunkSpec& decoded) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto config, internal::ParseJsonObject(parser, configuration_json));
  auto endian_el = internal::Member(config, "endian");
  if (!endian_el) {
    if (decoded.data_type.swap_unit_bytes() > 1) {
      return absl::InvalidArgumentError(fmt::format(
          "codec \"bytes\": \"endian\" is required for data type {}", decoded.data_type.Name()));
    }
    return MakeEndianCodec(Endian::kLittle, decoded);
  }
  ZRING_ASSIGN_OR_RETURN(std::string_view endian, internal::String(*endian_el, "endian"));
  if (endian == "little") return MakeEndianCodec(Endian::kLittle, decoded);
  if (endian == "big") return MakeEndianCodec(Endian::kBig, decoded);
  return absl::InvalidArgumentError(fmt::format(
      "codec \"bytes\": \"endian\" must be \"little\" or \"big\", got \"{}\"", endian));
}

}  // namespace zring::zarr
