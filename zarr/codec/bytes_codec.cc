// The bytes -> bytes codec registry: maps v2 ids, v3 names and zarr-python 3's "numcodecs.<id>"
// names to the one implementation of each codec.
#include "zarr/codec/bytes_codec.h"

#include <array>

#include "fmt/format.h"
#include "zarr/codec/blosc_codec.h"
#include "zarr/codec/bz2_codec.h"
#include "zarr/codec/crc32c_codec.h"
#include "zarr/codec/gzip_codec.h"
#include "zarr/codec/lz4_codec.h"
#include "zarr/codec/shuffle_codec.h"
#include "zarr/codec/zstd_codec.h"

namespace zring::zarr {
namespace {

using Factory = absl::StatusOr<std::unique_ptr<BytesCodec>> (*)(std::string_view,
                                                                simdjson::dom::object,
                                                                const BytesCodecContext&);

struct Entry {
  std::string_view id;  // v2 id; also the v3 name for blosc, gzip, zstd, crc32c
  Factory make;
};

constexpr std::array<Entry, 8> kCodecs = {{
    {"blosc", MakeBloscCodec},
    {"gzip", MakeGzipCodec},
    {"zlib", MakeGzipCodec},
    {"zstd", MakeZstdCodec},
    {"lz4", MakeLz4Codec},
    {"bz2", MakeBz2Codec},
    {"crc32c", MakeCrc32cCodec},
    {"shuffle", MakeShuffleCodec},
}};

// zarr-python 3 writes numcodecs codecs in v3 metadata as "numcodecs.<id>".
constexpr std::string_view kNumcodecsPrefix = "numcodecs.";

const Entry* Find(std::string_view id) {
  if (id.starts_with(kNumcodecsPrefix)) id.remove_prefix(kNumcodecsPrefix.size());
  for (const Entry& e : kCodecs) {
    if (e.id == id) return &e;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<std::unique_ptr<BytesCodec>> MakeBytesCodec(std::string_view id,
                                                           simdjson::dom::object config,
                                                           const BytesCodecContext& context) {
  const Entry* entry = Find(id);
  if (entry == nullptr) {
    return absl::InvalidArgumentError(fmt::format("unknown bytes codec \"{}\"", id));
  }
  return entry->make(id, config, context);
}

bool IsBytesCodec(std::string_view id) { return Find(id) != nullptr; }

}  // namespace zring::zarr
