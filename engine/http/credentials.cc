// Credential and region lookup: options, environment, then the shared INI files.
#include "engine/http/credentials.h"

#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::http {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// nullopt when the file does not exist; an error when it exists but cannot be read.
absl::StatusOr<std::optional<std::string>> ReadOptionalFile(const std::string& path) {
  if (path.empty()) return std::optional<std::string>();
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>();
    return ErrnoToStatus(errno, fmt::format("open \"{}\"", path));
  }
  std::string text;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) {
    text.append(buf, n);
    if (text.size() > (size_t{16} << 20)) {
      std::fclose(f);
      return absl::InvalidArgumentError(
          fmt::format("\"{}\" is larger than 16 MiB; not an AWS credentials file", path));
    }
  }
  bool failed = std::ferror(f) != 0;
  int err = errno;
  std::fclose(f);
  if (failed) return ErrnoToStatus(err, fmt::format("read \"{}\"", path));
  return std::optional<std::string>(std::move(text));
}

absl::StatusOr<std::optional<IniFile>> LoadIni(const std::string& path) {
  ZRING_ASSIGN_OR_RETURN(std::optional<std::string> text, ReadOptionalFile(path));
  if (!text) return std::optional<IniFile>();
  ZRING_ASSIGN_OR_RETURN(IniFile ini, ParseIni(*text, path));
  return std::optional<IniFile>(std::move(ini));
}

// The keys of one profile, from a credentials-file section "[name]" or a config-file section
// "[profile name]" ("[default]" for the default profile).
const std::map<std::string, std::string>* FindSection(const IniFile& ini,
                                                      const std::string& profile,
                                                      bool config_file) {
  std::vector<std::string> names;
  if (config_file) {
    names.push_back("profile " + profile);
    if (profile == "default") names.push_back("default");
  } else {
    names.push_back(profile);
  }
  for (const std::string& name : names) {
    auto it = ini.find(name);
    if (it != ini.end()) return &it->second;
  }
  return nullptr;
}

std::string Lookup(const std::map<std::string, std::string>& section, const char* key) {
  auto it = section.find(key);
  return it == section.end() ? std::string() : it->second;
}

absl::StatusOr<std::optional<AwsCredentials>> KeysFromSection(
    const std::map<std::string, std::string>& section, const std::string& profile,
    const std::string& path) {
  AwsCredentials c;
  c.access_key_id = Lookup(section, "aws_access_key_id");
  c.secret_access_key = Lookup(section, "aws_secret_access_key");
  c.session_token = Lookup(section, "aws_session_token");
  if (c.access_key_id.empty() && c.secret_access_key.empty()) {
    return std::optional<AwsCredentials>();
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "profile {} in \"{}\" has {} but no {}", profile, path,
        c.access_key_id.empty() ? "aws_secret_access_key" : "aws_access_key_id",
        c.access_key_id.empty() ? "aws_access_key_id" : "aws_secret_access_key"));
  }
  c.source = fmt::format("profile {} in {}", profile, path);
  return std::optional<AwsCredentials>(std::move(c));
}

// Looks for `profile` in the credentials file, then the config file. `explicit_profile`: the
// profile was named by the user, so not finding it is an error.
absl::StatusOr<std::optional<AwsCredentials>> FromSharedFiles(const Environment& env,
                                                              const std::string& profile,
                                                              bool explicit_profile) {
  const std::string cred_path = SharedCredentialsPath(env);
  const std::string config_path = SharedConfigPath(env);
  bool profile_seen = false;
  for (bool config_file : {false, true}) {
    const std::string& path = config_file ? config_path : cred_path;
    ZRING_ASSIGN_OR_RETURN(std::optional<IniFile> ini, LoadIni(path));
    if (!ini) continue;
    const auto* section = FindSection(*ini, profile, config_file);
    if (section == nullptr) continue;
    profile_seen = true;
    ZRING_ASSIGN_OR_RETURN(std::optional<AwsCredentials> c,
                           KeysFromSection(*section, profile, path));
    if (c) return c;
  }
  if (explicit_profile) {
    return absl::NotFoundError(fmt::format(
        "AWS profile '{}' {} in \"{}\" or \"{}\"", profile,
        profile_seen ? "has no aws_access_key_id/aws_secret_access_key" : "not found",
        cred_path.empty() ? "~/.aws/credentials (no home directory)" : cred_path,
        config_path.empty() ? "~/.aws/config (no home directory)" : config_path));
  }
  return std::optional<AwsCredentials>();
}

}  // namespace

Environment Environment::Process() { return Environment(); }

Environment Environment::Fake(std::map<std::string, std::string> vars) {
  Environment env;
  env.fake_ = true;
  for (auto& [k, v] : vars) env.vars_.emplace(k, std::move(v));
  return env;
}

