#include "engine/http/http_transfer.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <utility>

#include "fmt/format.h"

namespace zring::engine::http::internal {
namespace {

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' ||
                        s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

// Failures of the connection or the stream that another attempt may not meet.
bool IsRetryableCurlCode(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:      // refused, or no route (a restarting server)
    case CURLE_SEND_ERROR:           // reset while sending
    case CURLE_RECV_ERROR:           // reset while receiving
    case CURLE_GOT_NOTHING:          // closed before any response (a dropped keep-alive)
    case CURLE_PARTIAL_FILE:         // body shorter than its Content-Length: cut mid-body
    case CURLE_OPERATION_TIMEDOUT:   // connect or per-attempt timeout
    case CURLE_HTTP2:                // HTTP/2 framing or connection-level error (GOAWAY)
    case CURLE_HTTP2_STREAM:         // HTTP/2 stream reset by the server
    case CURLE_SSL_CONNECT_ERROR:    // TLS handshake cut short
    case CURLE_AGAIN:
      return true;
    default:
      return false;
  }
}

absl::StatusCode CodeForCurl(CURLcode code) {
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return absl::StatusCode::kInvalidArgument;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_TOO_MANY_REDIRECTS:
      return absl::StatusCode::kFailedPrecondition;
    case CURLE_OPERATION_TIMEDOUT:
      return absl::StatusCode::kDeadlineExceeded;
    default:
      return absl::StatusCode::kUnavailable;
  }
}

}  // namespace

ContentRange ParseContentRange(std::string_view value) {
  ContentRange r;
  value = Trim(value);
  if (value.size() < 6 || !EqualsNoCase(value.substr(0, 6), "bytes ")) return r;
  value = Trim(value.substr(6));
  size_t slash = value.find('/');
  if (slash == std::string_view::npos) return r;
  std::string_view range = value.substr(0, slash);
  std::string_view total = value.substr(slash + 1);
  if (total != "*") {
    if (!ParseU64(total, &r.total)) return r;
    r.total_known = true;
  }
  if (range == "*") {
    r.valid = r.total_known;
    return r;
  }
  size_t dash = range.find('-');
  if (dash == std::string_view::npos || !ParseU64(range.substr(0, dash), &r.first) ||
      !ParseU64(range.substr(dash + 1), &r.last) || r.last < r.first ||
      (r.total_known && r.last >= r.total)) {
    return r;
  }
  r.has_range = true;
  r.valid = true;
  return r;
}

std::string RedactUrl(std::string_view url) {
  size_t cut = url.find_first_of("?#");
  std::string out(url.substr(0, cut));
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t host = scheme + 3;
    size_t path = out.find('/', host);
    size_t at = out.rfind('@', path == std::string::npos ? out.size() : path);
    if (at != std::string::npos && at >= host) out.erase(host, at + 1 - host);
  }
  if (cut != std::string_view::npos && url[cut] == '?') out += "?<query omitted>";
  return out;
}

uint32_t BackoffMs(uint32_t retry, uint32_t base_ms, uint32_t max_ms, int64_t retry_after_s,
                   uint64_t random) {
  uint64_t cap = base_ms;
  for (uint32_t i = 1; i < retry && cap < max_ms; ++i) cap *= 2;
  cap = std::min<uint64_t>(cap, max_ms);
  uint64_t wait = cap == 0 ? 0 : random % (cap + 1);
  if (retry_after_s >= 0) {
    uint64_t asked = std::min<uint64_t>(static_cast<uint64_t>(retry_after_s) * 1000, max_ms);
    wait = std::max(wait, asked);
  }
  return static_cast<uint32_t>(wait);
}

Transfer::Transfer(HttpRequest request, HttpClient::Callback done, const HttpOptions* options)
    : request_(std::move(request)), done_(std::move(done)), options_(options) {
  started = std::chrono::steady_clock::now();
  owned_ = request_.dst.empty();
  sink_ = owned_ ? nullptr : request_.dst.data();
  switch (request_.range) {
    case RangeKind::kRange:
      begin_known_ = true;
      want_begin_ = request_.offset;
      want_end_ = request_.offset + request_.length;
      capacity_ = request_.length;
      break;
    case RangeKind::kSuffix:
      capacity_ = request_.length;
      break;
    case RangeKind::kNone:
      begin_known_ = true;
      capacity_ = owned_ ? request_.max_body_bytes : request_.dst.size();
      break;
  }
  if (request_.method == Method::kHead) capacity_ = 0;
}

