// `zring bench io FILE`: raw read throughput of the engine, optionally side by side with fio.
//
// The engine is driven the way a crop pipeline drives it: large batches of requests through
// Engine::Submit, two batches outstanding so the rings never drain between them. Every read
// is one request of --bs bytes at a --bs-aligned offset; coalescing is switched off so each
// request is exactly one read, as in fio. Destinations come from the engine's registered arena
// (fio: --fixedbufs), files are registered (fio: --registerfiles). --vs-fio then runs fio on
// the same file with the matching job: iodepth = --depth, numjobs = --threads,
// iodepth_batch_submit = depth/4, iodepth_batch_complete_min = depth/8 (for depth 128: 32/16).
// With --vs-fio the time is split into 3 alternating rounds of each (zring, fio, zring, ...);
// figures are totals over the rounds (fio's latency percentiles: the mean of its rounds').
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "engine/engine.h"
#include "fmt/format.h"
#include "tools/commands.h"

namespace zring::tools {
namespace {

using engine::Batch;
using engine::Engine;
using engine::EngineOptions;
using engine::ReadRequest;

struct BenchIoArgs {
  std::string file;
  std::string pattern = "randread";
  std::string bs = "4k";
  std::string size = "2G";
  std::string backend = "uring";
  unsigned depth = 64;
  int threads = 2;
  double seconds = 5;
  bool direct = false;
  bool json = false;
  bool vs_fio = false;
};

struct Figures {
  double reads_per_s = 0;
  double bytes_per_s = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0;
  double sqes_per_enter = 0;
  double cpus = 0;             // CPUs busy on average (user + system time / wall time)
  double reads_per_cpu_s = 0;  // reads per CPU-second: efficiency, whatever the machine's load
};

constexpr int kFioRounds = 3;

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "zring bench io: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

uint64_t ParseBytes(const std::string& s) {
  size_t used = 0;
  uint64_t v = 0;
  try {
    v = std::stoull(s, &used);
  } catch (...) {
    Fail(fmt::format("\"{}\" is not a size (examples: 4k, 1M, 2G)", s));
  }
  std::string unit = s.substr(used);
  if (unit.empty() || unit == "b" || unit == "B") return v;
  const std::string units = "kmgt";
  size_t k = units.find(char(std::tolower(unit[0])));
  if (k == std::string::npos || unit.size() > 3) Fail(fmt::format("unknown unit in \"{}\"", s));
  return v << (10 * (k + 1));
}

// Writes `size` bytes of pseudo-random data (incompressible, so no filesystem shortcut).
void CreateFile(const std::string& path, uint64_t size) {
  std::fprintf(stderr, "zring bench io: creating %s (%llu bytes)\n", path.c_str(),
               static_cast<unsigned long long>(size));
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) Fail(fmt::format("create \"{}\": {}", path, std::strerror(errno)));
  std::vector<uint64_t> block((1 << 20) / 8);
  uint64_t x = 0x9E3779B97F4A7C15ull;
  for (uint64_t done = 0; done < size;) {
    for (auto& w : block) w = (x ^= x << 13, x ^= x >> 7, x ^= x << 17);
    size_t n = std::min<uint64_t>(size - done, block.size() * 8);
    if (write(fd, block.data(), n) != ssize_t(n)) {
      close(fd);
      Fail(fmt::format("write \"{}\": {}", path, std::strerror(errno)));
    }
    done += n;
  }
  fsync(fd);
  close(fd);
}

// Reads the whole file once so both runs start with it in the page cache.
void WarmPageCache(const std::string& path, uint64_t size) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) Fail(fmt::format("open \"{}\": {}", path, std::strerror(errno)));
  std::vector<char> buf(1 << 20);
  for (uint64_t off = 0; off < size;) {
    ssize_t n = pread(fd, buf.data(), buf.size(), off_t(off));
    if (n <= 0) break;
    off += uint64_t(n);
  }
  close(fd);
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", int(c));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

double Percentile(std::vector<uint64_t>& v, double q) {
  if (v.empty()) return 0;
  size_t k = std::min(v.size() - 1, size_t(q * double(v.size())));
  std::nth_element(v.begin(), v.begin() + long(k), v.end());
  return double(v[k]) / 1000.0;
}

