// Store-root resolution: URLs, addressing styles, regions, signers and descriptions, with a
// fake environment.
#include "engine/http/object_url.h"

#include <chrono>

#include "engine/http/sigv4.h"
#include "engine/http/url.h"
#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::http {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

Environment NoEnv() { return Environment::Fake({}); }

Environment KeysEnv() {
  return Environment::Fake({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "SECRET"}});
}

const SigV4Signer* AsSigV4(const ResolvedRoot& root) {
  return dynamic_cast<const SigV4Signer*>(root.signer.get());
}

TEST(ObjectUrl, S3VirtualHostedOnAws) {
  StorageOptions o;
  o.region = "eu-west-1";
  ASSERT_OK_AND_ASSIGN(ResolvedRoot root, ResolveRoot("s3://my-bucket/data/x.zarr/", o, KeysEnv()));
  EXPECT_EQ(root.scheme, "s3");
  EXPECT_EQ(root.bucket, "my-bucket");
  EXPECT_EQ(root.prefix, "data/x.zarr");
  EXPECT_EQ(root.region, "eu-west-1");
  EXPECT_FALSE(root.path_style);
  EXPECT_TRUE(root.listable);
  EXPECT_EQ(root.endpoint, "https://s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(root.bucket_url, "https://my-bucket.s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(root.base_url, "https://my-bucket.s3.eu-west-1.amazonaws.com/data/x.zarr");
  EXPECT_EQ(ObjectUrl(root, "c/0/1"), "https://my-bucket.s3.eu-west-1.amazonaws.com/data/x.zarr/c/0/1");
  const SigV4Signer* signer = AsSigV4(root);
  ASSERT_NE(signer, nullptr);
  EXPECT_EQ(signer->credentials().access_key_id, "AKID");
  EXPECT_EQ(signer->config().region, "eu-west-1");
  EXPECT_EQ(signer->config().service, "s3");
  EXPECT_EQ(root.auth, "keys from environment");
  EXPECT_EQ(root.Describe(),
            "s3://my-bucket/data/x.zarr/ -> https://my-bucket.s3.eu-west-1.amazonaws.com/data/"
            "x.zarr (region eu-west-1, virtual-hosted, keys from environment)");
}

TEST(ObjectUrl, S3RegionDefaultsAndChina) {
  ASSERT_OK_AND_ASSIGN(ResolvedRoot root, ResolveRoot("s3://bkt", {}, NoEnv()));
  EXPECT_EQ(root.region, "us-east-1");
  EXPECT_EQ(root.prefix, "");
  EXPECT_EQ(root.base_url, "https://bkt.s3.us-east-1.amazonaws.com");
  EXPECT_EQ(ObjectUrl(root, "zarr.json"), "https://bkt.s3.us-east-1.amazonaws.com/zarr.json");
  EXPECT_EQ(root.signer, nullptr);
  EXPECT_THAT(root.auth, HasSubstr("anonymous (no credentials"));
  ASSERT_OK_AND_ASSIGN(root, ResolveRoot("s3://bkt/p", {},
                                         Environment::Fake({{"AWS_REGION", "cn-north-1"}})));
  EXPECT_EQ(root.base_url, "https://bkt.s3.cn-north-1.amazonaws.com.cn/p");
}

TEST(ObjectUrl, S3CustomEndpointIsPathStyle) {
  StorageOptions o;
  o.endpoint_url = "http://127.0.0.1:9000/";
  ASSERT_OK_AND_ASSIGN(ResolvedRoot root, ResolveRoot("s3://bucket/a b/c", o, KeysEnv()));
  EXPECT_TRUE(root.path_style);
  EXPECT_EQ(root.endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(root.bucket_url, "http://127.0.0.1:9000/bucket");
  EXPECT_EQ(root.base_url, "http://127.0.0.1:9000/bucket/a%20b/c");
  EXPECT_EQ(ObjectUrl(root, "d/e+f"), "http://127.0.0.1:9000/bucket/a%20b/c/d/e%2Bf");
  o.addressing_style = AddressingStyle::kVirtual;
  ASSERT_OK_AND_ASSIGN(root, ResolveRoot("s3://bucket/p", o, KeysEnv()));
  EXPECT_FALSE(root.path_style);
  EXPECT_EQ(root.base_url, "http://bucket.127.0.0.1:9000/p");
  // AWS_ENDPOINT_URL is the fallback endpoint.
  ASSERT_OK_AND_ASSIGN(root, ResolveRoot("s3://bucket/p", {},
                                         Environment::Fake({{"AWS_ENDPOINT_URL",
                                                             "https://minio.local:8443"}})));
  EXPECT_EQ(root.base_url, "https://minio.local:8443/bucket/p");
}

TEST(ObjectUrl, S3DottedBucketForcesPathStyle) {
  StorageOptions o;
  o.addressing_style = AddressingStyle::kVirtual;
  ASSERT_OK_AND_ASSIGN(ResolvedRoot root, ResolveRoot("s3://my.data.bucket/p", o, NoEnv()));
  EXPECT_TRUE(root.path_style);
  EXPECT_EQ(root.base_url, "https://s3.us-east-1.amazonaws.com/my.data.bucket/p");
  o.addressing_style = AddressingStyle::kPath;
  ASSERT_OK_AND_ASSIGN(root, ResolveRoot("s3://plain/p", o, NoEnv()));
  EXPECT_EQ(root.base_url, "https://s3.us-east-1.amazonaws.com/plain/p");
}

TEST(ObjectUrl, AnonymousWhenAsked) {
  StorageOptions o;
  o.anonymous = true;
  ASSERT_OK_AND_ASSIGN(ResolvedRoot root, ResolveRoot("s3://b/p", o, KeysEnv()));
  EXPECT_EQ(root.signer, nullptr);
  EXPECT_EQ(root.auth, "anonymous (requested)");
  EXPECT_THAT(root.Describe(), HasSubstr("anonymous (requested)"));
}

TEST(ObjectUrl, GcsXmlApi) {
  ASSERT_OK_AND_ASSIGN(ResolvedRoot root, ResolveRoot("gs://gcp-public/era5.zarr", {}, KeysEnv()));
  EXPECT_EQ(root.base_url, "https://storage.googleapis.com/gcp-public/era5.zarr");
  EXPECT_EQ(root.bucket_url, "https://storage.googleapis.com/gcp-public");
  EXPECT_EQ(root.region, "auto");
  EXPECT_TRUE(root.listable);
  // AWS keys from the environment are never sent to Google.
  EXPECT_EQ(root.signer, nullptr);
  EXPECT_THAT(root.auth, HasSubstr("anonymous"));
  StorageOptions o;
  o.access_key_id = "GOOGHMAC";
  o.secret_access_key = "hmacsecret";
  ASSERT_OK_AND_ASSIGN(root, ResolveRoot("gs://b/p", o, NoEnv()));
  const SigV4Signer* signer = AsSigV4(root);
  ASSERT_NE(signer, nullptr);
  EXPECT_EQ(signer->config().region, "auto");
  EXPECT_EQ(signer->credentials().access_key_id, "GOOGHMAC");
  EXPECT_EQ(root.auth, "HMAC keys from storage options");
  ASSERT_OK_AND_ASSIGN(root, ResolveRoot("gs://b/p", {},
                                         Environment::Fake({{"GS_ACCESS_KEY_ID", "G"},
                                                            {"GS_SECRET_ACCESS_KEY", "S"}})));
  ASSERT_NE(AsSigV4(root), nullptr);
  EXPECT_EQ(root.auth, "HMAC keys from environment");
}

TEST(ObjectUrl, HttpAsGiven) {
  ASSERT_OK_AND_ASSIGN(ResolvedRoot root,
                       ResolveRoot("HTTP://127.0.0.1:8080/stores/a.zarr/", {}, KeysEnv()));
  EXPECT_EQ(root.scheme, "http");
  EXPECT_EQ(root.base_url, "http://127.0.0.1:8080/stores/a.zarr");
  EXPECT_FALSE(root.listable);
  EXPECT_EQ(root.signer, nullptr);
  EXPECT_EQ(ObjectUrl(root, ""), "http://127.0.0.1:8080/stores/a.zarr");
  EXPECT_EQ(ObjectUrl(root, ".zmetadata"), "http://127.0.0.1:8080/stores/a.zarr/.zmetadata");
  EXPECT_EQ(root.Describe(), "http://127.0.0.1:8080/stores/a.zarr (anonymous)");
  StorageOptions o;
  o.access_key_id = "A";
  o.secret_access_key = "S";
  o.region = "eu-west-3";
  ASSERT_OK_AND_ASSIGN(root, ResolveRoot("https://b.s3.amazonaws.com/p", o, NoEnv()));
  ASSERT_NE(AsSigV4(root), nullptr);
  EXPECT_EQ(AsSigV4(root)->config().region, "eu-west-3");
}

TEST(ObjectUrl, KeySegmentsArePercentEncoded) {
  ASSERT_OK_AND_ASSIGN(ResolvedRoot root, ResolveRoot("https://h/r", {}, NoEnv()));
  EXPECT_EQ(ObjectUrl(root, "a b/c%d/é/x?y#z/~._-"),
            "https://h/r/a%20b/c%25d/%C3%A9/x%3Fy%23z/~._-");
}

TEST(ObjectUrl, RejectsMalformedUrls) {
  const auto bad = [](std::string_view url) { return ResolveRoot(url, {}, NoEnv()); };
  EXPECT_THAT(bad("s3://"), StatusIs(absl::StatusCode::kInvalidArgument,
                                     AllOf(HasSubstr("\"s3://\""), HasSubstr("empty bucket"))));
  EXPECT_THAT(bad("s3:///key"), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("empty bucket")));
  EXPECT_THAT(bad("gs://my bucket/k"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("bucket name \"my bucket\"")));
  EXPECT_THAT(bad("ftp://host/x"), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("unsupported scheme 'ftp://'")));
  EXPECT_THAT(bad("/data/a.zarr"), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("local path")));
  EXPECT_THAT(bad("file:///data/a.zarr"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                   HasSubstr("local path")));
  EXPECT_THAT(bad("https://h/a b"), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("spaces")));
  EXPECT_THAT(bad("https:///path"), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("no host")));
  EXPECT_THAT(bad("https://h:99999/p"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                 HasSubstr("port")));
  EXPECT_THAT(bad("https://user:pw@h/p"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                   HasSubstr("credentials in the URL")));
  EXPECT_THAT(bad("https://h/p?x=1"), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("query")));
  StorageOptions o;
  o.endpoint_url = "ftp://x";
  EXPECT_THAT(ResolveRoot("s3://b/p", o, NoEnv()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'endpoint_url'")));
}

TEST(ObjectUrl, CredentialErrorsReachTheCaller) {
  EXPECT_THAT(ResolveRoot("s3://b/p", {}, Environment::Fake({{"AWS_PROFILE", "ghost"}})),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("'ghost'")));
}

