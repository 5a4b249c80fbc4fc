// CachingClient over a fake inner client (an in-memory "server" with ETags, ranges and
// If-None-Match): hits make no request, a new process revalidates (304 serves the entry,
// 200/206 replaces it), responses without a strong ETag are not cached, HEAD and errors pass
// through, and a cache that cannot write never fails a read.
#include "engine/http/caching_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/http/test_servers.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::http {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

std::vector<std::byte> Bytes(const std::string& s) {
  std::vector<std::byte> out(s.size());
  std::memcpy(out.data(), s.data(), s.size());
  return out;
}
std::string Str(std::span<const std::byte> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}
std::string Digits(size_t n, int seed) {
  std::string s(n, '0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return s;
}

// The objects "on the server", shared by every fake client (one per simulated process).
class FakeServer {
 public:
  void Put(const std::string& url, const std::string& content, std::string etag) {
    std::lock_guard<std::mutex> lock(mu_);
    objects_[url] = {std::move(etag), content};
  }
  int requests() const { return requests_.load(); }
  int conditional_requests() const { return conditional_.load(); }
  int not_modified() const { return not_modified_.load(); }

  HttpResponse Answer(const HttpRequest& request) {
    requests_++;
    if (!request.if_none_match.empty()) conditional_++;
    HttpResponse r;
    r.attempts = 1;
    r.http_version = 1;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = objects_.find(request.url);
    if (it == objects_.end()) {
      r.http_status = 404;
      r.status = absl::NotFoundError("GET " + request.url + ": HTTP 404");
      return r;
    }
    const std::string& content = it->second.second;
    r.etag = it->second.first;
    r.object_size = content.size();
    r.object_size_known = true;
    if (!request.if_none_match.empty() && request.if_none_match == r.etag) {
      not_modified_++;
      r.http_status = 304;
      r.not_modified = true;
      return r;
    }
    uint64_t begin = 0, n = content.size();
    r.http_status = 200;
    if (request.method == Method::kHead) return r;
    if (request.range == RangeKind::kRange) {
      begin = std::min<uint64_t>(request.offset, content.size());
      n = std::min<uint64_t>(request.length, content.size() - begin);
      r.http_status = begin < content.size() ? 206 : 416;
    } else if (request.range == RangeKind::kSuffix) {
      n = std::min<uint64_t>(request.length, content.size());
      begin = content.size() - n;
      r.http_status = 206;
    }
    r.bytes = n;
    if (request.dst.empty()) {
      r.body = Bytes(content.substr(begin, n));
    } else {
      std::memcpy(request.dst.data(), content.data() + begin, n);
    }
    return r;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::string>> objects_;  // url -> (etag, bytes)
  std::atomic<int> requests_{0}, conditional_{0}, not_modified_{0};
};

// Completes every request on a thread of its own, as a real client completes on its loop.
class FakeClient : public HttpClient {
 public:
  explicit FakeClient(std::shared_ptr<FakeServer> server) : server_(std::move(server)) {}
  ~FakeClient() override {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::thread& t : threads_) t.join();
  }
  void Start(HttpRequest request, Callback done) override {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([this, request = std::move(request), done = std::move(done)] {
      HttpResponse r = server_->Answer(request);
      started_++;
      done(r);
    });
  }
  HttpStats Stats() const override {
    HttpStats s;
    s.requests = started_.load();
    return s;
  }
  const HttpOptions& options() const override { return options_; }

 private:
  std::shared_ptr<FakeServer> server_;
  HttpOptions options_;
  std::mutex mu_;
  std::vector<std::thread> threads_;
  std::atomic<uint64_t> started_{0};
};

struct Outcome {
  HttpResponse response;
  std::thread::id callback_thread;
};

Outcome Send(HttpClient& client, HttpRequest request) {
  std::promise<Outcome> promise;
  client.Start(std::move(request), [&](HttpResponse& r) {
    promise.set_value(Outcome{std::move(r), std::this_thread::get_id()});
  });
  return promise.get_future().get();
}

HttpRequest RangeGet(const std::string& url, uint64_t offset, uint64_t length) {
  HttpRequest r;
  r.url = url;
  r.range = RangeKind::kRange;
  r.offset = offset;
  r.length = length;
  return r;
}

class CachingClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/zring_caching_client_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    server_ = std::make_shared<FakeServer>();
    content_ = Digits(10000, 1);
    server_->Put(kUrl, content_, "\"v1\"");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A fresh client: what a new process sees (no ETag learned yet), on the same directory.
  std::unique_ptr<HttpClient> NewProcess(uint64_t max_bytes = 1 << 20) {
    auto client = MakeCachingClient(std::make_unique<FakeClient>(server_), dir_, max_bytes);
    EXPECT_TRUE(client.ok()) << client.status();
    return std::move(*client);
  }

  static constexpr const char* kUrl = "http://127.0.0.1/store/c/0";
  std::string dir_;
  std::shared_ptr<FakeServer> server_;
  std::string content_;
};

