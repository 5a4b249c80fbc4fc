// HttpClient against tests/remote/fault_server.py on 127.0.0.1: injected 503s and 429s (with
// Retry-After), connections dropped before the response or mid-body (FIN and RST), slow
// responses, servers that ignore Range, permanently failing objects, signing on every
// attempt, and shutdown with requests in flight. Every read must return exact bytes with
// bounded attempts. Skips when python3 is missing.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/http/http_client.h"
#include "engine/http/http_client_test_util.h"
#include "engine/http/test_servers.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::http {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using namespace ::zring::engine::http::testing;  // NOLINT: test helpers

// The integer after `"key": ` in the server's /__stats JSON (keys are unique enough there);
// -1 when absent.
int64_t StatCount(const std::string& json, const std::string& key) {
  std::string needle = "\"" + key + "\": ";
  size_t at = json.find(needle);
  if (at == std::string::npos) return -1;
  return std::strtoll(json.c_str() + at + needle.size(), nullptr, 10);
}

HttpOptions FastRetries(int max_retries) {
  HttpOptions o;
  o.max_retries = max_retries;
  o.backoff_base_ms = 1;
  o.backoff_max_ms = 10;
  o.max_requests = 16;
  return o;
}

HttpRequest RangeOf(const std::string& url, uint64_t offset, uint64_t length) {
  HttpRequest r;
  r.url = url;
  r.range = RangeKind::kRange;
  r.offset = offset;
  r.length = length;
  return r;
}

TEST(HttpClientFaults, ErrorsAreRetriedAndBytesAreExact) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto server,
                             FaultServer::Start(tree.root(), {"--seed", "5", "--error-rate", "0.25"}));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(FastRetries(10)));
  RunResult r = RunRandomRequests(client.get(), server->base_url(), tree, 600, 21, 30000);
  EXPECT_EQ(r.mismatches, 0) << r.first_problem;
  ASSERT_OK_AND_ASSIGN(std::string stats, server->Stats());
  HttpStats s = client->Stats();
  EXPECT_EQ(s.failures, 0u);
  EXPECT_GT(s.retries, 50u);  // about a quarter of 600 attempts failed
  EXPECT_EQ(static_cast<int64_t>(s.retries), StatCount(stats, "error")) << stats;
  EXPECT_EQ(static_cast<int64_t>(s.attempts), StatCount(stats, "requests")) << stats;
}

TEST(HttpClientFaults, WithoutRetriesAnInjected503Fails) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto server, FaultServer::Start(tree.root(), {"--fail-first", "1"}));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(FastRetries(0)));
  HttpResponse resp = client->Fetch(RangeOf(server->base_url() + "/data.bin", 0, 100));
  EXPECT_THAT(resp.status, StatusIs(absl::StatusCode::kUnavailable,
                                    AllOf(HasSubstr("HTTP 503"), HasSubstr("1 attempt"))));
  EXPECT_EQ(resp.attempts, 1u);
  // The same fault with retries allowed is invisible to the caller.
  ASSERT_OK(server->ResetStats());
  ASSERT_OK_AND_ASSIGN(client, HttpClient::Create(FastRetries(2)));
  resp = client->Fetch(RangeOf(server->base_url() + "/data.bin", 10, 100));
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.attempts, 2u);
  EXPECT_EQ(resp.body, Expected(tree.data(), RangeOf("", 10, 100)));
}

TEST(HttpClientFaults, RetryAfterIsHonouredUpToTheBackoffCap) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(
      auto server, FaultServer::Start(tree.root(), {"--fail-first", "1", "--error-status", "429",
                                                    "--retry-after", "1"}));
  HttpOptions o = FastRetries(3);
  o.backoff_max_ms = 300;  // caps the server's 1 s
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(o));
  HttpResponse resp = client->Fetch(RangeOf(server->base_url() + "/data.bin", 0, 1000));
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.attempts, 2u);
  EXPECT_GE(resp.latency_ns, 300'000'000u);
  EXPECT_LT(resp.latency_ns, 950'000'000u);
  EXPECT_EQ(resp.body, Expected(tree.data(), RangeOf("", 0, 1000)));

  o.backoff_max_ms = 5000;  // now the full second is waited
  ASSERT_OK_AND_ASSIGN(client, HttpClient::Create(o));
  resp = client->Fetch(RangeOf(server->base_url() + "/small.bin", 0, 10));
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.attempts, 2u);
  EXPECT_GE(resp.latency_ns, 1'000'000'000u);
}

