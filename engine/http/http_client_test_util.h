// Helpers shared by the HttpClient tests: a directory of seeded random files served by the
// loopback servers, the bytes a range read must return, and a latch for async completions.
#ifndef ZRING_ENGINE_HTTP_HTTP_CLIENT_TEST_UTIL_H_
#define ZRING_ENGINE_HTTP_HTTP_CLIENT_TEST_UTIL_H_

#include <algorithm>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "engine/http/http_client.h"
#include "engine/http/test_servers.h"
#include "gtest/gtest.h"

namespace zring::engine::http::testing {

// A temporary tree: data.bin (1 MiB + 123 bytes), small.bin (1000), empty.bin (0),
// forbidden/secret.bin; removed on destruction.
class ServedTree {
 public:
  ServedTree() {
    auto dir = test_servers_internal::MakeTempDir("tree");
    root_ = dir.ok() ? *dir : "/tmp";
    std::filesystem::create_directories(root_ + "/forbidden");
    data_ = Write("data.bin", (1 << 20) + 123, 1);
    small_ = Write("small.bin", 1000, 2);
    Write("empty.bin", 0, 3);
    Write("forbidden/secret.bin", 100, 4);
  }
  ~ServedTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  const std::string& root() const { return root_; }
  const std::vector<std::byte>& data() const { return data_; }
  const std::vector<std::byte>& small() const { return small_; }

 private:
  std::vector<std::byte> Write(const std::string& name, size_t size, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::vector<std::byte> bytes(size);
    for (auto& b : bytes) b = static_cast<std::byte>(rng() & 0xff);
    std::ofstream out(root_ + "/" + name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(size));
    return bytes;
  }

  std::string root_;
  std::vector<std::byte> data_, small_;
};

// The bytes a request must return from `object`.
inline std::vector<std::byte> Expected(const std::vector<std::byte>& object,
                                       const HttpRequest& r) {
  uint64_t size = object.size();
  uint64_t begin = 0, end = size;
  if (r.range == RangeKind::kRange) {
    begin = std::min(r.offset, size);
    end = std::min(r.offset + r.length, size);
  } else if (r.range == RangeKind::kSuffix) {
    begin = size > r.length ? size - r.length : 0;
  }
  return std::vector<std::byte>(object.begin() + static_cast<ptrdiff_t>(begin),
                                object.begin() + static_cast<ptrdiff_t>(end));
}

// The body a response delivered (dst's first `bytes`, or the owned body).
inline std::vector<std::byte> Delivered(const HttpResponse& r, const std::vector<std::byte>& dst) {
  if (!dst.empty()) {
    return std::vector<std::byte>(dst.begin(), dst.begin() + static_cast<ptrdiff_t>(
                                                                 std::min<uint64_t>(r.bytes, dst.size())));
  }
  return r.body;
}

class Latch {
 public:
  explicit Latch(int64_t count) : count_(count) {}
  void CountDown() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--count_ == 0) cv_.notify_all();
  }
  // False on timeout.
  bool Wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_ <= 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t count_;
};

struct RunResult {
  int64_t mismatches = 0;
  int64_t http2 = 0;
  std::string first_problem;
};

// Starts `n` seeded random requests at once (ranges, some past the end, suffixes, whole
// objects; into dst or owned bodies) and checks each against the files.
inline RunResult RunRandomRequests(HttpClient* client, const std::string& base, const ServedTree& tree,
                            int n, uint64_t seed, uint32_t max_length) {
  std::mt19937_64 rng(seed);
  Latch latch(n);
  std::mutex mu;
  RunResult result;
  for (int i = 0; i < n; ++i) {
    bool small = rng() % 10 == 0;
    const std::vector<std::byte>& object = small ? tree.small() : tree.data();
    HttpRequest r;
    r.url = base + (small ? "/small.bin" : "/data.bin");
    uint64_t kind = rng() % 20;
    if (kind < 14) {
      r.range = RangeKind::kRange;
      r.offset = rng() % (object.size() + 100);
      r.length = 1 + rng() % (rng() % 4 == 0 ? 16 : max_length);
    } else if (kind < 18) {
      r.range = RangeKind::kSuffix;
      r.length = 1 + rng() % (rng() % 4 == 0 ? 2000 : max_length);
    } else if (!small && kind == 18 && rng() % 5 == 0) {
      r.range = RangeKind::kRange;  // the whole object as a range
      r.offset = 0;
      r.length = object.size();
    }
    auto dst = std::make_shared<std::vector<std::byte>>();
    if (rng() % 2 == 0 && r.range != RangeKind::kNone) {
      dst->assign(r.length, std::byte{0xEE});
      r.dst = *dst;
    }
    std::vector<std::byte> expected = Expected(object, r);
    uint64_t size = object.size();
    std::string what = r.url + " kind " + std::to_string(static_cast<int>(r.range)) + " offset " +
                       std::to_string(r.offset) + " length " + std::to_string(r.length);
    client->Start(std::move(r), [&, dst, expected = std::move(expected), size,
                                 what](HttpResponse& resp) {
      std::string problem;
      if (!resp.status.ok()) {
        problem = resp.status.ToString();
      } else if (Delivered(resp, *dst) != expected) {
        problem = "bytes differ: got " + std::to_string(resp.bytes) + " want " +
                  std::to_string(expected.size());
      } else if (!resp.object_size_known || resp.object_size != size) {
        problem = "object_size " + std::to_string(resp.object_size) + " known " +
                  std::to_string(resp.object_size_known);
      } else if (!dst->empty() && resp.bytes < dst->size() &&
                 (*dst)[resp.bytes] != std::byte{0xEE}) {
        problem = "wrote past the delivered bytes";
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        if (resp.http_version == 2) ++result.http2;
        if (!problem.empty() && result.mismatches++ == 0) {
          result.first_problem = what + ": " + problem;
        }
      }
      latch.CountDown();
    });
  }
  EXPECT_TRUE(latch.Wait(std::chrono::seconds(300))) << "requests did not complete";
  return result;
}

}  // namespace zring::engine::http::testing

#endif  // ZRING_ENGINE_HTTP_HTTP_CLIENT_TEST_UTIL_H_
