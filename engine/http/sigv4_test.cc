// SigV4 signing against AWS's published S3 examples ("Signature Calculations for the
// Authorization Header", GET Object / GET Bucket Lifecycle / GET Bucket (List Objects)), checked
// step by step, and against signatures of the same requests computed by botocore's S3SigV4Auth
// for the cases AWS does not publish (query encoding, session token, a non-default port).
#include "engine/http/sigv4.h"

#include <chrono>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::http {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::zring::testing::StatusIs;

constexpr char kEmptyHash[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

AwsCredentials ExampleKeys(std::string token = "") {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", std::move(token),
          "test"};
}

// 2013-05-24T00:00:00Z, the time of AWS's examples.
std::chrono::system_clock::time_point ExampleTime() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1369353600));
}

SigV4Config Region(std::string region) {
  SigV4Config config;
  config.region = std::move(region);
  return config;
}

TEST(SigV4, Helpers) {
  EXPECT_EQ(Sha256Hex(""), kEmptyHash);
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexLower(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(AmzDate(ExampleTime()), "20130524T000000Z");
  EXPECT_EQ(UriEncode("a b+c/d~e_f.g-h%", false), "a%20b%2Bc%2Fd~e_f.g-h%25");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(UriEncode("\xC3\xA9", false), "%C3%A9");
}

TEST(SigV4, CanonicalQueryStringSortsAndEncodes) {
  EXPECT_EQ(CanonicalQueryString(""), "");
  EXPECT_EQ(CanonicalQueryString("lifecycle"), "lifecycle=");
  EXPECT_EQ(CanonicalQueryString("prefix=J&max-keys=2"), "max-keys=2&prefix=J");
  // Already-encoded values are not encoded twice; unencoded ones are encoded.
  EXPECT_EQ(CanonicalQueryString("prefix=a%20b&delimiter=/"), "delimiter=%2F&prefix=a%20b");
  EXPECT_EQ(CanonicalQueryString("b=2&&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(CanonicalQueryString("k=%zz"), "k=%25zz");
}

TEST(SigV4, AwsGetObjectExampleStepByStep) {
  ASSERT_OK_AND_ASSIGN(
      SigV4Parts parts,
      ComputeSigV4("GET", "https://examplebucket.s3.amazonaws.com/test.txt",
                   {{"Range", "bytes=0-9"}}, ExampleKeys(), Region("us-east-1"), ExampleTime()));
  EXPECT_EQ(parts.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(parts.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(parts.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(parts.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, AwsBucketExamplesWithQueries) {
  ASSERT_OK_AND_ASSIGN(SigV4Parts lifecycle,
                       ComputeSigV4("GET", "https://examplebucket.s3.amazonaws.com/?lifecycle", {},
                                    ExampleKeys(), Region("us-east-1"), ExampleTime()));
  EXPECT_EQ(lifecycle.signature,
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  ASSERT_OK_AND_ASSIGN(
      SigV4Parts list,
      ComputeSigV4("GET", "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J", {},
                   ExampleKeys(), Region("us-east-1"), ExampleTime()));
  EXPECT_THAT(list.canonical_request, HasSubstr("GET\n/\nmax-keys=2&prefix=J\nhost:"));
  EXPECT_EQ(list.signed_headers, "host;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(list.signature, "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4, EncodedListQueryMatchesBotocore) {
  ASSERT_OK_AND_ASSIGN(
      SigV4Parts parts,
      ComputeSigV4("GET",
                   "https://examplebucket.s3.eu-west-1.amazonaws.com/?prefix=a%20b%2Bc%2Fd&"
                   "list-type=2&delimiter=%2F&continuation-token=1%2FAbC%3D%3D",
                   {}, ExampleKeys(), Region("eu-west-1"), ExampleTime()));
  EXPECT_THAT(parts.canonical_request,
              HasSubstr("\ncontinuation-token=1%2FAbC%3D%3D&delimiter=%2F&list-type=2&"
                        "prefix=a%20b%2Bc%2Fd\n"));
  EXPECT_EQ(parts.scope, "20130524/eu-west-1/s3/aws4_request");
  EXPECT_EQ(parts.signature, "6b848a69492bf8c55f6de9d811ec7fc010bb7fa776019de1994e8e83efcdc9b3");
}

TEST(SigV4, SessionTokenIsSignedAndSent) {
  ASSERT_OK_AND_ASSIGN(
      SigV4Parts parts,
      ComputeSigV4("GET", "https://examplebucket.s3.amazonaws.com/data%20set/c/0.0",
                   {{"Range", "bytes=100-199"}}, ExampleKeys("FQoGZXIvYXdzEXAMPLETOKEN//+="),
                   Region("us-east-1"), ExampleTime()));
  EXPECT_THAT(parts.canonical_request, HasSubstr("GET\n/data%20set/c/0.0\n\n"));
  EXPECT_THAT(parts.canonical_request,
              HasSubstr("\nx-amz-security-token:FQoGZXIvYXdzEXAMPLETOKEN//+=\n"));
  EXPECT_EQ(parts.signed_headers,
            "host;range;x-amz-content-sha256;x-amz-date;x-amz-security-token");
  EXPECT_EQ(parts.signature, "6c7a294bf30f01012bc44ed2f3e2280cba2fc49e31e0d1065300f68bc1a51102");
}

TEST(SigV4, HostKeepsNonDefaultPort) {
  ASSERT_OK_AND_ASSIGN(SigV4Parts parts,
                       ComputeSigV4("GET", "http://127.0.0.1:9000/bucket/key.bin",
                                    {{"range", "bytes=0-0"}}, ExampleKeys(), Region("us-east-1"),
                                    ExampleTime()));
  EXPECT_THAT(parts.canonical_request, HasSubstr("\nhost:127.0.0.1:9000\n"));
  EXPECT_EQ(parts.signature, "b0645d5bbc7aaaa422b9f9aba7591edd888ed1a41181f8e6501b339cc6212dc4");
  // The default port is left out, as libcurl leaves it out of its Host header.
  ASSERT_OK_AND_ASSIGN(SigV4Parts https,
                       ComputeSigV4("GET", "https://examplebucket.s3.amazonaws.com:443/test.txt",
                                    {{"Range", "bytes=0-9"}}, ExampleKeys(), Region("us-east-1"),
                                    ExampleTime()));
  EXPECT_EQ(https.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, UnsignedPayloadAndHeaderFolding) {
  SigV4Config config = Region("us-east-1");
  config.payload = PayloadHash::kUnsigned;
  ASSERT_OK_AND_ASSIGN(
      SigV4Parts parts,
      ComputeSigV4("HEAD", "https://b.s3.amazonaws.com/k",
                   {{"Range", "  bytes=0-9  "}, {"X-Amz-Meta-A", "x   y"}, {"Accept", "*/*"}},
                   ExampleKeys(), config, ExampleTime()));
  EXPECT_EQ(parts.canonical_request,
            "HEAD\n/k\n\nhost:b.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:20130524T000000Z\n"
            "x-amz-meta-a:x y\n\nhost;range;x-amz-content-sha256;x-amz-date;x-amz-meta-a\n"
            "UNSIGNED-PAYLOAD");
}

TEST(SigV4, SignerAppendsHeadersAndReplacesOldSignature) {
  auto clock = [] { return ExampleTime(); };
  SigV4Signer signer(ExampleKeys(), Region("us-east-1"), clock);
  Headers headers = {{"Range", "bytes=0-9"}};
  ASSERT_OK(signer.Sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", &headers));
  const std::string auth =
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
  EXPECT_THAT(headers, ElementsAre(Pair("Range", "bytes=0-9"),
                                   Pair("x-amz-date", "20130524T000000Z"),
                                   Pair("x-amz-content-sha256", kEmptyHash),
                                   Pair("Authorization", auth)));
  // Signing again (a retry) replaces the old signature headers instead of piling them up.
  ASSERT_OK(signer.Sign("GET", "https://examplebucket.s3.amazonaws.com/test.txt", &headers));
  EXPECT_EQ(headers.size(), 4u);
  EXPECT_THAT(headers.back(), Pair("Authorization", auth));
}

TEST(SigV4, RefusesBadUrlsAndMissingKeys) {
  Headers headers;
  SigV4Signer signer(ExampleKeys(), Region("us-east-1"));
  EXPECT_THAT(signer.Sign("GET", "s3://bucket/key", &headers),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("s3://bucket/key")));
  EXPECT_THAT(signer.Sign("GET", "no-scheme/key", &headers),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no-scheme/key")));
  EXPECT_THAT(signer.Sign("GET", "https://h/a b", &headers),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spaces")));
  SigV4Signer no_secret(AwsCredentials{"AKID", "", "", "test"}, Region("us-east-1"));
  EXPECT_THAT(no_secret.Sign("GET", "https://h/k", &headers),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("secret")));
  EXPECT_TRUE(headers.empty());
}

}  // namespace
}  // namespace zring::engine::http
