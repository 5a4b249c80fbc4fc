// shuffle codec: numcodecs' byte transpose filter.
#include "zarr/codec/shuffle_codec.h"

#include <cstring>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/codec/bytes_codec_internal.h"

namespace zring::zarr {
namespace {

constexpr std::string_view kName = "shuffle";

class ShuffleCodec final : public BytesCodec {
 public:
  ShuffleCodec(size_t element_size, bool numcodecs_v3_name)
      : element_size_(element_size), numcodecs_v3_name_(numcodecs_v3_name) {}

  std::string_view name() const override { return kName; }

  absl::Status DecodeInto(std::span<const std::byte> encoded,
                          std::span<std::byte> decoded) const override {
    if (encoded.size() != decoded.size()) {
      return internal::DecodedSizeMismatch(kName, decoded.size(), encoded.size());
    }
    ZRING_RETURN_IF_ERROR(CheckMultiple(encoded.size(), /*encoding=*/false));
    Unshuffle(encoded, decoded);
    return absl::OkStatus();
  }

  absl::Status Decode(std::span<const std::byte> encoded, Buffer& decoded,
                      size_t max_decoded_bytes) const override {
    if (encoded.size() > max_decoded_bytes) {
      return internal::DecodedSizeOverLimit(kName, encoded.size(), max_decoded_bytes);
    }
    ZRING_RETURN_IF_ERROR(CheckMultiple(encoded.size(), /*encoding=*/false));
    decoded.Resize(encoded.size());
    Unshuffle(encoded, decoded.span());
    return absl::OkStatus();
  }

  absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const override {
    ZRING_RETURN_IF_ERROR(CheckMultiple(decoded.size(), /*encoding=*/true));
    encoded.Resize(decoded.size());
    if (element_size_ <= 1) {
      if (!decoded.empty()) std::memcpy(encoded.data(), decoded.data(), decoded.size());
    } else {
      ShuffleBytes(decoded, encoded.span(), element_size_);
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ToJson(int zarr_format) const override {
    if (zarr_format == 2) {
      return fmt::format(R"({{"id":"shuffle","elementsize":{}}})", element_size_);
    }
    if (zarr_format == 3 && numcodecs_v3_name_) {
      return fmt::format(R"({{"name":"numcodecs.shuffle","configuration":{{"elementsize":{}}}}})",
                         element_size_);
    }
    return absl::UnimplementedError(
        fmt::format("shuffle: no Zarr v{} form (v3 stores name it \"numcodecs.shuffle\")",
                    zarr_format));
  }

 private:
  absl::Status CheckMultiple(size_t size, bool encoding) const {
    if (element_size_ <= 1 || size % element_size_ == 0) return absl::OkStatus();
    std::string what = fmt::format("buffer of {} bytes is not a multiple of elementsize {}",
                                   size, element_size_);
    if (encoding) return absl::InvalidArgumentError(fmt::format("shuffle: {}", what));
    return internal::CorruptFrame(kName, what);
  }

  void Unshuffle(std::span<const std::byte> in, std::span<std::byte> out) const {
    if (element_size_ <= 1) {
      if (!in.empty()) std::memcpy(out.data(), in.data(), in.size());
    } else {
      UnshuffleBytes(in, out, element_size_);
    }
  }

  size_t element_size_;
  bool numcodecs_v3_name_;
};

}  // namespace

namespace {

// The transposes with the element size known at compile time for the common sizes, so the
// compiler unrolls the inner loop; the generic loop serves the rest.
template <size_t kSize>
void ShuffleFixed(const std::byte* src, std::byte* dst, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    for (size_t j = 0; j < kSize; ++j) dst[j * count + i] = src[i * kSize + j];
  }
}
template <size_t kSize>
void UnshuffleFixed(const std::byte* src, std::byte* dst, size_t count) {
  // Walk the output sequentially: each plane is read as a stream, each element written whole.
  for (size_t i = 0; i < count; ++i) {
    for (size_t j = 0; j < kSize; ++j) dst[i * kSize + j] = src[j * count + i];
  }
}

}  // namespace

void ShuffleBytes(std::span<const std::byte> in, std::span<std::byte> out, size_t element_size) {
  const size_t count = in.size() / element_size;
  const std::byte* src = in.data();
  std::byte* dst = out.data();
  switch (element_size) {
    case 2: return ShuffleFixed<2>(src, dst, count);
    case 4: return ShuffleFixed<4>(src, dst, count);
    case 8: return ShuffleFixed<8>(src, dst, count);
    default: break;
  }
  for (size_t i = 0; i < count; ++i) {
    for (size_t j = 0; j < element_size; ++j) dst[j * count + i] = src[i * element_size + j];
  }
}

void UnshuffleBytes(std::span<const std::byte> in, std::span<std::byte> out,
                    size_t element_size) {
  const size_t count = in.size() / element_size;
  const std::byte* src = in.data();
  std::byte* dst = out.data();
  switch (element_size) {
    case 2: return UnshuffleFixed<2>(src, dst, count);
    case 4: return UnshuffleFixed<4>(src, dst, count);
    case 8: return UnshuffleFixed<8>(src, dst, count);
    default: break;
  }
  for (size_t i = 0; i < count; ++i) {
    for (size_t j = 0; j < element_size; ++j) dst[i * element_size + j] = src[j * count + i];
  }
}

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeShuffleCodec(std::string_view id,
                                                             simdjson::dom::object config,
                                                             const BytesCodecContext&) {
  // numcodecs' default; the element size lives in the configuration, not in the dtype.
  ZRING_ASSIGN_OR_RETURN(int64_t element_size,
                         internal::GetInt(config, kName, "elementsize", 4, 0, 1 << 20));
  return std::unique_ptr<BytesCodec>(
      new ShuffleCodec(static_cast<size_t>(element_size), id.starts_with("numcodecs.")));
}

}  // namespace zring::zarr
