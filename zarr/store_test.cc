#include "zarr/store.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "engine/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::zarr {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::zring::testing::StatusIs;
using ::zring::testing::StatusIsCode;

std::string Text(const Buffer& b) { return std::string(reinterpret_cast<const char*>(b.data()), b.size()); }

class StoreTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      char tmpl[] = "/tmp/zring_store_test_XXXXXX";
      ASSERT_NE(::mkdtemp(tmpl), nullptr);
      dir_ = tmpl;
      ASSERT_OK_AND_ASSIGN(store_, DirectoryStore::Open(dir_));
    } else {
      store_ = std::make_unique<MemoryStore>();
    }
    auto set = [&](std::string_view k, std::string_view v) {
      ASSERT_OK(store_->Set(k, std::as_bytes(std::span(v.data(), v.size()))));
    };
    set("a/zarr.json", "{}");
    set("a/c/0/1", "0123456789");
    set("a/c/1/0", "xy");
    set("b", "top");
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(StoreTest, GetsValuesAndRanges) {
  ASSERT_OK_AND_ASSIGN(Buffer v, store_->Get("a/c/0/1"));
  EXPECT_EQ(Text(v), "0123456789");
  ASSERT_OK_AND_ASSIGN(Buffer r, store_->GetRange("a/c/0/1", ByteRange{2, 3}));
  EXPECT_EQ(Text(r), "234");
  ASSERT_OK_AND_ASSIGN(Buffer s, store_->GetRange("a/c/0/1", ByteRange::Suffix(4)));
  EXPECT_EQ(Text(s), "6789");
  ASSERT_OK_AND_ASSIGN(uint64_t size, store_->GetSize("a/c/1/0"));
  EXPECT_EQ(size, 2u);
}

TEST_P(StoreTest, MissingKeysAreNotFoundAndBadRangesOutOfRange) {
  EXPECT_THAT(store_->Get("a/c/9/9"), StatusIs(absl::StatusCode::kNotFound, HasSubstr("a/c/9/9")));
  EXPECT_THAT(store_->Get("b/x"), StatusIsCode(absl::StatusCode::kNotFound));
  EXPECT_THAT(store_->GetRange("a/c/0/1", ByteRange{8, 3}),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("10 bytes")));
  EXPECT_THAT(store_->GetRange("a/c/0/1", ByteRange::Suffix(11)),
              StatusIsCode(absl::StatusCode::kOutOfRange));
}

TEST_P(StoreTest, RejectsKeysThatEscapeTheStore) {
  EXPECT_THAT(store_->Get("../etc/passwd"), StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Get("/etc/passwd"), StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Get("a/./b"), StatusIsCode(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Get("a//b"), StatusIsCode(absl::StatusCode::kInvalidArgument));
}

TEST_P(StoreTest, ListsOneLevelAndRecursively) {
  ASSERT_OK_AND_ASSIGN(StoreListing root, store_->ListDir(""));
  EXPECT_THAT(root.values, ElementsAre("b"));
  EXPECT_THAT(root.prefixes, ElementsAre("a"));
  ASSERT_OK_AND_ASSIGN(StoreListing a, store_->ListDir("a"));
  EXPECT_THAT(a.values, ElementsAre("zarr.json"));
  EXPECT_THAT(a.prefixes, ElementsAre("c"));
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListRecursive("a/c"));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "a/c/0/1");
  EXPECT_EQ(all[0].size_bytes, 10u);
  EXPECT_EQ(all[1].key, "a/c/1/0");
  ASSERT_OK_AND_ASSIGN(StoreListing none, store_->ListDir("nope"));
  EXPECT_TRUE(none.values.empty());
}

INSTANTIATE_TEST_SUITE_P(DirectoryAndMemory, StoreTest, ::testing::Bool());

TEST(DirectoryStore, OpenFailsForMissingDirectory) {
  EXPECT_THAT(DirectoryStore::Open("/nonexistent/zring"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/zring")));
}

}  // namespace
}  // namespace zring::zarr
