// FaultInjector: a testing hook that makes the kernel's answers hostile, so the engine's
// handling of what a real kernel may return - EINTR, EAGAIN, ECANCELED, EIO, short reads - is
// exercised on demand on both backends instead of waiting for a signal or a flaky filesystem.
//
// Set EngineOptions::fault_injector (null in production: the hook then costs one branch per
// completion). The injector sees every physical read's outcome before the engine does and
// returns the outcome the engine should act on: the same, a smaller byte count (a short read;
// the engine reads the rest again), or a negative errno. A larger count is clamped to the
// real one, so an injector can never make the engine deliver bytes that were not read.
//
// Called on I/O threads, concurrently: implementations synchronize their own state. The
// injector must outlive the engine.
#ifndef ZRING_ENGINE_FAULT_INJECTION_H_
#define ZRING_ENGINE_FAULT_INJECTION_H_

#include <cstdint>
#include <string_view>

namespace zring::engine {

// One physical read attempt as the engine issued it.
struct FaultSite {
  std::string_view path;   // the source's path (file or one-file-per-chunk path)
  uint64_t offset_bytes;   // where this attempt reads (advances after short reads)
  uint64_t length_bytes;   // what this attempt asked for
  uint32_t retries;        // EINTR/EAGAIN resubmissions of this read so far
  bool chained;            // an open -> read -> close chain (path sources)
};

class FaultInjector {
 public:
  virtual ~FaultInjector() = default;
  // `result`: bytes read (>= 0) or -errno, as the kernel answered. Returns what the engine
  // should see instead.
  virtual int64_t Rewrite(const FaultSite& site, int64_t result) = 0;
};

namespace internal {
// Applies `injector` (may be null) to `result`, clamping byte counts to the real one.
inline int64_t InjectFault(FaultInjector* injector, const FaultSite& site, int64_t result) {
  if (injector == nullptr) return result;
  int64_t rewritten = injector->Rewrite(site, result);
  if (rewritten >= 0 && (result < 0 || rewritten > result)) return result;
  return rewritten;
}
}  // namespace internal

}  // namespace zring::engine

#endif  // ZRING_ENGINE_FAULT_INJECTION_H_
