// gzip / zlib codec: libdeflate when the decoded size is known, zlib streaming otherwise.
#include "zarr/codec/gzip_codec.h"

#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <climits>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/codec/bytes_codec_internal.h"

namespace zring::zarr {
namespace {

enum class Wrapper { kGzip, kZlib };

struct DecompressorDeleter {
  void operator()(libdeflate_decompressor* d) const { libdeflate_free_decompressor(d); }
};
struct CompressorDeleter {
  void operator()(libdeflate_compressor* c) const { libdeflate_free_compressor(c); }
};

// libdeflate (de)compressors are not thread-safe but cheap to keep: one per thread (and level).
libdeflate_decompressor* ThreadDecompressor() {
  thread_local std::unique_ptr<libdeflate_decompressor, DecompressorDeleter> d(
      libdeflate_alloc_decompressor());
  return d.get();
}
libdeflate_compressor* ThreadCompressor(int level) {
  thread_local std::array<std::unique_ptr<libdeflate_compressor, CompressorDeleter>, 10> c;
  if (!c[level]) c[level].reset(libdeflate_alloc_compressor(level));
  return c[level].get();
}

// Skips the zero padding some gzip writers leave after the last member.
std::span<const std::byte> SkipZeroPadding(std::span<const std::byte> in) {
  size_t i = 0;
  while (i < in.size() && in[i] == std::byte{0}) ++i;
  return in.subspan(i);
}

class GzipCodec final : public BytesCodec {
 public:
  GzipCodec(Wrapper wrapper, int level, bool numcodecs_v3_name)
      : wrapper_(wrapper), level_(level), numcodecs_v3_name_(numcodecs_v3_name) {}

  std::string_view name() const override { return Name(); }

  absl::Status DecodeInto(std::span<const std::byte> encoded,
                          std::span<std::byte> decoded) const override {
    ZRING_ASSIGN_OR_RETURN(size_t n, DecodeKnown(encoded, decoded));
    if (n != decoded.size()) return internal::DecodedSizeMismatch(Name(), decoded.size(), n);
    return absl::OkStatus();
  }

  absl::Status Decode(std::span<const std::byte> encoded, Buffer& decoded,
                      size_t max_decoded_bytes) const override {
    // A gzip member ends with its decoded size mod 2^32 (ISIZE): try it as the exact size, and
    // stream only when it proves wrong (several members, or more than 4 GiB).
    if (wrapper_ == Wrapper::kGzip && encoded.size() >= 18) {
      size_t hint = internal::LoadLe32(encoded.data() + encoded.size() - 4);
      if (hint <= max_decoded_bytes) {
        decoded.Resize(hint);
        absl::StatusOr<size_t> n = DecodeKnown(encoded, decoded.span());
        if (n.ok() && *n == hint) return absl::OkStatus();
      }
    }
    return DecodeStreaming(encoded, decoded, max_decoded_bytes);
  }

  absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const override {
    libdeflate_compressor* c = ThreadCompressor(level_ < 0 ? 6 : level_);
    if (c == nullptr) return absl::ResourceExhaustedError("gzip: cannot allocate a compressor");
    bool gzip = wrapper_ == Wrapper::kGzip;
    size_t bound = gzip ? libdeflate_gzip_compress_bound(c, decoded.size())
                        : libdeflate_zlib_compress_bound(c, decoded.size());
    encoded.Resize(bound);
    size_t n = gzip ? libdeflate_gzip_compress(c, decoded.data(), decoded.size(), encoded.data(),
                                               bound)
                    : libdeflate_zlib_compress(c, decoded.data(), decoded.size(), encoded.data(),
                                               bound);
    if (n == 0) return absl::InternalError(fmt::format("{}: libdeflate failed", Name()));
    encoded.Resize(n);
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> ToJson(int zarr_format) const override {
    if (zarr_format == 2) return fmt::format(R"({{"id":"{}","level":{}}})", Name(), level_);
    if (zarr_format == 3 && wrapper_ == Wrapper::kGzip) {
      return fmt::format(R"({{"name":"gzip","configuration":{{"level":{}}}}})", level_);
    }
    if (zarr_format == 3 && numcodecs_v3_name_) {
      return fmt::format(R"({{"name":"numcodecs.zlib","configuration":{{"level":{}}}}})",
                         level_);
    }
    return absl::UnimplementedError(fmt::format(
        "{}: no Zarr v{} form (v3 stores name it \"numcodecs.zlib\")", Name(), zarr_format));
  }

 private:
  std::string_view Name() const { return wrapper_ == Wrapper::kGzip ? "gzip" : "zlib"; }

  // Decodes into `out` with libdeflate; returns how many bytes the frame holds. kDataLoss when it
  // holds more than out.size(), is corrupt, or is followed by stray bytes.
  absl::StatusOr<size_t> DecodeKnown(std::span<const std::byte> in,
                                     std::span<std::byte> out) const {
    libdeflate_decompressor* d = ThreadDecompressor();
    if (d == nullptr) {
      return absl::ResourceExhaustedError("gzip: cannot allocate a decompressor");
    }
    std::byte empty_target{};  // libdeflate gets a valid pointer even for an empty output
    size_t pos = 0;
    do {
      size_t used_in = 0;
      size_t produced = 0;
      std::byte* target = pos < out.size() ? out.data() + pos : &empty_target;
      libdeflate_result r =
          wrapper_ == Wrapper::kGzip
              ? libdeflate_gzip_decompress_ex(d, in.data(), in.size(), target, out.size() - pos,
                                              &used_in, &produced)
              : libdeflate_zlib_decompress_ex(d, in.data(), in.size(), target, out.size() - pos,
                                              &used_in, &produced);
      if (r == LIBDEFLATE_INSUFFICIENT_SPACE) {
        return internal::CorruptFrame(
            Name(), fmt::format("expected {} decoded bytes, frame holds more", out.size()));
      }
      if (r != LIBDEFLATE_SUCCESS) {
        return internal::CorruptFrame(
            Name(), fmt::format("corrupt or truncated {} stream ({} bytes; expected {} decoded "
                                "bytes)",
                                Name(), in.size(), out.size()));
      }
      pos += produced;
      in = in.subspan(used_in);
      if (wrapper_ == Wrapper::kGzip) in = SkipZeroPadding(in);
    } while (wrapper_ == Wrapper::kGzip && !in.empty());
    if (!in.empty()) return TrailingBytes(in.size());
    return pos;
  }

  absl::Status TrailingBytes(size_t n) const {
    return internal::CorruptFrame(Name(),
                                  fmt::format("{} stray bytes after the end of the stream", n));
  }

  absl::Status DecodeStreaming(std::span<const std::byte> in, Buffer& decoded,
                               size_t limit) const;

  Wrapper wrapper_;
  int level_;
  bool numcodecs_v3_name_;
};

// zlib inflate into a buffer that grows up to `limit`; gzip members restart the inflater.
absl::Status GzipCodec::DecodeStreaming(std::span<const std::byte> in, Buffer& decoded,
                                        size_t limit) const {
  z_stream z{};
  int window_bits = wrapper_ == Wrapper::kGzip ? 15 + 16 : 15;
  if (inflateInit2(&z, window_bits) != Z_OK) {
    return absl::ResourceExhaustedError(fmt::format("{}: inflateInit2 failed", Name()));
  }
  std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
  decoded.Resize(0);
  size_t used = 0;
  const size_t encoded_size = in.size();
  for (;;) {
    // z_stream counts in uInt: feed and drain at most 1 GiB per call. A call with no output
    // room still parses headers and trailers, so the buffer grows only when inflate is stuck.
    constexpr size_t kStep = size_t{1} << 30;
    z.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(in.data()));
    z.avail_in = static_cast<uInt>(std::min(in.size(), kStep));
    // inflate refuses a null next_out even with no room, and an empty Buffer has no storage.
    Bytef empty_target = 0;
    z.next_out = decoded.empty() ? &empty_target : reinterpret_cast<Bytef*>(decoded.data() + used);
    z.avail_out = static_cast<uInt>(std::min(decoded.size() - used, kStep));
    uInt offered_in = z.avail_in;
    uInt offered_out = z.avail_out;
    int r = inflate(&z, Z_NO_FLUSH);
    in = in.subspan(offered_in - z.avail_in);
    used += offered_out - z.avail_out;
    if (r == Z_STREAM_END) {
      if (wrapper_ == Wrapper::kGzip) in = SkipZeroPadding(in);
      if (in.empty()) break;
      if (wrapper_ == Wrapper::kZlib) return TrailingBytes(in.size());
      inflateReset(&z);
      continue;
    }
    if (r != Z_OK && r != Z_BUF_ERROR) {
      return internal::CorruptFrame(
          Name(), fmt::format("corrupt {} stream after {} decoded bytes: {} (zlib error {})",
                              Name(), used, z.msg != nullptr ? z.msg : "inflate failed", r));
    }
    bool progress = offered_in != z.avail_in || offered_out != z.avail_out;
    if (progress) continue;
    if (used < decoded.size()) {
      return internal::CorruptFrame(
          Name(), fmt::format("truncated {} stream: input ends after {} decoded bytes", Name(),
                              used));
    }
    if (!internal::GrowForStreaming(decoded, used, encoded_size, limit)) {
      return internal::CorruptFrame(
          Name(), fmt::format("stream decodes to more than the limit of {} bytes", limit));
    }
  }
  decoded.Resize(used);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeGzipCodec(std::string_view id,
                                                          simdjson::dom::object config,
                                                          const BytesCodecContext&) {
  bool numcodecs = id.starts_with("numcodecs.");
  if (numcodecs) id.remove_prefix(std::string_view("numcodecs.").size());
  Wrapper wrapper = id == "zlib" ? Wrapper::kZlib : Wrapper::kGzip;
  std::string_view name = wrapper == Wrapper::kZlib ? "zlib" : "gzip";
  // Python's zlib.compress accepts -1 for its default level (6); ToJson keeps the -1.
  int64_t min_level = wrapper == Wrapper::kZlib ? -1 : 0;
  ZRING_ASSIGN_OR_RETURN(int64_t level, internal::GetInt(config, name, "level", 1, min_level, 9));
  return std::unique_ptr<BytesCodec>(
      new GzipCodec(wrapper, static_cast<int>(level), numcodecs));
}

}  // namespace zring::zarr
