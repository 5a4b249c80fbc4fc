// Helpers shared by the bytes -> bytes codecs (zarr/codec/*_codec.cc); not a public API.
//
// Configuration readers: each reads one optional member of a codec's JSON configuration, applies
// the default when it is absent and range-checks it, so every codec reports bad parameters the
// same way: kInvalidArgument `codec "zstd": parameter "level" must be an integer in [-131072,
// 22], got "fast"`. Members a codec does not know are ignored (newer writers add some).
//
// Error factories: every decoder failure is kDataLoss and says what was expected and what was
// found; the caller prefixes the chunk key and array path.
#ifndef ZRING_ZARR_CODEC_BYTES_CODEC_INTERNAL_H_
#define ZRING_ZARR_CODEC_BYTES_CODEC_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "simdjson.h"
#include "zarr/buffer.h"

namespace zring::zarr::internal {

// kInvalidArgument: `codec "<codec>": parameter "<param>" <problem>`.
absl::Status InvalidParameter(std::string_view codec, std::string_view param,
                              std::string_view problem);

// kDataLoss: `<codec>: <what>`.
absl::Status CorruptFrame(std::string_view codec, std::string_view what);

// kDataLoss: `<codec>: expected <expected> decoded bytes, frame holds <found>`.
absl::Status DecodedSizeMismatch(std::string_view codec, uint64_t expected, uint64_t found);

// kDataLoss: `<codec>: frame claims <claimed> decoded bytes, more than the limit of <limit>`.
absl::Status DecodedSizeOverLimit(std::string_view codec, uint64_t claimed, uint64_t limit);

// Integer member `key` of `config` in [min, max]; `fallback` when absent.
absl::StatusOr<int64_t> GetInt(simdjson::dom::object config, std::string_view codec,
                               std::string_view key, int64_t fallback, int64_t min, int64_t max);

// Boolean member `key`; `fallback` when absent.
absl::StatusOr<bool> GetBool(simdjson::dom::object config, std::string_view codec,
                             std::string_view key, bool fallback);

// The member `key` when present (any JSON type), else nullopt.
std::optional<simdjson::dom::element> GetMember(simdjson::dom::object config,
                                                std::string_view key);

// Describes a JSON value for error messages, e.g. `"fast"`, `1.5`, `true` (truncated if long).
std::string DescribeJson(simdjson::dom::element value);

// Byte-order helpers for frame headers (unaligned, little-endian on every host).
uint32_t LoadLe32(const std::byte* p);
void StoreLe32(std::byte* p, uint32_t value);

// Growth step for decoders that stream into `decoded` without knowing the final size: doubles
// the buffer (starting from a guess based on the encoded size) but never past `limit`. Returns
// false when the buffer is already at the limit.
bool GrowForStreaming(Buffer& decoded, size_t used, size_t encoded_size, size_t limit);

}  // namespace zring::zarr::internal

#endif  // ZRING_ZARR_CODEC_BYTES_CODEC_INTERNAL_H_