Transfer::~Transfer() {
  if (header_list_ != nullptr) curl_slist_free_all(header_list_);
}

absl::Status Transfer::Validate() const {
  if (request_.url.empty()) return absl::InvalidArgumentError("empty URL");
  if (request_.method == Method::kHead) return absl::OkStatus();
  if (request_.range != RangeKind::kNone) {
    if (request_.length == 0) return absl::InvalidArgumentError("a range of 0 bytes");
    if (request_.range == RangeKind::kRange && request_.offset > kNoEnd - request_.length) {
      return absl::InvalidArgumentError("offset + length overflows 64 bits");
    }
    if (!owned_ && request_.dst.size() < request_.length) {
      return absl::InvalidArgumentError(
          fmt::format("dst holds {} bytes, the range asks for {}", request_.dst.size(),
                      request_.length));
    }
  }
  return absl::OkStatus();
}

std::string Transfer::RangeText() const {
  if (request_.method == Method::kHead) return "";
  switch (request_.range) {
    case RangeKind::kRange:
      return fmt::format(" [bytes {}-{}]", request_.offset, request_.offset + request_.length - 1);
    case RangeKind::kSuffix:
      return fmt::format(" [last {} bytes]", request_.length);
    case RangeKind::kNone:
      break;
  }
  return "";
}

std::string Transfer::Describe() const {
  return fmt::format("{} {}{}", request_.method == Method::kHead ? "HEAD" : "GET",
                     RedactUrl(request_.url), RangeText());
}

absl::Status Transfer::PrepareAttempt(CURL* easy, bool h2c_prior_knowledge) {
  easy_ = easy;
  body_started_ = false;
  error_response_ = false;
  error_body_.clear();
  satisfied_ = false;
  attempt_error_ = absl::OkStatus();
  stream_pos_ = 0;
  attempt_bytes_ = 0;
  attempt_connects_ = 0;
  content_range_.clear();
  content_length_known_ = false;
  retry_after_s_ = -1;
  etag_.clear();
  ring_mode_ = false;
  ring_.clear();
  ring_count_ = 0;
  error_buffer_[0] = '\0';
  if (received_ > 0 && first_etag_.empty()) first_etag_ = response_.etag;
  ++response_.attempts;

  const bool head = request_.method == Method::kHead;
  Headers headers = request_.headers;
  if (!head) {
    uint64_t next = want_begin_ + received_;
    if (begin_known_ && request_.range != RangeKind::kNone) {
      headers.emplace_back("Range", fmt::format("bytes={}-{}", next, want_end_ - 1));
    } else if (request_.range == RangeKind::kSuffix) {
      headers.emplace_back("Range", fmt::format("bytes=-{}", request_.length));
    } else if (received_ > 0) {
      headers.emplace_back("Range", fmt::format("bytes={}-", next));
    }
    if (!request_.if_none_match.empty() && received_ == 0) {
      headers.emplace_back("If-None-Match", request_.if_none_match);
    }
  }
  if (request_.signer != nullptr) {
    absl::Status signed_ok = request_.signer->Sign(head ? "HEAD" : "GET", request_.url, &headers);
    if (!signed_ok.ok()) {
      return absl::Status(signed_ok.code(), "signing failed: " + std::string(signed_ok.message()));
    }
  }
  if (header_list_ != nullptr) curl_slist_free_all(header_list_);
  header_list_ = nullptr;
  for (const auto& [name, value] : headers) {
    // "Name;" is how libcurl sends a header with an empty value.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    curl_slist* next = curl_slist_append(header_list_, line.c_str());
    if (next == nullptr) return absl::ResourceExhaustedError("out of memory building headers");
    header_list_ = next;
  }

  const HttpOptions& o = *options_;
  bool https = request_.url.size() >= 8 && EqualsNoCase(request_.url.substr(0, 8), "https://");
  curl_easy_setopt(easy, CURLOPT_URL, request_.url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PRIVATE, this);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Transfer::OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Transfer::OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, header_list_);
  if (head) {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  }
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout_ms));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(o.request_timeout_ms));
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPIDLE, 30L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPINTVL, 15L);
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  long version = CURL_HTTP_VERSION_1_1;
  if (o.h2c && !https) {
    version = h2c_prior_knowledge ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE : CURL_HTTP_VERSION_2_0;
  } else if (o.http2 || o.h2c) {
    version = CURL_HTTP_VERSION_2TLS;  // h2 by ALPN over TLS, HTTP/1.1 on plain http://
  }
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, version);
  // Wait for a multiplexed connection rather than opening one per request.
  curl_easy_setopt(easy, CURLOPT_PIPEWAIT, (o.http2 || o.h2c) ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, o.verify_tls ? 1L : 0L);
  curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, o.verify_tls ? 2L : 0L);
  if (!o.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, o.ca_file.c_str());
  curl_easy_setopt(easy, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(easy, CURLOPT_BUFFERSIZE, 256L * 1024);
  return absl::OkStatus();
}

