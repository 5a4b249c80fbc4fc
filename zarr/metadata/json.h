// Small simdjson helpers shared by the metadata parsers and codec factories (internal).
//
// Every helper returns kInvalidArgument naming the member and what was expected
// ("\"shape\" must be an array of non-negative integers"), so parsers stay short.
#ifndef ZRING_ZARR_METADATA_JSON_H_
#define ZRING_ZARR_METADATA_JSON_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/status/statusor.h"
#include "simdjson.h"

namespace zring::zarr::internal {

// Parses `text` with `parser` (the returned element lives as long as the parser's next parse).
absl::StatusOr<simdjson::dom::element> ParseJson(simdjson::dom::parser& parser,
                                                 std::string_view text);
absl::StatusOr<simdjson::dom::object> ParseJsonObject(simdjson::dom::parser& parser,
                                                      std::string_view text);

// Member `key` of `obj`, or nullopt when absent.
std::optional<simdjson::dom::element> Member(simdjson::dom::object obj, std::string_view key);
absl::StatusOr<simdjson::dom::element> Required(simdjson::dom::object obj, std::string_view key);

absl::StatusOr<std::vector<uint64_t>> UintArray(simdjson::dom::element e, std::string_view key);
absl::StatusOr<std::string_view> String(simdjson::dom::element e, std::string_view key);
absl::StatusOr<int64_t> Int(simdjson::dom::element e, std::string_view key);
absl::StatusOr<double> Double(simdjson::dom::element e, std::string_view key);
absl::StatusOr<simdjson::dom::object> Object(simdjson::dom::element e, std::string_view key);

// "1, 2, 3" (fmt::join trips gcc 12's -Wstringop-overflow at -O3, so zring joins by hand).
template <typename Range>
std::string Join(const Range& items, std::string_view sep = ", ") {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += sep;
    first = false;
    if constexpr (std::is_convertible_v<decltype(item), std::string_view>) {
      out += item;
    } else {
      out += std::to_string(item);
    }
  }
  return out;
}

// kInvalidArgument when a chunk of `shape` would hold more than 2^48 bytes (or its size
// overflows): no real chunk is that large, and the limit keeps every later size computation in
// range whatever a metadata document claims.
absl::Status CheckChunkSize(const std::vector<uint64_t>& shape, uint64_t element_size_bytes);

// Compact JSON text of `e`.
std::string Minify(simdjson::dom::element e);

}  // namespace zring::zarr::internal

#endif  // ZRING_ZARR_METADATA_JSON_H_
