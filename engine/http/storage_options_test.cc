// ParseStorageOptions: every key and alias lands in its field; bad values and unknown keys are
// clear errors naming the key.
#include "engine/http/storage_options.h"

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::http {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

TEST(StorageOptions, DefaultsWhenEmpty) {
  ASSERT_OK_AND_ASSIGN(StorageOptions o, ParseStorageOptions({}));
  EXPECT_FALSE(o.anonymous);
  EXPECT_EQ(o.addressing_style, AddressingStyle::kAuto);
  EXPECT_EQ(o.http.max_requests, HttpOptions().max_requests);
  EXPECT_EQ(o.coalesce_gap_bytes, uint64_t{1} << 20);
  EXPECT_FALSE(o.coalesce_gap_set);
  EXPECT_EQ(o.cache_bytes, 0u);
}

TEST(StorageOptions, ParsesEveryOption) {
  ASSERT_OK_AND_ASSIGN(
      StorageOptions o,
      ParseStorageOptions({{"region", "eu-west-1"},
                           {"endpoint_url", "http://127.0.0.1:9000"},
                           {"addressing_style", "Virtual"},
                           {"anon", "yes"},
                           {"key", "AKID"},
                           {"secret", "SECRET"},
                           {"token", "TOKEN"},
                           {"profile", "work"},
                           {"max_requests", "128"},
                           {"max_retries", "0"},
                           {"connect_timeout", "2.5"},
                           {"request_timeout", "30"},
                           {"http2", "false"},
                           {"h2c", "0"},
                           {"coalesce_gap", "512KiB"},
                           {"cache_dir", "/tmp/zc"},
                           {"cache_bytes", "2 GiB"},
                           {"verify_tls", "no"},
                           {"ca_file", "/etc/ca.pem"}}));
  EXPECT_EQ(o.region, "eu-west-1");
  EXPECT_EQ(o.endpoint_url, "http://127.0.0.1:9000");
  EXPECT_EQ(o.addressing_style, AddressingStyle::kVirtual);
  EXPECT_TRUE(o.anonymous);
  EXPECT_EQ(o.access_key_id, "AKID");
  EXPECT_EQ(o.secret_access_key, "SECRET");
  EXPECT_EQ(o.session_token, "TOKEN");
  EXPECT_EQ(o.profile, "work");
  EXPECT_EQ(o.http.max_requests, 128);
  EXPECT_EQ(o.http.max_retries, 0);
  EXPECT_EQ(o.http.connect_timeout_ms, 2500u);
  EXPECT_EQ(o.http.request_timeout_ms, 30000u);
  EXPECT_FALSE(o.http.http2);
  EXPECT_FALSE(o.http.h2c);
  EXPECT_EQ(o.coalesce_gap_bytes, 512u * 1024);
  EXPECT_TRUE(o.coalesce_gap_set);
  EXPECT_EQ(o.cache_dir, "/tmp/zc");
  EXPECT_EQ(o.cache_bytes, uint64_t{2} << 30);
  EXPECT_FALSE(o.http.verify_tls);
  EXPECT_EQ(o.http.ca_file, "/etc/ca.pem");
}

TEST(StorageOptions, ObstoreAndBotoSpellings) {
  ASSERT_OK_AND_ASSIGN(StorageOptions o,
                       ParseStorageOptions({{"aws_access_key_id", "A"},
                                            {"aws_secret_access_key", "S"},
                                            {"aws_session_token", "T"},
                                            {"skip_signature", "TRUE"},
                                            {"aws_region", "us-west-2"},
                                            {"virtual_hosted_style_request", "false"}}));
  EXPECT_EQ(o.access_key_id, "A");
  EXPECT_EQ(o.secret_access_key, "S");
  EXPECT_EQ(o.session_token, "T");
  EXPECT_TRUE(o.anonymous);
  EXPECT_EQ(o.region, "us-west-2");
  EXPECT_EQ(o.addressing_style, AddressingStyle::kPath);
}

TEST(StorageOptions, BadValuesNameTheKey) {
  EXPECT_THAT(ParseStorageOptions({{"max_retries", "x"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "storage option 'max_retries': expected a non-negative integer, got 'x'"));
  EXPECT_THAT(ParseStorageOptions({{"max_retries", "-1"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'max_retries'")));
  EXPECT_THAT(ParseStorageOptions({{"max_requests", "0"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'max_requests'"), HasSubstr("positive integer"))));
  EXPECT_THAT(ParseStorageOptions({{"max_requests", "99999999999"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'max_requests'")));
  EXPECT_THAT(ParseStorageOptions({{"anon", "maybe"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'anon'"), HasSubstr("boolean"), HasSubstr("'maybe'"))));
  EXPECT_THAT(ParseStorageOptions({{"coalesce_gap", "1MB"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'coalesce_gap'"), HasSubstr("'1MB'"))));
  EXPECT_THAT(ParseStorageOptions({{"cache_bytes", "99999999999GiB"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'cache_bytes'")));
  for (const char* bad : {"-1", "0", "nan", "inf", "1e3", "", "5s", "99999999"}) {
    EXPECT_THAT(ParseStorageOptions({{"request_timeout", bad}}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'request_timeout'")))
        << bad;
  }
  EXPECT_THAT(ParseStorageOptions({{"addressing_style", "dns"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'addressing_style'"), HasSubstr("'dns'"))));
}

TEST(StorageOptions, UnknownKeyListsKnownOnes) {
  EXPECT_THAT(ParseStorageOptions({{"regoin", "x"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("unknown storage option 'regoin'"), HasSubstr("region"),
                             HasSubstr("endpoint_url"), HasSubstr("cache_bytes"))));
}

TEST(StorageOptions, SameOptionTwiceIsAnError) {
  EXPECT_THAT(ParseStorageOptions({{"anon", "true"}, {"skip_signature", "false"}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'anonymous' given twice"), HasSubstr("'anon'"),
                             HasSubstr("'skip_signature'"))));
}

TEST(StorageOptions, H2cNeedsHttp2) {
  EXPECT_THAT(ParseStorageOptions({{"h2c", "true"}, {"http2", "false"}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("h2c")));
  ASSERT_OK_AND_ASSIGN(StorageOptions o, ParseStorageOptions({{"h2c", "true"}}));
  EXPECT_TRUE(o.http.h2c);
}

TEST(StorageOptions, ValueParsers) {
  EXPECT_EQ(*ParseSizeOption("k", "0"), 0u);
  EXPECT_EQ(*ParseSizeOption("k", "4096"), 4096u);
  EXPECT_EQ(*ParseSizeOption("k", "3KiB"), 3072u);
  EXPECT_EQ(*ParseSizeOption("k", "1 mib"), uint64_t{1} << 20);
  EXPECT_EQ(*ParseSecondsOptionMs("k", "0.0001"), 1u);  // rounded up: never 0 ms
  EXPECT_EQ(*ParseSecondsOptionMs("k", "1.25"), 1250u);
  EXPECT_TRUE(*ParseBoolOption("k", "Yes"));
  EXPECT_FALSE(*ParseBoolOption("k", "FALSE"));
  EXPECT_EQ(*ParseCountOption("k", "7", 0), 7);
}

}  // namespace
}  // namespace zring::engine::http
