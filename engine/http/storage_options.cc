// Storage option parsing: one table maps every accepted key (and its aliases) to a setter.
#include "engine/http/storage_options.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::http {
namespace {

absl::Status BadValue(std::string_view key, std::string_view expected, std::string_view value) {
  return absl::InvalidArgumentError(
      fmt::format("storage option '{}': expected {}, got '{}'", key, expected, value));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses all of `s` as a decimal uint64 (no sign, no spaces); false on anything else.
bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

using Setter = std::function<absl::Status(std::string_view key, std::string_view value,
                                          StorageOptions* options)>;

struct OptionSpec {
  std::string name;                  // canonical
  std::vector<std::string> aliases;  // also accepted
  Setter set;
};

Setter SetString(std::string StorageOptions::*field) {
  return [field](std::string_view, std::string_view value, StorageOptions* o) {
    o->*field = std::string(value);
    return absl::OkStatus();
  };
}

const std::vector<OptionSpec>& Specs() {
  static const auto* specs = new std::vector<OptionSpec>{
      {"region", {"region_name", "aws_region"}, SetString(&StorageOptions::region)},
      {"endpoint_url", {"endpoint", "aws_endpoint_url", "aws_endpoint"},
       SetString(&StorageOptions::endpoint_url)},
      {"addressing_style", {"virtual_hosted_style_request"},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         std::string v = absl::AsciiStrToLower(absl::string_view(value.data(), value.size()));
         if (key == "virtual_hosted_style_request") {  // obstore's boolean spelling
           ZRING_ASSIGN_OR_RETURN(bool virt, ParseBoolOption(key, value));
           o->addressing_style = virt ? AddressingStyle::kVirtual : AddressingStyle::kPath;
         } else if (v == "virtual") {
           o->addressing_style = AddressingStyle::kVirtual;
         } else if (v == "path") {
           o->addressing_style = AddressingStyle::kPath;
         } else if (v == "auto") {
           o->addressing_style = AddressingStyle::kAuto;
         } else {
           return BadValue(key, "'virtual', 'path' or 'auto'", value);
         }
         return absl::OkStatus();
       }},
      {"anonymous", {"anon", "skip_signature", "aws_skip_signature"},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         ZRING_ASSIGN_OR_RETURN(o->anonymous, ParseBoolOption(key, value));
         return absl::OkStatus();
       }},
      {"access_key_id", {"aws_access_key_id", "key"}, SetString(&StorageOptions::access_key_id)},
      {"secret_access_key", {"aws_secret_access_key", "secret"},
       SetString(&StorageOptions::secret_access_key)},
      {"session_token", {"aws_session_token", "token"}, SetString(&StorageOptions::session_token)},
      {"profile", {"aws_profile"}, SetString(&StorageOptions::profile)},
      {"max_requests", {"max_concurrency"},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         ZRING_ASSIGN_OR_RETURN(o->http.max_requests, ParseCountOption(key, value, 1));
         return absl::OkStatus();
       }},
      {"max_retries", {"retries"},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         ZRING_ASSIGN_OR_RETURN(o->http.max_retries, ParseCountOption(key, value, 0));
         return absl::OkStatus();
       }},
      {"connect_timeout", {},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         ZRING_ASSIGN_OR_RETURN(o->http.connect_timeout_ms, ParseSecondsOptionMs(key, value));
         return absl::OkStatus();
       }},
      {"request_timeout", {"timeout", "read_timeout"},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         ZRING_ASSIGN_OR_RETURN(o->http.request_timeout_ms, ParseSecondsOptionMs(key, value));
         return absl::OkStatus();
       }},
      {"http2", {},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         ZRING_ASSIGN_OR_RETURN(o->http.http2, ParseBoolOption(key, value));
         return absl::OkStatus();
       }},
      {"h2c", {},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         ZRING_ASSIGN_OR_RETURN(o->http.h2c, ParseBoolOption(key, value));
         return absl::OkStatus();
       }},
      {"coalesce_gap", {"coalesce_gap_bytes"},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         ZRING_ASSIGN_OR_RETURN(o->coalesce_gap_bytes, ParseSizeOption(key, value));
         o->coalesce_gap_set = true;
         return absl::OkStatus();
       }},
      {"cache_dir", {}, SetString(&StorageOptions::cache_dir)},
      {"cache_bytes", {"cache_size"},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         ZRING_ASSIGN_OR_RETURN(o->cache_bytes, ParseSizeOption(key, value));
         return absl::OkStatus();
       }},
      {"verify_tls", {"verify", "ssl_verify"},
       [](std::string_view key, std::string_view value, StorageOptions* o) -> absl::Status {
         ZRING_ASSIGN_OR_RETURN(o->http.verify_tls, ParseBoolOption(key, value));
         return absl::OkStatus();
       }},
      {"ca_file", {"ca_bundle", "cafile"},
       [](std::string_view, std::string_view value, StorageOptions* o) -> absl::Status {
         o->http.ca_file = std::string(value);
         return absl::OkStatus();
       }},
  };
  return *specs;
}

}  // namespace

