// numcodecs Delta: encode stores the first element and then successive differences; decode is
// the cumulative sum. Integer arithmetic wraps (numpy semantics), done in unsigned types here so
// it is defined behaviour in C++.
#include <type_traits>

#include "engine/status.h"
#include "zarr/codec/filter_codecs.h"
#include "zarr/codec/numeric.h"
#include "zarr/metadata/json.h"

namespace zring::zarr {
namespace {

template <typename T>
T WrapAdd(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) + static_cast<U>(b)));
  } else {
    return a + b;
  }
}

template <typename T>
T WrapSub(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(static_cast<U>(a) - static_cast<U>(b)));
  } else {
    return a - b;
  }
}

class DeltaCodec final : public ArrayToArrayCodec {
 public:
  DeltaCodec(DataTypeV2 dtype, DataTypeV2 astype, const ChunkSpec& decoded)
      : dtype_(dtype), astype_(astype), decoded_(decoded), encoded_(decoded) {
    encoded_.data_type = astype.type;
    encoded_.fill_value = FillValue(std::vector<std::byte>(astype.type.size_bytes()), true);
  }
  std::string_view name() const override { return "delta"; }
  const ChunkSpec& encoded_spec() const override { return encoded_; }

  absl::Status Decode(std::span<const std::byte> encoded,
                      std::span<std::byte> decoded) const override {
    const size_t n = decoded_.NumElements();
    return internal::VisitNumeric(astype_.type, "delta", [&]<typename E>() {
      return internal::VisitNumeric(dtype_.type, "delta", [&]<typename D>() {
        D acc{};
        for (size_t i = 0; i < n; ++i) {
          const D v = internal::NumpyCast<D>(internal::LoadAt<E>(encoded, i));
          acc = i == 0 ? v : WrapAdd(acc, v);
          internal::StoreAt<D>(decoded, i, acc);
        }
        return absl::OkStatus();
      });
    });
  }

  absl::Status Encode(std::span<const std::byte> decoded,
                      std::span<std::byte> encoded) const override {
    const size_t n = decoded_.NumElements();
    return internal::VisitNumeric(astype_.type, "delta", [&]<typename E>() {
      return internal::VisitNumeric(dtype_.type, "delta", [&]<typename D>() {
        D prev{};
        for (size_t i = 0; i < n; ++i) {
          const D v = internal::LoadAt<D>(decoded, i);
          internal::StoreAt<E>(encoded, i, internal::NumpyCast<E>(i == 0 ? v : WrapSub(v, prev)));
          prev = v;
        }
        return absl::OkStatus();
      });
    });
  }

  std::string ToJson(int zarr_format) const override {
    if (zarr_format == 2) {
      return fmt::format(R"({{"id": "delta", "dtype": "{}", "astype": "{}"}})",
                         dtype_.type.NumpyString(dtype_.endian),
                         astype_.type.NumpyString(astype_.endian));
    }
    return fmt::format(
        R"({{"name": "numcodecs.delta", "configuration": {{"dtype": "{}", "astype": "{}"}}}})",
        dtype_.type.NumpyString(dtype_.endian), astype_.type.NumpyString(astype_.endian));
  }

 private:
  DataTypeV2 dtype_, astype_;
  ChunkSpec decoded_, encoded_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeDeltaCodec(simdjson::dom::object config,
                                                                   const ChunkSpec& decoded) {
  ZRING_ASSIGN_OR_RETURN(DataTypeV2 dtype, internal::FilterDtype(config, "delta", "dtype", nullptr));
  ZRING_ASSIGN_OR_RETURN(DataTypeV2 astype, internal::FilterDtype(config, "delta", "astype", &dtype));
  ZRING_RETURN_IF_ERROR(internal::CheckInputType("delta", dtype.type, decoded.data_type));
  ZRING_RETURN_IF_ERROR(internal::VisitNumeric(astype.type, "delta", [] <typename T>() {
    return absl::OkStatus();
  }));
  return std::make_unique<DeltaCodec>(dtype, astype, decoded);
}

}  // namespace zring::zarr
