// blosc codec: c-blosc 1.x with header validation before every decompression.
#include "zarr/codec/blosc_codec.h"

#include <blosc.h>
#include <lz4.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

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

// ---- Range decode: a walker over the frame's blocks (c-blosc 1.x format) ----
//
// Layout after the 16-byte header: one little-endian int32 start offset per block, then the
// blocks. A block holds `nsplits` streams, each an int32 compressed size followed by that many
// bytes; a stream whose size equals its decoded size (neblock) is stored raw. nsplits is the
// typesize when the frame does not say "don't split" (flag 0x10), the typesize is at most 16,
// the block holds at least 128 items and is not the short last block; otherwise 1. The streams
// concatenated are the block's bytes after the shuffle (flag 0x1, typesize > 1): byte j of item
// i sits at j * items + i. The walker decodes, in each block the range overlaps, every stream
// only up to the last byte the range needs (LZ4_decompress_safe_partial), reads raw streams in
// place, and unshuffles only the items in the range. It handles LZ4 frames with byte shuffle
// or none; other frames (other compressors, bit shuffle, blocks not a whole number of items)
// go through c-blosc whole.
constexpr int kFlagShuffle = 0x1;
constexpr int kFlagBitShuffle = 0x4;
constexpr int kFlagDontSplit = 0x10;
constexpr int kLz4Format = 1;          // compressor code in flag bits 5-7
constexpr size_t kMaxSplits = 16;
constexpr size_t kMinSplitItems = 128;
constexpr size_t kPartialDecodeDivisor = 4;  // decode a stream's prefix only up to 1/4 of it

struct FrameLayout {
  int flags = 0;
  size_t typesize = 0;
  size_t nbytes = 0;
  size_t blocksize = 0;
  size_t nblocks = 0;
};

// Walks an LZ4 block's sequences without decoding them: true when the block is well formed
// (every length within the input, every match offset inside the output produced so far, the
// input consumed exactly) and decodes to exactly `expected` bytes. A stream decoded only up to
// a prefix is checked with this, so damage past the prefix is still reported as the whole
// decode would report it, at a fraction of its cost (no bytes are written).
bool Lz4BlockWellFormed(const std::byte* data, size_t size, size_t expected) {
  const auto* ip = reinterpret_cast<const uint8_t*>(data);
  const uint8_t* const end = ip + size;
  size_t out = 0;
  auto extend = [&](size_t& length) {
    uint8_t b;
    do {
      if (ip == end) return false;
      b = *ip++;
      length += b;
    } while (b == 255);
    return true;
  };
  while (ip < end) {
    const uint8_t token = *ip++;
    size_t literals = token >> 4;
    if (literals == 15 && !extend(literals)) return false;
    if (static_cast<size_t>(end - ip) < literals) return false;
    ip += literals;
    out += literals;
    if (out > expected) return false;
    if (ip == end) return out == expected;  // the last sequence holds literals only
    if (end - ip < 2) return false;
    const size_t offset = size_t{ip[0]} | (size_t{ip[1]} << 8);
    ip += 2;
    if (offset == 0 || offset > out) return false;
    size_t match = token & 15;
    if (match == 15 && !extend(match)) return false;
    out += match + 4;
    if (out > expected) return false;
  }
  return false;  // empty input, or input ending inside a sequence
}

// The decoded bytes of one block that a range needs: each stream's needed prefix, read in
// place (raw streams) or decoded into scratch.
class BlockReader {
 public:
  BlockReader(std::span<const std::byte> frame, const FrameLayout& f, size_t block)
      : frame_(frame), f_(f), block_(block) {}

  // Makes block-relative decoded bytes [lo, hi) available.
  absl::Status Prepare(size_t lo, size_t hi, BloscRangeStats* stats);
  // Copies block-relative decoded bytes [lo, hi) (as prepared) to `out`.
  void Emit(size_t lo, size_t hi, std::byte* out) const;

 private:
  // Pre-shuffle position `pos` of the block (stream by stream).
  const std::byte* At(size_t pos) const { return streams_[pos / neblock_] + pos % neblock_; }

  std::span<const std::byte> frame_;
  const FrameLayout& f_;
  size_t block_;
  size_t bsize_ = 0;
  size_t neblock_ = 1;
  bool shuffled_ = false;
  size_t items_ = 0;                          // items in the block (shuffled blocks)
  std::vector<const std::byte*> streams_;     // null: not needed by the range
  std::unique_ptr<std::byte[]> scratch_;      // decoded streams (not zeroed)
};

