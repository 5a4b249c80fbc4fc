#include "zarr/codec/transpose_codec.h"

#include <algorithm>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/metadata/json.h"
#include "zarr/strided_copy.h"

namespace zring::zarr {
namespace {

class TransposeCodec final : public ArrayToArrayCodec {
 public:
  TransposeCodec(std::vector<size_t> order, const ChunkSpec& decoded)
      : order_(std::move(order)), decoded_(decoded), encoded_(decoded) {
    const size_t ndim = order_.size();
    const size_t elem = decoded.data_type.size_bytes();
    for (size_t i = 0; i < ndim; ++i) encoded_.shape[i] = decoded.shape[order_[i]];
    decoded_strides_ = COrderStrides(decoded_.shape, elem);
    const std::vector<int64_t> enc = COrderStrides(encoded_.shape, elem);
    // Walking the decoded array in C order: decoded dim order[i] advances encoded dim i.
    encoded_strides_by_decoded_dim_.resize(ndim);
    for (size_t i = 0; i < ndim; ++i) encoded_strides_by_decoded_dim_[order_[i]] = enc[i];
  }

  std::string_view name() const override { return "transpose"; }
  const ChunkSpec& encoded_spec() const override { return encoded_; }

  absl::Status Decode(std::span<const std::byte> encoded,
                      std::span<std::byte> decoded) const override {
    ZRING_RETURN_IF_ERROR(CheckSizes(encoded.size(), decoded.size()));
    CopyStrided(encoded.data(), encoded_strides_by_decoded_dim_, decoded.data(), decoded_strides_,
                decoded_.shape, decoded_.data_type.size_bytes());
    return absl::OkStatus();
  }

  absl::Status Encode(std::span<const std::byte> decoded,
                      std::span<std::byte> encoded) const override {
    ZRING_RETURN_IF_ERROR(CheckSizes(encoded.size(), decoded.size()));
    CopyStrided(decoded.data(), decoded_strides_, encoded.data(), encoded_strides_by_decoded_dim_,
                decoded_.shape, decoded_.data_type.size_bytes());
    return absl::OkStatus();
  }

  std::string ToJson(int) const override {
    return fmt::format(R"({{"name": "transpose", "configuration": {{"order": [{}]}}}})",
                       internal::Join(order_));
  }

 private:
  absl::Status CheckSizes(size_t encoded, size_t decoded) const {
    const uint64_t n = decoded_.NumBytes();
    if (encoded != n || decoded != n) {
      return absl::DataLossError(fmt::format(
          "transpose: expected {} bytes on both sides, got {} encoded and {} decoded", n, encoded,
          decoded));
    }
    return absl::OkStatus();
  }

  std::vector<size_t> order_;
  ChunkSpec decoded_;
  ChunkSpec encoded_;
  std::vector<int64_t> decoded_strides_;
  std::vector<int64_t> encoded_strides_by_decoded_dim_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeTransposeCodec(
    std::vector<size_t> order, const ChunkSpec& decoded) {
  std::vector<size_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  bool is_permutation = order.size() == decoded.shape.size();
  for (size_t i = 0; is_permutation && i < sorted.size(); ++i) is_permutation = sorted[i] == i;
  if (!is_permutation) {
    return absl::InvalidArgumentError(
        fmt::format("codec \"transpose\": order [{}] is not a permutation of the {} dimensions",
                    internal::Join(order), decoded.shape.size()));
  }
  return std::make_unique<TransposeCodec>(std::move(order), decoded);
}

absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeTransposeCodec(
    std::string_view configuration_json, const ChunkSpec& decoded) {
  simdjson::dom::parser parser;
  ZRING_ASSIGN_OR_RETURN(auto config, internal::ParseJsonObject(parser, configuration_json));
  ZRING_ASSIGN_OR_RETURN(auto order_el, internal::Required(config, "order"));
  const size_t ndim = decoded.shape.size();
  std::vector<size_t> order(ndim);
  std::string_view s;
  if (order_el.get(s) == simdjson::SUCCESS && (s == "C" || s == "F")) {
    for (size_t i = 0; i < ndim; ++i) order[i] = s == "C" ? i : ndim - 1 - i;
    return MakeTransposeCodec(std::move(order), decoded);
  }
  ZRING_ASSIGN_OR_RETURN(auto values, internal::UintArray(order_el, "order"));
  order.assign(values.begin(), values.end());
  return MakeTransposeCodec(std::move(order), decoded);
}

}  // namespace zring::zarr
