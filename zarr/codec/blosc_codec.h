// blosc: c-blosc 1.x frames (v2 id "blosc", numcodecs Blosc; v3 name "blosc").
//
// A frame is a 16-byte header (format version, flags, typesize, decoded size `nbytes`, block
// size, frame size `cbytes`) followed by blocks compressed with blosclz, lz4, lz4hc, zlib or zstd
// after an optional byte or bit shuffle. Decoding checks the header before c-blosc touches the
// blocks: the frame must be exactly `cbytes` long, pass blosc_cbuffer_validate, and promise
// exactly the size the caller expects (or no more than the limit); only then does blosc_decompress_ctx run, with
// one internal thread (thread-safe, no global state), into a buffer of exactly `nbytes`.
//
// Configuration, both forms accepted by MakeBytesCodec("blosc", ...):
//   v2 {"id": "blosc", "cname": "lz4", "clevel": 5, "shuffle": 1, "blocksize": 0}
//      shuffle: 0 none, 1 byte, 2 bit, -1 automatic (bit for 1-byte items, else byte)
//   v3 {"cname": "zstd", "clevel": 5, "shuffle": "bitshuffle", "typesize": 2, "blocksize": 0}
//      shuffle: "noshuffle" | "shuffle" | "bitshuffle"
// typesize defaults to the array's element size (BytesCodecContext); it only steers the shuffle
// on encode, decoding reads everything from the frame header.
//
// Partial decode (crop reads that need part of a large chunk): BloscDecodeRange. Frames stored
// uncompressed are sliced directly. LZ4 frames (byte shuffle or none) decode only the blocks
// the range overlaps and, inside each, every stream only up to the last byte the range needs
// (LZ4_decompress_safe_partial; c-blosc splits a shuffled block into one stream per byte of
// the item, so a range of items needs a prefix of each stream); only the range's items are
// unshuffled. Other frames decode whole and the range is copied out.
#ifndef ZRING_ZARR_CODEC_BLOSC_CODEC_H_
#define ZRING_ZARR_CODEC_BLOSC_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/codec/bytes_codec.h"

namespace zring::zarr {

// Decoded size promised by a blosc frame's header, after checking that header against the frame
// (kDataLoss when it is too short, claims another frame size, or fails blosc_cbuffer_validate).
absl::StatusOr<size_t> BloscDecodedSize(std::span<const std::byte> encoded);

// What a range decode did, for figures: bytes the decompressor produced (a whole-frame
// decode adds the frame's decoded size). Raw (incompressible) streams are read in place and
// count nothing.
struct BloscRangeStats {
  uint64_t decompressed_bytes = 0;
};

// Decodes bytes [offset_bytes, offset_bytes + out.size()) of the frame's decoded content into
// `out`. kDataLoss for a bad frame (as BloscDecodedSize) or when a block the range needs does
// not decode; damage in parts of the frame the range does not need may go unnoticed (those
// bytes are not decoded). kOutOfRange when the range passes the end of the decoded content.
// Thread-safe; writes nothing outside `out`.
absl::Status BloscDecodeRange(std::span<const std::byte> encoded, size_t offset_bytes,
                              std::span<std::byte> out, BloscRangeStats* stats = nullptr);

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeBloscCodec(std::string_view id,
                                                           simdjson::dom::object config,
                                                           const BytesCodecContext& context);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_BLOSC_CODEC_H_