absl::Status BlockReader::Prepare(size_t lo, size_t hi, BloscRangeStats* stats) {
  const bool leftover = block_ == f_.nblocks - 1 && f_.nbytes % f_.blocksize != 0;
  bsize_ = leftover ? f_.nbytes % f_.blocksize : f_.blocksize;
  const size_t ts = f_.typesize;
  shuffled_ = (f_.flags & kFlagShuffle) && ts > 1;
  size_t nsplits = 1;
  if (!(f_.flags & kFlagDontSplit) && ts <= kMaxSplits && bsize_ / ts >= kMinSplitItems &&
      !leftover) {
    nsplits = ts;
  }
  if (bsize_ % nsplits != 0) {  // c-blosc would decode fewer bytes than the block holds
    return internal::CorruptFrame(
        kName, fmt::format("block {} of {} bytes does not split into {} equal streams", block_,
                           bsize_, nsplits));
  }
  neblock_ = bsize_ / nsplits;
  items_ = shuffled_ ? bsize_ / ts : 0;
  // Per stream, the decoded prefix the range needs (0: none). Streams decode from their start,
  // so a range needs each stream it touches up to the last byte it touches there.
  std::vector<size_t> need(nsplits, 0);
  auto want = [&](size_t from, size_t to) {  // pre-shuffle positions [from, to), to > from
    for (size_t s = from / neblock_; s <= (to - 1) / neblock_; ++s) {
      need[s] = std::max(need[s], std::min(neblock_, to - s * neblock_));
    }
  };
  if (shuffled_) {
    const size_t e0 = lo / ts, e1 = (hi + ts - 1) / ts;
    for (size_t j = 0; j < ts; ++j) want(j * items_ + e0, j * items_ + e1);
  } else {
    want(lo, hi);
  }
  const size_t header = BLOSC_MAX_OVERHEAD + 4 * f_.nblocks;
  size_t at = internal::LoadLe32(frame_.data() + BLOSC_MAX_OVERHEAD + 4 * block_);
  if (at < header || at > frame_.size()) {
    return internal::CorruptFrame(
        kName, fmt::format("block {} starts at byte {}, outside [{}, {}]", block_, at, header,
                           frame_.size()));
  }
  streams_.assign(nsplits, nullptr);
  for (size_t s = 0; s < nsplits; ++s) {
    if (frame_.size() - at < 4) {
      return internal::CorruptFrame(kName,
                                    fmt::format("block {} stream {} has no size", block_, s));
    }
    const int32_t csize = static_cast<int32_t>(internal::LoadLe32(frame_.data() + at));
    at += 4;
    if (csize <= 0 || static_cast<size_t>(csize) > frame_.size() - at) {
      return internal::CorruptFrame(
          kName, fmt::format("block {} stream {} claims {} bytes, {} remain", block_, s, csize,
                             frame_.size() - at));
    }
    const std::byte* src = frame_.data() + at;
    at += static_cast<size_t>(csize);
    if (need[s] == 0) continue;
    if (static_cast<size_t>(csize) == neblock_) {  // stored raw: read in place
      streams_[s] = src;
      continue;
    }
    if (scratch_ == nullptr) scratch_.reset(new std::byte[bsize_]);
    std::byte* dst = scratch_.get() + s * neblock_;
    // A prefix decode must be followed by a walk over the rest of the stream (to report damage
    // there as a whole decode would), which costs about two thirds of decoding it on noisy
    // data; so only short prefixes are worth it.
    if (need[s] > neblock_ / kPartialDecodeDivisor) need[s] = neblock_;
    // A whole stream decodes exactly as c-blosc decodes it (LZ4_decompress_safe; the partial
    // decoder treats some malformed input differently).
    const int got =
        need[s] == neblock_
            ? LZ4_decompress_safe(reinterpret_cast<const char*>(src),
                                  reinterpret_cast<char*>(dst), csize, static_cast<int>(neblock_))
            : LZ4_decompress_safe_partial(reinterpret_cast<const char*>(src),
                                          reinterpret_cast<char*>(dst), csize,
                                          static_cast<int>(need[s]), static_cast<int>(neblock_));
    if (got < 0 || static_cast<size_t>(got) < need[s] ||
        (need[s] == neblock_ && static_cast<size_t>(got) != neblock_) ||
        (need[s] < neblock_ && !Lz4BlockWellFormed(src, static_cast<size_t>(csize), neblock_))) {
      return internal::CorruptFrame(
          kName, fmt::format("block {} stream {}: lz4 data does not decode to its {} bytes "
                             "(partial decode of {} gave {})",
                             block_, s, neblock_, need[s], got));
    }
    if (stats != nullptr) stats->decompressed_bytes += static_cast<uint64_t>(got);
    streams_[s] = dst;
  }
  return absl::OkStatus();
}