CURL* Transfer::ReleaseAttempt() {
  if (header_list_ != nullptr) curl_slist_free_all(header_list_);
  header_list_ = nullptr;
  CURL* easy = easy_;
  easy_ = nullptr;
  return easy;
}

size_t Transfer::OnHeader(char* data, size_t size, size_t count, void* self) {
  return static_cast<Transfer*>(self)->Header(std::string_view(data, size * count));
}

size_t Transfer::OnBody(char* data, size_t size, size_t count, void* self) {
  return static_cast<Transfer*>(self)->Body(reinterpret_cast<const std::byte*>(data),
                                             size * count);
}

size_t Transfer::Header(std::string_view line) {
  size_t n = line.size();
  if (line.size() >= 5 && line.substr(0, 5) == "HTTP/") {
    // A new response (after a redirect or a 100 Continue): forget the previous one's headers.
    content_range_.clear();
    content_length_known_ = false;
    retry_after_s_ = -1;
    etag_.clear();
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string_view name = Trim(line.substr(0, colon));
  std::string_view value = Trim(line.substr(colon + 1));
  if (EqualsNoCase(name, "content-range")) {
    content_range_ = std::string(value);
  } else if (EqualsNoCase(name, "content-length")) {
    content_length_known_ = ParseU64(value, &content_length_);
  } else if (EqualsNoCase(name, "etag")) {
    etag_ = std::string(value);
  } else if (EqualsNoCase(name, "retry-after")) {
    uint64_t s = 0;
    // Only the delay-seconds form; an HTTP-date falls back to the computed backoff.
    if (ParseU64(value, &s)) retry_after_s_ = static_cast<int64_t>(std::min<uint64_t>(s, 86400));
  }
  return n;
}

bool Transfer::BeginBody() {
  body_started_ = true;
  long code = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code >= 300) {
    error_response_ = true;
    return true;
  }
  response_.etag = etag_;
  if (request_.method == Method::kHead) return true;
  if (received_ > 0 && !first_etag_.empty() && !etag_.empty() && etag_ != first_etag_) {
    attempt_error_ = absl::AbortedError(fmt::format(
        "the object changed between attempts (ETag {} then {})", first_etag_, etag_));
    return false;
  }
  if (code == 206) {
    ContentRange cr = ParseContentRange(content_range_);
    if (!cr.valid || !cr.has_range) {
      attempt_error_ = absl::DataLossError(
          fmt::format("HTTP 206 with an unusable Content-Range '{}'", content_range_));
      return false;
    }
    if (cr.total_known) {
      response_.object_size = cr.total;
      response_.object_size_known = true;
    }
    if (!begin_known_) {
      want_begin_ = cr.first;
      want_end_ = cr.total_known ? cr.total : cr.last + 1;
      begin_known_ = true;
    } else if (cr.total_known) {
      want_end_ = std::min(want_end_, cr.total);
    }
    if (cr.first > want_begin_ + received_) {
      attempt_error_ = absl::DataLossError(fmt::format(
          "HTTP 206 starts at byte {}, byte {} was asked for", cr.first, want_begin_ + received_));
      return false;
    }
    stream_pos_ = cr.first;
    return true;
  }
  // A 200 (or another 2xx): the whole object from byte 0, even to a Range request.
  stream_pos_ = 0;
  if (content_length_known_) {
    response_.object_size = content_length_;
    response_.object_size_known = true;
    if (!begin_known_) {
      want_begin_ = content_length_ > request_.length ? content_length_ - request_.length : 0;
      want_end_ = content_length_;
      begin_known_ = true;
    } else {
      want_end_ = std::min(want_end_, content_length_);
    }
    if (request_.range == RangeKind::kNone && content_length_ > capacity_) {
      attempt_error_ = absl::ResourceExhaustedError(fmt::format(
          "body of {} bytes exceeds the limit of {} bytes ({})", content_length_, capacity_,
          owned_ ? "max_body_bytes" : "dst size"));
      return false;
    }
  } else if (!begin_known_) {
    ring_mode_ = true;
  }
  // Nothing wanted from this body (a range past the end of an object served whole).
  if (begin_known_ && want_end_ <= want_begin_ + received_) satisfied_ = true;
  return true;
}

