#include "engine/status.h"

#include <cerrno>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring {
namespace {

using ::testing::HasSubstr;
using ::zring::testing::StatusIs;

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  ZRING_ASSIGN_OR_RETURN(int h, Half(x));
  ZRING_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

absl::Status CheckEven(int x) {
  ZRING_RETURN_IF_ERROR(Half(x).status());
  return absl::OkStatus();
}

TEST(Status, AssignOrReturnPropagatesValueAndError) {
  ASSERT_OK_AND_ASSIGN(int q, Quarter(12));
  EXPECT_EQ(q, 3);
  EXPECT_THAT(Quarter(6), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd")));
  EXPECT_OK(CheckEven(4));
  EXPECT_THAT(CheckEven(5), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd")));
}

TEST(Status, ErrnoToStatusKeepsMeaningAndOperation) {
  EXPECT_THAT(ErrnoToStatus(ENOENT, "open \"/x/y\""),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("open \"/x/y\": No such file")));
  EXPECT_THAT(ErrnoToStatus(-EACCES, "open"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("errno 13")));
  EXPECT_OK(ErrnoToStatus(0, "nothing"));
  EXPECT_THAT(ErrnoToStatus(ECANCELED, "read"),
              StatusIs(absl::StatusCode::kCancelled, HasSubstr("read")));
}

}  // namespace
}  // namespace zring