// Totals of one or more timed runs; Figures are computed from them at the end.
struct Totals {
  uint64_t reads = 0;
  uint64_t bytes = 0;
  double seconds = 0;
  std::vector<uint64_t> latency_ns;  // every 4th read
  double fio_p50_us = 0, fio_p99_us = 0, fio_p999_us = 0;  // fio: summed over rounds
  int rounds = 0;
  double cpu_seconds = 0;  // CPU time used (user + system)
};

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// One engine for every round, so ring setup and registration stay out of the timing.
class EngineRunner {
 public:
  EngineRunner(const BenchIoArgs& a, uint64_t bs, uint64_t size) : a_(a), bs_(bs), size_(size) {
    EngineOptions o;
    o.backend = a.backend == "pread" ? engine::BackendKind::kPread : engine::BackendKind::kUring;
    o.io_threads = a.threads;
    o.queue_depth = a.depth;
    o.coalesce_gap_bytes = -1;
    o.direct_io = a.direct;
    // Destinations: the engine gives each I/O thread contiguous parts of a batch (4 per
    // thread), so each part cycles through its own `depth` slots, like fio's per-job buffers.
    // Slots shared by both threads would have two cores fighting over the same cache lines.
    parts_ = 4 * unsigned(a.threads);
    slots_ = uint64_t(a.depth) * parts_;
    o.max_inflight_bytes = uint64_t(a.depth) * unsigned(a.threads) * 2 * bs;
    o.buffer_pool_bytes = slots_ * bs + (1 << 20);
    auto created = Engine::Create(o);
    if (!created.ok()) Fail(std::string(created.status().message()));
    eng_ = std::move(*created);
    auto src = eng_->OpenFile(a.file);
    if (!src.ok()) Fail(std::string(src.status().message()));
    src_ = *src;
    dst_ = eng_->AllocateBuffer(slots_ * bs);
    if (!dst_) Fail("no memory for destination buffers");
    // Start threads and rings now: fio's setup is not timed either.
    auto warm = eng_->ReadAll({{src_, 0, bs, {dst_.data(), bs}, 0}});
    if (!warm.ok()) Fail(std::string(warm.status().message()));
  }

  void Run(double seconds, Totals* t) {
    std::deque<std::shared_ptr<Batch>> outstanding;
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + std::chrono::duration<double>(seconds);
    std::vector<ReadRequest> next = MakeBatch();
    while (std::chrono::steady_clock::now() < deadline) {
      auto b = eng_->Submit(std::move(next));
      if (!b.ok()) Fail(std::string(b.status().message()));
      outstanding.push_back(std::move(*b));
      next = MakeBatch();
      if (outstanding.size() >= 3) Reap(&outstanding, t);
    }
    while (!outstanding.empty()) Reap(&outstanding, t);
    t->seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++t->rounds;
  }

  double SqesPerEnter() const {
    engine::EngineStats st = eng_->Stats();
    return st.submit_calls ? double(st.sqes_submitted) / double(st.submit_calls) : 0;
  }

 private:
  std::vector<ReadRequest> MakeBatch() {
    const uint64_t blocks = size_ / bs_;
    const size_t n = std::clamp<size_t>(size_t((64ull << 20) / bs_), 256, 16384);
    std::vector<ReadRequest> reqs(n);
    for (size_t i = 0; i < n; ++i) {
      uint64_t block = a_.pattern == "seqread"
                           ? seq_++ % blocks
                           : (x_ ^= x_ << 13, x_ ^= x_ >> 7, x_ ^= x_ << 17) % blocks;
      uint64_t part = i * parts_ / n;
      std::byte* d = dst_.data() + (part * a_.depth + i % a_.depth) * bs_;
      reqs[i] = {src_, block * bs_, bs_, {d, bs_}, 0};
    }
    return reqs;
  }

  static void Reap(std::deque<std::shared_ptr<Batch>>* outstanding, Totals* t) {
    std::shared_ptr<Batch> b = std::move(outstanding->front());
    outstanding->pop_front();
    if (!b->Wait().ok()) Fail("batch wait failed");
    for (size_t i = 0; i < b->size(); ++i) {
      const auto& r = b->result(i);
      if (!r.status.ok()) Fail(std::string(r.status.message()));
      if (i % 4 == 0) t->latency_ns.push_back(r.latency_ns);
      ++t->reads;
      t->bytes += r.bytes_read;
    }
  }

