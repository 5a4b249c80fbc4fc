// ChunkKeyEncoding: maps a chunk's grid index to its key in the store.
//
//   v3 "default": "c" + sep + "i/j/k" with sep "/" (default) or ".": "c/3/0/7", "c.3.0.7";
//                 a zero-dimensional array's only chunk is "c".
//   v3 "v2" and Zarr v2: "3.0.7" (sep ".", the v2 default) or "3/0/7"; zero-dimensional -> "0".
//
// Keys are relative to the array's directory. Cheap to copy; thread-safe.
//
//   ChunkKeyEncoding enc{ChunkKeyEncoding::Kind::kDefault, '/'};
//   std::string key = enc.Encode({3, 0, 7});   // "c/3/0/7"
#ifndef ZRING_ZARR_CHUNK_KEY_ENCODING_H_
#define ZRING_ZARR_CHUNK_KEY_ENCODING_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zring::zarr {

struct ChunkKeyEncoding {
  enum class Kind : uint8_t { kDefault, kV2 };
  Kind kind = Kind::kDefault;
  char separator = '/';

  std::string Encode(std::span<const uint64_t> grid_index) const;
  // Parses a key back into a grid index of `ndim` dimensions; nullopt when `key` is not a chunk
  // key of this encoding (used to count stored chunks from a listing).
  std::optional<std::vector<uint64_t>> Decode(std::string_view key, size_t ndim) const;
  // The metadata form: {"name": "default", "configuration": {"separator": "/"}}.
  std::string ToJson() const;
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_CHUNK_KEY_ENCODING_H_
