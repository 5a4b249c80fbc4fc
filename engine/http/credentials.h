// AWS credentials and region, found the way the AWS CLI and boto3 find them.
//
// Credentials, first match wins:
//   1. storage options access_key_id + secret_access_key (+ session_token)
//   2. an explicitly named profile (storage option `profile`) in the shared files
//   3. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN)
//   4. profile AWS_PROFILE (or "default") in the shared credentials file
//      (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials), then in the config file
//      (AWS_CONFIG_FILE or ~/.aws/config, section "[profile NAME]", or "[default]")
//   none of these: no credentials (the caller goes anonymous and says so).
// A profile asked for by name (option or AWS_PROFILE) that no file has is NotFound naming the
// files and the profile; a missing "default" is simply no credentials. Half a key pair
// (an id without a secret, or the reverse) is InvalidArgument: it is always a mistake.
//
// Region: option `region`, AWS_REGION, AWS_DEFAULT_REGION, `region` in the profile's config
// section, then "us-east-1".
//
// Everything reads the process environment through an Environment, so tests pass a fake one
// and never depend on the machine's variables or home directory.
#ifndef ZRING_ENGINE_HTTP_CREDENTIALS_H_
#define ZRING_ENGINE_HTTP_CREDENTIALS_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/http/storage_options.h"

namespace zring::engine::http {

// The environment variables and home directory seen by credential and region lookup.
class Environment {
 public:
  // The real process environment (getenv; the home directory from HOME, else the password
  // database).
  static Environment Process();
  // A fixed set of variables; Home() is vars["HOME"] (empty when absent).
  static Environment Fake(std::map<std::string, std::string> vars);

  // "" when the variable is unset.
  std::string Get(std::string_view name) const;
  std::string Home() const;

 private:
  bool fake_ = false;
  std::map<std::string, std::string, std::less<>> vars_;
};

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term keys
  // Where they came from, for messages: "keys from storage options", "keys from environment",
  // "profile default in /home/u/.aws/credentials".
  std::string source;
};

// A parsed INI file: section name -> key -> value. Section and key names are kept as written
// (keys lowercased, as the AWS tools treat them case-insensitively). `#` and `;` start a comment
// line; a value is the rest of the line after '=', trimmed.
using IniFile = std::map<std::string, std::map<std::string, std::string>>;
// `file_name` only names the file in errors (a key outside any section, a line with no '=').
absl::StatusOr<IniFile> ParseIni(std::string_view text, std::string_view file_name);

// nullopt: no credentials anywhere (and none required). options.anonymous is not looked at
// here: the caller decides not to sign.
absl::StatusOr<std::optional<AwsCredentials>> LoadAwsCredentials(const StorageOptions& options,
                                                                  const Environment& env);

// The region to sign for and to build AWS URLs with; never empty.
absl::StatusOr<std::string> ResolveAwsRegion(const StorageOptions& options,
                                             const Environment& env);

// The shared file paths, after the environment overrides ("" when there is no home).
std::string SharedCredentialsPath(const Environment& env);
std::string SharedConfigPath(const Environment& env);

}  // namespace zring::engine::http

#endif  // ZRING_ENGINE_HTTP_CREDENTIALS_H_
