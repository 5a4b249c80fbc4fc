#include "engine/http/caching_client.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "fmt/format.h"

namespace zring::engine::http {
namespace {

uint64_t NowNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

// A weak validator (W/"...") promises equivalent content, not identical bytes.
bool IsStrongEtag(const std::string& etag) {
  return !etag.empty() && etag.rfind("W/", 0) != 0;
}

class CachingClient final : public HttpClient {
 public:
  CachingClient(std::unique_ptr<HttpClient> inner, std::unique_ptr<DiskCache> cache,
                CachingOptions options)
      : inner_(std::move(inner)), cache_(std::move(cache)), options_(std::move(options)) {}
  ~CachingClient() override;

  void Start(HttpRequest request, Callback done) override;
  HttpStats Stats() const override { return inner_->Stats(); }
  const HttpOptions& options() const override { return inner_->options(); }
  CacheStats cache_stats() const { return cache_->Stats(); }

 private:
  // One request going through the cache, from Start() to its callback.
  struct Op {
    HttpRequest request;
    Callback done;
    CacheKey key;
    uint64_t start_ns = 0;
    bool revalidating = false;          // sent with If-None-Match: entry.etag
    EntryInfo entry;                    // the entry being revalidated
    std::vector<std::byte> entry_body;  // its payload when the request has no dst
  };

  bool Cacheable(const HttpRequest& request) const;
  void Post(std::function<void()> task);
  void WorkerLoop();
  void Lookup(const std::shared_ptr<Op>& op);
  void SendInner(const std::shared_ptr<Op>& op, std::string if_none_match);
  void OnInnerDone(const std::shared_ptr<Op>& op, HttpResponse& response);
  void ServeEntry(Op& op, EntryInfo info, std::vector<std::byte> body, uint32_t attempts,
                  int http_version);
  void Finish(Op& op, HttpResponse& response);
  bool KnownEtag(const std::string& url, std::string* etag);
  void LearnEtag(const std::string& url, const std::string& etag);

  std::unique_ptr<HttpClient> inner_;
  std::unique_ptr<DiskCache> cache_;
  const CachingOptions options_;

  std::mutex mu_;
  std::condition_variable work_cv_, idle_cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  std::vector<std::thread> threads_;         // guarded by mu_; started on first use
  size_t outstanding_ = 0;                   // guarded by mu_: started, not yet called back
  bool stopping_ = false;                    // guarded by mu_
  std::atomic<pid_t> owner_pid_{0};          // the process whose threads these are

  std::mutex etag_mu_;
  std::unordered_map<std::string, std::string> etags_;  // guarded by etag_mu_: URL -> ETag
};

CachingClient::~CachingClient() {
  if (owner_pid_.load() != 0 && owner_pid_.load() != ::getpid()) {
    // A forked child: the threads (and whoever held mu_) stayed in the parent. Dropping the
    // handles without join is the only safe move; their memory is the parent's business.
    new std::vector<std::thread>(std::move(threads_));
    return;
  }
  {
    std::unique_lock<std::mutex> lock(mu_);
    idle_cv_.wait(lock, [&] { return outstanding_ == 0; });
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool CachingClient::Cacheable(const HttpRequest& request) const {
  if (request.method != Method::kGet || !request.if_none_match.empty() || request.url.empty()) {
    return false;
  }
  if (request.range == RangeKind::kNone) return request.dst.empty();
  return request.length > 0 && (request.dst.empty() || request.dst.size() >= request.length);
}

void CachingClient::Start(HttpRequest request, Callback done) {
  const pid_t owner = owner_pid_.load();
  if (!Cacheable(request) || (owner != 0 && owner != ::getpid())) {
    inner_->Start(std::move(request), std::move(done));
    return;
  }
  auto op = std::make_shared<Op>();
  op->start_ns = NowNs();
  op->key.url = request.url;
  op->key.kind = request.range;
  op->key.offset = request.range == RangeKind::kRange ? request.offset : 0;
  op->key.length = request.range == RangeKind::kNone ? 0 : request.length;
  op->request = std::move(request);
  op->done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++outstanding_;
  }
  Post([this, op] { Lookup(op); });
}

void CachingClient::Post(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (threads_.empty()) {
      owner_pid_.store(::getpid());
      for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { WorkerLoop(); });
    }
    queue_.push_back(std::move(task));
  }
  work_cv_.notify_one();
}

void CachingClient::WorkerLoop() {
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();  // no lock held: tasks do disk I/O and run callbacks
  }
}

void CachingClient::Lookup(const std::shared_ptr<Op>& op) {
  const HttpRequest& request = op->request;
  std::string etag;
  const bool known = KnownEtag(request.url, &etag);
  EntryInfo info;
  std::vector<std::byte> body;
  // Known ETag: only an entry with it is served. Unknown: any entry is a candidate, to be
  // revalidated with the server before it is served.
  const bool found = request.dst.empty() ? cache_->Lookup(op->key, etag, &body, &info)
                                         : cache_->Lookup(op->key, etag, request.dst, &info);
  // An un-ranged request's size limit applies to cached bodies as to fetched ones: a body too
  // large for this request goes to the network, which fails it the inner client's way.
  const bool fits = request.range != RangeKind::kNone || info.bytes <= request.max_body_bytes;
  if (found && fits && known) {
    ServeEntry(*op, std::move(info), std::move(body), /*attempts=*/0, /*http_version=*/0);
    return;
  }
  if (found && fits) {
    op->revalidating = true;
    op->entry = std::move(info);
    op->entry_body = std::move(body);
    SendInner(op, op->entry.etag);
    return;
  }
  SendInner(op, "");
}