  const BenchIoArgs& a_;
  const uint64_t bs_, size_;
  uint64_t parts_ = 1, slots_ = 0;
  std::unique_ptr<Engine> eng_;
  engine::SourceId src_ = 0;
  engine::PooledBuffer dst_;
  // Seeded from the clock: a fixed seed would re-read, run after run, blocks that a VM's host
  // may still hold in its cache (fio: --randrepeat=0).
  uint64_t x_ = uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) | 1;
  uint64_t seq_ = 0;
};

Figures FiguresOf(Totals& t) {
  Figures f;
  f.reads_per_s = t.seconds > 0 ? double(t.reads) / t.seconds : 0;
  f.bytes_per_s = t.seconds > 0 ? double(t.bytes) / t.seconds : 0;
  f.cpus = t.seconds > 0 ? t.cpu_seconds / t.seconds : 0;
  f.reads_per_cpu_s = t.cpu_seconds > 0 ? double(t.reads) / t.cpu_seconds : 0;
  if (!t.latency_ns.empty()) {
    f.p50_us = Percentile(t.latency_ns, 0.50);
    f.p99_us = Percentile(t.latency_ns, 0.99);
    f.p999_us = Percentile(t.latency_ns, 0.999);
  } else if (t.rounds > 0) {  // fio: the mean of each round's percentiles
    f.p50_us = t.fio_p50_us / t.rounds;
    f.p99_us = t.fio_p99_us / t.rounds;
    f.p999_us = t.fio_p999_us / t.rounds;
  }
  return f;
}

// Beyond the job itself: --thread runs fio's jobs as threads of one process. Forked jobs call
// setsid(), and with sched_autogroup each new session is scheduled as its own group, so on a
// busy machine fio's two jobs would get two groups' share of the CPU against zring's one.
// --randrepeat=0: fresh offsets each round, so no round re-reads blocks a previous one read
// (a VM's disk may be cached by its host). --norandommap: zring draws offsets uniformly, with
// replacement; fio's default map instead steers each pass's later reads to the next unread
// block, which gives its pattern a locality that such a host cache rewards.
std::string FioCommand(const BenchIoArgs& a, uint64_t bs, uint64_t size, double seconds) {
  unsigned d = a.depth;
  return fmt::format(
      "fio --name=zring-vs --filename={} --rw={} --bs={} --size={} --ioengine=io_uring "
      "--iodepth={} --iodepth_batch_submit={} --iodepth_batch_complete_min={} --fixedbufs "
      "--registerfiles --numjobs={} --invalidate=0 --direct={} --randrepeat=0 --norandommap "
      "--thread --time_based --runtime={} --group_reporting --output-format=json",
      a.file, a.pattern == "seqread" ? "read" : "randread", bs, size, d, std::max(1u, d / 4),
      std::max(1u, d / 8), a.threads, a.direct ? 1 : 0, int(seconds));
}

// The number after "key": inside the object that follows "read": in fio's JSON output.
double FioNumber(const std::string& json, size_t from, const std::string& key) {
  size_t k = json.find("\"" + key + "\"", from);
  if (k == std::string::npos) return 0;
  size_t colon = json.find(':', k);
  return colon == std::string::npos ? 0 : std::strtod(json.c_str() + colon + 1, nullptr);
}

void RunFio(const std::string& command, int a_threads, Totals* t) {
  FILE* p = popen((command + " 2>/dev/null").c_str(), "r");
  if (p == nullptr) Fail("cannot run fio");
  std::string out;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  if (pclose(p) != 0 || out.find("\"jobs\"") == std::string::npos) {
    Fail("fio failed (is it installed?): " + command);
  }
  size_t read = out.find("\"read\"", out.find("\"jobs\""));
  t->reads += uint64_t(FioNumber(out, read, "total_ios"));
  t->bytes += uint64_t(FioNumber(out, read, "io_bytes"));
  t->seconds += FioNumber(out, read, "runtime") / 1000.0;  // ms
  size_t clat = out.find("\"clat_ns\"", read);
  t->fio_p50_us += FioNumber(out, clat, "50.000000") / 1000;
  t->fio_p99_us += FioNumber(out, clat, "99.000000") / 1000;
  t->fio_p999_us += FioNumber(out, clat, "99.900000") / 1000;
  // usr_cpu/sys_cpu: percent of one CPU, averaged over the jobs.
  double cpus = (FioNumber(out, 0, "usr_cpu") + FioNumber(out, 0, "sys_cpu")) / 100.0 * a_threads;
  t->cpu_seconds += cpus * FioNumber(out, read, "runtime") / 1000.0;
  ++t->rounds;
}

