// Pattern: deterministic synthetic array data for `zring create`, tests and benchmarks.
//
// Every element's value is a function of (kind, seed, array shape, element coordinates) only,
// so any box can be generated alone, in any order, on any thread, and the same element always
// gets the same value - a store written slab by slab equals one written whole, and a reader can
// check any chunk by regenerating it.
//
//   smooth  geophysical-looking fields: a few low-frequency separable sinusoids and gaussian
//           bumps over every dimension, plus a little noise. Integers span a realistic part of
//           their range (uint16: most of it), floats look like a temperature in kelvin
//           (~250-310) with noise of ~0.05, bool is the field thresholded. With blosc-lz4 and
//           byte shuffle, uint16 compresses about 2x, like real quantized model output.
//   random  uniform: every bit for integers and raw types, [0, 1) for floats, 0/1 for bool.
//   arange  the element's C-order linear index, converted to the type (integers wrap).
//   zeros   all bytes zero.
//
// Output is zring's canonical layout (C order, little-endian, bool one byte 0/1).
//
//   ZRING_ASSIGN_OR_RETURN(Pattern p, Pattern::Make(PatternKind::kSmooth, 42, shape, dtype));
//   ZRING_RETURN_IF_ERROR(p.Generate(box, out, &pool));
#ifndef ZRING_ZARR_PATTERN_H_
#define ZRING_ZARR_PATTERN_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "zarr/chunk_grid.h"
#include "zarr/dtype.h"
#include "zarr/worker_pool.h"

namespace zring::zarr {

enum class PatternKind : uint8_t { kSmooth, kRandom, kArange, kZeros };

// "smooth", "random", "arange", "zeros"; anything else is kInvalidArgument listing them.
absl::StatusOr<PatternKind> ParsePatternKind(std::string_view name);
std::string_view PatternName(PatternKind kind);

class Pattern {
 public:
  // kInvalidArgument when `kind` has no meaning for `type` (smooth or arange of raw bytes or
  // strings).
  static absl::StatusOr<Pattern> Make(PatternKind kind, uint64_t seed, std::vector<uint64_t> shape,
                                      DataType type);

  // Writes the elements of `box` (inside the array shape) to `out`, which holds exactly
  // box.NumElements() elements. With a pool, the box is split across its workers (the call
  // returns when all parts are done; it must not run on one of the pool's own workers).
  absl::Status Generate(const Box& box, std::span<std::byte> out, WorkerPool* pool = nullptr) const;

  PatternKind kind() const { return kind_; }
  const DataType& data_type() const { return type_; }

 private:
  Pattern() = default;
  // One separable term of the smooth field: amplitude * prod_d profile_d(x_d).
  struct Term {
    double amplitude = 0;
    bool gaussian = false;
    std::vector<double> freq_or_center;  // per dim: cycles over the extent, or bump center
    std::vector<double> phase_or_width;  // per dim: phase (radians), or bump width (elements)
  };
  void GenerateSerial(const Box& box, std::byte* out) const;
  double Profile(const Term& t, size_t d, uint64_t x) const;

  PatternKind kind_ = PatternKind::kZeros;
  uint64_t seed_ = 0;
  std::vector<uint64_t> shape_;
  std::vector<uint64_t> strides_;  // C-order element strides of the whole array
  DataType type_;
  std::vector<Term> terms_;
  double amplitude_sum_ = 1;
  // Smooth values map [0, 1] -> [lo_, lo_ + span_]; noise is uniform in +-noise_ / 2.
  double lo_ = 0, span_ = 1, noise_ = 0;
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_PATTERN_H_
