// numcodecs FixedScaleOffset: encode = round((x - offset) * scale) as `astype`; decode =
// enc / scale + offset as `dtype`. The arithmetic type follows numpy 1.x with Python scalars:
// float64 when the encoded type is an integer, else the encoded float type.
#include <cmath>
#include <type_traits>

#include "engine/status.h"
#include "zarr/codec/filter_codecs.h"
#include "zarr/codec/numeric.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

class FixedScaleOffsetCodec final : public ArrayToArrayCodec {
 public:
  FixedScaleOffsetCodec(double offset, double scale, DataTypeV2 dtype, DataTypeV2 astype,
                        const ChunkSpec& decoded)
      : offset_(offset), scale_(scale), dtype_(dtype), astype_(astype), decoded_(decoded),
        encoded_(decoded) {
    encoded_.data_type = astype.type;
    encoded_.fill_value = FillValue(std::vector<std::byte>(astype.type.size_bytes()), true);
  }
  std::string_view name() const override { return "fixedscaleoffset"; }
  const ChunkSpec& encoded_spec() const override { return encoded_; }

  absl::Status Decode(std::span<const std::byte> encoded,
                      std::span<std::byte> decoded) const override {
    const size_t n = decoded_.NumElements();
    return internal::VisitNumeric(astype_.type, name(), [&]<typename E>() {
      return internal::VisitNumeric(dtype_.type, name(), [&]<typename D>() {
        using Calc = std::conditional_t<std::is_integral_v<E>, double, E>;
        const Calc scale = static_cast<Calc>(scale_), offset = static_cast<Calc>(offset_);
        for (size_t i = 0; i < n; ++i) {
          const Calc v = static_cast<Calc>(internal::LoadAt<E>(encoded, i)) / scale + offset;
          internal::StoreAt<D>(decoded, i, internal::NumpyCast<D>(v));
        }
        return absl::OkStatus();
      });
    });
  }

  absl::Status Encode(std::span<const std::byte> decoded,
                      std::span<std::byte> encoded) const override {
    const size_t n = decoded_.NumElements();
    return internal::VisitNumeric(astype_.type, name(), [&]<typename E>() {
      return internal::VisitNumeric(dtype_.type, name(), [&]<typename D>() {
        using Calc = std::conditional_t<std::is_integral_v<D>, double, D>;
        const Calc scale = static_cast<Calc>(scale_), offset = static_cast<Calc>(offset_);
        for (size_t i = 0; i < n; ++i) {
          const Calc v = (static_cast<Calc>(internal::LoadAt<D>(decoded, i)) - offset) * scale;
          internal::StoreAt<E>(encoded, i, internal::NumpyCast<E>(internal::RoundHalfEven(v)));
        }
        return absl::OkStatus();
      });
    });
  }

  std::string ToJson(int zarr_format) const override {
    const std::string body = fmt::format(
        R"("offset": {}, "scale": {}, "dtype": "{}", "astype": "{}")", offset_, scale_,
        dtype_.type.NumpyString(dtype_.endian), astype_.type.NumpyString(astype_.endian));
    if (zarr_format == 2) return fmt::format(R"({{"id": "fixedscaleoffset", {}}})", body);
    return fmt::format(R"({{"name": "numcodecs.fixedscaleoffset", "configuration": {{{}}}}})",
                       body);
  }

 private:
  double offset_, scale_;
  DataTypeV2 dtype_, astype_;
  ChunkSpec decoded_, encoded_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeFixedScaleOffsetCodec(
    simdjson::dom::object config, const ChunkSpec& decoded) {
  constexpr std::string_view kName = "fixedscaleoffset";
  ZRING_ASSIGN_OR_RETURN(DataTypeV2 dtype, internal::FilterDtype(config, kName, "dtype", nullptr));
  ZRING_ASSIGN_OR_RETURN(DataTypeV2 astype, internal::FilterDtype(config, kName, "astype", &dtype));
  ZRING_RETURN_IF_ERROR(internal::CheckInputType(kName, dtype.type, decoded.data_type));
  ZRING_ASSIGN_OR_RETURN(auto offset_el, internal::Required(config, "offset"));
  ZRING_ASSIGN_OR_RETURN(double offset, internal::Double(offset_el, "offset"));
  ZRING_ASSIGN_OR_RETURN(auto scale_el, internal::Required(config, "scale"));
  ZRING_ASSIGN_OR_RETURN(double scale, internal::Double(scale_el, "scale"));
  if (scale == 0 || !std::isfinite(scale)) {
    return absl::InvalidArgumentError("codec \"fixedscaleoffset\": \"scale\" must be finite and non-zero");
  }
  auto ok = [] <typename T>() { return absl::OkStatus(); };
  ZRING_RETURN_IF_ERROR(internal::VisitNumeric(dtype.type, kName, ok));
  ZRING_RETURN_IF_ERROR(internal::VisitNumeric(astype.type, kName, ok));
  return std::make_unique<FixedScaleOffsetCodec>(offset, scale, dtype, astype, decoded);
}

}  // namespace zring::zarr