TEST(HttpClientFaults, DroppedConnectionsAreRetriedWithExactBytes) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(
      auto server, FaultServer::Start(tree.root(), {"--seed", "9", "--drop-rate", "0.15",
                                                    "--drop-mid-rate", "0.15"}));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(FastRetries(12)));
  RunResult r = RunRandomRequests(client.get(), server->base_url(), tree, 500, 31, 30000);
  EXPECT_EQ(r.mismatches, 0) << r.first_problem;
  ASSERT_OK_AND_ASSIGN(std::string stats, server->Stats());
  EXPECT_GT(StatCount(stats, "drop"), 10) << stats;
  EXPECT_GT(StatCount(stats, "drop_mid"), 10) << stats;
  // A drop costs at most one retry: libcurl itself resends a request whose reused connection
  // closed without a byte, and a mid-body drop picked for a bodiless answer (416) is no fault.
  int64_t retries = static_cast<int64_t>(client->Stats().retries);
  EXPECT_GT(retries, StatCount(stats, "drop_mid") / 2);
  EXPECT_LE(retries, StatCount(stats, "drop") + StatCount(stats, "drop_mid"));
  // The same with resets (RST) instead of orderly closes.
  ASSERT_OK(server->SetFaults(R"({"rst": true})"));
  r = RunRandomRequests(client.get(), server->base_url(), tree, 300, 32, 30000);
  EXPECT_EQ(r.mismatches, 0) << r.first_problem;
  EXPECT_EQ(client->Stats().failures, 0u);
}

TEST(HttpClientFaults, MidBodyDropResumesAfterTheBytesReceived) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto server,
                             FaultServer::Start(tree.root(), {"--drop-mid-every", "2",
                                                              "--record-header", "Range"}));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(FastRetries(3)));
  std::string url = server->base_url() + "/data.bin";
  ASSERT_OK(client->Fetch(RangeOf(url, 1000, 10)).status);  // request 1: served whole
  // Request 2 sends 10000 of 20000 bytes then closes; request 3 asks for the rest only.
  std::vector<std::byte> dst(20000);
  HttpRequest r = RangeOf(url, 5000, 20000);
  r.dst = dst;
  HttpResponse resp = client->Fetch(r);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.attempts, 2u);
  EXPECT_EQ(resp.bytes, 20000u);
  EXPECT_EQ(dst, Expected(tree.data(), r));
  ASSERT_OK_AND_ASSIGN(std::string stats, server->Stats());
  EXPECT_THAT(stats, HasSubstr(R"("last": "bytes=15000-24999")"));
  EXPECT_EQ(StatCount(stats, "/data.bin"), 3);

  // A whole GET into an owned body resumes with an open-ended range.
  ASSERT_OK(server->ResetStats());
  HttpRequest head;
  head.method = Method::kHead;
  head.url = server->base_url() + "/small.bin";
  ASSERT_OK(client->Fetch(head).status);  // request 1
  HttpRequest whole;
  whole.url = head.url;
  resp = client->Fetch(whole);  // request 2 cut after 500 bytes, request 3 resumes
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.attempts, 2u);
  EXPECT_EQ(resp.body, tree.small());
  ASSERT_OK_AND_ASSIGN(stats, server->Stats());
  EXPECT_THAT(stats, HasSubstr(R"("last": "bytes=500-")"));
}

