// gzip and zlib: DEFLATE in its gzip (RFC 1952) or zlib (RFC 1950) wrapper.
//
// v2 ids "gzip" and "zlib" (numcodecs GZip, Zlib), v3 name "gzip" (and "numcodecs.zlib"). When the
// decoded size is known (DecodeInto, or a gzip trailer whose ISIZE proves right) libdeflate decodes
// in one pass; otherwise zlib streams into a growing buffer bounded by max_decoded_bytes. Several
// concatenated gzip members decode to their concatenation, and zero padding after the last one is
// skipped (as Python's gzip module does); any other trailing byte is kDataLoss.
//
//   {"id": "gzip", "level": 1}     {"name": "gzip", "configuration": {"level": 5}}
#ifndef ZRING_ZARR_CODEC_GZIP_CODEC_H_
#define ZRING_ZARR_CODEC_GZIP_CODEC_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/codec/bytes_codec.h"

namespace zring::zarr {

// `id`: "gzip", "zlib", "numcodecs.gzip" or "numcodecs.zlib". `level` in [0, 9] (zlib also -1,
// zlib's default, i.e. 6); numcodecs' default is 1.
absl::StatusOr<std::unique_ptr<BytesCodec>> MakeGzipCodec(std::string_view id,
                                                          simdjson::dom::object config,
                                                          const BytesCodecContext& context);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_GZIP_CODEC_H_