TEST(ObjectUrl, IsRemoteUrl) {
  EXPECT_TRUE(IsRemoteUrl("s3://b/k"));
  EXPECT_TRUE(IsRemoteUrl("GS://b/k"));
  EXPECT_TRUE(IsRemoteUrl("http://h/k"));
  EXPECT_TRUE(IsRemoteUrl("https://h/k"));
  EXPECT_FALSE(IsRemoteUrl("file:///x"));
  EXPECT_FALSE(IsRemoteUrl("/data/x.zarr"));
  EXPECT_FALSE(IsRemoteUrl("relative/dir"));
}

TEST(Url, SplitsAndRebuildsHost) {
  ASSERT_OK_AND_ASSIGN(UrlParts u, SplitUrl("HTTPS://Example.COM:8443/a%20b/c?x=1&y#frag"));
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, 8443);
  EXPECT_EQ(u.path, "/a%20b/c");
  EXPECT_TRUE(u.has_query);
  EXPECT_EQ(u.query, "x=1&y");
  EXPECT_TRUE(u.has_fragment);
  EXPECT_EQ(HostHeaderValue(u), "example.com:8443");
  ASSERT_OK_AND_ASSIGN(u, SplitUrl("http://[::1]:80"));
  EXPECT_EQ(u.host, "[::1]");
  EXPECT_EQ(u.path, "");
  EXPECT_FALSE(u.has_query);
  EXPECT_EQ(HostHeaderValue(u), "[::1]");
  for (const char* bad : {"http://h:/", "http://h:0/", "http://h:x/", "http://[::1/", "://h/",
                          "1http://h/", "http://h/", "http://[::1]x/"}) {
    EXPECT_THAT(SplitUrl(bad), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("malformed URL")))
        << bad;
  }
}

TEST(Url, PercentDecode) {
  std::string out;
  ASSERT_TRUE(PercentDecode("a%20b%2fc%C3%A9", &out));
  EXPECT_EQ(out, "a b/c\xC3\xA9");
  EXPECT_FALSE(PercentDecode("%", &out));
  EXPECT_FALSE(PercentDecode("a%2", &out));
  EXPECT_FALSE(PercentDecode("%g0", &out));
}

}  // namespace
}  // namespace zring::engine::http
