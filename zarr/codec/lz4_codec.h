// lz4: numcodecs' LZ4 codec (v2 id "lz4", v3 "numcodecs.lz4"), with liblz4.
//
// Frame (numcodecs framing, NOT the LZ4 frame format): the decoded size as a 4-byte little-endian
// integer, then one raw LZ4 block. Decoding trusts neither: the size must match what the caller
// expects (or stay under the limit) and the block must decode to exactly that many bytes.
//
//   {"id": "lz4", "acceleration": 1}
#ifndef ZRING_ZARR_CODEC_LZ4_CODEC_H_
#define ZRING_ZARR_CODEC_LZ4_CODEC_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/codec/bytes_codec.h"

namespace zring::zarr {

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeLz4Codec(std::string_view id,
                                                          simdjson::dom::object config,
                                                          const BytesCodecContext& context);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_LZ4_CODEC_H_