TEST(HttpClientFaults, SlowResponsesTimeOutPerAttempt) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto server, FaultServer::Start(tree.root(), {"--delay-ms", "3000"}));
  HttpOptions o = FastRetries(1);
  o.request_timeout_ms = 200;
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(o));
  auto start = std::chrono::steady_clock::now();
  HttpResponse resp = client->Fetch(RangeOf(server->base_url() + "/data.bin", 0, 100));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_THAT(resp.status, StatusIs(absl::StatusCode::kDeadlineExceeded,
                                    AllOf(HasSubstr("/data.bin"), HasSubstr("2 attempts"))));
  EXPECT_EQ(resp.attempts, 2u);
  EXPECT_LT(elapsed, std::chrono::milliseconds(2000));

  // A trickling body within the timeout arrives whole.
  ASSERT_OK(server->SetFaults(
      R"({"delay_ms": 50, "trickle_ms": 2, "trickle_bytes": 8192})"));
  o.request_timeout_ms = 20000;
  ASSERT_OK_AND_ASSIGN(client, HttpClient::Create(o));
  HttpRequest r = RangeOf(server->base_url() + "/data.bin", 3, 200000);
  resp = client->Fetch(r);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.attempts, 1u);
  EXPECT_EQ(resp.body, Expected(tree.data(), r));
}

TEST(HttpClientFaults, ServerIgnoringRangeIsCut) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto server, FaultServer::Start(tree.root(), {"--ignore-range"}));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(FastRetries(2)));
  RunResult r = RunRandomRequests(client.get(), server->base_url(), tree, 300, 41, 30000);
  EXPECT_EQ(r.mismatches, 0) << r.first_problem;
  HttpRequest suffix;
  suffix.url = server->base_url() + "/data.bin";
  suffix.range = RangeKind::kSuffix;
  suffix.length = 77;
  HttpResponse resp = client->Fetch(suffix);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.http_status, 200);
  EXPECT_EQ(resp.body, Expected(tree.data(), suffix));
  ASSERT_OK_AND_ASSIGN(std::string stats, server->Stats());
  EXPECT_GT(StatCount(stats, "ignore_range"), 200) << stats;  // every ranged request
}

TEST(HttpClientFaults, BodiesWithoutContentLengthAreExact) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto server,
                             FaultServer::Start(tree.root(), {"--ignore-range", "--no-length"}));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(FastRetries(2)));
  std::string url = server->base_url() + "/data.bin";
  // A suffix of a whole body of unknown length: the last bytes are kept as they stream by.
  for (uint64_t length : {1u, 77u, 65536u, (1u << 20) + 123u, (1u << 21)}) {
    std::vector<std::byte> dst;  // odd lengths land in dst, even ones in the owned body
    if (length % 2 == 1) dst.assign(length, std::byte{0xEE});
    HttpRequest suffix;
    suffix.url = url;
    suffix.range = RangeKind::kSuffix;
    suffix.length = length;
    suffix.dst = dst;
    HttpResponse resp = client->Fetch(suffix);
    ASSERT_OK(resp.status);
    EXPECT_EQ(Delivered(resp, dst), Expected(tree.data(), suffix)) << length;
    EXPECT_TRUE(resp.object_size_known);
    EXPECT_EQ(resp.object_size, tree.data().size());
  }
  HttpRequest range = RangeOf(url, 4000, 3000);
  EXPECT_EQ(client->Fetch(range).body, Expected(tree.data(), range));
  HttpRequest whole;
  whole.url = url;
  HttpResponse resp = client->Fetch(whole);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.body, tree.data());
  whole.max_body_bytes = 1000;
  EXPECT_THAT(client->Fetch(whole).status, StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_body_bytes")));
}