std::string Environment::Get(std::string_view name) const {
  if (fake_) {
    auto it = vars_.find(name);
    return it == vars_.end() ? std::string() : it->second;
  }
  const char* v = std::getenv(std::string(name).c_str());
  return v == nullptr ? std::string() : std::string(v);
}

std::string Environment::Home() const {
  std::string home = Get("HOME");
  if (!home.empty() || fake_) return home;
  struct passwd pw;
  struct passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &result) == 0 && result != nullptr &&
      result->pw_dir != nullptr) {
    return result->pw_dir;
  }
  return "";
}

std::string SharedCredentialsPath(const Environment& env) {
  std::string path = env.Get("AWS_SHARED_CREDENTIALS_FILE");
  if (!path.empty()) return path;
  std::string home = env.Home();
  return home.empty() ? "" : home + "/.aws/credentials";
}

std::string SharedConfigPath(const Environment& env) {
  std::string path = env.Get("AWS_CONFIG_FILE");
  if (!path.empty()) return path;
  std::string home = env.Home();
  return home.empty() ? "" : home + "/.aws/config";
}

absl::StatusOr<IniFile> ParseIni(std::string_view text, std::string_view file_name) {
  IniFile ini;
  std::map<std::string, std::string>* section = nullptr;
  bool in_value = false;  // the last line was "key = value": indented lines continue it
  size_t line_no = 0;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view raw = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line_no;
    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    // AWS config files nest settings ("s3 =\n  max_concurrent_requests = 4"); those indented
    // lines belong to the key above and are not credentials or regions.
    if (in_value && (raw.front() == ' ' || raw.front() == '\t')) continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        return absl::InvalidArgumentError(fmt::format(
            "\"{}\" line {}: section header '{}' has no closing ']'", file_name, line_no, line));
      }
      std::string name(Trim(line.substr(1, line.size() - 2)));
      // "[profile   x]" and "[profile x]" name the same profile.
      if (name.rfind("profile", 0) == 0 && name.size() > 7 &&
          (name[7] == ' ' || name[7] == '\t')) {
        name = "profile " + std::string(Trim(std::string_view(name).substr(8)));
      }
      section = &ini[name];
      in_value = false;
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return absl::InvalidArgumentError(fmt::format(
          "\"{}\" line {}: expected 'key = value' or '[section]', got '{}'", file_name, line_no,
          line));
    }
    if (section == nullptr) {
      return absl::InvalidArgumentError(fmt::format(
          "\"{}\" line {}: '{}' is outside any [section]", file_name, line_no, line));
    }
    std::string_view key_view = Trim(line.substr(0, eq));
    std::string key =
        absl::AsciiStrToLower(absl::string_view(key_view.data(), key_view.size()));
    (*section)[key] = std::string(Trim(line.substr(eq + 1)));
    in_value = true;
  }
  return ini;
}

absl::StatusOr<std::optional<AwsCredentials>> LoadAwsCredentials(const StorageOptions& options,
                                                                  const Environment& env) {
  if (!options.access_key_id.empty() || !options.secret_access_key.empty()) {
    if (options.access_key_id.empty() || options.secret_access_key.empty()) {
      return absl::InvalidArgumentError(
          "storage options: access_key_id and secret_access_key must be given together");
    }
    return std::optional<AwsCredentials>(AwsCredentials{
        options.access_key_id, options.secret_access_key, options.session_token,
        "keys from storage options"});
  }
  if (!options.profile.empty()) return FromSharedFiles(env, options.profile, true);

  std::string id = env.Get("AWS_ACCESS_KEY_ID");
  std::string secret = env.Get("AWS_SECRET_ACCESS_KEY");
  if (!id.empty() || !secret.empty()) {
    if (id.empty() || secret.empty()) {
      return absl::InvalidArgumentError(fmt::format(
          "environment has {} but not {}; set both or neither",
          id.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID",
          id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY"));
    }
    return std::optional<AwsCredentials>(
        AwsCredentials{id, secret, env.Get("AWS_SESSION_TOKEN"), "keys from environment"});
  }
  std::string profile = env.Get("AWS_PROFILE");
  if (!profile.empty()) return FromSharedFiles(env, profile, true);
  return FromSharedFiles(env, "default", false);
}

absl::StatusOr<std::string> ResolveAwsRegion(const StorageOptions& options,
                                             const Environment& env) {
  if (!options.region.empty()) return options.region;
  for (const char* var : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    std::string region = env.Get(var);
    if (!region.empty()) return region;
  }
  std::string profile = options.profile;
  if (profile.empty()) profile = env.Get("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  ZRING_ASSIGN_OR_RETURN(std::optional<IniFile> config, LoadIni(SharedConfigPath(env)));
  if (config) {
    const auto* section = FindSection(*config, profile, true);
    if (section != nullptr) {
      std::string region = Lookup(*section, "region");
      if (!region.empty()) return region;
    }
  }
  return std::string("us-east-1");
}

}  // namespace zring::engine::http