size_t Transfer::Body(const std::byte* data, size_t n) {
  if (!body_started_ && !BeginBody()) return 0;
  if (error_response_) {
    if (error_body_.size() < 1024) {
      error_body_.append(reinterpret_cast<const char*>(data),
                         std::min<size_t>(n, 1024 - error_body_.size()));
    }
    return n;
  }
  if (satisfied_) return 0;  // aborts the transfer; FinishAttempt treats it as success
  if (request_.method == Method::kHead) return n;
  if (ring_mode_) {
    for (size_t i = 0; i < n; ++i, ++ring_count_) {
      if (ring_.size() < request_.length) {
        ring_.push_back(data[i]);
      } else {
        ring_[ring_count_ % request_.length] = data[i];
      }
    }
    return n;
  }
  uint64_t pos = stream_pos_;
  stream_pos_ += n;
  uint64_t next = want_begin_ + received_;
  if (pos + n <= next) return n;  // before the wanted window
  if (pos > next) {
    attempt_error_ = absl::DataLossError(fmt::format("body skipped from byte {} to {}", next, pos));
    return 0;
  }
  uint64_t from = next - pos;
  uint64_t avail = n - from;
  uint64_t room = capacity_ - received_;
  if (want_end_ != kNoEnd) room = std::min(room, want_end_ > next ? want_end_ - next : 0);
  uint64_t take = std::min(avail, room);
  if (take > 0) {
    if (owned_) {
      std::vector<std::byte>& body = response_.body;
      if (body.capacity() < received_ + take && want_end_ != kNoEnd) {
        body.reserve(std::min<uint64_t>(want_end_ - want_begin_, uint64_t{64} << 20));
      }
      body.insert(body.end(), data + from, data + from + take);
    } else {
      std::memcpy(sink_ + received_, data + from, take);
    }
    received_ += take;
    attempt_bytes_ += take;
    response_.bytes = received_;
  }
  if (take < avail) {
    if (want_end_ != kNoEnd && want_begin_ + received_ >= want_end_) {
      satisfied_ = true;  // the server sent more than asked (or ignored Range): cut it here
    } else {
      attempt_error_ = absl::ResourceExhaustedError(fmt::format(
          "body exceeds the limit of {} bytes ({})", capacity_,
          owned_ ? "max_body_bytes" : "dst size"));
    }
    return 0;
  }
  return n;
}

void Transfer::FinishRing() {
  ring_mode_ = false;
  uint64_t kept = std::min<uint64_t>(ring_count_, request_.length);
  uint64_t start = ring_count_ > request_.length ? ring_count_ % request_.length : 0;
  response_.object_size = ring_count_;
  response_.object_size_known = true;
  want_begin_ = ring_count_ - kept;
  want_end_ = ring_count_;
  begin_known_ = true;
  if (owned_) response_.body.resize(kept);
  std::byte* out = owned_ ? response_.body.data() : sink_;
  std::copy(ring_.begin() + static_cast<ptrdiff_t>(start), ring_.end(), out);
  std::copy(ring_.begin(), ring_.begin() + static_cast<ptrdiff_t>(start),
            out + (ring_.size() - start));
  received_ = kept;
  attempt_bytes_ = kept;
  response_.bytes = kept;
  ring_.clear();
}