TEST(HttpClientFaults, PermanentlyFailingObjectFailsOnlyItsRequests) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto server,
                             FaultServer::Start(tree.root(), {"--fail-path", "/data.bin=503"}));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(FastRetries(3)));
  constexpr int kEach = 20;
  Latch latch(2 * kEach);
  std::atomic<int> bad_ok{0}, good_failed{0}, bad_wrong{0};
  for (int i = 0; i < 2 * kEach; ++i) {
    bool bad = i % 2 == 0;
    HttpRequest r = RangeOf(server->base_url() + (bad ? "/data.bin" : "/small.bin"), i, 100);
    std::vector<std::byte> expected = Expected(tree.small(), r);
    client->Start(std::move(r), [&, bad, expected](HttpResponse& resp) {
      if (bad) {
        if (resp.status.ok()) ++bad_ok;
        if (resp.status.code() != absl::StatusCode::kUnavailable || resp.attempts != 4 ||
            std::string(resp.status.message()).find("HTTP 503") == std::string::npos) {
          ++bad_wrong;
        }
      } else if (!resp.status.ok() || resp.body != expected) {
        ++good_failed;
      }
      latch.CountDown();
    });
  }
  ASSERT_TRUE(latch.Wait(std::chrono::seconds(60)));
  EXPECT_EQ(bad_ok.load(), 0);
  EXPECT_EQ(bad_wrong.load(), 0);
  EXPECT_EQ(good_failed.load(), 0);
  ASSERT_OK_AND_ASSIGN(std::string stats, server->Stats());
  EXPECT_EQ(StatCount(stats, "/data.bin"), kEach * 4) << stats;  // 1 + max_retries each
  EXPECT_EQ(StatCount(stats, "/small.bin"), kEach) << stats;
  EXPECT_EQ(client->Stats().failures, static_cast<uint64_t>(kEach));
}

class CountingSigner : public RequestSigner {
 public:
  absl::Status Sign(std::string_view method, const std::string& url,
                    Headers* headers) const override {
    int n = ++calls_;
    if (method != "GET" || url.find("/data.bin") == std::string::npos) {
      return absl::InternalError("unexpected request to sign");
    }
    for (const auto& [name, value] : *headers) {
      if (name == "Range") saw_range_ = true;
    }
    if (fail_) return absl::PermissionDeniedError("no credentials");
    headers->emplace_back("X-Zring-Attempt", std::to_string(n));
    return absl::OkStatus();
  }
  mutable std::atomic<int> calls_{0};
  mutable std::atomic<bool> saw_range_{false};
  bool fail_ = false;
};

TEST(HttpClientFaults, SignerSignsEveryAttemptAndItsHeadersArrive) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto server,
                             FaultServer::Start(tree.root(), {"--fail-first", "2", "--record-header",
                                                              "X-Zring-Attempt"}));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(FastRetries(4)));
  auto signer = std::make_shared<CountingSigner>();
  HttpRequest r = RangeOf(server->base_url() + "/data.bin", 100, 50);
  r.signer = signer;
  HttpResponse resp = client->Fetch(r);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.attempts, 3u);
  EXPECT_EQ(signer->calls_.load(), 3);
  EXPECT_TRUE(signer->saw_range_.load());  // the Range header is signed too
  EXPECT_EQ(resp.body, Expected(tree.data(), r));
  ASSERT_OK_AND_ASSIGN(std::string stats, server->Stats());
  EXPECT_THAT(stats, HasSubstr(R"("x-zring-attempt": {"count": 3, "last": "3"})"));

  // A signer that fails stops the request before anything is sent.
  ASSERT_OK(server->ResetStats());
  signer->fail_ = true;
  resp = client->Fetch(r);
  EXPECT_THAT(resp.status, StatusIs(absl::StatusCode::kPermissionDenied,
                                    AllOf(HasSubstr("signing failed"), HasSubstr("/data.bin"))));
  ASSERT_OK_AND_ASSIGN(stats, server->Stats());
  EXPECT_EQ(StatCount(stats, "requests"), 0) << stats;
}

TEST(HttpClientFaults, DestructorWithRequestsInFlightDoesNotHang) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto server, FaultServer::Start(tree.root(), {"--delay-ms", "5000"}));
  constexpr int kRequests = 50;
  std::atomic<int> cancelled{0}, completed{0};
  auto start = std::chrono::steady_clock::now();
  {
    HttpOptions o = FastRetries(3);
    o.max_requests = 4;
    o.loops = 2;
    ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(o));
    for (int i = 0; i < kRequests; ++i) {
      client->Start(RangeOf(server->base_url() + "/data.bin", 0, 10), [&](HttpResponse& resp) {
        if (resp.status.code() == absl::StatusCode::kCancelled) ++cancelled;
        ++completed;
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(completed.load(), kRequests);
  EXPECT_EQ(cancelled.load(), kRequests);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(3000));
}

}  // namespace
}  // namespace zring::engine::http
