// Store-root resolution: URL scheme -> endpoint, addressing style, region and signer.
#include "engine/http/object_url.h"

#include <utility>

#include "absl/status/status.h"
#include "engine/http/sigv4.h"
#include "engine/http/url.h"
#include "engine/status.h"
#include "fmt/format.h"

namespace zring::engine::http {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view SchemeOf(std::string_view url) {
  size_t sep = url.find("://");
  return sep == std::string_view::npos ? std::string_view() : url.substr(0, sep);
}

absl::Status BadRoot(std::string_view url, std::string_view why) {
  return absl::InvalidArgumentError(fmt::format("bad store URL \"{}\": {}", url, why));
}

// Bucket names as S3 and GCS accept them (lowercase letters, digits, '.', '-', '_', 3-222
// characters); uppercase is let through for old S3 buckets, which then need path style.
absl::Status CheckBucket(std::string_view url, std::string_view bucket) {
  if (bucket.empty()) return BadRoot(url, "empty bucket name");
  if (bucket.size() > 222) return BadRoot(url, "bucket name longer than 222 characters");
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) {
      return BadRoot(url, fmt::format("bucket name \"{}\" has '{}'; bucket names are letters, "
                                      "digits, '.', '-' and '_'",
                                      bucket, c));
    }
  }
  return absl::OkStatus();
}

// A bucket that can be a DNS label in a wildcard TLS certificate: lowercase, digits, '-'; no
// dots (they add a label the certificate does not cover) and no underscores.
bool VirtualHostable(std::string_view bucket) {
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return bucket.size() >= 3 && bucket.size() <= 63 && bucket.front() != '-' &&
         bucket.back() != '-';
}

struct Endpoint {
  UrlParts parts;
  std::string url;  // scheme://host[:port][/path], no trailing '/'
};

absl::StatusOr<Endpoint> ParseEndpoint(std::string_view endpoint_url) {
  ZRING_ASSIGN_OR_RETURN(UrlParts parts, SplitUrl(endpoint_url));
  if (parts.scheme != "http" && parts.scheme != "https") {
    return absl::InvalidArgumentError(fmt::format(
        "storage option 'endpoint_url': expected http:// or https://, got \"{}\"", endpoint_url));
  }
  if (parts.has_query || parts.has_fragment) {
    return absl::InvalidArgumentError(fmt::format(
        "storage option 'endpoint_url': \"{}\" has a query or fragment", endpoint_url));
  }
  while (!parts.path.empty() && parts.path.back() == '/') parts.path.pop_back();
  std::string url = fmt::format("{}://{}", parts.scheme, HostHeaderValue(parts)) + parts.path;
  return Endpoint{std::move(parts), std::move(url)};
}

// The `bucket` and `prefix` of s3://bucket/prefix (slashes around the prefix dropped).
absl::Status SplitBucketUrl(std::string_view url, std::string_view scheme, std::string* bucket,
                            std::string* prefix) {
  std::string_view rest = url.substr(scheme.size() + 3);
  for (unsigned char c : rest) {
    if (c < 0x20 || c == 0x7f) return BadRoot(url, "control characters in the URL");
  }
  size_t slash = rest.find('/');
  *bucket = std::string(rest.substr(0, slash));
  std::string_view p = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  while (!p.empty() && p.front() == '/') p.remove_prefix(1);
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  *prefix = std::string(p);
  return CheckBucket(url, *bucket);
}

void SetBucketUrls(ResolvedRoot* root, const Endpoint& endpoint, bool path_style) {
  root->path_style = path_style;
  root->endpoint = endpoint.url;
  if (path_style) {
    root->bucket_url = endpoint.url + "/" + root->bucket;
  } else {
    root->bucket_url = fmt::format("{}://{}.{}", endpoint.parts.scheme, root->bucket,
                                   HostHeaderValue(endpoint.parts)) +
                       endpoint.parts.path;
  }
  root->base_url = root->prefix.empty()
                       ? root->bucket_url
                       : root->bucket_url + "/" + UriEncode(root->prefix, true);
}

std::shared_ptr<const RequestSigner> MakeSigner(AwsCredentials credentials,
                                                const std::string& region) {
  SigV4Config config;
  config.region = region;
  return std::make_shared<SigV4Signer>(std::move(credentials), std::move(config));
}

absl::StatusOr<ResolvedRoot> ResolveS3(std::string_view url, const StorageOptions& options,
                                       const Environment& env) {
  ResolvedRoot root;
  root.scheme = "s3";
  root.url = std::string(url);
  root.listable = true;
  ZRING_RETURN_IF_ERROR(SplitBucketUrl(url, "s3", &root.bucket, &root.prefix));
  ZRING_ASSIGN_OR_RETURN(root.region, ResolveAwsRegion(options, env));
  std::string endpoint_url = options.endpoint_url;
  if (endpoint_url.empty()) endpoint_url = env.Get("AWS_ENDPOINT_URL_S3");
  if (endpoint_url.empty()) endpoint_url = env.Get("AWS_ENDPOINT_URL");
  bool custom = !endpoint_url.empty();
  if (!custom) {
    std::string_view suffix = root.region.rfind("cn-", 0) == 0 ? ".amazonaws.com.cn"
                                                                : ".amazonaws.com";
    endpoint_url = fmt::format("https://s3.{}{}", root.region, suffix);
  }
  ZRING_ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpoint(endpoint_url));
  bool path_style = options.addressing_style == AddressingStyle::kPath ||
                    (options.addressing_style == AddressingStyle::kAuto && custom);
  if (!VirtualHostable(root.bucket)) path_style = true;
  // On AWS the virtual-hosted name is BUCKET. + the regional endpoint's host.
  SetBucketUrls(&root, endpoint, path_style);

  if (options.anonymous) {
    root.auth = "anonymous (requested)";
    return root;
  }
  ZRING_ASSIGN_OR_RETURN(std::optional<AwsCredentials> credentials,
                         LoadAwsCredentials(options, env));
  if (!credentials) {
    std::string file = SharedCredentialsPath(env);
    root.auth = fmt::format("anonymous (no credentials in storage options, environment or {})",
                            file.empty() ? "~/.aws/credentials" : file);
    return root;
  }
  root.auth = credentials->source;
  root.signer = MakeSigner(std::move(*credentials), root.region);
  return root;
}

