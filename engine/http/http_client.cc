// HttpClient on libcurl's multi interface: `loops` threads, each running one loop over its own
// CURLM (curl_multi_poll, woken by curl_multi_wakeup) - take queued requests while slots are
// free, start the attempts whose backoff has expired, let curl move bytes, reap finished
// attempts, then run callbacks outside curl's calls. Requests wait in one shared queue; a
// global slot count bounds the requests in flight (attempting or waiting to retry) over all
// loops, and each loop takes at most its share so that every loop gets work.
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <queue>
#include <random>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/http/http_client.h"
#include "engine/http/http_transfer.h"
#include "fmt/format.h"

namespace zring::engine::http {
namespace {

using internal::AttemptOutcome;
using internal::Transfer;
using Clock = std::chrono::steady_clock;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

class CurlHttpClient;

class Loop {
 public:
  Loop(CurlHttpClient* client, int share);
  ~Loop();
  void Wake() { curl_multi_wakeup(multi_); }
  int active() const { return active_.load(std::memory_order_relaxed); }
  // Separate from the constructor: a running loop reads the client's list of loops.
  void Launch() { thread_ = std::thread([this] { Run(); }); }
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run();
  void TakeQueued();
  void StartAttempt(Transfer* t);
  void ReapFinished(std::vector<Transfer*>* done);
  void Finish(Transfer* t, absl::Status status, std::vector<Transfer*>* done);
  void FailEverything();
  int NextWaitMs() const;
  CURL* NewEasy();
  void RecycleEasy(CURL* easy);

  CurlHttpClient* client_;
  int share_;  // the most requests this loop holds at once
  CURLM* multi_ = nullptr;
  std::atomic<int> active_{0};
  std::unordered_set<Transfer*> held_;  // every transfer this loop owns (raw: deleted here)
  struct Due {
    Clock::time_point at;
    Transfer* transfer;
    bool operator>(const Due& o) const { return at > o.at; }
  };
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> timers_;
  std::vector<CURL*> spare_easy_;
  std::mt19937_64 random_{std::random_device{}()};
  // h2c: the next attempt opens the loop's connection with prior knowledge. Cleared once one
  // has; set again when a response came over HTTP/1.1 (the HTTP/2 connection was gone and an
  // HTTP/2 request without prior knowledge fell back to HTTP/1.1).
  bool h2c_prior_knowledge_ = true;
  std::thread thread_;
};

class CurlHttpClient final : public HttpClient {
 public:
  explicit CurlHttpClient(const HttpOptions& options) : options_(options) {}
  ~CurlHttpClient() override;

  void Start(HttpRequest request, Callback done) override;
  HttpStats Stats() const override;
  const HttpOptions& options() const override { return options_; }

 private:
  friend class Loop;
  bool EnsureLoops();
  void CompleteNow(std::unique_ptr<Transfer> t, absl::Status status);
  void CountCompletion(const HttpResponse& r) {
    requests_.fetch_add(1, std::memory_order_relaxed);
    body_bytes_.fetch_add(r.bytes, std::memory_order_relaxed);
    if (!r.status.ok()) failures_.fetch_add(1, std::memory_order_relaxed);
  }

  const HttpOptions options_;
  std::mutex mu_;  // guards queue_, slots_used_, loops_ creation
  std::deque<std::unique_ptr<Transfer>> queue_;
  int slots_used_ = 0;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::atomic<bool> started_{false};
  pid_t pid_ = 0;  // the process that started the loops
  std::atomic<bool> stopping_{false};

  std::atomic<uint64_t> requests_{0}, attempts_{0}, retries_{0}, failures_{0}, body_bytes_{0},
      connections_{0};
};

Loop::Loop(CurlHttpClient* client, int share) : client_(client), share_(share) {
  multi_ = curl_multi_init();
  const HttpOptions& o = client_->options_;
  curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  // HTTP/1.1 needs one connection per concurrent request; HTTP/2 multiplexes on one.
  curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(share_));
  curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(std::max(share_, 8)));
  curl_multi_setopt(multi_, CURLMOPT_MAX_CONCURRENT_STREAMS,
                    static_cast<long>(std::clamp(o.max_requests, 1, 1000)));
}

Loop::~Loop() {
  Join();
  if (multi_ != nullptr) {
    for (CURL* e : spare_easy_) curl_easy_cleanup(e);
    curl_multi_cleanup(multi_);
  }
}

CURL* Loop::NewEasy() {
  if (!spare_easy_.empty()) {
    CURL* e = spare_easy_.back();
    spare_easy_.pop_back();
    curl_easy_reset(e);
    return e;
  }
  return curl_easy_init();
}

void Loop::RecycleEasy(CURL* easy) {
  if (easy == nullptr) return;
  if (spare_easy_.size() < 64) {
    spare_easy_.push_back(easy);
  } else {
    curl_easy_cleanup(easy);
  }
}

