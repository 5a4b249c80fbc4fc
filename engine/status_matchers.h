// GoogleTest matchers for absl::Status and absl::StatusOr<T> (test code only).
//
// Debian's abseil (20220623) ships none, so they live here, once:
//
//   EXPECT_THAT(OpenStore("/nope"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nope")));
//   ASSERT_OK(engine->Submit(batch));
//   ASSERT_OK_AND_ASSIGN(auto array, Array::Open(path));
#ifndef ZRING_ENGINE_STATUS_MATCHERS_H_
#define ZRING_ENGINE_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// StatusIs(code) or StatusIs(code, message_matcher), on a Status or StatusOr.
MATCHER_P2(StatusIs, code, message_matcher,
           std::string("status code is ") + std::string(absl::StatusCodeToString(code)) +
               " and message " +
               ::testing::DescribeMatcher<std::string>(message_matcher, negation)) {
  const absl::Status& s = ::zring::testing::GetStatus(arg);
  *result_listener << "actual status: " << s.ToString();
  return s.code() == code &&
         ::testing::Matches(message_matcher)(std::string(s.message()));
}

MATCHER_P(StatusIsCode, code,
          std::string("status code is ") + std::string(absl::StatusCodeToString(code))) {
  const absl::Status& s = ::zring::testing::GetStatus(arg);
  *result_listener << "actual status: " << s.ToString();
  return s.code() == code;
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = ::zring::testing::GetStatus(arg);
  *result_listener << "actual status: " << s.ToString();
  return s.ok();
}

}  // namespace zring::testing

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::zring::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::zring::testing::IsOk())

#define ZRING_TEST_CONCAT_INNER_(a, b) a##b
#define ZRING_TEST_CONCAT_(a, b) ZRING_TEST_CONCAT_INNER_(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(ZRING_TEST_CONCAT_(zring_test_so_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(so, lhs, rexpr) \
  auto so = (rexpr);                               \
  ASSERT_OK(so.status());                          \
  lhs = std::move(so).value()

#endif  // ZRING_ENGINE_STATUS_MATCHERS_H_