absl::Status Transfer::StatusForHttp(int code) const {
  std::string text = fmt::format("HTTP {}", code);
  if (!error_body_.empty()) {
    std::string said;
    for (char c : error_body_.substr(0, 300)) {
      said += (c >= 0x20 && c < 0x7f) ? c : ' ';
    }
    text += ", server said: " + said;
  }
  if (code == 404 || code == 410) return absl::NotFoundError(text);
  if (code == 401 || code == 403) return absl::PermissionDeniedError(text);
  if (code == 412 || (code >= 300 && code < 400)) return absl::FailedPreconditionError(text);
  if (code == 408 || code == 429 || code >= 500) return absl::UnavailableError(text);
  if (code >= 400) return absl::InvalidArgumentError(text);
  return absl::UnknownError(text);
}

AttemptOutcome Transfer::FinishAttempt(CURLcode code) {
  long http = 0;
  long version = 0;
  curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &http);
  curl_easy_getinfo(easy_, CURLINFO_HTTP_VERSION, &version);
  curl_easy_getinfo(easy_, CURLINFO_NUM_CONNECTS, &attempt_connects_);
  response_.http_status = static_cast<int>(http);
  if (http > 0) response_.http_version = version == CURL_HTTP_VERSION_2_0 ? 2 : 1;
  if (!attempt_error_.ok()) return {AttemptOutcome::kDone, attempt_error_};
  if (satisfied_ && code == CURLE_WRITE_ERROR) code = CURLE_OK;  // we cut the body ourselves
  if (code != CURLE_OK) {
    std::string text = curl_easy_strerror(code);
    if (error_buffer_[0] != '\0') text += fmt::format(" ({})", error_buffer_);
    if (http > 0) text += fmt::format(", HTTP {}", http);
    if (ring_mode_) {  // a ring cannot resume: the next attempt starts over
      ring_.clear();
      ring_count_ = 0;
    }
    return {IsRetryableCurlCode(code) ? AttemptOutcome::kRetry : AttemptOutcome::kDone,
            absl::Status(CodeForCurl(code), text)};
  }
  const bool head = request_.method == Method::kHead;
  if (http >= 200 && http < 300) {
    if (!body_started_ && !BeginBody()) return {AttemptOutcome::kDone, attempt_error_};
    if (ring_mode_) FinishRing();
    if (head && content_length_known_) {
      response_.object_size = content_length_;
      response_.object_size_known = true;
    }
    if (!head && http == 206 && !satisfied_ && want_begin_ + received_ < want_end_) {
      // The server sent less than asked although the object goes on: ask for the rest.
      ContentRange cr = ParseContentRange(content_range_);
      if (cr.total_known && want_begin_ + received_ < cr.total) {
        if (attempt_bytes_ == 0) {
          return {AttemptOutcome::kDone,
                  absl::DataLossError(fmt::format("HTTP 206 with no bytes ({})", content_range_))};
        }
        return {AttemptOutcome::kContinue, absl::OkStatus()};
      }
    }
    return {AttemptOutcome::kDone, absl::OkStatus()};
  }
  response_.etag = etag_.empty() ? response_.etag : etag_;
  if (http == 304 && !request_.if_none_match.empty()) {
    response_.not_modified = true;
    return {AttemptOutcome::kDone, absl::OkStatus()};
  }
  if (http == 416 && !head && (request_.range != RangeKind::kNone || received_ > 0)) {
    // The range starts at or past the end: no (more) bytes.
    ContentRange cr = ParseContentRange(content_range_);
    if (cr.valid && cr.total_known) {
      response_.object_size = cr.total;
      response_.object_size_known = true;
    }
    return {AttemptOutcome::kDone, absl::OkStatus()};
  }
  absl::Status status = StatusForHttp(static_cast<int>(http));
  bool retry = http == 408 || http == 429 || (http >= 500 && http != 501 && http != 505);
  if (ring_mode_) {
    ring_.clear();
    ring_count_ = 0;
  }
  return {retry ? AttemptOutcome::kRetry : AttemptOutcome::kDone, status, retry_after_s_};
}

void Transfer::Complete(absl::Status status, std::chrono::steady_clock::time_point now) {
  response_.latency_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - started).count());
  if (status.ok()) {
    response_.status = absl::OkStatus();
    return;
  }
  std::string attempts;
  if (response_.attempts > 0) {
    attempts = fmt::format(" (after {} attempt{})", response_.attempts,
                           response_.attempts == 1 ? "" : "s");
  }
  response_.status = absl::Status(
      status.code(), fmt::format("{}: {}{}", Describe(), std::string(status.message()), attempts));
}

}  // namespace zring::engine::http::internal