void CachingClient::SendInner(const std::shared_ptr<Op>& op, std::string if_none_match) {
  HttpRequest request = op->request;
  request.if_none_match = std::move(if_none_match);
  inner_->Start(std::move(request), [this, op](HttpResponse& response) {
    // Off the inner client's loop thread at once: inserts write to disk.
    auto moved = std::make_shared<HttpResponse>(std::move(response));
    Post([this, op, moved] { OnInnerDone(op, *moved); });
  });
}

void CachingClient::OnInnerDone(const std::shared_ptr<Op>& op, HttpResponse& response) {
  const HttpRequest& request = op->request;
  if (op->revalidating && response.status.ok() && response.not_modified) {
    LearnEtag(request.url, op->entry.etag);
    ServeEntry(*op, std::move(op->entry), std::move(op->entry_body), response.attempts,
               response.http_version);
    return;
  }
  if (response.status.ok() && !response.not_modified && IsStrongEtag(response.etag)) {
    LearnEtag(request.url, response.etag);
    const bool small = request.range != RangeKind::kNone ||
                       response.bytes <= options_.max_whole_object_bytes;
    if (small) {
      std::span<const std::byte> payload =
          request.dst.empty()
              ? std::span<const std::byte>(response.body.data(),
                                           std::min<uint64_t>(response.bytes, response.body.size()))
              : std::span<const std::byte>(request.dst.data(), response.bytes);
      EntryInfo info;
      info.etag = response.etag;
      info.object_size = response.object_size;
      info.object_size_known = response.object_size_known;
      info.http_status = response.http_status;
      cache_->Insert(op->key, info, payload);
    }
  }
  Finish(*op, response);
}

void CachingClient::ServeEntry(Op& op, EntryInfo info, std::vector<std::byte> body,
                               uint32_t attempts, int http_version) {
  HttpResponse response;
  response.status = absl::OkStatus();
  response.http_status = info.http_status;
  response.bytes = info.bytes;
  if (op.request.dst.empty()) response.body = std::move(body);
  response.object_size = info.object_size;
  response.object_size_known = info.object_size_known;
  response.etag = std::move(info.etag);
  response.attempts = attempts;
  response.http_version = http_version;
  Finish(op, response);
}

void CachingClient::Finish(Op& op, HttpResponse& response) {
  response.latency_ns = NowNs() - op.start_ns;
  Callback done = std::move(op.done);
  done(response);
  std::lock_guard<std::mutex> lock(mu_);
  --outstanding_;
  idle_cv_.notify_all();
}

bool CachingClient::KnownEtag(const std::string& url, std::string* etag) {
  std::lock_guard<std::mutex> lock(etag_mu_);
  auto it = etags_.find(url);
  if (it == etags_.end()) return false;
  *etag = it->second;
  return true;
}

// First contact wins: the ETag then stays fixed for this process, so one process reads one
// version of an object from the cache. Forgetting a URL when the map is full is safe: its
// next cached read is revalidated.
void CachingClient::LearnEtag(const std::string& url, const std::string& etag) {
  std::lock_guard<std::mutex> lock(etag_mu_);
  if (etags_.count(url) != 0) return;
  if (etags_.size() >= options_.max_known_etags) etags_.erase(etags_.begin());
  etags_.emplace(url, etag);
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpClient>> MakeCachingClient(std::unique_ptr<HttpClient> inner,
                                                              CachingOptions options) {
  if (inner == nullptr) return absl::InvalidArgumentError("caching client: null inner client");
  if (options.threads < 1) {
    return absl::InvalidArgumentError(
        fmt::format("caching client: threads must be >= 1, got {}", options.threads));
  }
  if (options.max_known_etags < 1) {
    return absl::InvalidArgumentError("caching client: max_known_etags must be >= 1");
  }
  absl::StatusOr<std::unique_ptr<DiskCache>> cache =
      DiskCache::Open(options.dir, options.max_bytes);
  if (!cache.ok()) return cache.status();
  return std::unique_ptr<HttpClient>(
      new CachingClient(std::move(inner), std::move(*cache), std::move(options)));
}

absl::StatusOr<std::unique_ptr<HttpClient>> MakeCachingClient(std::unique_ptr<HttpClient> inner,
                                                              std::string dir,
                                                              uint64_t max_bytes) {
  CachingOptions options;
  options.dir = std::move(dir);
  options.max_bytes = max_bytes;
  return MakeCachingClient(std::move(inner), std::move(options));
}

std::optional<CacheStats> GetCacheStats(const HttpClient& client) {
  if (const auto* caching = dynamic_cast<const CachingClient*>(&client)) {
    return caching->cache_stats();
  }
  return std::nullopt;
}

}  // namespace zring::engine::http