absl::StatusOr<ResolvedRoot> ResolveGs(std::string_view url, const StorageOptions& options,
                                       const Environment& env) {
  ResolvedRoot root;
  root.scheme = "gs";
  root.url = std::string(url);
  root.listable = true;
  ZRING_RETURN_IF_ERROR(SplitBucketUrl(url, "gs", &root.bucket, &root.prefix));
  root.region = options.region.empty() ? "auto" : options.region;
  ZRING_ASSIGN_OR_RETURN(Endpoint endpoint,
                         ParseEndpoint(options.endpoint_url.empty()
                                           ? std::string("https://storage.googleapis.com")
                                           : options.endpoint_url));
  bool path_style = options.addressing_style != AddressingStyle::kVirtual ||
                    !VirtualHostable(root.bucket);
  SetBucketUrls(&root, endpoint, path_style);
  if (options.anonymous) {
    root.auth = "anonymous (requested)";
    return root;
  }
  AwsCredentials credentials;
  if (!options.access_key_id.empty() || !options.secret_access_key.empty()) {
    credentials = {options.access_key_id, options.secret_access_key, options.session_token,
                   "HMAC keys from storage options"};
  } else if (!env.Get("GS_ACCESS_KEY_ID").empty() || !env.Get("GS_SECRET_ACCESS_KEY").empty()) {
    credentials = {env.Get("GS_ACCESS_KEY_ID"), env.Get("GS_SECRET_ACCESS_KEY"), "",
                   "HMAC keys from environment"};
  } else {
    root.auth = "anonymous (no HMAC keys in storage options or GS_ACCESS_KEY_ID)";
    return root;
  }
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    return absl::InvalidArgumentError(fmt::format(
        "gs:// HMAC keys for \"{}\": the access key id and the secret must be given together",
        url));
  }
  root.auth = credentials.source;
  root.signer = MakeSigner(std::move(credentials), root.region);
  return root;
}

absl::StatusOr<ResolvedRoot> ResolveHttp(std::string_view url, const StorageOptions& options,
                                         const Environment& env) {
  ZRING_ASSIGN_OR_RETURN(UrlParts parts, SplitUrl(url));
  if (parts.has_query || parts.has_fragment) {
    return BadRoot(url, "a store root cannot have a query string or fragment (keys are "
                        "appended to its path)");
  }
  ResolvedRoot root;
  root.scheme = parts.scheme;
  root.url = std::string(url);
  while (!parts.path.empty() && parts.path.back() == '/') parts.path.pop_back();
  root.endpoint = fmt::format("{}://{}", parts.scheme, HostHeaderValue(parts));
  root.base_url = root.endpoint + parts.path;
  if (options.anonymous || options.access_key_id.empty()) {
    root.auth = "anonymous";
    return root;
  }
  ZRING_ASSIGN_OR_RETURN(std::optional<AwsCredentials> credentials,
                         LoadAwsCredentials(options, env));
  ZRING_ASSIGN_OR_RETURN(root.region, ResolveAwsRegion(options, env));
  root.auth = credentials->source;
  root.signer = MakeSigner(std::move(*credentials), root.region);
  return root;
}

}  // namespace

bool IsRemoteUrl(std::string_view path_or_url) {
  std::string scheme = Lower(SchemeOf(path_or_url));
  return scheme == "http" || scheme == "https" || scheme == "s3" || scheme == "gs";
}

absl::StatusOr<ResolvedRoot> ResolveRoot(std::string_view url, const StorageOptions& options,
                                         const Environment& env) {
  std::string scheme = Lower(SchemeOf(url));
  if (scheme == "s3") return ResolveS3(url, options, env);
  if (scheme == "gs") return ResolveGs(url, options, env);
  if (scheme == "http" || scheme == "https") return ResolveHttp(url, options, env);
  if (scheme.empty() || scheme == "file") {
    return BadRoot(url, "a local path, not a remote URL (open it as a directory store)");
  }
  return BadRoot(url, fmt::format("unsupported scheme '{}://'; expected s3://, gs://, http:// "
                                  "or https://",
                                  scheme));
}

absl::StatusOr<ResolvedRoot> ResolveRoot(std::string_view url, const StorageOptions& options) {
  return ResolveRoot(url, options, Environment::Process());
}

std::string ObjectUrl(const ResolvedRoot& root, std::string_view key) {
  if (key.empty()) return root.base_url;
  return root.base_url + "/" + UriEncode(key, true);
}

std::string ResolvedRoot::Describe() const {
  if (scheme == "s3" || scheme == "gs") {
    return fmt::format("{} -> {} (region {}, {}, {})", url, base_url, region,
                       path_style ? "path-style" : "virtual-hosted", auth);
  }
  return fmt::format("{} ({})", base_url, auth);
}

}  // namespace zring::engine::http
