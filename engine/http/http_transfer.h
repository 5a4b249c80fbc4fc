// One HTTP request's life across its attempts, without threads or sockets of its own: how an
// attempt is asked (URL, Range, signed headers, libcurl options on an easy handle), where its
// body bytes go (bounds-checked, into dst or the owned body) and what its outcome means (done,
// retry after a backoff, or continue at once for the rest of a short 206).
// Internal to engine/http/http_client.cc, which drives transfers on its event loops.
//
// Byte accounting: the bytes the caller wants are the absolute object range
// [want_begin, want_end); `received` of them have been delivered (into the sink's first
// `received` bytes), so every attempt asks from want_begin + received (resuming a range
// after a failure) and drops whatever a server sends outside the wanted window. Nothing is
// ever written past `capacity` bytes of the sink.
#ifndef ZRING_ENGINE_HTTP_HTTP_TRANSFER_H_
#define ZRING_ENGINE_HTTP_HTTP_TRANSFER_H_

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/http/http_client.h"

namespace zring::engine::http::internal {

inline constexpr uint64_t kNoEnd = std::numeric_limits<uint64_t>::max();

// A Content-Range value: "bytes first-last/total", "bytes first-last/*" or "bytes */total".
struct ContentRange {
  bool valid = false;
  bool has_range = false;  // false: "bytes */total" (an unsatisfied range)
  uint64_t first = 0;
  uint64_t last = 0;       // inclusive
  bool total_known = false;
  uint64_t total = 0;
};
ContentRange ParseContentRange(std::string_view value);

// `url` for messages: no user:password@, and the query string (which may carry presigned
// credentials) replaced by "?<query omitted>".
std::string RedactUrl(std::string_view url);

// The wait before retry number `retry` (1-based): uniform in [0, min(max, base * 2^(retry-1))]
// ("full jitter"), raised to a server's Retry-After (seconds) capped at max.
uint32_t BackoffMs(uint32_t retry, uint32_t base_ms, uint32_t max_ms, int64_t retry_after_s,
                   uint64_t random);

struct AttemptOutcome {
  enum Kind { kDone, kRetry, kContinue };
  Kind kind = kDone;
  absl::Status status;        // kDone: the final status; kRetry: the status if retries run out
  int64_t retry_after_s = -1;  // kRetry: the server's Retry-After, -1 when absent
};

class Transfer {
 public:
  Transfer(HttpRequest request, HttpClient::Callback done, const HttpOptions* options);
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer();

  // InvalidArgument for a request that cannot be sent (empty URL, zero length, small dst...).
  absl::Status Validate() const;

  // Sets `easy` (fresh or curl_easy_reset) up for the next attempt; signs it. The handle's
  // callbacks point at this transfer until ReleaseAttempt(). With options.h2c,
  // `h2c_prior_knowledge` says whether this attempt opens the loop's HTTP/2 connection with
  // prior knowledge; otherwise it asks for HTTP/2 and multiplexes on the existing connection
  // (libcurl 7.88 breaks a prior-knowledge request that reuses a connection, curl#10634).
  absl::Status PrepareAttempt(CURL* easy, bool h2c_prior_knowledge);
  // What the attempt that `easy` finished with `code` means; records the response fields.
  AttemptOutcome FinishAttempt(CURLcode code);
  // Frees the attempt's header list; returns the easy handle it used (to be reused or freed).
  CURL* ReleaseAttempt();

  // The final status with the message decorated (method, URL, attempts), the latency set.
  void Complete(absl::Status status, std::chrono::steady_clock::time_point now);
  // A status naming the request, for failures decided outside an attempt (shutdown, fork).
  std::string Describe() const;

  HttpResponse& response() { return response_; }
  HttpClient::Callback& callback() { return done_; }
  CURL* easy() const { return easy_; }
  uint64_t attempt_bytes() const { return attempt_bytes_; }
  long attempt_connects() const { return attempt_connects_; }

  std::chrono::steady_clock::time_point started;
  std::chrono::steady_clock::time_point retry_at;

 private:
  static size_t OnHeader(char* data, size_t size, size_t count, void* self);
  static size_t OnBody(char* data, size_t size, size_t count, void* self);
  size_t Header(std::string_view line);
  size_t Body(const std::byte* data, size_t n);
  // Decides, from the response's status and headers, where the body's stream starts and which
  // of its bytes are wanted. False when the response cannot be used (attempt_error_ set).
  bool BeginBody();
  void FinishRing();
  absl::Status StatusForHttp(int code) const;
  std::string RangeText() const;

  HttpRequest request_;
  HttpClient::Callback done_;
  const HttpOptions* options_;
  HttpResponse response_;

  std::byte* sink_ = nullptr;      // dst, or response_.body's storage (grown as bytes arrive)
  bool owned_ = false;             // sink is response_.body
  uint64_t capacity_ = 0;          // the most bytes the sink may hold
  uint64_t received_ = 0;
  bool begin_known_ = false;       // kSuffix: false until the object's size is known
  uint64_t want_begin_ = 0;
  uint64_t want_end_ = kNoEnd;
  std::string first_etag_;         // the ETag that bytes already received came with

  // A 200 without Content-Length to a suffix request: the last `length` bytes are kept in a
  // ring and copied out when the body ends.
  bool ring_mode_ = false;
  std::vector<std::byte> ring_;
  uint64_t ring_count_ = 0;

  // The current attempt.
  CURL* easy_ = nullptr;
  curl_slist* header_list_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE] = {};
  bool body_started_ = false;
  bool error_response_ = false;    // a non-2xx status: its body is kept (bounded) for messages
  std::string error_body_;
  bool satisfied_ = false;         // every wanted byte arrived; the rest of the body is cut
  absl::Status attempt_error_;     // a non-retryable failure found while receiving
  uint64_t stream_pos_ = 0;        // absolute object offset of the next body byte
  uint64_t attempt_bytes_ = 0;     // body bytes this attempt delivered
  long attempt_connects_ = 0;
  std::string content_range_;
  bool content_length_known_ = false;
  uint64_t content_length_ = 0;
  int64_t retry_after_s_ = -1;
  std::string etag_;
};

}  // namespace zring::engine::http::internal

#endif  // ZRING_ENGINE_HTTP_HTTP_TRANSFER_H_
