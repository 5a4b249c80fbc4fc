// numcodecs BitRound: encode rounds the mantissa to `keepbits` bits (round half to even on the
// dropped bits); decode is the identity, since the rounded values are ordinary floats.
#include <cstring>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/codec/filter_codecs.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

template <typename U>
void RoundMantissa(std::span<std::byte> data, size_t n, int maskbits) {
  const U mask = static_cast<U>(~U{0} << maskbits);
  const U half_quantum1 = static_cast<U>((U{1} << (maskbits - 1)) - 1);
  for (size_t i = 0; i < n; ++i) {
    U v;
    std::memcpy(&v, data.data() + i * sizeof(U), sizeof(U));
    v = static_cast<U>(v + ((v >> maskbits) & U{1}) + half_quantum1);
    v &= mask;
    std::memcpy(data.data() + i * sizeof(U), &v, sizeof(U));
  }
}

class BitRoundCodec final : public ArrayToArrayCodec {
 public:
  BitRoundCodec(int keepbits, int mantissa_bits, const ChunkSpec& decoded)
      : keepbits_(keepbits), mantissa_bits_(mantissa_bits), spec_(decoded) {}
  std::string_view name() const override { return "bitround"; }
  const ChunkSpec& encoded_spec() const override { return spec_; }

  absl::Status Decode(std::span<const std::byte> encoded,
                      std::span<std::byte> decoded) const override {
    if (encoded.data() != decoded.data()) std::memcpy(decoded.data(), encoded.data(), decoded.size());
    return absl::OkStatus();
  }

  absl::Status Encode(std::span<const std::byte> decoded,
                      std::span<std::byte> encoded) const override {
    if (encoded.data() != decoded.data()) std::memcpy(encoded.data(), decoded.data(), decoded.size());
    const int maskbits = mantissa_bits_ - keepbits_;
    if (maskbits == 0) return absl::OkStatus();
    const size_t n = spec_.NumElements();
    switch (spec_.data_type.size_bytes()) {
      case 2: RoundMantissa<uint16_t>(encoded, n, maskbits); break;
      case 4: RoundMantissa<uint32_t>(encoded, n, maskbits); break;
      default: RoundMantissa<uint64_t>(encoded, n, maskbits); break;
    }
    return absl::OkStatus();
  }

  std::string ToJson(int zarr_format) const override {
    if (zarr_format == 2) return fmt::format(R"({{"id": "bitround", "keepbits": {}}})", keepbits_);
    return fmt::format(R"({{"name": "numcodecs.bitround", "configuration": {{"keepbits": {}}}}})",
                       keepbits_);
  }

 private:
  int keepbits_, mantissa_bits_;
  ChunkSpec spec_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeBitRoundCodec(simdjson::dom::object config,
                                                                     const ChunkSpec& decoded) {
  if (decoded.data_type.kind() != DataKind::kFloat) {
    return absl::InvalidArgumentError(fmt::format(
        "codec \"bitround\": only float data types can be bit-rounded, not {}",
        decoded.data_type.Name()));
  }
  const int mantissa_bits = decoded.data_type.size_bytes() == 2   ? 10
                            : decoded.data_type.size_bytes() == 4 ? 23
                                                                  : 52;
  ZRING_ASSIGN_OR_RETURN(auto keep_el, internal::Required(config, "keepbits"));
  ZRING_ASSIGN_OR_RETURN(int64_t keepbits, internal::Int(keep_el, "keepbits"));
  if (keepbits < 0 || keepbits > mantissa_bits) {
    return absl::InvalidArgumentError(fmt::format(
        "codec \"bitround\": \"keepbits\" must be in [0, {}], got {}", mantissa_bits, keepbits));
  }
  return std::make_unique<BitRoundCodec>(static_cast<int>(keepbits), mantissa_bits, decoded);
}

}  // namespace zring::zarr
