// URL pieces shared by the signer and the store-root resolver: a strict splitter for
// http(s)-style URLs and RFC 3986 percent-encoding. Not a general URL library: no userinfo, no
// relative references, no IDNA; anything unusual is refused with a message naming the URL.
#ifndef ZRING_ENGINE_HTTP_URL_H_
#define ZRING_ENGINE_HTTP_URL_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace zring::engine::http {

struct UrlParts {
  std::string scheme;  // lowercased, e.g. "https", "s3"
  std::string host;    // lowercased; an IPv6 literal keeps its brackets
  int port = -1;       // -1: none given
  std::string path;    // as written (still percent-encoded), "" or starting with '/'
  std::string query;   // as written, without '?'; "" when absent
  bool has_query = false;
  bool has_fragment = false;  // the fragment itself is dropped
};

// scheme://host[:port][/path][?query][#fragment]. InvalidArgument (naming the URL) for a
// missing scheme or host, userinfo ("user:pw@"), a bad port, whitespace or control characters.
absl::StatusOr<UrlParts> SplitUrl(std::string_view url);

// The Host header libcurl sends for this URL: host, plus ":port" unless it is the scheme's
// default (80 for http, 443 for https).
std::string HostHeaderValue(const UrlParts& url);

// RFC 3986: unreserved characters (A-Z a-z 0-9 - . _ ~) kept, '/' kept when keep_slash, every
// other byte as %XX with uppercase hex.
std::string UriEncode(std::string_view s, bool keep_slash);

// Decodes %XX escapes; false (and *out unspecified) on a malformed escape.
bool PercentDecode(std::string_view s, std::string* out);

}  // namespace zring::engine::http

#endif  // ZRING_ENGINE_HTTP_URL_H_