void BlockReader::Emit(size_t lo, size_t hi, std::byte* out) const {
  if (!shuffled_) {
    while (lo < hi) {
      const size_t run = std::min(hi - lo, neblock_ - lo % neblock_);
      std::memcpy(out, At(lo), run);
      out += run;
      lo += run;
    }
    return;
  }
  // Row j (byte j of every item) starts at pre-shuffle position j * items_ and lies within
  // one stream (nsplits is 1 or the typesize).
  const size_t ts = f_.typesize;
  std::array<const std::byte*, kMaxSplits> small_rows{};
  std::vector<const std::byte*> big_rows;
  const std::byte** rows = small_rows.data();
  if (ts > kMaxSplits) {
    big_rows.resize(ts);
    rows = big_rows.data();
  }
  for (size_t j = 0; j < ts; ++j) rows[j] = At(j * items_);
  const size_t e0 = lo / ts, e1 = (hi + ts - 1) / ts;
  const size_t full0 = (lo + ts - 1) / ts, full1 = hi / ts;  // items wholly inside [lo, hi)
  auto partial = [&](size_t i) {
    for (size_t j = 0; j < ts; ++j) {
      const size_t pos = i * ts + j;
      if (pos >= lo && pos < hi) out[pos - lo] = rows[j][i];
    }
  };
  if (full0 >= full1) {
    for (size_t i = e0; i < e1; ++i) partial(i);
    return;
  }
  if (e0 < full0) partial(e0);
  std::byte* o = out + (full0 * ts - lo);
  if (ts == 2) {
    const std::byte* r0 = rows[0];
    const std::byte* r1 = rows[1];
    for (size_t i = full0; i < full1; ++i) {
      o[0] = r0[i];
      o[1] = r1[i];
      o += 2;
    }
  } else {
    for (size_t i = full0; i < full1; ++i) {
      for (size_t j = 0; j < ts; ++j) o[j] = rows[j][i];
      o += ts;
    }
  }
  if (full1 < e1) partial(full1);
}

// True when the walker handles this frame (else c-blosc decodes it whole).
bool WalkerHandles(std::span<const std::byte> encoded, FrameLayout* f) {
  f->flags = static_cast<int>(encoded[2]);
  f->typesize = static_cast<size_t>(encoded[3]);
  f->nbytes = internal::LoadLe32(encoded.data() + 4);
  f->blocksize = internal::LoadLe32(encoded.data() + 8);
  if ((f->flags >> 5) != kLz4Format || (f->flags & kFlagBitShuffle) || f->typesize == 0 ||
      f->blocksize == 0 || f->nbytes == 0) {
    return false;
  }
  f->nblocks = (f->nbytes + f->blocksize - 1) / f->blocksize;
  if (encoded.size() < BLOSC_MAX_OVERHEAD + 4 * f->nblocks) return false;
  // Every block (the short last one too) must be a whole number of items for the row
  // arithmetic; c-blosc's unshuffle copies trailing partial items unshuffled.
  const bool shuffled = (f->flags & kFlagShuffle) && f->typesize > 1;
  if (shuffled && (f->blocksize % f->typesize != 0 || (f->nbytes % f->blocksize) % f->typesize))
    return false;
  return true;
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
                              std::span<std::byte> out, BloscRangeStats* stats) {
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
  if (offset_bytes == 0 && out.size() == nbytes) return DecompressWhole(encoded, out);
  FrameLayout f;
  if (WalkerHandles(encoded, &f)) {
    const size_t end = offset_bytes + out.size();
    for (size_t b = offset_bytes / f.blocksize; b * f.blocksize < end; ++b) {
      const size_t begin = b * f.blocksize;
      const size_t lo = std::max(offset_bytes, begin) - begin;
      const size_t hi = std::min(end, std::min(begin + f.blocksize, nbytes)) - begin;
      BlockReader block(encoded, f, b);
      ZRING_RETURN_IF_ERROR(block.Prepare(lo, hi, stats));
      block.Emit(lo, hi, out.data() + (begin + lo - offset_bytes));
    }
    return absl::OkStatus();
  }
  // Other frames decode whole, then the range is copied out (c-blosc 1.21.3's blosc_getitem
  // leaks its scratch buffers on some corrupt frames, found by blosc_range_fuzzer).
  if (stats != nullptr) stats->decompressed_bytes += nbytes;
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