const std::vector<std::string>& StorageOptionNames() {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>;
    for (const OptionSpec& spec : Specs()) v->push_back(spec.name);
    return v;
  }();
  return *names;
}

absl::StatusOr<bool> ParseBoolOption(std::string_view key, std::string_view value) {
  std::string v = absl::AsciiStrToLower(absl::string_view(value.data(), value.size()));
  v = std::string(Trim(v));
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return BadValue(key, "a boolean (true/false, 1/0, yes/no)", value);
}

absl::StatusOr<uint64_t> ParseSizeOption(std::string_view key, std::string_view value) {
  std::string_view s = Trim(value);
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  std::string_view number = s.substr(0, digits);
  std::string suffix = absl::AsciiStrToLower(
      absl::string_view(Trim(s.substr(digits)).data(), Trim(s.substr(digits)).size()));
  uint64_t unit = 0;
  if (suffix.empty() || suffix == "b") {
    unit = 1;
  } else if (suffix == "kib") {
    unit = uint64_t{1} << 10;
  } else if (suffix == "mib") {
    unit = uint64_t{1} << 20;
  } else if (suffix == "gib") {
    unit = uint64_t{1} << 30;
  }
  uint64_t n = 0;
  if (unit == 0 || !ParseU64(number, &n)) {
    return BadValue(key, "a size in bytes (e.g. 1048576, 512KiB, 1MiB, 2GiB)", value);
  }
  if (n > std::numeric_limits<uint64_t>::max() / unit) {
    return BadValue(key, "a size below 2^64 bytes", value);
  }
  return n * unit;
}

absl::StatusOr<uint32_t> ParseSecondsOptionMs(std::string_view key, std::string_view value) {
  std::string s(Trim(value));
  // strtod accepts "inf", "nan" and hex floats; only plain decimal numbers are timeouts.
  bool plain = !s.empty();
  for (char c : s) plain = plain && ((c >= '0' && c <= '9') || c == '.');
  char* end = nullptr;
  double seconds = plain ? std::strtod(s.c_str(), &end) : 0.0;
  if (!plain || end != s.c_str() + s.size() || !std::isfinite(seconds) || seconds <= 0) {
    return BadValue(key, "a positive number of seconds (e.g. 10 or 2.5)", value);
  }
  double ms = std::ceil(seconds * 1000.0);
  if (ms > static_cast<double>(std::numeric_limits<uint32_t>::max())) {
    return BadValue(key, "at most 4294967 seconds", value);
  }
  return static_cast<uint32_t>(ms);
}

absl::StatusOr<int> ParseCountOption(std::string_view key, std::string_view value,
                                     int min_value) {
  uint64_t n = 0;
  std::string_view expected =
      min_value > 0 ? "a positive integer" : "a non-negative integer";
  if (!ParseU64(Trim(value), &n)) return BadValue(key, expected, value);
  if (n < static_cast<uint64_t>(min_value) ||
      n > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
    return BadValue(key, fmt::format("{} between {} and {}", expected, min_value,
                                     std::numeric_limits<int>::max()),
                    value);
  }
  return static_cast<int>(n);
}

absl::StatusOr<StorageOptions> ParseStorageOptions(
    const std::vector<std::pair<std::string, std::string>>& options) {
  std::map<std::string, const OptionSpec*, std::less<>> by_key;
  for (const OptionSpec& spec : Specs()) {
    by_key[spec.name] = &spec;
    for (const std::string& alias : spec.aliases) by_key[alias] = &spec;
  }
  StorageOptions out;
  std::map<std::string, std::string> given;  // canonical name -> key that set it
  for (const auto& [key, value] : options) {
    auto it = by_key.find(key);
    if (it == by_key.end()) {
      return absl::InvalidArgumentError(
          fmt::format("unknown storage option '{}'; known options: {}", key,
                      absl::StrJoin(StorageOptionNames(), ", ")));
    }
    const OptionSpec& spec = *it->second;
    auto [previous, inserted] = given.emplace(spec.name, key);
    if (!inserted) {
      return absl::InvalidArgumentError(fmt::format(
          "storage option '{}' given twice (as '{}' and '{}')", spec.name, previous->second, key));
    }
    ZRING_RETURN_IF_ERROR(spec.set(key, value, &out));
  }
  if (out.http.h2c && !out.http.http2) {
    return absl::InvalidArgumentError(
        "storage options 'h2c' and 'http2': h2c (HTTP/2 over plain http) needs http2=true");
  }
  return out;
}

}  // namespace zring::engine::http
