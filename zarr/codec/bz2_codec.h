// bz2: bzip2 (numcodecs BZ2; v2 id "bz2", v3 "numcodecs.bz2"), with libbz2.
//
// bzip2 streams do not record their decoded size, so both decode paths stream: DecodeInto straight
// into the caller's span (an overlong stream is kDataLoss, never an overflow), Decode into a buffer
// that grows up to max_decoded_bytes. Concatenated streams decode to their concatenation, as
// Python's bz2.decompress does.
//
//   {"id": "bz2", "level": 1}
#ifndef ZRING_ZARR_CODEC_BZ2_CODEC_H_
#define ZRING_ZARR_CODEC_BZ2_CODEC_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/codec/bytes_codec.h"

namespace zring::zarr {

// `level` in [1, 9] (bzip2's block size in 100 kB units; numcodecs' default 1).
absl::StatusOr<std::unique_ptr<BytesCodec>> MakeBz2Codec(std::string_view id,
                                                         simdjson::dom::object config,
                                                         const BytesCodecContext& context);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_BZ2_CODEC_H_