TEST_F(CachingClientTest, SecondReadOfARangeMakesNoRequest) {
  auto client = NewProcess();
  std::vector<std::byte> dst(300);
  HttpRequest request = RangeGet(kUrl, 1234, 300);
  request.dst = dst;
  Outcome first = Send(*client, request);
  ASSERT_OK(first.response.status);
  EXPECT_EQ(Str(dst), content_.substr(1234, 300));
  EXPECT_EQ(server_->requests(), 1);

  std::vector<std::byte> again(300);
  request.dst = again;
  Outcome second = Send(*client, request);
  ASSERT_OK(second.response.status);
  EXPECT_EQ(Str(again), content_.substr(1234, 300));
  EXPECT_EQ(server_->requests(), 1);
  EXPECT_EQ(second.response.bytes, 300u);
  EXPECT_EQ(second.response.attempts, 0u);
  EXPECT_EQ(second.response.etag, "\"v1\"");
  EXPECT_TRUE(second.response.object_size_known);
  EXPECT_EQ(second.response.object_size, content_.size());
  EXPECT_EQ(second.response.http_status, 206);
  EXPECT_FALSE(second.response.not_modified);
  EXPECT_NE(second.callback_thread, std::this_thread::get_id());

  // Without dst the body carries the bytes.
  Outcome body = Send(*client, RangeGet(kUrl, 1234, 300));
  ASSERT_OK(body.response.status);
  EXPECT_EQ(Str(body.response.body), content_.substr(1234, 300));
  EXPECT_EQ(server_->requests(), 1);
  std::optional<CacheStats> stats = GetCacheStats(*client);
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->inserts, 1u);
  EXPECT_EQ(stats->hits, 2u);
  EXPECT_EQ(client->Stats().requests, 1u);  // the inner client's: network requests only
}

TEST_F(CachingClientTest, ShortRangeAtTheEndIsCachedAsServed) {
  auto client = NewProcess();
  for (int i = 0; i < 2; ++i) {
    Outcome out = Send(*client, RangeGet(kUrl, 9990, 100));
    ASSERT_OK(out.response.status);
    EXPECT_EQ(out.response.bytes, 10u);
    EXPECT_EQ(Str(out.response.body), content_.substr(9990));
  }
  EXPECT_EQ(server_->requests(), 1);
}

TEST_F(CachingClientTest, NewProcessRevalidatesOnceThenServesWithoutRequests) {
  {
    auto first = NewProcess();
    ASSERT_OK(Send(*first, RangeGet(kUrl, 0, 100)).response.status);
    ASSERT_OK(Send(*first, RangeGet(kUrl, 500, 100)).response.status);
  }
  ASSERT_EQ(server_->requests(), 2);
  auto second = NewProcess();
  Outcome revalidated = Send(*second, RangeGet(kUrl, 0, 100));
  ASSERT_OK(revalidated.response.status);
  EXPECT_EQ(Str(revalidated.response.body), content_.substr(0, 100));
  EXPECT_EQ(server_->conditional_requests(), 1);
  EXPECT_EQ(server_->not_modified(), 1);
  EXPECT_EQ(revalidated.response.attempts, 1u);
  EXPECT_EQ(revalidated.response.http_status, 206);
  EXPECT_FALSE(revalidated.response.not_modified);
  EXPECT_EQ(revalidated.response.object_size, content_.size());
  // The 304 taught the ETag: the other cached range needs no request at all.
  Outcome hit = Send(*second, RangeGet(kUrl, 500, 100));
  ASSERT_OK(hit.response.status);
  EXPECT_EQ(Str(hit.response.body), content_.substr(500, 100));
  EXPECT_EQ(server_->requests(), 3);
  EXPECT_EQ(hit.response.attempts, 0u);
}

