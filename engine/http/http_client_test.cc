// HttpClient against nginx (HTTP/1.1 and h2c) on 127.0.0.1: seeded random ranges, suffixes and
// whole GETs checked byte for byte, many requests over several loops, error mapping, HEAD,
// retries of refused connections, fork and shutdown behaviour. Skips when nginx is missing.
#include "engine/http/http_client.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "engine/http/http_client_test_util.h"
#include "engine/http/test_servers.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::http {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::zring::testing::StatusIs;
using namespace ::zring::engine::http::testing;  // NOLINT: test helpers

TEST(HttpClient, CreateRejectsNonsensicalOptions) {
  HttpOptions o;
  o.loops = 0;
  EXPECT_THAT(HttpClient::Create(o), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("loops")));
  o = HttpOptions();
  o.max_requests = 0;
  EXPECT_THAT(HttpClient::Create(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_requests")));
  o = HttpOptions();
  o.backoff_base_ms = 100;
  o.backoff_max_ms = 10;
  EXPECT_THAT(HttpClient::Create(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("backoff_max_ms")));
}

TEST(HttpClient, RejectsInvalidRequestsWithoutIo) {
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create({}));
  HttpRequest r;
  r.url = "http://127.0.0.1:1/x";
  r.range = RangeKind::kRange;
  r.length = 0;
  EXPECT_THAT(client->Fetch(r).status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("0 bytes")));
  std::vector<std::byte> dst(10);
  r.length = 11;
  r.dst = dst;
  HttpResponse resp = client->Fetch(r);
  EXPECT_THAT(resp.status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dst holds 10")));
  EXPECT_EQ(resp.attempts, 0u);
}

TEST(HttpClientNginx, RandomRangesMatchTheFileOverHttp1) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(tree.root()));
  HttpOptions o;
  o.loops = 2;
  o.max_requests = 32;
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(o));
  RunResult r = RunRandomRequests(client.get(), nginx->base_url(), tree, 5000, 11, 20000);
  EXPECT_EQ(r.mismatches, 0) << r.first_problem;
  EXPECT_EQ(r.http2, 0);
  HttpStats s = client->Stats();
  EXPECT_EQ(s.requests, 5000u);
  EXPECT_EQ(s.failures, 0u);
  EXPECT_EQ(s.retries, 0u);
  // Connections are reused: far fewer than requests, at most max_requests at once.
  EXPECT_GT(s.connections, 0u);
  EXPECT_LT(s.connections, 500u);
}

TEST(HttpClientNginx, RandomRangesMatchTheFileOverH2c) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(tree.root(), {.h2c = true}));
  HttpOptions o;
  o.loops = 2;
  o.max_requests = 64;
  o.h2c = true;
  o.request_timeout_ms = 5000;
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(o));
  RunResult r = RunRandomRequests(client.get(), nginx->base_url(), tree, 3000, 12, 40000);
  EXPECT_EQ(r.mismatches, 0) << r.first_problem;
  EXPECT_EQ(r.http2, 3000);
  // Rarely (seen once in a slow ASan run) libcurl 7.88 leaves one h2c stream stalled until the
  // per-attempt timeout; the retry then delivers it. More than that is a regression.
  EXPECT_LE(client->Stats().retries, 2u);
  EXPECT_LT(client->Stats().connections, 100u);
}

TEST(HttpClientNginx, HttpsNegotiatesHttp2AndVerifiesTheCertificate) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(tree.root(), {.tls = true}));
  HttpOptions o;
  o.ca_file = nginx->ca_file();
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(o));
  RunResult r = RunRandomRequests(client.get(), nginx->url(), tree, 500, 13, 20000);
  EXPECT_EQ(r.mismatches, 0) << r.first_problem;
  EXPECT_EQ(r.http2, 500);  // by ALPN
  // Without the self-signed certificate the peer is not trusted: no retries, a clear error.
  ASSERT_OK_AND_ASSIGN(auto untrusting, HttpClient::Create({}));
  HttpRequest get;
  get.url = nginx->url() + "/small.bin";
  HttpResponse resp = untrusting->Fetch(get);
  EXPECT_THAT(resp.status, StatusIs(absl::StatusCode::kFailedPrecondition,
                                    HasSubstr("https://127.0.0.1")));
  EXPECT_EQ(resp.attempts, 1u);
  o.verify_tls = false;
  o.ca_file.clear();
  ASSERT_OK_AND_ASSIGN(auto trusting, HttpClient::Create(o));
  resp = trusting->Fetch(get);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.body, tree.small());
}

TEST(HttpClientNginx, WholeGetsIntoOwnedBodyAndDst) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(tree.root()));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create({}));
  HttpRequest r;
  r.url = nginx->base_url() + "/data.bin";
  HttpResponse resp = client->Fetch(r);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.http_status, 200);
  EXPECT_EQ(resp.body, tree.data());
  EXPECT_EQ(resp.object_size, tree.data().size());
  EXPECT_FALSE(resp.etag.empty());

  std::vector<std::byte> dst(tree.small().size() + 7, std::byte{0xEE});
  r.url = nginx->base_url() + "/small.bin";
  r.dst = dst;
  resp = client->Fetch(r);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.bytes, tree.small().size());
  EXPECT_EQ(std::vector<std::byte>(dst.begin(), dst.begin() + 1000), tree.small());
  EXPECT_EQ(dst[1000], std::byte{0xEE});

  // A body larger than dst or max_body_bytes fails instead of overflowing.
  std::vector<std::byte> tiny(10, std::byte{0xEE});
  r.dst = tiny;
  EXPECT_THAT(client->Fetch(r).status,
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("dst size")));
  EXPECT_EQ(tiny, std::vector<std::byte>(10, std::byte{0xEE}));
  r.dst = {};
  r.max_body_bytes = 999;
  EXPECT_THAT(client->Fetch(r).status,
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("max_body_bytes")));

  r.url = nginx->base_url() + "/empty.bin";
  r.max_body_bytes = 100;
  resp = client->Fetch(r);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.bytes, 0u);
  EXPECT_TRUE(resp.object_size_known);
}