void Loop::TakeQueued() {
  std::vector<std::unique_ptr<Transfer>> taken;
  bool more_left = false;
  {
    std::lock_guard<std::mutex> lock(client_->mu_);
    while (!client_->queue_.empty() && client_->slots_used_ < client_->options_.max_requests &&
           active_.load(std::memory_order_relaxed) < share_) {
      taken.push_back(std::move(client_->queue_.front()));
      client_->queue_.pop_front();
      ++client_->slots_used_;
      active_.fetch_add(1, std::memory_order_relaxed);
    }
    more_left = !client_->queue_.empty() && client_->slots_used_ < client_->options_.max_requests;
  }
  if (more_left) {  // this loop is at its share: another one has room
    for (auto& loop : client_->loops_) {
      if (loop.get() != this && loop->active() < loop->share_) loop->Wake();
    }
  }
  for (auto& t : taken) {
    Transfer* raw = t.release();
    held_.insert(raw);
    StartAttempt(raw);
  }
}

void Loop::StartAttempt(Transfer* t) {
  client_->attempts_.fetch_add(1, std::memory_order_relaxed);
  CURL* easy = NewEasy();
  absl::Status prepared =
      easy == nullptr ? absl::ResourceExhaustedError("curl_easy_init failed")
                      : t->PrepareAttempt(easy, h2c_prior_knowledge_);
  if (client_->options_.h2c) h2c_prior_knowledge_ = false;
  if (prepared.ok() && curl_multi_add_handle(multi_, easy) == CURLM_OK) return;
  RecycleEasy(t->ReleaseAttempt());
  if (prepared.ok()) prepared = absl::InternalError("curl_multi_add_handle failed");
  // Reported at once: a request that cannot be prepared will not be sent.
  std::vector<Transfer*> done;
  Finish(t, prepared, &done);
  for (Transfer* d : done) {
    client_->CountCompletion(d->response());
    d->callback()(d->response());
    delete d;
  }
}

void Loop::Finish(Transfer* t, absl::Status status, std::vector<Transfer*>* done) {
  t->Complete(std::move(status), Clock::now());
  held_.erase(t);
  {
    std::lock_guard<std::mutex> lock(client_->mu_);
    --client_->slots_used_;
  }
  active_.fetch_sub(1, std::memory_order_relaxed);
  done->push_back(t);
}

void Loop::ReapFinished(std::vector<Transfer*>* done) {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode code = msg->data.result;
    Transfer* t = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
    curl_multi_remove_handle(multi_, easy);
    AttemptOutcome outcome = t->FinishAttempt(code);
    client_->connections_.fetch_add(static_cast<uint64_t>(t->attempt_connects()),
                                    std::memory_order_relaxed);
    RecycleEasy(t->ReleaseAttempt());
    const HttpOptions& o = client_->options_;
    if (o.h2c && t->response().http_version == 1) h2c_prior_knowledge_ = true;
    if (outcome.kind == AttemptOutcome::kContinue) {
      t->retry_at = Clock::now();
      timers_.push({t->retry_at, t});
    } else if (outcome.kind == AttemptOutcome::kRetry &&
               t->response().attempts <= static_cast<uint32_t>(o.max_retries)) {
      client_->retries_.fetch_add(1, std::memory_order_relaxed);
      uint32_t wait_ms = internal::BackoffMs(t->response().attempts, o.backoff_base_ms,
                                             o.backoff_max_ms, outcome.retry_after_s, random_());
      t->retry_at = Clock::now() + std::chrono::milliseconds(wait_ms);
      timers_.push({t->retry_at, t});
    } else {
      Finish(t, outcome.status, done);
    }
  }
}

int Loop::NextWaitMs() const {
  if (timers_.empty()) return 1000;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(timers_.top().at - Clock::now());
  return static_cast<int>(std::clamp<int64_t>(wait.count() + 1, 0, 1000));
}

void Loop::FailEverything() {
  std::vector<Transfer*> all(held_.begin(), held_.end());
  std::vector<Transfer*> done;
  for (Transfer* t : all) {
    if (t->easy() != nullptr) {
      curl_multi_remove_handle(multi_, t->easy());
      RecycleEasy(t->ReleaseAttempt());
    }
    Finish(t, absl::CancelledError("the HTTP client was destroyed before the request finished"),
           &done);
  }
  while (!timers_.empty()) timers_.pop();
  for (Transfer* d : done) {
    client_->CountCompletion(d->response());
    d->callback()(d->response());
    delete d;
  }
}

