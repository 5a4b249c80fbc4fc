#include "zarr/chunk_key_encoding.h"

#include <charconv>
#include <iterator>

#include "fmt/format.h"

namespace zring::zarr {

std::string ChunkKeyEncoding::Encode(std::span<const uint64_t> grid_index) const {
  fmt::memory_buffer key;
  if (kind == Kind::kDefault) {
    key.push_back('c');
    for (uint64_t i : grid_index) fmt::format_to(std::back_inserter(key), "{}{}", separator, i);
    return fmt::to_string(key);
  }
  if (grid_index.empty()) return "0";
  for (size_t d = 0; d < grid_index.size(); ++d) {
    if (d) key.push_back(separator);
    fmt::format_to(std::back_inserter(key), "{}", grid_index[d]);
  }
  return fmt::to_string(key);
}

std::optional<std::vector<uint64_t>> ChunkKeyEncoding::Decode(std::string_view key,
                                                              size_t ndim) const {
  std::vector<uint64_t> index;
  if (kind == Kind::kDefault) {
    if (key.empty() || key[0] != 'c') return std::nullopt;
    key.remove_prefix(1);
    if (ndim == 0) return key.empty() ? std::optional(index) : std::nullopt;
    if (key.empty() || key[0] != separator) return std::nullopt;
    key.remove_prefix(1);
  } else if (ndim == 0) {
    return key == "0" ? std::optional(index) : std::nullopt;
  }
  while (true) {
    const size_t end = std::min(key.find(separator), key.size());
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(key.data(), key.data() + end, v);
    if (ec != std::errc() || ptr != key.data() + end || end == 0) return std::nullopt;
    index.push_back(v);
    if (end == key.size()) break;
    key.remove_prefix(end + 1);
  }
  if (index.size() != ndim) return std::nullopt;
  return index;
}

std::string ChunkKeyEncoding::ToJson() const {
  return fmt::format(R"({{"name": "{}", "configuration": {{"separator": "{}"}}}})",
                     kind == Kind::kDefault ? "default" : "v2", separator);
}

}  // namespace zring::zarr