TEST_F(CachingClientTest, ChangedObjectIsRevalidatedAndTheNewBytesServed) {
  {
    auto first = NewProcess();
    ASSERT_OK(Send(*first, RangeGet(kUrl, 100, 50)).response.status);
  }
  const std::string changed = Digits(10000, 5);
  server_->Put(kUrl, changed, "\"v2\"");
  {
    auto second = NewProcess();
    std::vector<std::byte> dst(50);
    HttpRequest request = RangeGet(kUrl, 100, 50);
    request.dst = dst;
    Outcome out = Send(*second, request);
    ASSERT_OK(out.response.status);
    EXPECT_EQ(Str(dst), changed.substr(100, 50));
    EXPECT_EQ(out.response.etag, "\"v2\"");
    EXPECT_EQ(server_->conditional_requests(), 1);
    EXPECT_EQ(server_->not_modified(), 0);
  }
  // The entry now holds the new version: a third process gets a 304 and the new bytes.
  auto third = NewProcess();
  Outcome out = Send(*third, RangeGet(kUrl, 100, 50));
  ASSERT_OK(out.response.status);
  EXPECT_EQ(Str(out.response.body), changed.substr(100, 50));
  EXPECT_EQ(server_->not_modified(), 1);
}

TEST_F(CachingClientTest, KnownEtagIsFixedForTheProcess) {
  auto client = NewProcess();
  ASSERT_OK(Send(*client, RangeGet(kUrl, 0, 64)).response.status);
  server_->Put(kUrl, Digits(10000, 9), "\"v2\"");
  Outcome out = Send(*client, RangeGet(kUrl, 0, 64));
  ASSERT_OK(out.response.status);
  EXPECT_EQ(Str(out.response.body), content_.substr(0, 64));  // this process's version
  EXPECT_EQ(server_->requests(), 1);
  // A range not cached yet comes from the server (its current version).
  Outcome fresh = Send(*client, RangeGet(kUrl, 64, 64));
  EXPECT_EQ(Str(fresh.response.body), Digits(10000, 9).substr(64, 64));
  EXPECT_EQ(server_->requests(), 2);
}

TEST_F(CachingClientTest, ResponsesWithoutAStrongEtagAreNotCached) {
  server_->Put("http://h/none", "no validator here", "");
  server_->Put("http://h/weak", "weak validator here", "W/\"w1\"");
  auto client = NewProcess();
  for (const char* url : {"http://h/none", "http://h/weak"}) {
    for (int i = 0; i < 2; ++i) {
      Outcome out = Send(*client, RangeGet(url, 0, 4));
      ASSERT_OK(out.response.status);
      EXPECT_EQ(Str(out.response.body), std::string(url).substr(9, 2) == "no" ? "no v" : "weak");
    }
  }
  EXPECT_EQ(server_->requests(), 4);
  EXPECT_EQ(GetCacheStats(*client)->inserts, 0u);
}

TEST_F(CachingClientTest, SuffixesAreKeyedByTheirLength) {
  auto client = NewProcess();
  HttpRequest suffix;
  suffix.url = kUrl;
  suffix.range = RangeKind::kSuffix;
  suffix.length = 100;
  for (int i = 0; i < 2; ++i) {
    Outcome out = Send(*client, suffix);
    ASSERT_OK(out.response.status);
    EXPECT_EQ(Str(out.response.body), content_.substr(content_.size() - 100));
    EXPECT_EQ(out.response.object_size, content_.size());
  }
  EXPECT_EQ(server_->requests(), 1);
  suffix.length = 40;
  Outcome shorter = Send(*client, suffix);
  EXPECT_EQ(Str(shorter.response.body), content_.substr(content_.size() - 40));
  EXPECT_EQ(server_->requests(), 2);
}

TEST_F(CachingClientTest, WholeObjectsAreCachedUpToTheCap) {
  server_->Put("http://h/small", "small object", "\"s\"");
  CachingOptions options;
  options.dir = dir_;
  options.max_bytes = 1 << 20;
  options.max_whole_object_bytes = 1000;
  ASSERT_OK_AND_ASSIGN(auto client,
                       MakeCachingClient(std::make_unique<FakeClient>(server_), options));
  HttpRequest whole;
  whole.url = "http://h/small";
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(Str(Send(*client, whole).response.body), "small object");
  }
  EXPECT_EQ(server_->requests(), 1);
  whole.url = kUrl;  // 10000 bytes: above the cap
  for (int i = 0; i < 2; ++i) EXPECT_EQ(Str(Send(*client, whole).response.body), content_);
  EXPECT_EQ(server_->requests(), 3);
  // A cached body larger than this request allows goes to the network (which refuses it).
  whole.url = "http://h/small";
  whole.max_body_bytes = 5;
  Send(*client, whole);
  EXPECT_EQ(server_->requests(), 4);
}

