// zstd codec: one-shot decode when the frame records its size, streaming otherwise.
#include "zarr/codec/zstd_codec.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstring>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/codec/bytes_codec_internal.h"

namespace zring::zarr {
namespace {

constexpr std::string_view kName = "zstd";

struct DCtxDeleter {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};
struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

// Contexts are not thread-safe but worth reusing (they hold the window): one per thread.
ZSTD_DCtx* ThreadDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> d(ZSTD_createDCtx());
  return d.get();
}
ZSTD_CCtx* ThreadCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> c(ZSTD_createCCtx());
  return c.get();
}

absl::Status ZstdError(size_t code, size_t encoded_size) {
  return internal::CorruptFrame(kName, fmt::format("corrupt or truncated frame of {} bytes: {}",
                                                   encoded_size, ZSTD_getErrorName(code)));
}

// Frames of zstd's pre-1.0 formats (v0.5-v0.7; magic 0xFD2FB525..27). libzstd still decodes
// them through its old decoders, but no Zarr writer ever produced one, so they are refused: a
// chunk starting with one is corrupt, not an invitation into rarely exercised code.
bool IsLegacyFrame(const std::byte* p, size_t n) {
  if (n < 4) return false;
  uint32_t magic = uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
                   uint32_t(p[3]) << 24;
  return magic >= 0xFD2FB522u && magic <= 0xFD2FB527u;
}

absl::Status LegacyFrameError(size_t at) {
  return internal::CorruptFrame(
      kName, fmt::format("frame at byte {} is in a pre-1.0 zstd format, which is not supported",
                         at));
}

// The decoded size recorded in the frame when `encoded` is exactly one frame that records it.
std::optional<uint64_t> SingleFrameContentSize(std::span<const std::byte> encoded) {
  unsigned long long size = ZSTD_getFrameContentSize(encoded.data(), encoded.size());
  if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR) return std::nullopt;
  size_t frame_bytes = ZSTD_findFrameCompressedSize(encoded.data(), encoded.size());
  if (ZSTD_isError(frame_bytes) || frame_bytes != encoded.size()) return std::nullopt;
  return size;
}

class ZstdCodec final : public BytesCodec {
 public:
  ZstdCodec(int level, bool checksum) : level_(level), checksum_(checksum) {}

  std::string_view name() const override { return kName; }

  absl::Status DecodeInto(std::span<const std::byte> encoded,
                          std::span<std::byte> decoded) const override {
    ZRING_RETURN_IF_ERROR(CheckHeader(encoded));
    std::optional<uint64_t> recorded = SingleFrameContentSize(encoded);
    if (recorded.has_value()) {
      if (*recorded != decoded.size()) {
        return internal::DecodedSizeMismatch(kName, decoded.size(), *recorded);
      }
      return DecodeOneShot(encoded, decoded);
    }
    // Without a recorded size, decode exactly the way Decode does - same routine, same buffer
    // growth - then copy: libzstd's streaming decoder can accept or refuse the same damaged
    // input depending on the output room it is offered, so offering DecodeInto's exact room
    // could disagree with Decode. Zarr writers record the size, so this path is rare.
    Buffer tmp;
    bool over_limit = false;
    absl::StatusOr<size_t> got = DecodeStreaming(encoded, tmp, decoded.size(), &over_limit);
    if (over_limit) {
      return internal::CorruptFrame(
          kName, fmt::format("expected {} decoded bytes, frame holds more", decoded.size()));
    }
    if (!got.ok()) return got.status();
    const size_t n = *got;
    if (n != decoded.size()) return internal::DecodedSizeMismatch(kName, decoded.size(), n);
    if (n > 0) std::memcpy(decoded.data(), tmp.data(), n);
    return absl::OkStatus();
  }

  absl::Status Decode(std::span<const std::byte> encoded, Buffer& decoded,
                      size_t max_decoded_bytes) const override {
    ZRING_RETURN_IF_ERROR(CheckHeader(encoded));
    if (std::optional<uint64_t> recorded = SingleFrameContentSize(encoded)) {
      if (*recorded > max_decoded_bytes) {
        return internal::DecodedSizeOverLimit(kName, *recorded, max_decoded_bytes);
      }
      decoded.Resize(*recorded);
      return DecodeOneShot(encoded, decoded.span());
    }
    ZRING_ASSIGN_OR_RETURN(size_t n, DecodeStreaming(encoded, decoded, max_decoded_bytes));
    decoded.Resize(n);
    return absl::OkStatus();
  }

  absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const override {
    ZSTD_CCtx* c = ThreadCCtx();
    if (c == nullptr) return absl::ResourceExhaustedError("zstd: cannot allocate a context");
    ZSTD_CCtx_reset(c, ZSTD_reset_session_and_parameters);
    size_t r = ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level_);
    if (!ZSTD_isError(r)) r = ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum_ ? 1 : 0);
    if (ZSTD_isError(r)) {
      return absl::InternalError(fmt::format("zstd: {}", ZSTD_getErrorName(r)));
    }
    size_t bound = ZSTD_compressBound(decoded.size());
    encoded.Resize(bound);
    size_t n = ZSTD_compress2(c, encoded.data(), bound, decoded.data(), decoded.size());
    if (ZSTD_isError(n)) {
      return absl::InternalError(fmt::format("zstd: compression failed: {}",
                                             ZSTD_getErrorName(n)));
    }
    encoded.Resize(n);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ToJson(int zarr_format) const override {
    if (zarr_format == 2) {
      return fmt::format(R"({{"id":"zstd","level":{},"checksum":{}}})", level_, checksum_);
    }
    if (zarr_format == 3) {
      return fmt::format(R"({{"name":"zstd","configuration":{{"level":{},"checksum":{}}}}})",
                         level_, checksum_);
    }
    return absl::InvalidArgumentError(fmt::format("zstd: no zarr_format {}", zarr_format));
  }

 private:
  static absl::Status CheckHeader(std::span<const std::byte> encoded) {
    if (IsLegacyFrame(encoded.data(), encoded.size())) return LegacyFrameError(0);
    if (ZSTD_getFrameContentSize(encoded.data(), encoded.size()) == ZSTD_CONTENTSIZE_ERROR) {
      return internal::CorruptFrame(
          kName, fmt::format("{} bytes do not start with a zstd frame header", encoded.size()));
    }
    return absl::OkStatus();
  }

  // Decodes into exactly `out`; libzstd never writes past out.size().
  static absl::Status DecodeOneShot(std::span<const std::byte> encoded,
                                    std::span<std::byte> out) {
    ZSTD_DCtx* d = ThreadDCtx();
    if (d == nullptr) return absl::ResourceExhaustedError("zstd: cannot allocate a context");
    size_t n = ZSTD_decompressDCtx(d, out.data(), out.size(), encoded.data(), encoded.size());
    if (ZSTD_isError(n)) {
      if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) {
        return internal::CorruptFrame(
            kName, fmt::format("expected {} decoded bytes, frame holds more", out.size()));
      }
      return ZstdError(n, encoded.size());
    }
    if (n != out.size()) return internal::DecodedSizeMismatch(kName, out.size(), n);
    return absl::OkStatus();
  }

  // Streams every frame of `encoded` into `out`, grown as needed, and returns the decoded
  // size. The buffer grows in the same steps whatever `limit` is (so Decode and DecodeInto
  // offer libzstd the same room at every step); it stops growing once it holds more than
  // `limit` bytes, so it never exceeds about twice the limit.
  // `over_limit`, when given, is set when the failure is the limit.
  static absl::StatusOr<size_t> DecodeStreaming(std::span<const std::byte> encoded, Buffer& out,
                                                size_t limit, bool* over_limit = nullptr);

  int level_;
  bool checksum_;
};

absl::StatusOr<size_t> ZstdCodec::DecodeStreaming(std::span<const std::byte> encoded,
                                                  Buffer& out, size_t limit, bool* over_limit) {
  auto limit_error = [&] {
    if (over_limit != nullptr) *over_limit = true;
    return internal::CorruptFrame(
        kName, fmt::format("frame decodes to more than the limit of {} bytes", limit));
  };
  ZSTD_DCtx* d = ThreadDCtx();
  if (d == nullptr) return absl::ResourceExhaustedError("zstd: cannot allocate a context");
  ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
  ZSTD_inBuffer in{encoded.data(), encoded.size(), 0};
  out.Resize(0);
  size_t used = 0;
  size_t pending = 1;  // ZSTD_decompressStream's hint: 0 once a frame is complete and flushed
  // libzstd's streaming decoder does not hold a frame to the content size its header declares
  // (a frame promising 5889 bytes may end after 0): check each frame here.
  size_t frame_in_start = 0, frame_out_start = 0;
  unsigned long long declared = ZSTD_getFrameContentSize(encoded.data(), encoded.size());
  while (in.pos < in.size || pending != 0) {
    // A call with no output room still parses headers and ends frames, so the buffer grows only
    // when libzstd is stuck.
    ZSTD_outBuffer o{out.data(), out.size(), used};
    size_t in_before = in.pos;
    pending = ZSTD_decompressStream(d, &o, &in);
    if (ZSTD_isError(pending)) return ZstdError(pending, encoded.size());
    bool progress = o.pos != used || in.pos != in_before;
    used = o.pos;
    if (pending == 0) {
      if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != used - frame_out_start) {
        return internal::CorruptFrame(
            kName, fmt::format("frame at byte {} declares {} decoded bytes, holds {}",
                               frame_in_start, declared, used - frame_out_start));
      }
      frame_in_start = in.pos;
      frame_out_start = used;
      const std::byte* next = encoded.data() + in.pos;
      if (IsLegacyFrame(next, in.size - in.pos)) return LegacyFrameError(in.pos);
      declared = ZSTD_getFrameContentSize(next, in.size - in.pos);
    }
    if (progress) continue;
    if (used < out.size()) {
      return internal::CorruptFrame(
          kName, fmt::format("truncated frame of {} bytes (ends after {} decoded bytes)",
                             encoded.size(), used));
    }
    if (out.size() > limit) return limit_error();
    constexpr size_t kMinStep = size_t{64} << 10;
    out.Resize(std::max({out.size() * 2, encoded.size() * 4, kMinStep}));
  }
  if (used > limit) return limit_error();
  return used;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeZstdCodec(std::string_view,
                                                          simdjson::dom::object config,
                                                          const BytesCodecContext&) {
  ZRING_ASSIGN_OR_RETURN(int64_t level, internal::GetInt(config, kName, "level", 1,
                                                         ZSTD_minCLevel(), ZSTD_maxCLevel()));
  ZRING_ASSIGN_OR_RETURN(bool checksum, internal::GetBool(config, kName, "checksum", false));
  return std::unique_ptr<BytesCodec>(new ZstdCodec(static_cast<int>(level), checksum));
}

}  // namespace zring::zarr
