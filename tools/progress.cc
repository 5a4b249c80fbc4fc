// Progress reporter: see progress.h.
#include "tools/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "fmt/format.h"

namespace zring::tools {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr int kBarWidth = 20;
// A terminal redraw costs a write(2); ten a second looks smooth and costs nothing.
constexpr double kTtyIntervalS = 0.1;

}  // namespace

std::string FormatEta(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<uint64_t>(std::llround(seconds));
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

std::string FormatProgressLine(const std::string& label, uint64_t done_bytes, uint64_t total_bytes,
                               double rate_bytes_per_s, bool tty) {
  const double fraction =
      total_bytes == 0 ? 1.0
                       : std::min(1.0, static_cast<double>(done_bytes) /
                                           static_cast<double>(total_bytes));
  const double left_bytes = static_cast<double>(total_bytes - std::min(done_bytes, total_bytes));
  const double eta = rate_bytes_per_s > 0 ? left_bytes / rate_bytes_per_s : -1.0;
  const std::string rate =
      rate_bytes_per_s > 0 ? fmt::format("{:.1f} MB/s", rate_bytes_per_s / 1e6) : "-- MB/s";
  if (tty) {
    const int filled = static_cast<int>(fraction * kBarWidth);
    return fmt::format("{} [{}{}] {:5.1f}%  {:.1f}/{:.1f} MiB  {}  ETA {}", label,
                       std::string(filled, '#'), std::string(kBarWidth - filled, '.'),
                       100.0 * fraction, done_bytes / kMiB, total_bytes / kMiB, rate,
                       FormatEta(eta));
  }
  return fmt::format("{}: {:.1f}% ({:.1f} of {:.1f} MiB) {}, ETA {}", label, 100.0 * fraction,
                     done_bytes / kMiB, total_bytes / kMiB, rate, FormatEta(eta));
}

Progress::Progress(std::string label, uint64_t total_bytes, uint64_t done_before_bytes,
                   ProgressOptions options, std::FILE* out)
    : label_(std::move(label)),
      total_bytes_(total_bytes),
      done_before_bytes_(done_before_bytes),
      options_(options),
      out_(out),
      tty_(options.tty >= 0 ? options.tty == 1 : isatty(fileno(out)) == 1),
      start_(Clock::now()),
      done_bytes_(done_before_bytes),
      last_report_(start_) {}

void Progress::Add(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  done_bytes_ += bytes;
  const double since_s = std::chrono::duration<double>(Clock::now() - last_report_).count();
  if (since_s >= (tty_ ? kTtyIntervalS : options_.plain_interval_s)) ReportLocked(false);
}

void Progress::Finish() {
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  // A plain line already showing the final state is not repeated.
  if (!tty_ && reported_bytes_ == done_bytes_ && done_bytes_ > done_before_bytes_) return;
  ReportLocked(true);
}

uint64_t Progress::done_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_bytes_;
}

void Progress::ReportLocked(bool final) {
  const Clock::time_point now = Clock::now();
  last_report_ = now;
  reported_bytes_ = done_bytes_;
  if (options_.quiet) return;
  const double elapsed_s = std::chrono::duration<double>(now - start_).count();
  const double rate =
      elapsed_s > 0 ? static_cast<double>(done_bytes_ - done_before_bytes_) / elapsed_s : 0.0;
  const std::string line = FormatProgressLine(label_, done_bytes_, total_bytes_, rate, tty_);
  if (tty_) {
    // Trailing spaces wipe what a longer previous line left behind.
    std::fprintf(out_, "\r%s   %s", line.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(out_, "%s\n", line.c_str());
  }
  std::fflush(out_);
}

}  // namespace zring::tools
