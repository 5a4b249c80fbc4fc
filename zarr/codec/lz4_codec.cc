// lz4 codec: 4-byte little-endian decoded size + one raw LZ4 block (numcodecs framing).
#include "zarr/codec/lz4_codec.h"

#include <lz4.h>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/codec/bytes_codec_internal.h"

namespace zring::zarr {
namespace {

constexpr std::string_view kName = "lz4";
constexpr size_t kHeaderBytes = 4;

class Lz4Codec final : public BytesCodec {
 public:
  Lz4Codec(int acceleration, bool numcodecs_v3_name)
      : acceleration_(acceleration), numcodecs_v3_name_(numcodecs_v3_name) {}

  std::string_view name() const override { return kName; }

  absl::Status DecodeInto(std::span<const std::byte> encoded,
                          std::span<std::byte> decoded) const override {
    ZRING_ASSIGN_OR_RETURN(uint32_t claimed, ReadHeader(encoded));
    if (claimed != decoded.size()) {
      return internal::DecodedSizeMismatch(kName, decoded.size(), claimed);
    }
    return DecodeBlock(encoded.subspan(kHeaderBytes), decoded);
  }

  absl::Status Decode(std::span<const std::byte> encoded, Buffer& decoded,
                      size_t max_decoded_bytes) const override {
    ZRING_ASSIGN_OR_RETURN(uint32_t claimed, ReadHeader(encoded));
    if (claimed > max_decoded_bytes) {
      return internal::DecodedSizeOverLimit(kName, claimed, max_decoded_bytes);
    }
    decoded.Resize(claimed);
    return DecodeBlock(encoded.subspan(kHeaderBytes), decoded.span());
  }

  absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const override {
    if (decoded.size() > LZ4_MAX_INPUT_SIZE) {
      return absl::InvalidArgumentError(fmt::format(
          "lz4: cannot encode {} bytes, more than LZ4's limit of {}", decoded.size(),
          LZ4_MAX_INPUT_SIZE));
    }
    int n = static_cast<int>(decoded.size());
    int bound = LZ4_compressBound(n);
    encoded.Resize(kHeaderBytes + static_cast<size_t>(bound));
    internal::StoreLe32(encoded.data(), static_cast<uint32_t>(n));
    int written = LZ4_compress_fast(reinterpret_cast<const char*>(decoded.data()),
                                    reinterpret_cast<char*>(encoded.data() + kHeaderBytes), n,
                                    bound, acceleration_);
    if (written <= 0) {
      return absl::InternalError(fmt::format("lz4: LZ4_compress_fast failed on {} bytes", n));
    }
    encoded.Resize(kHeaderBytes + static_cast<size_t>(written));
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ToJson(int zarr_format) const override {
    if (zarr_format == 2) {
      return fmt::format(R"({{"id":"lz4","acceleration":{}}})", acceleration_);
    }
    if (zarr_format == 3 && numcodecs_v3_name_) {
      return fmt::format(R"({{"name":"numcodecs.lz4","configuration":{{"acceleration":{}}}}})",
                         acceleration_);
    }
    return absl::UnimplementedError(fmt::format(
        "lz4: no Zarr v{} form (v3 stores name it \"numcodecs.lz4\")", zarr_format));
  }

 private:
  static absl::StatusOr<uint32_t> ReadHeader(std::span<const std::byte> encoded) {
    if (encoded.size() < kHeaderBytes) {
      return internal::CorruptFrame(
          kName, fmt::format("frame is {} bytes, shorter than its 4-byte size header",
                             encoded.size()));
    }
    return internal::LoadLe32(encoded.data());
  }

  // Decodes the raw block into exactly `out`. LZ4_decompress_safe never writes past its
  // capacity and never reads past the block, whatever the block holds.
  static absl::Status DecodeBlock(std::span<const std::byte> block, std::span<std::byte> out) {
    // numcodecs writes a 1-byte empty block for empty input; tolerate a missing one too.
    if (out.empty() && block.empty()) return absl::OkStatus();
    if (block.size() > static_cast<size_t>(INT32_MAX) || out.size() > LZ4_MAX_INPUT_SIZE) {
      return internal::CorruptFrame(
          kName, fmt::format("block of {} bytes decoding to {} is beyond LZ4's limits",
                             block.size(), out.size()));
    }
    char empty_target = 0;  // LZ4 gets a valid pointer even for an empty output
    char* target = out.empty() ? &empty_target : reinterpret_cast<char*>(out.data());
    int n = LZ4_decompress_safe(reinterpret_cast<const char*>(block.data()), target,
                                static_cast<int>(block.size()), static_cast<int>(out.size()));
    if (n < 0) {
      return internal::CorruptFrame(
          kName, fmt::format("corrupt or truncated block of {} bytes (header says {} decoded "
                             "bytes)",
                             block.size(), out.size()));
    }
    if (static_cast<size_t>(n) != out.size()) {
      return internal::CorruptFrame(
          kName, fmt::format("header says {} decoded bytes, block holds {}", out.size(), n));
    }
    return absl::OkStatus();
  }

  int acceleration_;
  bool numcodecs_v3_name_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeLz4Codec(std::string_view id,
                                                          simdjson::dom::object config,
                                                          const BytesCodecContext&) {
  // LZ4 treats values below 1 as 1 and caps large ones itself; numcodecs passes them through.
  ZRING_ASSIGN_OR_RETURN(int64_t acceleration,
                         internal::GetInt(config, kName, "acceleration", 1, INT32_MIN,
                                          INT32_MAX));
  return std::unique_ptr<BytesCodec>(
      new Lz4Codec(static_cast<int>(acceleration), id.starts_with("numcodecs.")));
}

}  // namespace zring::zarr