TEST_F(CachingClientTest, HeadAndErrorsPassThrough) {
  auto client = NewProcess();
  HttpRequest head;
  head.method = Method::kHead;
  head.url = kUrl;
  for (int i = 0; i < 2; ++i) {
    Outcome out = Send(*client, head);
    ASSERT_OK(out.response.status);
    EXPECT_EQ(out.response.object_size, content_.size());
  }
  EXPECT_EQ(server_->requests(), 2);
  for (int i = 0; i < 2; ++i) {
    EXPECT_THAT(Send(*client, RangeGet("http://h/missing", 0, 10)).response.status,
                StatusIs(absl::StatusCode::kNotFound, HasSubstr("http://h/missing")));
  }
  EXPECT_EQ(server_->requests(), 4);
  EXPECT_EQ(GetCacheStats(*client)->inserts, 0u);
}

TEST_F(CachingClientTest, CacheThatCannotWriteNeverFailsReads) {
  // Every entry directory name is taken by a file: no insert can succeed (this works for
  // root too, unlike a read-only mode).
  fs::create_directories(dir_);
  for (int i = 0; i < 256; ++i) {
    char name[3];
    std::snprintf(name, sizeof(name), "%02x", i);
    std::ofstream(dir_ + "/" + name) << "x";
  }
  auto client = NewProcess();
  for (int i = 0; i < 3; ++i) {
    std::vector<std::byte> dst(200);
    HttpRequest request = RangeGet(kUrl, 10, 200);
    request.dst = dst;
    Outcome out = Send(*client, request);
    ASSERT_OK(out.response.status);
    EXPECT_EQ(Str(dst), content_.substr(10, 200));
  }
  EXPECT_EQ(server_->requests(), 3);
  EXPECT_GE(GetCacheStats(*client)->io_errors, 3u);
}

TEST_F(CachingClientTest, CorruptEntryIsRefetchedNotServed) {
  {
    auto first = NewProcess();
    ASSERT_OK(Send(*first, RangeGet(kUrl, 0, 1000)).response.status);
  }
  // Flip the last payload byte of the only entry.
  std::string entry;
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    if (e.path().extension() == ".zc") entry = e.path();
  }
  ASSERT_FALSE(entry.empty());
  {
    std::fstream f(entry, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('#');
  }
  auto second = NewProcess();
  Outcome out = Send(*second, RangeGet(kUrl, 0, 1000));
  ASSERT_OK(out.response.status);
  EXPECT_EQ(Str(out.response.body), content_.substr(0, 1000));
  EXPECT_EQ(server_->conditional_requests(), 0);  // a bad entry is no candidate to revalidate
  EXPECT_EQ(GetCacheStats(*second)->bad_entries, 1u);
}

