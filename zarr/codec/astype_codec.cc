// numcodecs AsType: decode = cast from encode_dtype to decode_dtype; encode the reverse.
#include "engine/status.h"
#include "zarr/codec/filter_codecs.h"
#include "zarr/codec/numeric.h"

namespace zring::zarr {
namespace {

class AsTypeCodec final : public ArrayToArrayCodec {
 public:
  AsTypeCodec(DataTypeV2 encode, DataTypeV2 decode, const ChunkSpec& decoded)
      : encode_(encode), decode_(decode), decoded_(decoded), encoded_(decoded) {
    encoded_.data_type = encode.type;
    encoded_.fill_value = FillValue(std::vector<std::byte>(encode.type.size_bytes()), true);
  }
  std::string_view name() const override { return "astype"; }
  const ChunkSpec& encoded_spec() const override { return encoded_; }

  absl::Status Decode(std::span<const std::byte> encoded,
                      std::span<std::byte> decoded) const override {
    return internal::CastElements(encode_.type, encoded, decode_.type, decoded,
                                  decoded_.NumElements(), name());
  }
  absl::Status Encode(std::span<const std::byte> decoded,
                      std::span<std::byte> encoded) const override {
    return internal::CastElements(decode_.type, decoded, encode_.type, encoded,
                                  decoded_.NumElements(), name());
  }
  std::string ToJson(int zarr_format) const override {
    const std::string body =
        fmt::format(R"("encode_dtype": "{}", "decode_dtype": "{}")",
                    encode_.type.NumpyString(encode_.endian),
                    decode_.type.NumpyString(decode_.endian));
    if (zarr_format == 2) return fmt::format(R"({{"id": "astype", {}}})", body);
    return fmt::format(R"({{"name": "numcodecs.astype", "configuration": {{{}}}}})", body);
  }

 private:
  DataTypeV2 encode_, decode_;
  ChunkSpec decoded_, encoded_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeAsTypeCodec(simdjson::dom::object config,
                                                                   const ChunkSpec& decoded) {
  const DataTypeV2 actual{decoded.data_type, Endian::kLittle};
  ZRING_ASSIGN_OR_RETURN(DataTypeV2 encode,
                         internal::FilterDtype(config, "astype", "encode_dtype", nullptr));
  ZRING_ASSIGN_OR_RETURN(DataTypeV2 decode,
                         internal::FilterDtype(config, "astype", "decode_dtype", &actual));
  ZRING_RETURN_IF_ERROR(internal::CheckInputType("astype", decode.type, decoded.data_type));
  auto ok = [] <typename T>() { return absl::OkStatus(); };
  ZRING_RETURN_IF_ERROR(internal::VisitNumeric(encode.type, "astype", ok));
  ZRING_RETURN_IF_ERROR(internal::VisitNumeric(decode.type, "astype", ok));
  return std::make_unique<AsTypeCodec>(encode, decode, decoded);
}

}  // namespace zring::zarr