void PrintText(const char* who, const Figures& f, bool sqes) {
  std::printf("%-6s reads/s %12.0f  MB/s %9.1f  lat p50 %8.1f us  p99 %8.1f us  p99.9 %8.1f us"
              "  CPUs %.2f  reads/CPU-s %.0f",
              who, f.reads_per_s, f.bytes_per_s / 1e6, f.p50_us, f.p99_us, f.p999_us, f.cpus,
              f.reads_per_cpu_s);
  if (sqes) std::printf("  SQEs/enter %.1f", f.sqes_per_enter);
  std::printf("\n");
}

// With --vs-fio the two alternate in rounds (zring, fio, zring, fio, ...) so that drift in
// what the machine gives (other load, the device's own caches) falls on both alike.
void RunRounds(const BenchIoArgs& a, uint64_t bs, uint64_t size, const std::string& command,
               double round_seconds, int rounds, Totals* ours, Totals* fio,
               double* sqes_per_enter) {
  EngineRunner runner(a, bs, size);
  for (int r = 0; r < rounds; ++r) {
    const Totals o0{ours->reads, 0, ours->seconds, {}, 0, 0, 0, 0, ours->cpu_seconds};
    const Totals f0{fio->reads, 0, fio->seconds, {}, 0, 0, 0, 0, fio->cpu_seconds};
    const double cpu_before = CpuSeconds();
    runner.Run(round_seconds, ours);
    ours->cpu_seconds += CpuSeconds() - cpu_before;
    if (!a.vs_fio) break;
    RunFio(command, a.threads, fio);
    auto rate = [](const Totals& t, const Totals& t0) {
      return double(t.reads - t0.reads) / (t.seconds - t0.seconds);
    };
    auto cpus = [](const Totals& t, const Totals& t0) {
      return (t.cpu_seconds - t0.cpu_seconds) / (t.seconds - t0.seconds);
    };
    std::fprintf(stderr,
                 "round %d: zring %.0f reads/s on %.2f CPUs, fio %.0f reads/s on %.2f CPUs\n",
                 r + 1, rate(*ours, o0), cpus(*ours, o0), rate(*fio, f0), cpus(*fio, f0));
  }
  *sqes_per_enter = runner.SqesPerEnter();
}

void PrintJson(const BenchIoArgs& a, uint64_t bs, const Figures& ours, const Figures& fio,
               const std::string& command) {
  std::printf(
      "{\"file\": %s, \"pattern\": \"%s\", \"bs\": %llu, \"depth\": %u, \"threads\": %d, "
      "\"direct\": %s, \"backend\": \"%s\", \"reads_per_s\": %.0f, \"bytes_per_s\": %.0f, "
      "\"lat_p50_us\": %.1f, \"lat_p99_us\": %.1f, \"lat_p999_us\": %.1f, "
      "\"sqes_per_enter\": %.1f, \"cpus\": %.2f, \"reads_per_cpu_s\": %.0f",
      JsonString(a.file).c_str(), a.pattern.c_str(), static_cast<unsigned long long>(bs),
      a.depth, a.threads, a.direct ? "true" : "false", a.backend.c_str(), ours.reads_per_s,
      ours.bytes_per_s, ours.p50_us, ours.p99_us, ours.p999_us, ours.sqes_per_enter, ours.cpus,
      ours.reads_per_cpu_s);
  if (a.vs_fio) {
    std::printf(
        ", \"fio_reads_per_s\": %.0f, \"fio_bytes_per_s\": %.0f, \"fio_lat_p50_us\": %.1f, "
        "\"fio_lat_p99_us\": %.1f, \"fio_lat_p999_us\": %.1f, \"fio_cpus\": %.2f, "
        "\"fio_reads_per_cpu_s\": %.0f, \"ratio\": %.3f, \"cpu_efficiency_ratio\": %.3f, "
        "\"fio_command\": %s",
        fio.reads_per_s, fio.bytes_per_s, fio.p50_us, fio.p99_us, fio.p999_us, fio.cpus,
        fio.reads_per_cpu_s, fio.reads_per_s > 0 ? ours.reads_per_s / fio.reads_per_s : 0,
        fio.reads_per_cpu_s > 0 ? ours.reads_per_cpu_s / fio.reads_per_cpu_s : 0,
        JsonString(command).c_str());
  }
  std::printf("}\n");
}

