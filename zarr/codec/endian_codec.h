// The v3 `bytes` array -> bytes codec (also the implicit serialization of Zarr v2 chunks):
// elements in C order, each in the configured byte order.
//
// configuration: {"endian": "little" | "big"}; "endian" may be omitted for single-byte types.
// Decoding little-endian data is one memcpy, and the chain skips even that by decoding the
// bytes codecs straight into the caller's buffer (IsIdentity()). Big-endian swaps per
// DataType::swap_unit_bytes() (per half for complex, per UCS4 unit for v2 unicode).
#ifndef ZRING_ZARR_CODEC_ENDIAN_CODEC_H_
#define ZRING_ZARR_CODEC_ENDIAN_CODEC_H_

#include <memory>

#include "absl/status/statusor.h"
#include "zarr/codec/codec.h"

namespace zring::zarr {

absl::StatusOr<std::unique_ptr<ArrayToBytesCodec>> MakeEndianCodec(
    std::string_view configuration_json, const ChunkSpec& decoded);
// Direct form for v2 chunks and shard indexes.
std::unique_ptr<ArrayToBytesCodec> MakeEndianCodec(Endian endian, const ChunkSpec& decoded);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_ENDIAN_CODEC_H_
