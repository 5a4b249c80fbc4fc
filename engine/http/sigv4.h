// AWS Signature Version 4 (AWS4-HMAC-SHA256) for S3 GET/HEAD requests, on OpenSSL.
//
//   auto signer = std::make_shared<SigV4Signer>(credentials, "eu-west-1");
//   request.signer = signer;  // HttpClient calls Sign() before every attempt
//
// What is signed: the method; the URL's path exactly as written in the URL (S3 paths are
// percent-encoded once by ObjectUrl and S3 does not normalise or re-encode them); the query
// string, each name and value decoded and re-encoded per RFC 3986 and sorted; the headers
// host, range (when present) and every x-amz-* header, lowercased, values trimmed with inner
// runs of spaces folded; and the payload hash. GET and HEAD have no body, so the payload hash
// is by default the SHA-256 of the empty string (e3b0c442...): every S3-compatible server
// accepts it, which is not true of UNSIGNED-PAYLOAD (PayloadHash::kUnsigned, for servers that
// want it). Sign() adds x-amz-date, x-amz-content-sha256, x-amz-security-token (temporary
// credentials) and Authorization, replacing any earlier copies (a retry signs again).
//
// The Host value is the URL's host, lowercased, with the port when it is not the scheme's
// default, which is what libcurl sends; a Host header in `headers` takes precedence.
//
// ComputeSigV4() returns each intermediate (canonical request, string to sign, signature) so
// tests can check every step against AWS's published examples. The clock is injectable.
#ifndef ZRING_ENGINE_HTTP_SIGV4_H_
#define ZRING_ENGINE_HTTP_SIGV4_H_

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/http/credentials.h"
#include "engine/http/http_client.h"
#include "engine/http/url.h"

namespace zring::engine::http {

enum class PayloadHash {
  kEmptySha256,  // hex SHA-256 of "" (GET/HEAD carry no body)
  kUnsigned,     // "UNSIGNED-PAYLOAD"
};

struct SigV4Config {
  std::string region = "us-east-1";
  std::string service = "s3";
  PayloadHash payload = PayloadHash::kEmptySha256;
  // S3 requires the x-amz-content-sha256 header; other AWS services (and AWS's generic SigV4
  // test suite) do not send it, but still put the payload hash in the canonical request.
  bool content_sha256_header = true;
};

struct SigV4Parts {
  std::string amz_date;          // 20130524T000000Z
  std::string scope;             // 20130524/us-east-1/s3/aws4_request
  std::string canonical_request;
  std::string signed_headers;    // host;range;x-amz-content-sha256;x-amz-date
  std::string string_to_sign;
  std::string signature;         // lowercase hex
  std::string authorization;     // the Authorization header value
  Headers added_headers;         // what Sign() appends, Authorization last
};

// The signature of one request at `now`. `headers` are the request's own headers (Range...);
// the x-amz-date/x-amz-content-sha256/x-amz-security-token this computes are added to them for
// signing. InvalidArgument for a URL that is not http(s)://host[:port][/path][?query].
absl::StatusOr<SigV4Parts> ComputeSigV4(std::string_view method, std::string_view url,
                                        const Headers& headers, const AwsCredentials& credentials,
                                        const SigV4Config& config,
                                        std::chrono::system_clock::time_point now);

class SigV4Signer : public RequestSigner {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `clock` null: the system clock.
  SigV4Signer(AwsCredentials credentials, SigV4Config config, Clock clock = nullptr);

  absl::Status Sign(std::string_view method, const std::string& url,
                    Headers* headers) const override;

  const AwsCredentials& credentials() const { return credentials_; }
  const SigV4Config& config() const { return config_; }

 private:
  AwsCredentials credentials_;
  SigV4Config config_;
  Clock clock_;
};

// Helpers, exposed for tests and for callers that hash or encode the same way.
std::string Sha256Hex(std::string_view data);
std::string HmacSha256(std::string_view key, std::string_view data);  // raw 32 bytes
std::string HexLower(std::string_view bytes);
// The canonical query string of a raw query ("b=2&a=1" -> "a=1&b=2").
std::string CanonicalQueryString(std::string_view raw_query);
// "20130524T000000Z"
std::string AmzDate(std::chrono::system_clock::time_point t);

}  // namespace zring::engine::http

#endif  // ZRING_ENGINE_HTTP_SIGV4_H_