void Loop::Run() {
  std::vector<Transfer*> done;
  while (!client_->stopping_.load(std::memory_order_acquire)) {
    TakeQueued();
    Clock::time_point now = Clock::now();
    while (!timers_.empty() && timers_.top().at <= now) {
      Transfer* t = timers_.top().transfer;
      timers_.pop();
      StartAttempt(t);
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    done.clear();
    ReapFinished(&done);
    // Callbacks run after curl's calls have returned, never inside them.
    for (Transfer* t : done) {
      client_->CountCompletion(t->response());
      t->callback()(t->response());
      delete t;
    }
    if (!done.empty()) continue;  // slots were freed: take queued requests at once
    curl_multi_poll(multi_, nullptr, 0, NextWaitMs(), nullptr);
  }
  FailEverything();
}

CurlHttpClient::~CurlHttpClient() {
  if (!started_.load()) return;
  if (getpid() != pid_) {
    // A forked child: the loop threads stayed in the parent, and closing the inherited
    // connections here could disturb the parent's TLS streams. Leak them.
    for (auto& loop : loops_) (void)loop.release();
    return;
  }
  stopping_.store(true, std::memory_order_release);
  for (auto& loop : loops_) loop->Wake();
  for (auto& loop : loops_) loop->Join();
  std::deque<std::unique_ptr<Transfer>> queued;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued.swap(queue_);
  }
  for (auto& t : queued) {
    CompleteNow(std::move(t),
                absl::CancelledError("the HTTP client was destroyed before the request started"));
  }
  loops_.clear();
}

bool CurlHttpClient::EnsureLoops() {
  if (started_.load(std::memory_order_acquire)) return true;
  std::lock_guard<std::mutex> lock(mu_);
  if (started_.load(std::memory_order_relaxed)) return true;
  GlobalInitOnce();
  pid_ = getpid();
  int share = (options_.max_requests + options_.loops - 1) / options_.loops;
  for (int i = 0; i < options_.loops; ++i) loops_.push_back(std::make_unique<Loop>(this, share));
  for (auto& loop : loops_) loop->Launch();
  started_.store(true, std::memory_order_release);
  return true;
}

void CurlHttpClient::CompleteNow(std::unique_ptr<Transfer> t, absl::Status status) {
  t->Complete(std::move(status), Clock::now());
  CountCompletion(t->response());
  t->callback()(t->response());
}

void CurlHttpClient::Start(HttpRequest request, Callback done) {
  auto t = std::make_unique<Transfer>(std::move(request), std::move(done), &options_);
  if (absl::Status valid = t->Validate(); !valid.ok()) {
    CompleteNow(std::move(t), valid);
    return;
  }
  if (started_.load(std::memory_order_acquire) && getpid() != pid_) {
    CompleteNow(std::move(t),
                absl::FailedPreconditionError(
                    "HTTP client used in a forked child (its threads stayed in the parent); "
                    "create a new client in the child"));
    return;
  }
  if (stopping_.load(std::memory_order_acquire)) {
    CompleteNow(std::move(t), absl::CancelledError("the HTTP client is being destroyed"));
    return;
  }
  EnsureLoops();
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(t));
  }
  // Wake the least busy loop; a loop at its share wakes the others itself.
  Loop* best = loops_.front().get();
  for (auto& loop : loops_) {
    if (loop->active() < best->active()) best = loop.get();
  }
  best->Wake();
}

HttpStats CurlHttpClient::Stats() const {
  HttpStats s;
  s.requests = requests_.load(std::memory_order_relaxed);
  s.attempts = attempts_.load(std::memory_order_relaxed);
  s.retries = retries_.load(std::memory_order_relaxed);
  s.failures = failures_.load(std::memory_order_relaxed);
  s.body_bytes = body_bytes_.load(std::memory_order_relaxed);
  s.connections = connections_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpClient>> HttpClient::Create(const HttpOptions& options) {
  if (options.loops < 1 || options.loops > 256) {
    return absl::InvalidArgumentError(fmt::format("HttpOptions.loops = {}: want 1..256", options.loops));
  }
  if (options.max_requests < 1) {
    return absl::InvalidArgumentError(
        fmt::format("HttpOptions.max_requests = {}: want >= 1", options.max_requests));
  }
  if (options.max_retries < 0) {
    return absl::InvalidArgumentError(
        fmt::format("HttpOptions.max_retries = {}: want >= 0", options.max_retries));
  }
  if (options.backoff_max_ms < options.backoff_base_ms) {
    return absl::InvalidArgumentError(fmt::format(
        "HttpOptions.backoff_max_ms = {} is below backoff_base_ms = {}", options.backoff_max_ms,
        options.backoff_base_ms));
  }
  HttpOptions fixed = options;
  fixed.loops = std::min(fixed.loops, fixed.max_requests);  // a loop with no share would idle
  return std::unique_ptr<HttpClient>(new CurlHttpClient(fixed));
}

HttpResponse HttpClient::Fetch(HttpRequest request) {
  std::promise<HttpResponse> promise;
  std::future<HttpResponse> future = promise.get_future();
  Start(std::move(request),
        [&promise](HttpResponse& response) { promise.set_value(std::move(response)); });
  return future.get();
}

}  // namespace zring::engine::http