void RunBenchIo(const BenchIoArgs& a) {
  const uint64_t bs = ParseBytes(a.bs);
  uint64_t size = ParseBytes(a.size);
  if (bs == 0 || a.depth == 0 || a.threads <= 0 || a.seconds <= 0) {
    Fail("--bs, --depth, --threads and --seconds must be positive");
  }
  struct stat st;
  if (stat(a.file.c_str(), &st) != 0) {
    CreateFile(a.file, size);
  } else {
    size = std::min<uint64_t>(size, uint64_t(st.st_size));
  }
  if (size < bs) Fail(fmt::format("{} holds {} bytes, less than one --bs block", a.file, size));
  if (!a.direct) WarmPageCache(a.file, size);
  const int rounds = a.vs_fio ? std::max(kFioRounds, int(a.seconds / 2)) : 1;
  const double round_seconds =
      a.vs_fio ? std::max(1.0, std::round(a.seconds / rounds)) : a.seconds;
  const std::string command = FioCommand(a, bs, size, round_seconds);
  Totals ours_t, fio_t;
  double sqes_per_enter = 0;
  RunRounds(a, bs, size, command, round_seconds, rounds, &ours_t, &fio_t, &sqes_per_enter);
  Figures ours = FiguresOf(ours_t);
  ours.sqes_per_enter = sqes_per_enter;
  Figures fio = FiguresOf(fio_t);
  if (a.json) {
    PrintJson(a, bs, ours, fio, command);
    return;
  }
  std::printf("%s %s bs=%llu depth=%u threads=%d direct=%d backend=%s\n", a.file.c_str(),
              a.pattern.c_str(), static_cast<unsigned long long>(bs), a.depth, a.threads,
              a.direct ? 1 : 0, a.backend.c_str());
  PrintText("zring", ours, true);
  if (a.vs_fio) {
    PrintText("fio", fio, false);
    std::printf("ratio  %.3f (reads/s)  %.3f (reads per CPU-second)\nfio job: %s\n",
                fio.reads_per_s > 0 ? ours.reads_per_s / fio.reads_per_s : 0,
                fio.reads_per_cpu_s > 0 ? ours.reads_per_cpu_s / fio.reads_per_cpu_s : 0,
                command.c_str());
  }
}

}  // namespace

void RegisterBenchIo(CLI::App& bench) {
  auto args = std::make_shared<BenchIoArgs>();
  CLI::App* io = bench.add_subcommand("io", "Raw read throughput of the I/O engine (vs fio)");
  io->add_option("FILE", args->file, "File to read; created (--size bytes) if absent")
      ->required();
  io->add_option("--pattern", args->pattern, "randread or seqread")
      ->check(CLI::IsMember({"randread", "seqread"}));
  io->add_option("--bs", args->bs, "Bytes per read (4k, 1M, ...)");
  io->add_option("--depth", args->depth, "Reads in flight per thread (ring)");
  io->add_option("--threads", args->threads, "I/O threads (rings); fio numjobs");
  io->add_option("--seconds", args->seconds, "Duration of each run");
  io->add_flag("--direct", args->direct, "O_DIRECT (bypass the page cache)");
  io->add_option("--backend", args->backend, "uring or pread")
      ->check(CLI::IsMember({"uring", "pread"}));
  io->add_option("--size", args->size, "Size of FILE when it is created; bytes read from it");
  io->add_flag("--json", args->json, "One JSON object instead of text");
  io->add_flag("--vs-fio", args->vs_fio, "Also run fio with the matching job and print the ratio");
  io->callback([args] { RunBenchIo(*args); });
}

}  // namespace zring::tools
