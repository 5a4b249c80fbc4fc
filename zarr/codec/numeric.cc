#include "zarr/codec/numeric.h"

#include "engine/status.h"
#include "zarr/codec/filter_codecs.h"
#include "zarr/errors.h"
#include "zarr/metadata/json.h"

namespace zring::zarr::internal {

absl::StatusOr<DataTypeV2> ParseFilterDtype(std::string_view s) {
  if (!s.empty() && (s[0] == '<' || s[0] == '>' || s[0] == '|' || s[0] == '=')) {
    return ParseDataTypeV2(s);
  }
  auto v3 = ParseDataTypeV3(s);
  if (v3.ok()) return DataTypeV2{*v3, Endian::kLittle};
  // numpy's short forms without byte order: "i2", "f4", "u1".
  auto short_form = ParseDataTypeV2(fmt::format("<{}", s));
  if (short_form.ok()) return short_form;
  return absl::InvalidArgumentError(fmt::format("unknown numpy dtype \"{}\"", s));
}

absl::Status CastElements(const DataType& from, std::span<const std::byte> in, const DataType& to,
                          std::span<std::byte> out, size_t count, std::string_view codec) {
  if (in.size() < count * from.size_bytes() || out.size() < count * to.size_bytes()) {
    return absl::InternalError(fmt::format("codec \"{}\": cast buffers too small", codec));
  }
  return VisitNumeric(from, codec, [&]<typename From>() {
    return VisitNumeric(to, codec, [&]<typename To>() {
      for (size_t i = 0; i < count; ++i) {
        StoreAt<To>(out, i, NumpyCast<To>(LoadAt<From>(in, i)));
      }
      return absl::OkStatus();
    });
  });
}

}  // namespace zring::zarr::internal

namespace zring::zarr::internal {

absl::StatusOr<DataTypeV2> FilterDtype(simdjson::dom::object config, std::string_view codec,
                                       std::string_view key, const DataTypeV2* fallback) {
  auto el = Member(config, key);
  if (!el || el->is_null()) {
    if (fallback != nullptr) return *fallback;
    return absl::InvalidArgumentError(
        fmt::format("codec \"{}\": parameter \"{}\" is required", codec, key));
  }
  std::string_view s;
  if (el->get(s) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(fmt::format(
        "codec \"{}\": parameter \"{}\" must be a dtype string, got {}", codec, key, Minify(*el)));
  }
  auto parsed = ParseFilterDtype(s);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(fmt::format("codec \"{}\": parameter \"{}\": {}", codec, key,
                                                  MessageOf(parsed.status())));
  }
  return parsed;
}

absl::Status CheckInputType(std::string_view codec, const DataType& declared,
                            const DataType& actual) {
  if (declared == actual) return absl::OkStatus();
  return absl::InvalidArgumentError(
      fmt::format("codec \"{}\": configured for {} but receives {}", codec, declared.Name(),
                  actual.Name()));
}

}  // namespace zring::zarr::internal
