// The pure parts of a transfer: Content-Range parsing, URL redaction for messages, backoff.
#include "engine/http/http_transfer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::engine::http::internal {
namespace {

TEST(ContentRange, ParsesRangesAndTotals) {
  ContentRange r = ParseContentRange("bytes 10-19/100");
  EXPECT_TRUE(r.valid);
  EXPECT_TRUE(r.has_range);
  EXPECT_EQ(r.first, 10u);
  EXPECT_EQ(r.last, 19u);
  EXPECT_TRUE(r.total_known);
  EXPECT_EQ(r.total, 100u);

  r = ParseContentRange(" Bytes 0-0/* ");
  EXPECT_TRUE(r.valid);
  EXPECT_FALSE(r.total_known);

  r = ParseContentRange("bytes */4096");
  EXPECT_TRUE(r.valid);
  EXPECT_FALSE(r.has_range);
  EXPECT_EQ(r.total, 4096u);
}

TEST(ContentRange, RejectsMalformedValues) {
  for (const char* bad : {"", "bytes", "bytes 10-19", "bytes 19-10/100", "bytes 10-100/100",
                          "items 1-2/3", "bytes a-b/c", "bytes */*", "bytes 1-2/-5",
                          "bytes 18446744073709551616-1/2"}) {
    EXPECT_FALSE(ParseContentRange(bad).valid) << bad;
  }
}

TEST(RedactUrl, DropsQueryAndUserInfo) {
  EXPECT_EQ(RedactUrl("https://b.s3.amazonaws.com/k/c/0?X-Amz-Signature=abc&X-Amz-Credential=x"),
            "https://b.s3.amazonaws.com/k/c/0?<query omitted>");
  EXPECT_EQ(RedactUrl("http://user:pw@host:80/a/b"), "http://host:80/a/b");
  EXPECT_EQ(RedactUrl("http://host/a#frag"), "http://host/a");
  EXPECT_EQ(RedactUrl("http://host/a@b"), "http://host/a@b");  // '@' in the path stays
}

TEST(Backoff, FullJitterUnderAnExponentialCap) {
  // random % (cap + 1): the largest random value reaches the cap exactly.
  EXPECT_EQ(BackoffMs(1, 50, 5000, -1, 50), 50u);
  EXPECT_EQ(BackoffMs(2, 50, 5000, -1, 100), 100u);
  EXPECT_EQ(BackoffMs(3, 50, 5000, -1, 200), 200u);
  EXPECT_EQ(BackoffMs(20, 50, 5000, -1, 5000), 5000u);  // capped
  EXPECT_EQ(BackoffMs(3, 50, 5000, -1, 201), 0u);       // wraps: anywhere in [0, cap]
  for (uint64_t r = 0; r < 1000; ++r) EXPECT_LE(BackoffMs(4, 50, 5000, -1, r * 7919), 400u);
}

TEST(Backoff, RetryAfterRaisesTheWaitUpToTheCap) {
  EXPECT_EQ(BackoffMs(1, 50, 5000, 2, 0), 2000u);
  EXPECT_EQ(BackoffMs(1, 50, 5000, 60, 0), 5000u);
  EXPECT_EQ(BackoffMs(1, 50, 300, 1, 7), 300u);
  EXPECT_EQ(BackoffMs(1, 50, 5000, 0, 30), 30u);
}

}  // namespace
}  // namespace zring::engine::http::internal
