// bz2 codec: libbz2 streaming in both directions.
#include "zarr/codec/bz2_codec.h"

#include <bzlib.h>

#include <algorithm>
#include <climits>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/codec/bytes_codec_internal.h"

namespace zring::zarr {
namespace {

constexpr std::string_view kName = "bz2";
// bz_stream counts in unsigned int: feed and drain at most 1 GiB per call.
constexpr size_t kStep = size_t{1} << 30;

// Streams `in` through BZ2_bzDecompress into `decoded` from offset 0. `grow` is asked for more
// room when the output is full; when it returns false the stream holds more than allowed and
// `too_long` is the error.
template <typename Grow>
absl::Status Bz2Decompress(std::span<const std::byte> in, std::span<std::byte>* out, size_t* used,
                           Grow grow, absl::Status too_long) {
  size_t encoded_size = in.size();
  while (true) {
    bz_stream z{};
    if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK) {
      return absl::ResourceExhaustedError("bz2: BZ2_bzDecompressInit failed");
    }
    std::unique_ptr<bz_stream, int (*)(bz_stream*)> guard(&z, BZ2_bzDecompressEnd);
    for (;;) {
      // A call with no output room is still useful: it may reach the end-of-stream marker.
      z.next_in = reinterpret_cast<char*>(const_cast<std::byte*>(in.data()));
      z.avail_in = static_cast<unsigned>(std::min(in.size(), kStep));
      z.next_out = reinterpret_cast<char*>(out->data() + *used);
      z.avail_out = static_cast<unsigned>(std::min(out->size() - *used, kStep));
      unsigned offered_in = z.avail_in;
      unsigned offered_out = z.avail_out;
      int r = BZ2_bzDecompress(&z);
      in = in.subspan(offered_in - z.avail_in);
      *used += offered_out - z.avail_out;
      bool progress = offered_in != z.avail_in || offered_out != z.avail_out;
      if (r == BZ_STREAM_END) break;
      if (r != BZ_OK) {
        return internal::CorruptFrame(
            kName, fmt::format("corrupt stream of {} bytes (bzip2 error {} after {} decoded "
                               "bytes)",
                               encoded_size, r, *used));
      }
      if (progress) continue;
      if (*used < out->size()) {
        return internal::CorruptFrame(
            kName, fmt::format("truncated stream of {} bytes (ends after {} decoded bytes)",
                               encoded_size, *used));
      }
      if (!grow(out)) return too_long;
    }
    if (in.empty()) return absl::OkStatus();
  }
}

class Bz2Codec final : public BytesCodec {
 public:
  Bz2Codec(int level, bool numcodecs_v3_name)
      : level_(level), numcodecs_v3_name_(numcodecs_v3_name) {}

  std::string_view name() const override { return kName; }

  absl::Status DecodeInto(std::span<const std::byte> encoded,
                          std::span<std::byte> decoded) const override {
    size_t used = 0;
    std::span<std::byte> out = decoded;
    ZRING_RETURN_IF_ERROR(Bz2Decompress(
        encoded, &out, &used, [](std::span<std::byte>*) { return false; },
        internal::CorruptFrame(
            kName, fmt::format("expected {} decoded bytes, stream holds more", decoded.size()))));
    if (used != decoded.size()) return internal::DecodedSizeMismatch(kName, decoded.size(), used);
    return absl::OkStatus();
  }

  absl::Status Decode(std::span<const std::byte> encoded, Buffer& decoded,
                      size_t max_decoded_bytes) const override {
    decoded.Resize(0);
    size_t used = 0;
    std::span<std::byte> out = decoded.span();
    auto grow = [&](std::span<std::byte>* o) {
      if (!internal::GrowForStreaming(decoded, used, encoded.size(), max_decoded_bytes)) {
        return false;
      }
      *o = decoded.span();
      return true;
    };
    ZRING_RETURN_IF_ERROR(Bz2Decompress(
        encoded, &out, &used, grow,
        internal::CorruptFrame(kName, fmt::format("stream decodes to more than the limit of {} "
                                                  "bytes",
                                                  max_decoded_bytes))));
    decoded.Resize(used);
    return absl::OkStatus();
  }

  absl::Status Encode(std::span<const std::byte> decoded, Buffer& encoded) const override;

  absl::StatusOr<std::string> ToJson(int zarr_format) const override {
    if (zarr_format == 2) return fmt::format(R"({{"id":"bz2","level":{}}})", level_);
    if (zarr_format == 3 && numcodecs_v3_name_) {
      return fmt::format(R"({{"name":"numcodecs.bz2","configuration":{{"level":{}}}}})", level_);
    }
    return absl::UnimplementedError(fmt::format(
        "bz2: no Zarr v{} form (v3 stores name it \"numcodecs.bz2\")", zarr_format));
  }

 private:
  int level_;
  bool numcodecs_v3_name_;
};

absl::Status Bz2Codec::Encode(std::span<const std::byte> decoded, Buffer& encoded) const {
  bz_stream z{};
  if (BZ2_bzCompressInit(&z, level_, 0, 0) != BZ_OK) {
    return absl::ResourceExhaustedError("bz2: BZ2_bzCompressInit failed");
  }
  std::unique_ptr<bz_stream, int (*)(bz_stream*)> guard(&z, BZ2_bzCompressEnd);
  // bzip2's worst case is 1% + 600 bytes over the input; start there so one pass usually does.
  encoded.Resize(decoded.size() + decoded.size() / 100 + 600);
  size_t used = 0;
  std::span<const std::byte> in = decoded;
  int r = BZ_RUN_OK;
  while (r != BZ_STREAM_END) {
    if (used == encoded.size()) encoded.Resize(encoded.size() * 2);
    z.next_in = reinterpret_cast<char*>(const_cast<std::byte*>(in.data()));
    z.avail_in = static_cast<unsigned>(std::min(in.size(), kStep));
    z.next_out = reinterpret_cast<char*>(encoded.data() + used);
    z.avail_out = static_cast<unsigned>(std::min(encoded.size() - used, kStep));
    unsigned offered_in = z.avail_in;
    unsigned offered_out = z.avail_out;
    // BZ_FINISH only once every input byte has been offered.
    int action = in.size() <= kStep ? BZ_FINISH : BZ_RUN;
    r = BZ2_bzCompress(&z, action);
    in = in.subspan(offered_in - z.avail_in);
    used += offered_out - z.avail_out;
    if (r != BZ_RUN_OK && r != BZ_FINISH_OK && r != BZ_STREAM_END) {
      return absl::InternalError(fmt::format("bz2: compression failed (bzip2 error {})", r));
    }
  }
  encoded.Resize(used);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeBz2Codec(std::string_view id,
                                                         simdjson::dom::object config,
                                                         const BytesCodecContext&) {
  ZRING_ASSIGN_OR_RETURN(int64_t level, internal::GetInt(config, kName, "level", 1, 1, 9));
  return std::unique_ptr<BytesCodec>(
      new Bz2Codec(static_cast<int>(level), id.starts_with("numcodecs.")));
}

}  // namespace zring::zarr
