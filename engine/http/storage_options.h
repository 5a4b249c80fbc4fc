// StorageOptions: the options of a remote store, given the way fsspec/obstore users pass
// `storage_options` (string keys and string values), parsed once into typed fields.
//
//   ZRING_ASSIGN_OR_RETURN(StorageOptions options,
//                          ParseStorageOptions({{"region", "eu-west-1"}, {"anon", "true"}}));
//
// Values are strings (from a command line or a Python dict) and are checked strictly: a bad
// value is InvalidArgument naming the key and what was expected; an unknown key is
// InvalidArgument naming it and listing the known keys. Several keys have aliases (fsspec's
// `anon`, `key`, `secret`, `token`; obstore's `skip_signature`, `aws_*`). Setting the same
// option twice (through two aliases) is an error, so a conflicting pair never silently wins.
//
//   booleans  true/false, 1/0, yes/no (case-insensitive)
//   sizes     plain bytes, or a KiB/MiB/GiB suffix ("1MiB", "512 KiB")
//   timeouts  seconds, fractional allowed ("2.5"), stored in HttpOptions' millisecond fields
#ifndef ZRING_ENGINE_HTTP_STORAGE_OPTIONS_H_
#define ZRING_ENGINE_HTTP_STORAGE_OPTIONS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/http/http_client.h"

namespace zring::engine::http {

enum class AddressingStyle {
  kAuto,     // virtual-hosted on AWS, path style on a custom endpoint_url
  kVirtual,  // https://bucket.host/key
  kPath,     // https://host/bucket/key
};

struct StorageOptions {
  // Where and how to reach S3 (or an S3-compatible server).
  std::string region;        // empty: environment, ~/.aws/config, then us-east-1
  std::string endpoint_url;  // empty: AWS (or AWS_ENDPOINT_URL); e.g. http://127.0.0.1:9000
  AddressingStyle addressing_style = AddressingStyle::kAuto;

  // Credentials. `anonymous` sends unsigned requests even when credentials are around.
  bool anonymous = false;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string profile;  // empty: AWS_PROFILE, then "default"

  // Transport (max_requests, max_retries, timeouts, http2, h2c, verify_tls, ca_file).
  HttpOptions http;

  // Engine / cache tier.
  uint64_t coalesce_gap_bytes = uint64_t{1} << 20;
  bool coalesce_gap_set = false;  // true when the caller gave coalesce_gap
  std::string cache_dir;          // empty: no local cache
  uint64_t cache_bytes = 0;
};

// The canonical option names (one per option, aliases left out), in the order of the docs.
const std::vector<std::string>& StorageOptionNames();

absl::StatusOr<StorageOptions> ParseStorageOptions(
    const std::vector<std::pair<std::string, std::string>>& options);

// The value parsers, exposed for tools that take single options. `key` only names the option
// in error messages.
absl::StatusOr<bool> ParseBoolOption(std::string_view key, std::string_view value);
absl::StatusOr<uint64_t> ParseSizeOption(std::string_view key, std::string_view value);
absl::StatusOr<uint32_t> ParseSecondsOptionMs(std::string_view key, std::string_view value);
absl::StatusOr<int> ParseCountOption(std::string_view key, std::string_view value,
                                     int min_value);

}  // namespace zring::engine::http

#endif  // ZRING_ENGINE_HTTP_STORAGE_OPTIONS_H_