TEST_F(CachingClientTest, ManyConcurrentReadsAllGetTheirBytes) {
  auto client = NewProcess(64 << 10);  // small: evictions happen while reads run
  constexpr int kReads = 400;
  std::vector<std::vector<std::byte>> dsts(kReads, std::vector<std::byte>(97));
  std::atomic<int> done{0}, wrong{0};
  for (int round = 0; round < 2; ++round) {
    done = 0;
    for (int i = 0; i < kReads; ++i) {
      HttpRequest request = RangeGet(kUrl, (i * 37) % 9900, 97);
      request.dst = dsts[i];
      client->Start(std::move(request), [&, i](HttpResponse& r) {
        if (!r.status.ok() || Str(dsts[i]) != content_.substr((i * 37) % 9900, 97)) wrong++;
        done++;
      });
    }
    while (done.load() < kReads) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LT(server_->requests(), 2 * kReads);  // the second round hit the cache
}

// The real client against nginx: a hit makes no request, a new process gets a 304 from nginx
// for its cached range, and a rewritten file (new ETag) is fetched and replaces the entry.
TEST_F(CachingClientTest, AgainstNginxRevalidatesWithRealConditionalGets) {
  const std::string root = dir_ + "/www", cache_dir = dir_ + "/cache";
  fs::create_directories(root);
  auto write_object = [&](const std::string& content, time_t mtime) {
    std::ofstream(root + "/obj", std::ios::binary | std::ios::trunc) << content;
    timespec times[2] = {{mtime, 0}, {mtime, 0}};  // nginx's ETag is mtime-size
    ASSERT_EQ(::utimensat(AT_FDCWD, (root + "/obj").c_str(), times, 0), 0);
  };
  const std::string v1 = Digits(200000, 3), v2 = Digits(200000, 4);
  write_object(v1, 1'600'000'000);
  ZRING_START_SERVER_OR_SKIP(auto nginx, testing::NginxServer::Start(root));
  const std::string url = nginx->base_url() + "/obj";
  auto process = [&]() {
    auto inner = HttpClient::Create(HttpOptions{});
    EXPECT_TRUE(inner.ok()) << inner.status();
    auto client = MakeCachingClient(std::move(*inner), cache_dir, 16 << 20);
    EXPECT_TRUE(client.ok()) << client.status();
    return std::move(*client);
  };
  {
    auto first = process();
    for (int i = 0; i < 2; ++i) {
      Outcome out = Send(*first, RangeGet(url, 1000, 5000));
      ASSERT_OK(out.response.status);
      EXPECT_EQ(Str(out.response.body), v1.substr(1000, 5000));
      EXPECT_EQ(out.response.object_size, v1.size());
    }
    EXPECT_EQ(first->Stats().requests, 1u);
  }
  {
    auto second = process();
    Outcome out = Send(*second, RangeGet(url, 1000, 5000));
    ASSERT_OK(out.response.status);
    EXPECT_EQ(Str(out.response.body), v1.substr(1000, 5000));
    EXPECT_EQ(second->Stats().requests, 1u);
    EXPECT_EQ(GetCacheStats(*second)->hits, 1u);
    EXPECT_EQ(GetCacheStats(*second)->inserts, 0u);  // nginx said 304: nothing new to store
  }
  write_object(v2, 1'700'000'000);
  auto third = process();
  for (int i = 0; i < 2; ++i) {
    Outcome out = Send(*third, RangeGet(url, 1000, 5000));
    ASSERT_OK(out.response.status);
    EXPECT_EQ(Str(out.response.body), v2.substr(1000, 5000));
  }
  EXPECT_EQ(third->Stats().requests, 1u);
  EXPECT_EQ(GetCacheStats(*third)->inserts, 1u);
}

// In a child forked after first use, the worker threads stayed in the parent: requests go
// straight to the inner client (which works here: the fake keeps no threads across fork).
TEST_F(CachingClientTest, ForkedChildPassesRequestsToTheInnerClient) {
  auto client = NewProcess();
  ASSERT_OK(Send(*client, RangeGet(kUrl, 0, 10)).response.status);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::promise<HttpResponse> promise;
    client->Start(RangeGet(kUrl, 20, 10),
                  [&](HttpResponse& r) { promise.set_value(std::move(r)); });
    HttpResponse r = promise.get_future().get();
    const bool right = r.status.ok() && Str(r.body) == content_.substr(20, 10);
    ::_exit(right && GetCacheStats(*client)->inserts == 1 && server_->requests() == 2 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(CachingClientTest, ForgottenEtagsAreRevalidatedNotTrusted) {
  server_->Put("http://h/other", "another object", "\"o\"");
  CachingOptions options;
  options.dir = dir_;
  options.max_bytes = 1 << 20;
  options.max_known_etags = 1;
  ASSERT_OK_AND_ASSIGN(auto client,
                       MakeCachingClient(std::make_unique<FakeClient>(server_), options));
  ASSERT_OK(Send(*client, RangeGet(kUrl, 0, 8)).response.status);
  ASSERT_OK(Send(*client, RangeGet("http://h/other", 0, 7)).response.status);  // evicts kUrl's
  EXPECT_EQ(server_->conditional_requests(), 0);
  Outcome out = Send(*client, RangeGet(kUrl, 0, 8));
  ASSERT_OK(out.response.status);
  EXPECT_EQ(Str(out.response.body), content_.substr(0, 8));
  EXPECT_EQ(server_->conditional_requests(), 1);
  EXPECT_EQ(server_->not_modified(), 1);
}

TEST_F(CachingClientTest, RejectsBadArguments) {
  EXPECT_THAT(MakeCachingClient(nullptr, dir_, 10).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("inner")));
  EXPECT_THAT(MakeCachingClient(std::make_unique<FakeClient>(server_), dir_, 0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_bytes")));
  EXPECT_THAT(MakeCachingClient(std::make_unique<FakeClient>(server_), "", 10).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_FALSE(GetCacheStats(FakeClient(server_)).has_value());
}

}  // namespace
}  // namespace zring::engine::http
