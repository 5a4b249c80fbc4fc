// shuffle: the numcodecs Shuffle filter (v2 id "shuffle", v3 "numcodecs.shuffle").
//
// Encoding transposes a buffer of N elements of `elementsize` bytes into `elementsize` planes of N
// bytes (byte j of element i goes to j * N + i), which helps the compressor that follows; decoding
// transposes back. As in numcodecs, a buffer whose size is not a multiple of elementsize is
// refused (kInvalidArgument on encode, kDataLoss on decode); elementsize <= 1 is a copy.
//
//   {"id": "shuffle", "elementsize": 4}          (numcodecs default elementsize: 4)
#ifndef ZRING_ZARR_CODEC_SHUFFLE_CODEC_H_
#define ZRING_ZARR_CODEC_SHUFFLE_CODEC_H_

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/codec/bytes_codec.h"

namespace zring::zarr {

// Byte transposes; `in` and `out` have equal sizes, a multiple of element_size, and do not
// overlap. ShuffleBytes groups byte j of every element together; UnshuffleBytes undoes it.
void ShuffleBytes(std::span<const std::byte> in, std::span<std::byte> out, size_t element_size);
void UnshuffleBytes(std::span<const std::byte> in, std::span<std::byte> out,
                    size_t element_size);

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeShuffleCodec(std::string_view id,
                                                             simdjson::dom::object config,
                                                             const BytesCodecContext& context);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_SHUFFLE_CODEC_H_
