#include "zarr/pattern.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>

#include "fmt/format.h"
#include "zarr/fill_value.h"

namespace zring::zarr {
namespace {

// splitmix64: a counter-based generator, so element i's random bits need no state.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

double Unit(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

// A few draws for the field's parameters.
class Draws {
 public:
  explicit Draws(uint64_t seed) : state_(Mix(seed ^ 0x5eed5eed5eed5eedULL)) {}
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Unit(Mix(state_++)); }

 private:
  uint64_t state_;
};

void PutFloat(const DataType& t, double v, std::byte* dst) {
  if (t.kind() == DataKind::kBFloat16) {
    const uint16_t h = FloatToBFloat16Bits(static_cast<float>(v));
    std::memcpy(dst, &h, 2);
  } else if (t.size_bytes() == 2) {
    const uint16_t h = FloatToHalfBits(static_cast<float>(v));
    std::memcpy(dst, &h, 2);
  } else if (t.size_bytes() == 4) {
    const float f = static_cast<float>(v);
    std::memcpy(dst, &f, 4);
  } else {
    std::memcpy(dst, &v, 8);
  }
}


// Rounds values already clamped to [lo, lo + span] into integers of `size` bytes.
template <typename T>
void IntRow(const double* v, size_t n, std::byte* out, double lo, double hi) {
  const int64_t lo_i = static_cast<int64_t>(lo);
  for (size_t i = 0; i < n; ++i) {
    const double x = std::min(std::max(v[i], lo), hi);
    // Truncating x - lo + 0.5 >= 0 rounds half up without a libm call.
    const T value = static_cast<T>(lo_i + static_cast<int64_t>(x - lo + 0.5));
    std::memcpy(out + i * sizeof(T), &value, sizeof(T));
  }
}

// Smooth values -> elements of `t`.
void StoreValues(const DataType& t, const double* v, size_t n, std::byte* out, double lo,
                 double hi) {
  const size_t size = t.size_bytes();
  switch (t.kind()) {
    case DataKind::kBool:
      for (size_t i = 0; i < n; ++i) out[i] = std::byte{v[i] > 0.5 ? uint8_t{1} : uint8_t{0}};
      return;
    case DataKind::kFloat:
    case DataKind::kBFloat16:
      for (size_t i = 0; i < n; ++i) PutFloat(t, v[i], out + i * size);
      return;
    case DataKind::kComplex: {
      const DataType half(DataKind::kFloat, t.size_bytes() / 2);
      std::memset(out, 0, n * size);  // imaginary parts zero
      for (size_t i = 0; i < n; ++i) PutFloat(half, v[i], out + i * size);
      return;
    }
    default:
      switch (size) {
        case 1: return IntRow<uint8_t>(v, n, out, lo, hi);
        case 2: return IntRow<uint16_t>(v, n, out, lo, hi);
        case 4: return IntRow<uint32_t>(v, n, out, lo, hi);
        default: return IntRow<uint64_t>(v, n, out, lo, hi);
      }
  }
}

void StoreIndex(const DataType& t, uint64_t index, std::byte* dst) {
  switch (t.kind()) {
    case DataKind::kBool: *dst = std::byte{static_cast<uint8_t>(index & 1)}; return;
    case DataKind::kFloat:
    case DataKind::kBFloat16: PutFloat(t, static_cast<double>(index), dst); return;
    case DataKind::kComplex:
      std::memset(dst, 0, t.size_bytes());
      PutFloat(DataType(DataKind::kFloat, t.size_bytes() / 2), static_cast<double>(index), dst);
      return;
    default: std::memcpy(dst, &index, std::min<size_t>(8, t.size_bytes())); return;
  }
}

void StoreRandom(const DataType& t, uint64_t seed, uint64_t index, std::byte* dst) {
  const size_t size = t.size_bytes();
  const uint64_t words = (size + 7) / 8;
  const uint64_t h = Mix(seed + index * words);
  switch (t.kind()) {
    case DataKind::kBool: *dst = std::byte{static_cast<uint8_t>(h & 1)}; return;
    case DataKind::kFloat:
    case DataKind::kBFloat16: PutFloat(t, Unit(h), dst); return;
    case DataKind::kComplex: {
      const DataType half(DataKind::kFloat, size / 2);
      PutFloat(half, Unit(h), dst);
      PutFloat(half, Unit(Mix(h)), dst + size / 2);
      return;
    }
    default:
      for (uint64_t w = 0; w < words; ++w) {
        const uint64_t bits = w == 0 ? h : Mix(seed + index * words + w);
        std::memcpy(dst + w * 8, &bits, std::min<size_t>(8, size - w * 8));
      }
  }
}

}  // namespace

absl::StatusOr<PatternKind> ParsePatternKind(std::string_view name) {
  if (name == "smooth") return PatternKind::kSmooth;
  if (name == "random") return PatternKind::kRandom;
  if (name == "arange") return PatternKind::kArange;
  if (name == "zeros") return PatternKind::kZeros;
  return absl::InvalidArgumentError(
      fmt::format("unknown pattern \"{}\" (expected smooth, random, arange or zeros)", name));
}

std::string_view PatternName(PatternKind kind) {
  switch (kind) {
    case PatternKind::kSmooth: return "smooth";
    case PatternKind::kRandom: return "random";
    case PatternKind::kArange: return "arange";
    case PatternKind::kZeros: return "zeros";
  }
  return "?";
}

absl::StatusOr<Pattern> Pattern::Make(PatternKind kind, uint64_t seed, std::vector<uint64_t> shape,
                                      DataType type) {
  const bool raw = type.kind() == DataKind::kBytes || type.kind() == DataKind::kUnicode;
  if (raw && (kind == PatternKind::kSmooth || kind == PatternKind::kArange)) {
    return absl::InvalidArgumentError(fmt::format(
        "pattern \"{}\" needs a numeric data type, not {}", PatternName(kind), type.Name()));
  }
  Pattern p;
  p.kind_ = kind;
  p.seed_ = Mix(seed);
  p.shape_ = std::move(shape);
  p.type_ = type;
  p.strides_.assign(p.shape_.size(), 1);
  for (size_t d = p.shape_.size(); d-- > 1;) p.strides_[d - 1] = p.strides_[d] * p.shape_[d];
  if (kind != PatternKind::kSmooth) return p;
  // The field: four broad waves, two finer ones and three bumps, over every dimension.
  Draws draw(seed);
  const size_t ndim = p.shape_.size();
  for (int k = 0; k < 9; ++k) {
    Term t;
    t.gaussian = k >= 6;
    t.amplitude = k < 4 ? draw.Uniform(0.5, 1.0) : k < 6 ? 0.06 : draw.Uniform(-0.9, 0.9);
    for (size_t d = 0; d < ndim; ++d) {
      const double extent = static_cast<double>(p.shape_[d]);
      if (t.gaussian) {
        t.freq_or_center.push_back(draw.Uniform(0, extent));
        t.phase_or_width.push_back(std::max(1.0, draw.Uniform(0.08, 0.3) * extent));
      } else {
        t.freq_or_center.push_back(k < 4 ? draw.Uniform(0.2, 1.2) : draw.Uniform(2, 5));
        t.phase_or_width.push_back(draw.Uniform(0, 2 * std::numbers::pi));
      }
    }
    p.terms_.push_back(std::move(t));
  }
  p.amplitude_sum_ = 0;
  for (const Term& t : p.terms_) p.amplitude_sum_ += std::abs(t.amplitude);
  // Products of cosines rarely approach the amplitude sum: scale so the field uses most of
  // [0, 1] and clamps only at rare extremes.
  p.amplitude_sum_ *= 0.55;
  switch (type.kind()) {
    case DataKind::kBool: p.lo_ = 0, p.span_ = 1, p.noise_ = 0; break;
    case DataKind::kFloat:
    case DataKind::kBFloat16:
    case DataKind::kComplex: p.lo_ = 250, p.span_ = 60, p.noise_ = 0.1; break;
    default: {
      // Integers: the type's range (at most 2^20 values for wide types), of which 16-bit and
      // wider fields use the middle 40%, as quantized measurements rarely fill their type.
      const double range = type.size_bytes() <= 2 ? std::ldexp(1.0, 8 * type.size_bytes()) - 1
                                                  : 1048575;
      const double min = type.kind() == DataKind::kUInt ? 0 : -std::ceil(range / 2);
      p.span_ = type.size_bytes() == 1 ? range : std::round(0.4 * range);
      p.lo_ = min + std::round((range - p.span_) / 2);
      p.noise_ = std::max(2.0, p.span_ * 1e-4);  // a few counts, like a quantized sensor
      break;
    }
  }
  return p;
}

double Pattern::Profile(const Term& t, size_t d, uint64_t x) const {
  const double xd = static_cast<double>(x);
  if (t.gaussian) {
    const double z = (xd - t.freq_or_center[d]) / t.phase_or_width[d];
    return std::exp(-0.5 * z * z);
  }
  const double extent = static_cast<double>(shape_[d]);
  return std::cos(2 * std::numbers::pi * t.freq_or_center[d] * xd / extent + t.phase_or_width[d]);
}

void Pattern::GenerateSerial(const Box& box, std::byte* out) const {
  const size_t elem = type_.size_bytes();
  const uint64_t n = box.NumElements();
  if (kind_ == PatternKind::kZeros || n == 0) {
    std::memset(out, 0, n * elem);
    return;
  }
  const size_t ndim = shape_.size();
  const size_t last = ndim == 0 ? 0 : ndim - 1;
  const uint64_t row_len = ndim == 0 ? 1 : box.shape[last];
  // Smooth: per-term profile tables over the box's range, [term][dim][i].
  std::vector<std::vector<std::vector<double>>> tables;
  if (kind_ == PatternKind::kSmooth) {
    tables.resize(terms_.size());
    for (size_t k = 0; k < terms_.size(); ++k) {
      tables[k].resize(ndim);
      for (size_t d = 0; d < ndim; ++d) {
        for (uint64_t i = 0; i < box.shape[d]; ++i) {
          tables[k][d].push_back(Profile(terms_[k], d, box.origin[d] + i));
        }
      }
    }
  }
  // The innermost sums run in float: twice the SIMD width of double, and far more precision
  // than the 16 bits integer outputs need.
  std::vector<std::vector<float>> inner(tables.size());
  for (size_t k = 0; k < tables.size() && ndim > 0; ++k) {
    inner[k].assign(tables[k][last].begin(), tables[k][last].end());
  }
  std::vector<float> acc(kind_ == PatternKind::kSmooth ? row_len : 0);
  std::vector<double> row(kind_ == PatternKind::kSmooth ? row_len : 0);
  std::vector<uint64_t> idx(ndim == 0 ? 0 : ndim - 1, 0);
  const double hi = lo_ + span_;
  while (true) {
    uint64_t linear = ndim == 0 ? 0 : box.origin[last];
    for (size_t d = 0; d + 1 < ndim; ++d) linear += (box.origin[d] + idx[d]) * strides_[d];
    if (kind_ == PatternKind::kSmooth) {
      std::fill(acc.begin(), acc.end(), 0.0f);
      for (size_t k = 0; k < terms_.size(); ++k) {
        double c = terms_[k].amplitude;
        for (size_t d = 0; d + 1 < ndim; ++d) c *= tables[k][d][idx[d]];
        if (ndim == 0) {
          acc[0] += static_cast<float>(c);
          continue;
        }
        const float* profile = inner[k].data();
        const float cf = static_cast<float>(c);
        float* a = acc.data();
        for (uint64_t j = 0; j < row_len; ++j) a[j] += cf * profile[j];
      }
      const double scale = 0.5 * span_ / amplitude_sum_;
      const double mid = lo_ + 0.5 * span_;
      // Noise: 16 bits per element, four elements per hash (element i uses bits
      // 16 * (i % 4) of hash i / 4), so it stays a function of the element alone.
      const double noise_unit = noise_ * 0x1.0p-16;
      const double noise_mid = noise_ * 0.5;
      uint64_t bits = Mix(seed_ + ((linear) >> 2)) >> (16 * (linear & 3));
      for (uint64_t j = 0; j < row_len; ++j) {
        const uint64_t i = linear + j;
        if ((i & 3) == 0) bits = Mix(seed_ + (i >> 2));
        const double noise = static_cast<double>(bits & 0xffff) * noise_unit - noise_mid;
        bits >>= 16;
        row[j] = mid + scale * acc[j] + noise;
      }
      StoreValues(type_, row.data(), row_len, out, lo_, hi);
    } else {
      for (uint64_t j = 0; j < row_len; ++j) {
        if (kind_ == PatternKind::kArange) StoreIndex(type_, linear + j, out + j * elem);
        else StoreRandom(type_, seed_, linear + j, out + j * elem);
      }
    }
    out += row_len * elem;
    if (ndim <= 1) return;
    size_t d = ndim - 1;
    while (d-- > 0) {
      if (++idx[d] < box.shape[d]) break;
      idx[d] = 0;
    }
    if (d == static_cast<size_t>(-1)) return;
  }
}

absl::Status Pattern::Generate(const Box& box, std::span<std::byte> out, WorkerPool* pool) const {
  const size_t ndim = shape_.size();
  if (box.origin.size() != ndim || box.shape.size() != ndim) {
    return absl::InvalidArgumentError(fmt::format(
        "pattern box has rank {}, the array has {} dimensions", box.shape.size(), ndim));
  }
  for (size_t d = 0; d < ndim; ++d) {
    if (box.origin[d] > shape_[d] || box.shape[d] > shape_[d] - box.origin[d]) {
      return absl::InvalidArgumentError(
          fmt::format("pattern box leaves the array in dimension {}", d));
    }
  }
  const uint64_t n = box.NumElements();
  if (n > SIZE_MAX / type_.size_bytes() || out.size() != n * type_.size_bytes()) {
    return absl::InvalidArgumentError(fmt::format(
        "pattern output holds {} bytes, the box needs {} elements of {} bytes", out.size(), n,
        type_.size_bytes()));
  }
  // Split along the first dimension longer than 1: every part is then one contiguous run.
  size_t split = 0;
  while (split < ndim && box.shape[split] == 1) ++split;
  if (pool == nullptr || pool->size() < 2 || split >= ndim || box.shape[split] < 2) {
    GenerateSerial(box, out.data());
    return absl::OkStatus();
  }
  const uint64_t parts = std::min<uint64_t>(box.shape[split], 4 * pool->size());
  const uint64_t part_bytes = n / box.shape[split] * type_.size_bytes();
  pool->RunParts(parts, [&](size_t p) {
    const uint64_t begin = box.shape[split] * p / parts;
    const uint64_t end = box.shape[split] * (p + 1) / parts;
    Box part = box;
    part.origin[split] += begin;
    part.shape[split] = end - begin;
    GenerateSerial(part, out.data() + begin * part_bytes);
  });
  return absl::OkStatus();
}

}  // namespace zring::zarr