TEST(HttpClientNginx, MissingObjectIsNotFoundNamingTheUrl) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(tree.root()));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create({}));
  HttpRequest r;
  r.url = nginx->base_url() + "/no/such/chunk?X-Amz-Signature=s3cr3t";
  r.range = RangeKind::kRange;
  r.offset = 5;
  r.length = 10;
  HttpResponse resp = client->Fetch(r);
  EXPECT_THAT(resp.status,
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("GET " + nginx->base_url() + "/no/such/chunk"),
                             HasSubstr("HTTP 404"), HasSubstr("1 attempt"),
                             HasSubstr("bytes 5-14"), Not(HasSubstr("s3cr3t")))));
  EXPECT_EQ(resp.http_status, 404);
  EXPECT_EQ(resp.attempts, 1u);
  EXPECT_EQ(client->Stats().failures, 1u);
}

TEST(HttpClientNginx, ForbiddenIsPermissionDenied) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(tree.root()));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create({}));
  HttpRequest r;
  r.url = nginx->base_url() + "/forbidden/secret.bin";
  HttpResponse resp = client->Fetch(r);
  EXPECT_THAT(resp.status, StatusIs(absl::StatusCode::kPermissionDenied,
                                    AllOf(HasSubstr("/forbidden/secret.bin"), HasSubstr("HTTP 403"))));
  EXPECT_EQ(resp.attempts, 1u);
}

TEST(HttpClientNginx, RangePastTheEndIsEmpty) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(tree.root()));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create({}));
  HttpRequest r;
  r.url = nginx->base_url() + "/small.bin";
  r.range = RangeKind::kRange;
  r.offset = 1000;
  r.length = 50;
  HttpResponse resp = client->Fetch(r);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.http_status, 416);
  EXPECT_EQ(resp.bytes, 0u);
  EXPECT_TRUE(resp.body.empty());
  EXPECT_TRUE(resp.object_size_known);
  EXPECT_EQ(resp.object_size, 1000u);
  // A suffix longer than the object is the whole object.
  r.range = RangeKind::kSuffix;
  r.length = 5000;
  resp = client->Fetch(r);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.body, tree.small());
}

TEST(HttpClientNginx, HeadGivesSizeAndEtag) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(tree.root()));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create({}));
  HttpRequest r;
  r.method = Method::kHead;
  r.url = nginx->base_url() + "/data.bin";
  HttpResponse resp = client->Fetch(r);
  ASSERT_OK(resp.status);
  EXPECT_TRUE(resp.object_size_known);
  EXPECT_EQ(resp.object_size, tree.data().size());
  EXPECT_EQ(resp.bytes, 0u);
  ASSERT_FALSE(resp.etag.empty());
  // The ETag makes a conditional GET answer 304.
  HttpRequest get;
  get.url = r.url;
  get.if_none_match = resp.etag;
  HttpResponse cond = client->Fetch(get);
  ASSERT_OK(cond.status);
  EXPECT_TRUE(cond.not_modified);
  EXPECT_EQ(cond.http_status, 304);
  EXPECT_TRUE(cond.body.empty());
}

TEST(HttpClient, RefusedConnectionsAreRetriedThenUnavailable) {
  auto port = test_servers_internal::FreePort();  // nobody listens there
  ASSERT_OK(port.status());
  HttpOptions o;
  o.max_retries = 3;
  o.backoff_base_ms = 1;
  o.backoff_max_ms = 5;
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create(o));
  HttpRequest r;
  r.url = "http://127.0.0.1:" + std::to_string(*port) + "/x";
  HttpResponse resp = client->Fetch(r);
  EXPECT_THAT(resp.status, StatusIs(absl::StatusCode::kUnavailable,
                                    AllOf(HasSubstr("4 attempts"), HasSubstr("connect"))));
  EXPECT_EQ(resp.attempts, 4u);
  EXPECT_EQ(resp.http_status, 0);
  EXPECT_EQ(client->Stats().retries, 3u);
  EXPECT_EQ(client->Stats().attempts, 4u);
}

TEST(HttpClientNginx, ForkedChildGetsFailedPrecondition) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(tree.root()));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create({}));
  HttpRequest r;
  r.url = nginx->base_url() + "/small.bin";
  ASSERT_OK(client->Fetch(r).status);  // the loops now run in this process
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    HttpResponse resp = client->Fetch(r);
    bool right = resp.status.code() == absl::StatusCode::kFailedPrecondition &&
                 std::string(resp.status.message()).find("fork") != std::string::npos &&
                 resp.attempts == 0;
    _exit(right ? 42 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
  // The parent's client still works.
  HttpResponse resp = client->Fetch(r);
  ASSERT_OK(resp.status);
  EXPECT_EQ(resp.body, tree.small());
}

TEST(HttpClientNginx, ClientFirstUsedInAChildWorksThere) {
  ServedTree tree;
  ZRING_START_SERVER_OR_SKIP(auto nginx, NginxServer::Start(tree.root()));
  ASSERT_OK_AND_ASSIGN(auto client, HttpClient::Create({}));
  HttpRequest r;
  r.url = nginx->base_url() + "/small.bin";
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    HttpResponse resp = client->Fetch(r);
    _exit(resp.status.ok() && resp.body == tree.small() ? 42 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 42);
}

}  // namespace
}  // namespace zring::engine::http
