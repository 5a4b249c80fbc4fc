// crc32c codec: payload + 4-byte little-endian CRC-32C (ISA-L crc32_iscsi).
#include "zarr/codec/crc32c_codec.h"

#include <algorithm>
#include <climits>
#include <cstring>

#include "engine/status.h"
#include "fmt/format.h"
#include "isa-l/crc.h"
#include "zarr/codec/bytes_codec_internal.h"

namespace zring::zarr {
namespace {

constexpr std::string_view kName = "crc32c";
constexpr size_t kChecksumBytes = 4;

class Crc32cCodec final : public BytesCodec {
 public:
  std::string_view name() const override { return kName; }

  absl::Status DecodeInto(std::span<const std::byte> encoded,
                          std::span<std::byte> decoded) const override {
    ZRING_RETURN_IF_ERROR(Check(encoded));
    size_t payload = encoded.size() - kChecksumBytes;
    if (payload != decoded.size()) {
      return internal::DecodedSizeMismatch(kName, decoded.size(), payload);
    }
    if (payload > 0) std::memcpy(decoded.data(), encoded.data(), payload);
    return absl::OkStatus();
  }

  absl::Status Decode(std::span<const std::byte> encoded, Buffer& decoded,
                      size_t max_decoded_bytes) const override {
    ZRING_RETURN_IF_ERROR(Check(encoded));
    size_t payload = encoded.size() - kChecksumBytes;
    if (payload > max_decoded_bytes) {
      return internal::DecodedSizeOverLimit(kName, payload, max_decoded_bytes);
    }
    decoded.Resize(payload);
    if (payload > 0) std::memcpy(decoded.data(), encoded.data(), payload);
    return absl::OkStatus();
  }

  absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const override {
    encoded.Resize(decoded.size() + kChecksumBytes);
    if (!decoded.empty()) std::memcpy(encoded.data(), decoded.data(), decoded.size());
    internal::StoreLe32(encoded.data() + decoded.size(), Crc32c(decoded));
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ToJson(int zarr_format) const override {
    if (zarr_format == 2) return std::string(R"({"id":"crc32c"})");
    if (zarr_format == 3) return std::string(R"({"name":"crc32c"})");
    return absl::InvalidArgumentError(fmt::format("crc32c: no zarr_format {}", zarr_format));
  }

 private:
  // The frame must hold the 4 checksum bytes, and they must match the payload.
  static absl::Status Check(std::span<const std::byte> encoded) {
    if (encoded.size() < kChecksumBytes) {
      return internal::CorruptFrame(
          kName, fmt::format("frame is {} bytes, shorter than the 4-byte checksum",
                             encoded.size()));
    }
    size_t payload = encoded.size() - kChecksumBytes;
    uint32_t stored = internal::LoadLe32(encoded.data() + payload);
    uint32_t computed = Crc32c(encoded.first(payload));
    if (stored != computed) {
      return internal::CorruptFrame(
          kName, fmt::format("checksum mismatch: frame stores {:#010x}, payload of {} bytes "
                             "has {:#010x}",
                             stored, payload, computed));
    }
    return absl::OkStatus();
  }
};

}  // namespace

uint32_t Crc32c(std::span<const std::byte> data) {
  // crc32_iscsi takes an int length and neither inverts its seed nor its result: chain it over
  // pieces below INT_MAX and apply the standard pre- and post-inversion here.
  constexpr size_t kPiece = size_t{1} << 30;
  uint32_t crc = 0xffffffffu;
  while (!data.empty()) {
    size_t n = std::min(data.size(), kPiece);
    // crc32_iscsi's buffer parameter is non-const but only read.
    auto* p = reinterpret_cast<unsigned char*>(const_cast<std::byte*>(data.data()));
    crc = crc32_iscsi(p, static_cast<int>(n), crc);
    data = data.subspan(n);
  }
  return crc ^ 0xffffffffu;
}

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeCrc32cCodec(std::string_view id,
                                                            simdjson::dom::object config,
                                                            const BytesCodecContext&) {
  (void)id;
  if (std::optional<simdjson::dom::element> location = internal::GetMember(config, "location")) {
    std::string_view where;
    if (location->get_string().get(where) != simdjson::SUCCESS || where != "end") {
      return internal::InvalidParameter(
          kName, "location",
          fmt::format("must be \"end\", got {}", internal::DescribeJson(*location)));
    }
  }
  return std::unique_ptr<BytesCodec>(new Crc32cCodec());
}

}  // namespace zring::zarr
