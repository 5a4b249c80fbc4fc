#include "zarr/metadata/json.h"

#include "fmt/format.h"

namespace zring::zarr::internal {

absl::StatusOr<simdjson::dom::element> ParseJson(simdjson::dom::parser& parser,
                                                 std::string_view text) {
  simdjson::dom::element root;
  auto error = parser.parse(text.data(), text.size()).get(root);
  if (error) {
    return absl::InvalidArgumentError(
        fmt::format("malformed JSON: {}", simdjson::error_message(error)));
  }
  return root;
}

absl::StatusOr<simdjson::dom::object> ParseJsonObject(simdjson::dom::parser& parser,
                                                      std::string_view text) {
  auto root = ParseJson(parser, text);
  if (!root.ok()) return root.status();
  simdjson::dom::object obj;
  if (root->get(obj) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError("the document is not a JSON object");
  }
  return obj;
}

std::optional<simdjson::dom::element> Member(simdjson::dom::object obj, std::string_view key) {
  simdjson::dom::element e;
  if (obj.at_key(key).get(e) != simdjson::SUCCESS) return std::nullopt;
  return e;
}

absl::StatusOr<simdjson::dom::element> Required(simdjson::dom::object obj,
                                                std::string_view key) {
  auto e = Member(obj, key);
  if (!e) return absl::InvalidArgumentError(fmt::format("missing member \"{}\"", key));
  return *e;
}

absl::StatusOr<std::vector<uint64_t>> UintArray(simdjson::dom::element e, std::string_view key) {
  simdjson::dom::array arr;
  auto bad = [&] {
    return absl::InvalidArgumentError(
        fmt::format("\"{}\" must be an array of non-negative integers, got {}", key, Minify(e)));
  };
  if (e.get(arr) != simdjson::SUCCESS) return bad();
  std::vector<uint64_t> out;
  for (simdjson::dom::element v : arr) {
    uint64_t u;
    if (v.get(u) != simdjson::SUCCESS) return bad();
    out.push_back(u);
  }
  return out;
}

absl::StatusOr<std::string_view> String(simdjson::dom::element e, std::string_view key) {
  std::string_view s;
  if (e.get(s) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        fmt::format("\"{}\" must be a string, got {}", key, Minify(e)));
  }
  return s;
}

absl::StatusOr<int64_t> Int(simdjson::dom::element e, std::string_view key) {
  int64_t i;
  if (e.get(i) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        fmt::format("\"{}\" must be an integer, got {}", key, Minify(e)));
  }
  return i;
}

absl::StatusOr<double> Double(simdjson::dom::element e, std::string_view key) {
  double d;
  if (e.get(d) == simdjson::SUCCESS) return d;
  int64_t i;
  if (e.get(i) == simdjson::SUCCESS) return static_cast<double>(i);
  uint64_t u;
  if (e.get(u) == simdjson::SUCCESS) return static_cast<double>(u);
  return absl::InvalidArgumentError(
      fmt::format("\"{}\" must be a number, got {}", key, Minify(e)));
}

absl::StatusOr<simdjson::dom::object> Object(simdjson::dom::element e, std::string_view key) {
  simdjson::dom::object o;
  if (e.get(o) != simdjson::SUCCESS) {
    return absl::InvalidArgumentError(
        fmt::format("\"{}\" must be an object, got {}", key, Minify(e)));
  }
  return o;
}

absl::Status CheckChunkSize(const std::vector<uint64_t>& shape, uint64_t element_size_bytes) {
  constexpr uint64_t kLimit = uint64_t{1} << 48;
  uint64_t bytes = element_size_bytes;
  for (uint64_t s : shape) {
    if (s != 0 && bytes > kLimit / s) {
      return absl::InvalidArgumentError(fmt::format(
          "chunk shape [{}] of {}-byte elements is larger than 2^48 bytes", Join(shape),
          element_size_bytes));
    }
    bytes *= s;
  }
  return absl::OkStatus();
}

std::string Minify(simdjson::dom::element e) {
  std::string s = simdjson::minify(e);
  if (s.size() > 200) s = s.substr(0, 200) + "...";
  return s;
}

}  // namespace zring::zarr::internal
