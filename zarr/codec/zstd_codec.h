// zstd: Zstandard (v2 id "zstd", numcodecs Zstd; v3 name "zstd"), with libzstd.
//
// Frames that record their content size decode in one call, after checking that size against the
// caller's expectation or limit; frames without it (streaming writers) decode with the streaming
// API into a buffer that grows up to max_decoded_bytes. Concatenated frames decode to their
// concatenation, as libzstd defines.
//
//   {"id": "zstd", "level": 1, "checksum": false}
//   {"name": "zstd", "configuration": {"level": 0, "checksum": false}}
#ifndef ZRING_ZARR_CODEC_ZSTD_CODEC_H_
#define ZRING_ZARR_CODEC_ZSTD_CODEC_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/codec/bytes_codec.h"

namespace zring::zarr {

// `level` in [ZSTD_minCLevel(), ZSTD_maxCLevel()] (default 1, numcodecs' default; 0 means zstd's
// own default, 3); `checksum` adds zstd's content checksum, verified on decode.
absl::StatusOr<std::unique_ptr<BytesCodec>> MakeZstdCodec(std::string_view id,
                                                          simdjson::dom::object config,
                                                          const BytesCodecContext& context);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_ZSTD_CODEC_H_
