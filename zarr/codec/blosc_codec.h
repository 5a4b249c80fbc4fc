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
// Partial decode (crop reads that need a few bytes of a large chunk): BloscDecodeRange. Frames
// stored uncompressed are sliced directly; compressed frames still decode whole today. They are
// split into independently compressed blocks of `blocksize` bytes, so decoding only the blocks a
// range overlaps is the next step; c-blosc 1.21.3's blosc_getitem leaks on corrupt frames, so
// that needs a block walker of our own (block starts checked, LZ4_decompress_safe_partial).
#ifndef ZRING_ZARR_CODEC_BLOSC_CODEC_H_
#define ZRING_ZARR_CODEC_BLOSC_CODEC_H_

#include <cstddef>
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

// Decodes bytes [offset_bytes, offset_bytes + out.size()) of the frame's decoded content into
// `out` (see above for what it decompresses). kDataLoss for a bad frame (as
// BloscDecodedSize) or one whose blocks do not decode; kOutOfRange when the range passes the end
// of the decoded content. Thread-safe; writes nothing outside `out`.
absl::Status BloscDecodeRange(std::span<const std::byte> encoded, size_t offset_bytes,
                              std::span<std::byte> out);

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeBloscCodec(std::string_view id,
                                                           simdjson::dom::object config,
                                                           const BytesCodecContext& context);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_BLOSC_CODEC_H_
