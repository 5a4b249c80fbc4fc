// blosc codec: c-blosc 1.x with header validation before every decompression.
#include "zarr/codec/blosc_codec.h"

#include <blosc.h>

#include <array>
#include <cstring>
#include <string>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/codec/bytes_codec_internal.h"

namespace zring::zarr {
namespace {

constexpr std::string_view kName = "blosc";
constexpr std::array<std::string_view, 6> kCnames = {"blosclz", "lz4",  "lz4hc",
                                                     "snappy",  "zlib", "zstd"};
constexpr std::array<std::string_view, 3> kV3Shuffles = {"noshuffle", "shuffle", "bitshuffle"};
constexpr int kAutoShuffle = -1;  // numcodecs: bit shuffle for 1-byte items, else byte shuffle

struct BloscParams {
  std::string cname = "lz4";
  int clevel = 5;
  int shuffle = BLOSC_SHUFFLE;  // -1, 0, 1 or 2 as in numcodecs
  size_t typesize = 1;
  size_t blocksize = 0;  // 0: blosc chooses
};

// `encoded` passed BloscDecodedSize and `out` is exactly its decoded size.
absl::Status DecompressWhole(std::span<const std::byte> encoded, std::span<std::byte> out) {
  if (out.empty()) return absl::OkStatus();  // blosc returns 0 for both "empty" and "error"
  int n = blosc_decompress_ctx(encoded.data(), out.data(), out.size(), 1);
  if (n <= 0) {
    return internal::CorruptFrame(
        kName, fmt::format("corrupt frame of {} bytes (blosc error {}; header promised {} "
                           "decoded bytes)",
                           encoded.size(), n, out.size()));
  }
  if (static_cast<size_t>(n) != out.size()) {
    return internal::DecodedSizeMismatch(kName, out.size(), static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

class BloscCodec final : public BytesCodec {
 public:
  explicit BloscCodec(BloscParams params) : p_(std::move(params)) {}

  std::string_view name() const override { return kName; }

  absl::Status DecodeInto(std::span<const std::byte> encoded,
                          std::span<std::byte> decoded) const override {
    ZRING_ASSIGN_OR_RETURN(size_t nbytes, BloscDecodedSize(encoded));
    if (nbytes != decoded.size()) {
      return internal::DecodedSizeMismatch(kName, decoded.size(), nbytes);
    }
    return DecompressWhole(encoded, decoded);
  }

  absl::Status Decode(std::span<const std::byte> encoded, Buffer& decoded,
                      size_t max_decoded_bytes) const override {
    ZRING_ASSIGN_OR_RETURN(size_t nbytes, BloscDecodedSize(encoded));
    if (nbytes > max_decoded_bytes) {
      return internal::DecodedSizeOverLimit(kName, nbytes, max_decoded_bytes);
    }
    decoded.Resize(nbytes);
    return DecompressWhole(encoded, decoded.span());
  }

  absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const override {
    if (decoded.size() > BLOSC_MAX_BUFFERSIZE) {
      return absl::InvalidArgumentError(
          fmt::format("blosc: cannot encode {} bytes, more than blosc's limit of {}",
                      decoded.size(), BLOSC_MAX_BUFFERSIZE));
    }
    size_t capacity = decoded.size() + BLOSC_MAX_OVERHEAD;
    encoded.Resize(capacity);
    int n = blosc_compress_ctx(p_.clevel, ResolvedShuffle(), p_.typesize, decoded.size(),
                               decoded.data(), encoded.data(), capacity, p_.cname.c_str(),
                               p_.blocksize, /*numinternalthreads=*/1);
    if (n <= 0) {
      return absl::InternalError(fmt::format(
          "blosc: compression with cname \"{}\" failed (error {}; is it built into c-blosc?)",
          p_.cname, n));
    }
    encoded.Resize(static_cast<size_t>(n));
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ToJson(int zarr_format) const override {
    if (zarr_format == 2) {
      return fmt::format(
          R"({{"id":"blosc","cname":"{}","clevel":{},"shuffle":{},"blocksize":{}}})", p_.cname,
          p_.clevel, p_.shuffle, p_.blocksize);
    }
    if (zarr_format == 3) {
      return fmt::format(
          R"({{"name":"blosc","configuration":{{"cname":"{}","clevel":{},"shuffle":"{}",)"
          R"("typesize":{},"blocksize":{}}}}})",
          p_.cname, p_.clevel, kV3Shuffles[ResolvedShuffle()], p_.typesize, p_.blocksize);
    }
    return absl::InvalidArgumentError(fmt::format("blosc: no zarr_format {}", zarr_format));
  }

 private:
  int ResolvedShuffle() const {
    if (p_.shuffle != kAutoShuffle) return p_.shuffle;
    return p_.typesize == 1 ? BLOSC_BITSHUFFLE : BLOSC_SHUFFLE;
  }

  BloscParams p_;
};

absl::Status ParseShuffle(simdjson::dom::object config, BloscParams& p) {
  std::optional<simdjson::dom::element> value = internal::GetMember(config, "shuffle");
  if (!value.has_value()) return absl::OkStatus();
  std::string_view text;
  if (value->get_string().get(text) == simdjson::SUCCESS) {
    for (size_t i = 0; i < kV3Shuffles.size(); ++i) {
      if (text == kV3Shuffles[i]) {
        p.shuffle = static_cast<int>(i);
        return absl::OkStatus();
      }
    }
  } else if (value->is_int64()) {
    int64_t n = value->get_int64().value_unsafe();
    if (n >= -1 && n <= 2) {
      p.shuffle = static_cast<int>(n);
      return absl::OkStatus();
    }
  }
  return internal::InvalidParameter(
      kName, "shuffle",
      fmt::format("must be \"noshuffle\", \"shuffle\", \"bitshuffle\" or -1, 0, 1, 2; got {}",
                  internal::DescribeJson(*value)));
}

absl::Status ParseCname(simdjson::dom::object config, BloscParams& p) {
  std::optional<simdjson::dom::element> value = internal::GetMember(config, "cname");
  if (!value.has_value()) return absl::OkStatus();
  std::string_view text;
  if (value->get_string().get(text) == simdjson::SUCCESS) {
    for (std::string_view known : kCnames) {
      if (text == known) {
        p.cname = std::string(known);
        return absl::OkStatus();
      }
    }
  }
  return internal::InvalidParameter(
      kName, "cname",
      fmt::format("must be one of blosclz, lz4, lz4hc, snappy, zlib, zstd; got {}",
                  internal::DescribeJson(*value)));
}

}  // namespace

absl::StatusOr<size_t> BloscDecodedSize(std::span<const std::byte> encoded) {
  if (encoded.size() < BLOSC_MIN_HEADER_LENGTH) {
    return internal::CorruptFrame(
        kName, fmt::format("frame is {} bytes, shorter than its {}-byte header", encoded.size(),
                           BLOSC_MIN_HEADER_LENGTH));
  }
  int version = static_cast<int>(encoded[0]);
  if (version == 0 || version > BLOSC_VERSION_FORMAT) {
    return internal::CorruptFrame(
        kName, fmt::format("header has format version {}, expected 1 to {}", version,
                           BLOSC_VERSION_FORMAT));
  }
  size_t nbytes = 0, cbytes = 0, blocksize = 0;
  blosc_cbuffer_sizes(encoded.data(), &nbytes, &cbytes, &blocksize);
  if (cbytes != encoded.size()) {
    return internal::CorruptFrame(kName, fmt::format("header says the frame is {} bytes, chunk "
                                                     "holds {}",
                                                     cbytes, encoded.size()));
  }
  size_t validated = 0;
  if (blosc_cbuffer_validate(encoded.data(), encoded.size(), &validated) != 0 ||
      validated != nbytes) {
    return internal::CorruptFrame(
        kName, fmt::format("invalid header (claims {} decoded bytes in blocks of {}, frame of "
                           "{} bytes)",
                           nbytes, blocksize, cbytes));
  }
  // A frame stored uncompressed is the header then exactly nbytes bytes.
  if ((static_cast<int>(encoded[2]) & BLOSC_MEMCPYED) && nbytes + BLOSC_MAX_OVERHEAD != cbytes) {
    return internal::CorruptFrame(
        kName, fmt::format("header says {} bytes stored uncompressed, frame holds {}", nbytes,
                           cbytes - BLOSC_MAX_OVERHEAD));
  }
  return nbytes;
}

absl::Status BloscDecodeRange(std::span<const std::byte> encoded, size_t offset_bytes,
                              std::span<std::byte> out) {
  ZRING_ASSIGN_OR_RETURN(size_t nbytes, BloscDecodedSize(encoded));
  if (offset_bytes > nbytes || out.size() > nbytes - offset_bytes) {
    return absl::OutOfRangeError(fmt::format(
        "blosc: bytes [{}, {}) requested from a frame of {} decoded bytes", offset_bytes,
        offset_bytes + out.size(), nbytes));
  }
  if (out.empty()) return absl::OkStatus();
  int flags = static_cast<int>(encoded[2]);
  if (flags & BLOSC_MEMCPYED) {
    // Stored uncompressed right after the header (validated: cbytes == nbytes + header).
    std::memcpy(out.data(), encoded.data() + BLOSC_MAX_OVERHEAD + offset_bytes, out.size());
    return absl::OkStatus();
  }
  // Compressed frames decode whole, then the range is copied out. blosc_getitem would decode
  // only the overlapping blocks, but c-blosc 1.21.3's leaks its scratch buffers on some corrupt
  // frames (found by blosc_range_fuzzer), so a block walker of our own is the way to get there.
  if (offset_bytes == 0 && out.size() == nbytes) return DecompressWhole(encoded, out);
  Buffer whole(nbytes);
  ZRING_RETURN_IF_ERROR(DecompressWhole(encoded, whole.span()));
  std::memcpy(out.data(), whole.data() + offset_bytes, out.size());
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeBloscCodec(std::string_view,
                                                           simdjson::dom::object config,
                                                           const BytesCodecContext& context) {
  BloscParams p;
  ZRING_RETURN_IF_ERROR(ParseCname(config, p));
  ZRING_ASSIGN_OR_RETURN(int64_t clevel, internal::GetInt(config, kName, "clevel", 5, 0, 9));
  p.clevel = static_cast<int>(clevel);
  ZRING_RETURN_IF_ERROR(ParseShuffle(config, p));
  ZRING_ASSIGN_OR_RETURN(int64_t typesize,
                         internal::GetInt(config, kName, "typesize",
                                          std::max<int64_t>(1, context.element_size_bytes), 1,
                                          INT32_MAX));
  p.typesize = static_cast<size_t>(typesize);
  ZRING_ASSIGN_OR_RETURN(int64_t blocksize,
                         internal::GetInt(config, kName, "blocksize", 0, 0, BLOSC_MAX_BLOCKSIZE));
  p.blocksize = static_cast<size_t>(blocksize);
  return std::unique_ptr<BytesCodec>(new BloscCodec(std::move(p)));
}

}  // namespace zring::zarr
