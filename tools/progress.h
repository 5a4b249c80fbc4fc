// Progress: a progress reporter for long CLI jobs (convert, sample) that know their total work
// in bytes.
//
// On a terminal it redraws one line in place ("\r") at most ten times a second:
//   convert [##########..........]  50.0%  512.0/1024.0 MiB  183.2 MB/s  ETA 0:03
// Elsewhere (a log file, a pipe, CI) it prints a plain line every `plain_interval_s` seconds
// and one at the end, so logs stay short and greppable:
//   convert: 50.0% (512.0 of 1024.0 MiB) 183.2 MB/s, ETA 3 s
// Rate and ETA count only the work done by this run: a resumed job passes the work already done
// as `done_before` so the rate is not inflated by it.
//
// Thread-safe: Add may be called from any thread. The reporter writes only to its FILE*, which
// must outlive it.
//
//   Progress progress("convert", total_bytes, already_done_bytes);
//   for (...) { ...; progress.Add(slab_bytes); }
//   progress.Finish();
#ifndef ZRING_TOOLS_PROGRESS_H_
#define ZRING_TOOLS_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace zring::tools {

struct ProgressOptions {
  // -1: decide from isatty(out); 0: plain lines; 1: redraw in place.
  int tty = -1;
  double plain_interval_s = 5.0;
  bool quiet = false;  // report nothing (tests, --quiet)
};

class Progress {
 public:
  Progress(std::string label, uint64_t total_bytes, uint64_t done_before_bytes = 0,
           ProgressOptions options = {}, std::FILE* out = stderr);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Records `bytes` more work done; redraws or prints when it is time to.
  void Add(uint64_t bytes);
  // Prints the final state (once) and ends the terminal line.
  void Finish();

  uint64_t done_bytes() const;

 private:
  using Clock = std::chrono::steady_clock;
  void ReportLocked(bool final);

  const std::string label_;
  const uint64_t total_bytes_;
  const uint64_t done_before_bytes_;
  const ProgressOptions options_;
  std::FILE* const out_;
  const bool tty_;
  const Clock::time_point start_;

  mutable std::mutex mu_;
  uint64_t done_bytes_;          // guarded by mu_
  Clock::time_point last_report_;  // guarded by mu_
  uint64_t reported_bytes_ = 0;    // guarded by mu_: done_bytes_ at the last report
  bool finished_ = false;          // guarded by mu_
};

// Formatting helpers, exposed for tests.
// "0:07", "1:02:03"; "?" when the rate is unknown.
std::string FormatEta(double seconds);
// One report line without the leading "\r" or trailing newline.
std::string FormatProgressLine(const std::string& label, uint64_t done_bytes, uint64_t total_bytes,
                               double rate_bytes_per_s, bool tty);

}  // namespace zring::tools

#endif  // ZRING_TOOLS_PROGRESS_H_
