// numcodecs Quantize: encode keeps `digits` decimal digits by rounding to a power-of-two scale
// (lossy); decode only casts from `astype` back to `dtype`.
#include <cmath>

#include "engine/status.h"
#include "zarr/codec/filter_codecs.h"
#include "zarr/codec/numeric.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

class QuantizeCodec final : public ArrayToArrayCodec {
 public:
  QuantizeCodec(int64_t digits, DataTypeV2 dtype, DataTypeV2 astype, const ChunkSpec& decoded)
      : digits_(digits), dtype_(dtype), astype_(astype), decoded_(decoded), encoded_(decoded) {
    encoded_.data_type = astype.type;
    encoded_.fill_value = FillValue(std::vector<std::byte>(astype.type.size_bytes()), true);
    // numcodecs: precision = 10^-digits; exponent rounded away from zero; scale = 2^bits.
    double exp = std::log10(std::pow(10.0, -static_cast<double>(digits)));
    exp = exp < 0 ? std::floor(exp) : std::ceil(exp);
    scale_ = std::pow(2.0, std::ceil(std::log2(std::pow(10.0, -exp))));
  }
  std::string_view name() const override { return "quantize"; }
  const ChunkSpec& encoded_spec() const override { return encoded_; }

  absl::Status Decode(std::span<const std::byte> encoded,
                      std::span<std::byte> decoded) const override {
    return internal::CastElements(astype_.type, encoded, dtype_.type, decoded,
                                  decoded_.NumElements(), name());
  }

  absl::Status Encode(std::span<const std::byte> decoded,
                      std::span<std::byte> encoded) const override {
    const size_t n = decoded_.NumElements();
    return internal::VisitNumeric(dtype_.type, name(), [&]<typename D>() {
      return internal::VisitNumeric(astype_.type, name(), [&]<typename E>() {
        for (size_t i = 0; i < n; ++i) {
          const D v = internal::LoadAt<D>(decoded, i);
          const D q = internal::RoundHalfEven(static_cast<D>(scale_) * v) / static_cast<D>(scale_);
          internal::StoreAt<E>(encoded, i, internal::NumpyCast<E>(q));
        }
        return absl::OkStatus();
      });
    });
  }

  std::string ToJson(int zarr_format) const override {
    const std::string body = fmt::format(R"("digits": {}, "dtype": "{}", "astype": "{}")", digits_,
                                         dtype_.type.NumpyString(dtype_.endian),
                                         astype_.type.NumpyString(astype_.endian));
    if (zarr_format == 2) return fmt::format(R"({{"id": "quantize", {}}})", body);
    return fmt::format(R"({{"name": "numcodecs.quantize", "configuration": {{{}}}}})", body);
  }

 private:
  int64_t digits_;
  double scale_;
  DataTypeV2 dtype_, astype_;
  ChunkSpec decoded_, encoded_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeQuantizeCodec(simdjson::dom::object config,
                                                                     const ChunkSpec& decoded) {
  constexpr std::string_view kName = "quantize";
  ZRING_ASSIGN_OR_RETURN(DataTypeV2 dtype, internal::FilterDtype(config, kName, "dtype", nullptr));
  ZRING_ASSIGN_OR_RETURN(DataTypeV2 astype, internal::FilterDtype(config, kName, "astype", &dtype));
  ZRING_RETURN_IF_ERROR(internal::CheckInputType(kName, dtype.type, decoded.data_type));
  if (dtype.type.kind() != DataKind::kFloat || astype.type.kind() != DataKind::kFloat) {
    return absl::InvalidArgumentError("codec \"quantize\": dtype and astype must be float32/64");
  }
  ZRING_ASSIGN_OR_RETURN(auto digits_el, internal::Required(config, "digits"));
  ZRING_ASSIGN_OR_RETURN(int64_t digits, internal::Int(digits_el, "digits"));
  if (digits < -300 || digits > 300) {
    return absl::InvalidArgumentError("codec \"quantize\": \"digits\" out of range");
  }
  auto ok = [] <typename T>() { return absl::OkStatus(); };
  ZRING_RETURN_IF_ERROR(internal::VisitNumeric(dtype.type, kName, ok));
  ZRING_RETURN_IF_ERROR(internal::VisitNumeric(astype.type, kName, ok));
  return std::make_unique<QuantizeCodec>(digits, dtype, astype, decoded);
}

}  // namespace zring::zarr
