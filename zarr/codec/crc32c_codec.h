// crc32c: the Zarr v3 checksum codec (also numcodecs' "crc32c"), computed with ISA-L.
//
// Encoding appends the CRC-32C (Castagnoli) of the payload as 4 little-endian bytes; decoding
// checks and strips them. A mismatch is kDataLoss saying which checksum the frame stores and which
// the payload has. No parameters.
#ifndef ZRING_ZARR_CODEC_CRC32C_CODEC_H_
#define ZRING_ZARR_CODEC_CRC32C_CODEC_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/codec/bytes_codec.h"

namespace zring::zarr {

// CRC-32C as the Zarr v3 spec, iSCSI (RFC 3720) and Python's `crc32c` define it: initial value
// and final xor 0xffffffff, reflected. Crc32c("123456789") == 0xe3069283.
uint32_t Crc32c(std::span<const std::byte> data);

// `id` is "crc32c" or "numcodecs.crc32c"; `config` must hold no parameters that change the
// layout ("location" other than "end" is refused).
absl::StatusOr<std::unique_ptr<BytesCodec>> MakeCrc32cCodec(std::string_view id,
                                                            simdjson::dom::object config,
                                                            const BytesCodecContext& context);

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CODEC_CRC32C_CODEC_H_
