#include "tools/progress.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace zring::tools {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(FormatEta, MinutesAndHours) {
  EXPECT_EQ(FormatEta(7.4), "0:07");
  EXPECT_EQ(FormatEta(62), "1:02");
  EXPECT_EQ(FormatEta(3723), "1:02:03");
  EXPECT_EQ(FormatEta(-1), "?");
}

TEST(FormatProgressLine, TerminalBarShowsPercentRateAndEta) {
  const std::string line = FormatProgressLine("convert", 512 << 20, 1024 << 20, 100e6, true);
  EXPECT_THAT(line, StartsWith("convert [##########..........]  50.0%"));
  EXPECT_THAT(line, HasSubstr("512.0/1024.0 MiB"));
  EXPECT_THAT(line, HasSubstr("100.0 MB/s"));
  EXPECT_THAT(line, HasSubstr("ETA 0:05"));  // 512 MiB left at 100 MB/s
}

TEST(FormatProgressLine, PlainLineHasNoBar) {
  const std::string line = FormatProgressLine("sample", 0, 100, 0, false);
  EXPECT_EQ(line, "sample: 0.0% (0.0 of 0.0 MiB) -- MB/s, ETA ?");
}

// Reads what a Progress wrote to a temporary FILE*.
std::string Written(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[256];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

TEST(Progress, PlainModePrintsOnlyOnIntervalAndOnceAtTheEnd) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("job", 1000, 0, ProgressOptions{.tty = 0, .plain_interval_s = 3600}, f);
    for (int i = 0; i < 10; ++i) p.Add(100);
    EXPECT_EQ(p.done_bytes(), 1000u);
    p.Finish();
    p.Finish();
  }
  const std::string out = Written(f);
  std::fclose(f);
  EXPECT_THAT(out, StartsWith("job: 100.0%"));
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(Progress, TerminalModeRedrawsInPlace) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("job", 1000, 500, ProgressOptions{.tty = 1}, f);
    p.Add(500);
    p.Finish();
  }
  const std::string out = Written(f);
  std::fclose(f);
  EXPECT_THAT(out, StartsWith("\rjob [####################] 100.0%"));
  EXPECT_EQ(out.back(), '\n');
}

TEST(Progress, QuietWritesNothing) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    Progress p("job", 10, 0, ProgressOptions{.tty = 1, .quiet = true}, f);
    p.Add(10);
    p.Finish();
  }
  EXPECT_EQ(Written(f), "");
  std::fclose(f);
}

}  // namespace
}  // namespace zring::tools
