// The numcodecs filters zring reads, as array -> array codecs. Each answers to its Zarr v2 id
// and its zarr-python 3 v3 name ("numcodecs.<id>"); each lives in its own .cc file.
//
//   id                 configuration                      decode
//   delta              dtype, astype                      cumulative sum (flattened chunk)
//   fixedscaleoffset   offset, scale, dtype, astype       enc / scale + offset, cast to dtype
//   astype             encode_dtype, decode_dtype         cast to decode_dtype
//   quantize           digits, dtype, astype              cast to dtype (rounding was at encode)
//   bitround           keepbits                           identity (rounding was at encode)
//
// The data type of the filter's input must equal the spec it is made for (the array's type, or
// what the previous filter produces). Filters see the chunk flattened in memory order, exactly
// as numcodecs does.
#ifndef ZRING_ZARR_CODEC_FILTER_CODECS_H_
#define ZRING_ZARR_CODEC_FILTER_CODECS_H_

#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/codec/codec.h"

namespace zring::zarr {

using FilterFactory = absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> (*)(
    simdjson::dom::object config, const ChunkSpec& decoded);

absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeDeltaCodec(simdjson::dom::object config,
                                                                   const ChunkSpec& decoded);
absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeFixedScaleOffsetCodec(
    simdjson::dom::object config, const ChunkSpec& decoded);
absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeAsTypeCodec(simdjson::dom::object config,
                                                                   const ChunkSpec& decoded);
absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeQuantizeCodec(simdjson::dom::object config,
                                                                     const ChunkSpec& decoded);
absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeBitRoundCodec(simdjson::dom::object config,
                                                                     const ChunkSpec& decoded);

namespace internal {
// Reads a dtype member ("dtype", "astype", ...) of a filter configuration; `fallback` when
// absent and fallback is non-null. Checks `must_equal` (when non-null) has the same type.
absl::StatusOr<DataTypeV2> FilterDtype(simdjson::dom::object config, std::string_view codec,
                                       std::string_view key, const DataTypeV2* fallback);
// kInvalidArgument unless `declared` equals the type the filter receives.
absl::Status CheckInputType(std::string_view codec, const DataType& declared,
                            const DataType& actual);
}  // namespace internal

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_FILTER_CODECS_H_
