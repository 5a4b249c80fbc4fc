// HttpClient: asynchronous HTTP(S) GET/HEAD of whole objects and byte ranges, on libcurl's
// multi interface, with retries. The transport under every remote source (engine object
// sources, zarr::ObjectStore).
//
// Threads: `loops` event-loop threads, each owning one curl multi handle (connection reuse,
// HTTP/2 multiplexing where the server allows, TLS through libcurl/OpenSSL). Start() hands a
// request to a loop and returns at once; the callback runs on that loop thread once the
// request has finished (success, or a failure after its retries); keep it short and never wait
// on another request inside it. Fetch() is Start() + wait. Nothing is created before the first
// request. Every method is thread-safe.
//
// Retries: 5xx, 429, connection failures and resets, bodies cut short, and per-attempt
// timeouts are retried up to max_retries times with exponential backoff and full jitter
// (a 429/503 Retry-After in seconds is honoured, capped at backoff_max_ms). A retried range
// resumes after the bytes already received. 404 is NotFound; 401/403 are PermissionDenied;
// other 4xx are InvalidArgument/FailedPrecondition; exhausted retries are Unavailable (or
// DeadlineExceeded when the last attempt timed out). Every message names the method, the URL
// (without its query string's credentials), the HTTP status and the number of attempts.
//
// Ranges: kRange asks for [offset, offset + length); a shorter body means the object ended
// (OK, fewer bytes), 416 means the offset is at or past the end (OK, 0 bytes). A server that
// ignores Range and answers 200 with the whole object is handled: the asked bytes are cut
// out of it. kSuffix asks for the last `length` bytes (fewer when the object is smaller).
//
// Fork: a client used first in a parent does not work in a forked child (its threads stayed
// behind): Start() completes at once with FailedPrecondition there.
#ifndef ZRING_ENGINE_HTTP_HTTP_CLIENT_H_
#define ZRING_ENGINE_HTTP_HTTP_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace zring::engine::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpOptions {
  int loops = 1;                        // event-loop threads
  int max_requests = 64;                // concurrent requests over all loops
  int max_retries = 6;                  // attempts = 1 + max_retries
  uint32_t backoff_base_ms = 50;        // first retry waits up to this (full jitter)
  uint32_t backoff_max_ms = 5000;       // no wait longer than this
  uint32_t connect_timeout_ms = 10000;
  uint32_t request_timeout_ms = 60000;  // one attempt, from start to last byte
  bool http2 = true;                    // offer HTTP/2 (ALPN over TLS)
  bool h2c = false;                     // HTTP/2 over plain http:// with prior knowledge
  bool verify_tls = true;
  std::string ca_file;                  // empty: the system's CA bundle
  std::string user_agent = "zring";
};

// Adds authentication headers to a request just before each attempt (a signature covers the
// time, so every retry is signed again). Implementations must be thread-safe.
class RequestSigner {
 public:
  virtual ~RequestSigner() = default;
  // `method` "GET" or "HEAD"; `url` the full request URL; `headers` the request's headers
  // (Range included) to which the signer appends its own.
  virtual absl::Status Sign(std::string_view method, const std::string& url,
                            Headers* headers) const = 0;
};

enum class Method { kGet, kHead };
enum class RangeKind { kNone, kRange, kSuffix };

struct HttpRequest {
  Method method = Method::kGet;
  std::string url;
  RangeKind range = RangeKind::kNone;
  uint64_t offset = 0;                  // kRange
  uint64_t length = 0;                  // kRange, kSuffix (must be > 0)
  // Where the body lands: must hold `length` bytes (kRange/kSuffix). Empty: the response owns
  // the body (HttpResponse::body).
  std::span<std::byte> dst;
  uint64_t max_body_bytes = uint64_t{1} << 34;  // kNone: a longer body fails (ResourceExhausted)
  Headers headers;                      // extra request headers
  std::shared_ptr<const RequestSigner> signer;  // null: unsigned
  std::string if_none_match;            // non-empty: conditional GET; 304 -> not_modified
};

struct HttpResponse {
  absl::Status status;
  int http_status = 0;                  // last attempt's status (0: no response)
  uint64_t bytes = 0;                   // body bytes delivered (in dst or body)
  std::vector<std::byte> body;          // when the request had no dst
  uint64_t object_size = 0;             // total object size when known (Content-Range
                                        // total, or a 200's Content-Length); 0 when unknown
  bool object_size_known = false;
  std::string etag;                     // ETag header, quotes kept; empty when absent
  bool not_modified = false;            // 304 to an if_none_match request (no body)
  uint32_t attempts = 0;
  uint64_t latency_ns = 0;              // Start() to completion, retries included
  int http_version = 0;                 // 1 or 2 (0: no response)
};

struct HttpStats {
  uint64_t requests = 0;                // completed (OK or failed)
  uint64_t attempts = 0;                // including retries
  uint64_t retries = 0;
  uint64_t failures = 0;                // requests that completed with an error
  uint64_t body_bytes = 0;
  uint64_t connections = 0;             // new connections opened (CURLINFO_NUM_CONNECTS)
};

class HttpClient {
 public:
  using Callback = std::function<void(HttpResponse& response)>;

  // InvalidArgument for nonsensical options (loops < 1, max_requests < 1...).
  static absl::StatusOr<std::unique_ptr<HttpClient>> Create(const HttpOptions& options);
  // Every started request gets its callback first: those still queued, waiting to retry or
  // in flight complete with Cancelled (no waiting for slow servers).
  virtual ~HttpClient() = default;

  virtual void Start(HttpRequest request, Callback done) = 0;
  HttpResponse Fetch(HttpRequest request);

  virtual HttpStats Stats() const = 0;
  virtual const HttpOptions& options() const = 0;
};

}  // namespace zring::engine::http

#endif  // ZRING_ENGINE_HTTP_HTTP_CLIENT_H_
