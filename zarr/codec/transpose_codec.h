// The v3 `transpose` array -> array codec: permutes the dimensions of each chunk.
//
// configuration: {"order": [p0, p1, ...]} a permutation of 0..ndim-1; encoded dimension i is
// decoded dimension order[i] (so the encoded shape is shape[order[i]]). The strings "C"
// (identity) and "F" (reverse) of early v3 drafts are accepted. Zarr v2 `order: "F"` is this
// codec with the reversed order.
#ifndef ZRING_ZARR_CODEC_TRANSPOSE_CODEC_H_
#define ZRING_ZARR_CODEC_TRANSPOSE_CODEC_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "zarr/codec/codec.h"

namespace zring::zarr {

absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeTransposeCodec(
    std::string_view configuration_json, const ChunkSpec& decoded);
absl::StatusOr<std::unique_ptr<ArrayToArrayCodec>> MakeTransposeCodec(
    std::vector<size_t> order, const ChunkSpec& decoded);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_TRANSPOSE_CODEC_H_
