// Store roots by URL: s3://bucket/prefix, gs://bucket/prefix, http(s)://host/path resolved into
// the https URL every object request is built from, the signer those requests carry, and a
// one-line description for messages.
//
//   ZRING_ASSIGN_OR_RETURN(ResolvedRoot root, ResolveRoot("s3://bucket/data.zarr", options));
//   HttpRequest r{.url = ObjectUrl(root, "c/0/1"), .signer = root.signer};
//
// s3://  virtual-hosted https://BUCKET.s3.REGION.amazonaws.com/PREFIX by default; with an
//        endpoint_url (option, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL) path style
//        ENDPOINT/BUCKET/PREFIX. addressing_style overrides either way, except that a bucket name
//        that is not a valid DNS label (dots over https break the TLS wildcard, uppercase,
//        underscores) always uses path style. Credentials per credentials.h, signed with SigV4;
//        anonymous (unsigned) when asked or when none are found.
// gs://  the XML API, https://storage.googleapis.com/BUCKET/PREFIX (or endpoint_url), region
//        "auto". Signed with SigV4 when HMAC keys are given (options access_key_id +
//        secret_access_key, or GS_ACCESS_KEY_ID + GS_SECRET_ACCESS_KEY); anonymous otherwise.
//        AWS credentials are never sent to Google.
// http:// https://  the URL as given (no query or fragment), unsigned unless the options give
//        access_key_id + secret_access_key explicitly (then SigV4 for the resolved region).
// Local paths and file:// are not resolved here (InvalidArgument): IsRemoteUrl() tells the
// caller which kind it has, and the Zarr layer opens local paths itself.
#ifndef ZRING_ENGINE_HTTP_OBJECT_URL_H_
#define ZRING_ENGINE_HTTP_OBJECT_URL_H_

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/http/credentials.h"
#include "engine/http/http_client.h"
#include "engine/http/storage_options.h"

namespace zring::engine::http {

struct ResolvedRoot {
  std::string scheme;      // "s3", "gs", "http" or "https"
  std::string url;         // the root URL as given
  std::string base_url;    // http(s) URL of the store root, no trailing '/'
  std::string bucket_url;  // s3/gs: the bucket's URL, no trailing '/' (list requests); else ""
  std::shared_ptr<const RequestSigner> signer;  // null: unsigned
  std::string bucket;      // s3/gs
  std::string prefix;      // s3/gs: key prefix of the root, no leading or trailing '/'
  std::string region;      // s3/gs: the signing region
  std::string endpoint;    // the scheme://host[:port][/path] requests go to
  bool listable = false;   // s3/gs: ListObjectsV2 works
  bool path_style = false;
  std::string auth;        // "anonymous (requested)", "keys from environment", ...

  // "s3://b/p -> https://b.s3.eu-west-1.amazonaws.com/p (region eu-west-1, virtual-hosted,
  // keys from environment)"
  std::string Describe() const;
};

// True for http://, https://, s3:// and gs:// (scheme case-insensitive); false for plain paths
// and file://.
bool IsRemoteUrl(std::string_view path_or_url);

absl::StatusOr<ResolvedRoot> ResolveRoot(std::string_view url, const StorageOptions& options,
                                         const Environment& env);
// The process environment.
absl::StatusOr<ResolvedRoot> ResolveRoot(std::string_view url, const StorageOptions& options);

// The URL of `key` (relative to the root, '/'-separated): each segment percent-encoded (RFC 3986
// unreserved kept), '/' kept. An empty key is the root itself.
std::string ObjectUrl(const ResolvedRoot& root, std::string_view key);

}  // namespace zring::engine::http

#endif  // ZRING_ENGINE_HTTP_OBJECT_URL_H_
