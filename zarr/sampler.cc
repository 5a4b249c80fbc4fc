#include "zarr/sampler.h"

#include <algorithm>
#include <bit>
#include <string>
#include <thread>
#include <utility>

#include "engine/status.h"
#include "fmt/format.h"

namespace zring::zarr {
namespace {

constexpr uint64_t kGolden = 0x9e3779b97f4a7c15ull;

uint64_t Mix(uint64_t x) {
  x += kGolden;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

std::string Join(std::span<const uint64_t> v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

absl::Status Invalid(const std::string& message) {
  return absl::InvalidArgumentError(message);
}

}  // namespace

uint64_t SamplerHash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c) {
  uint64_t h = Mix(seed);
  h = Mix(h ^ a);
  h = Mix(h ^ b);
  return Mix(h ^ c);
}

uint64_t UniformBelow(uint64_t n, uint64_t seed, uint64_t a, uint64_t b, uint64_t stream) {
  // Lemire, "Fast Random Integer Generation in an Interval" (2019): the high word of x * n is
  // uniform over [0, n) once products whose low word falls below 2^64 mod n are rejected.
  uint64_t x = SamplerHash(seed, a, b, stream);
  unsigned __int128 m = static_cast<unsigned __int128>(x) * n;
  uint64_t low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    for (uint64_t attempt = 1; low < threshold; ++attempt) {
      x = SamplerHash(seed, a, b, stream + (attempt << 32));
      m = static_cast<unsigned __int128>(x) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

absl::StatusOr<CropSampler> CropSampler::Create(CropSamplerOptions o) {
  const size_t n = o.array_shape.size();
  if (o.crop_shape.size() != n) {
    return Invalid(fmt::format("crop shape {} has {} dimensions, the array shape {} has {}",
                               Join(o.crop_shape), o.crop_shape.size(), Join(o.array_shape), n));
  }
  if (o.roi_begin.empty()) o.roi_begin.assign(n, 0);
  if (o.roi_end.empty()) o.roi_end = o.array_shape;
  if (o.roi_begin.size() != n || o.roi_end.size() != n) {
    return Invalid(fmt::format("region of interest begin {} / end {} must have {} dimensions, "
                               "like the array shape {}",
                               Join(o.roi_begin), Join(o.roi_end), n, Join(o.array_shape)));
  }
  for (size_t d = 0; d < n; ++d) {
    if (o.crop_shape[d] == 0) return Invalid(fmt::format("dimension {}: crop extent is 0", d));
    if (o.roi_begin[d] >= o.roi_end[d] || o.roi_end[d] > o.array_shape[d]) {
      return Invalid(fmt::format(
          "dimension {}: region of interest [{}, {}) is empty or outside the array extent {}", d,
          o.roi_begin[d], o.roi_end[d], o.array_shape[d]));
    }
    if (o.crop_shape[d] > o.roi_end[d] - o.roi_begin[d]) {
      return Invalid(fmt::format(
          "dimension {}: crop extent {} is larger than the region of interest [{}, {}) "
          "(array extent {})",
          d, o.crop_shape[d], o.roi_begin[d], o.roi_end[d], o.array_shape[d]));
    }
  }
  return CropSampler(std::move(o));
}

Box CropSampler::Crop(uint64_t epoch, uint64_t index) const {
  const size_t n = ndim();
  Box box{std::vector<uint64_t>(n), options_.crop_shape};
  for (size_t d = 0; d < n; ++d) {
    const uint64_t starts = options_.roi_end[d] - options_.roi_begin[d] - options_.crop_shape[d] + 1;
    box.origin[d] = options_.roi_begin[d] + UniformBelow(starts, options_.seed, epoch, index, d);
  }
  return box;
}

std::vector<Box> CropSampler::Crops(uint64_t epoch, std::span<const uint64_t> indices) const {
  std::vector<Box> boxes;
  boxes.reserve(indices.size());
  for (uint64_t i : indices) boxes.push_back(Crop(epoch, i));
  return boxes;
}

absl::Status CropSampler::CropOrigins(uint64_t epoch, std::span<const uint64_t> indices,
                                      std::span<uint64_t> origins_out) const {
  const size_t n = ndim();
  if (origins_out.size() != indices.size() * n) {
    return Invalid(fmt::format("origins buffer holds {} values, {} indices x {} dimensions need {}",
                               origins_out.size(), indices.size(), n, indices.size() * n));
  }
  for (size_t i = 0; i < indices.size(); ++i) {
    for (size_t d = 0; d < n; ++d) {
      const uint64_t starts =
          options_.roi_end[d] - options_.roi_begin[d] - options_.crop_shape[d] + 1;
      origins_out[i * n + d] =
          options_.roi_begin[d] + UniformBelow(starts, options_.seed, epoch, indices[i], d);
    }
  }
  return absl::OkStatus();
}

uint64_t ShuffledIndex(uint64_t length, uint64_t seed, uint64_t epoch, uint64_t position) {
  if (length <= 1) return position;
  // Smallest even bit count covering [0, length): a balanced Feistel network is a bijection on
  // [0, 2^bits), and at most 4x as many values as needed keeps cycle walking short.
  unsigned bits = static_cast<unsigned>(64 - std::countl_zero(length - 1));
  bits = std::max(2u, bits + (bits & 1));
  const unsigned half = bits / 2;
  const uint64_t mask = (uint64_t{1} << half) - 1;
  uint64_t x = position;
  do {
    uint64_t left = x >> half;
    uint64_t right = x & mask;
    for (uint64_t round = 0; round < 6; ++round) {
      const uint64_t f = SamplerHash(seed, epoch, ~round, right) & mask;
      const uint64_t next = left ^ f;
      left = right;
      right = next;
    }
    x = (left << half) | right;
  } while (x >= length);  // walk the cycle: x stays in the cycle of `position`, which meets
                          // [0, length) again, so the map restricted to it is a bijection
  return x;
}

absl::StatusOr<std::vector<uint64_t>> RankIndices(uint64_t length, uint64_t seed, uint64_t epoch,
                                                  int rank, int world, bool shuffle,
                                                  bool drop_last) {
  if (world < 1) return Invalid(fmt::format("world size {} must be at least 1", world));
  if (rank < 0 || rank >= world) {
    return Invalid(fmt::format("rank {} is not in [0, {})", rank, world));
  }
  std::vector<uint64_t> out;
  if (length == 0) return out;
  const uint64_t w = static_cast<uint64_t>(world);
  const uint64_t per_rank = drop_last ? length / w : (length + w - 1) / w;
  out.reserve(per_rank);
  for (uint64_t k = 0; k < per_rank; ++k) {
    // Position in the padded order; padding repeats the order from its start, so position p
    // holds order[p % length] (as torch's DistributedSampler pads).
    const uint64_t p = (static_cast<uint64_t>(rank) + k * w) % length;
    out.push_back(shuffle ? ShuffledIndex(length, seed, epoch, p) : p);
  }
  return out;
}

absl::StatusOr<std::vector<uint64_t>> WorkerIndices(std::span<const uint64_t> indices,
                                                    int worker_id, int num_workers,
                                                    uint64_t batch_size) {
  if (num_workers < 1) return Invalid(fmt::format("num_workers {} must be at least 1", num_workers));
  if (worker_id < 0 || worker_id >= num_workers) {
    return Invalid(fmt::format("worker_id {} is not in [0, {})", worker_id, num_workers));
  }
  if (batch_size < 1) return Invalid("batch_size must be at least 1");
  std::vector<uint64_t> out;
  const uint64_t step = batch_size * static_cast<uint64_t>(num_workers);
  for (uint64_t first = batch_size * static_cast<uint64_t>(worker_id); first < indices.size();
       first += step) {
    const uint64_t last = std::min<uint64_t>(first + batch_size, indices.size());
    out.insert(out.end(), indices.begin() + first, indices.begin() + last);
  }
  return out;
}

// ---- MultiArrayCropReader ----

MultiArrayCropReader::~MultiArrayCropReader() = default;

absl::StatusOr<std::unique_ptr<MultiArrayCropReader>> MultiArrayCropReader::Create(
    std::vector<const Array*> arrays, const CropReaderOptions& options, engine::Engine* engine) {
  if (arrays.empty()) return Invalid("no arrays to read crops from");
  for (size_t i = 0; i < arrays.size(); ++i) {
    if (arrays[i] == nullptr) return Invalid(fmt::format("array {} of {} is null", i, arrays.size()));
  }
  const Array& first = *arrays[0];
  for (size_t i = 1; i < arrays.size(); ++i) {
    const Array& a = *arrays[i];
    if (!(a.data_type() == first.data_type())) {
      return Invalid(fmt::format(
          "arrays \"{}\" and \"{}\" cannot be stacked as channels: data types {} and {} differ",
          first.path(), a.path(), first.data_type().Name(), a.data_type().Name()));
    }
    if (a.metadata().shape != first.metadata().shape) {
      return Invalid(fmt::format(
          "arrays \"{}\" and \"{}\" cannot be stacked as channels: shapes {} and {} differ",
          first.path(), a.path(), Join(first.metadata().shape), Join(a.metadata().shape)));
    }
  }
  std::unique_ptr<MultiArrayCropReader> r(new MultiArrayCropReader());
  if (engine == nullptr) {
    ZRING_ASSIGN_OR_RETURN(r->owned_engine_, engine::Engine::Create(options.engine));
    engine = r->owned_engine_.get();
  }
  for (const Array* a : arrays) {
    ZRING_ASSIGN_OR_RETURN(std::unique_ptr<CropReader> reader,
                           CropReader::Create(*a, options, engine));
    r->readers_.push_back(std::move(reader));
  }
  r->arrays_ = std::move(arrays);
  return r;
}

uint64_t MultiArrayCropReader::CropBytes(std::span<const uint64_t> crop_shape) const {
  return ShapeProduct(crop_shape) * num_channels() * element_size_bytes();
}

uint64_t MultiArrayCropReader::TotalBytes(std::span<const Box> boxes) const {
  uint64_t total = 0;
  for (const Box& b : boxes) total += CropBytes(b.shape);
  return total;
}

std::vector<CropOutput> MultiArrayCropReader::ChannelOutputs(std::span<const Box> boxes,
                                                             std::span<std::byte> out,
                                                             size_t channel) const {
  const size_t channels = num_channels();
  const size_t elem = element_size_bytes();
  std::vector<CropOutput> outputs(boxes.size());
  uint64_t offset = 0;
  for (size_t i = 0; i < boxes.size(); ++i) {
    const uint64_t crop_bytes = CropBytes(boxes[i].shape);
    CropOutput& o = outputs[i];
    // Channel c of crop i: elements c, c + C, c + 2C, ... of the crop's block.
    o.data = crop_bytes == 0 ? std::span<std::byte>()
                             : out.subspan(offset + channel * elem, crop_bytes - channel * elem);
    if (channels > 1) {
      // One channel keeps C order (empty strides) so whole chunks can decode in place.
      const std::vector<uint64_t>& shape = boxes[i].shape;
      o.strides_elements.assign(shape.size(), 0);
      int64_t stride = static_cast<int64_t>(channels);
      for (size_t d = shape.size(); d-- > 0;) {
        o.strides_elements[d] = stride;
        stride *= static_cast<int64_t>(shape[d]);
      }
    }
    offset += crop_bytes;
  }
  return outputs;
}

absl::StatusOr<std::vector<absl::Status>> MultiArrayCropReader::ReadCrops(
    std::span<const Box> boxes, std::span<std::byte> out) {
  const uint64_t total = TotalBytes(boxes);
  if (out.size() != total) {
    return Invalid(fmt::format("output holds {} bytes, {} crops of {} channels need {}", out.size(),
                               boxes.size(), num_channels(), total));
  }
  const size_t channels = num_channels();
  std::vector<std::vector<CropOutput>> outputs(channels);
  for (size_t c = 0; c < channels; ++c) outputs[c] = ChannelOutputs(boxes, out, c);
  // The channels' pipelines run at once, each on its own reader (one thread per reader, as
  // CropReader requires), sharing the engine: one channel's planning and last-round tail
  // overlap the others' reads and decodes. Channels write disjoint elements of `out`.
  std::vector<absl::StatusOr<std::vector<absl::Status>>> results(channels);
  std::vector<std::thread> helpers;
  for (size_t c = 1; c < channels; ++c) {
    helpers.emplace_back([&, c] { results[c] = readers_[c]->ReadCrops(boxes, outputs[c]); });
  }
  results[0] = readers_[0]->ReadCrops(boxes, outputs[0]);
  for (std::thread& t : helpers) t.join();

  std::vector<absl::Status> statuses(boxes.size());
  for (size_t c = 0; c < channels; ++c) {
    if (!results[c].ok()) return results[c].status();
    const std::vector<absl::Status>& got = *results[c];
    for (size_t i = 0; i < boxes.size(); ++i) {
      if (got[i].ok() || !statuses[i].ok()) continue;
      const std::string message(got[i].message());
      const std::string& path = arrays_[c]->path();
      statuses[i] = message.find(fmt::format("\"{}\"", path)) != std::string::npos
                        ? got[i]
                        : absl::Status(got[i].code(),
                                       fmt::format("array \"{}\": {}", path, message));
    }
  }
  return statuses;
}

CropReadStats MultiArrayCropReader::stats() const {
  CropReadStats sum;
  for (const auto& r : readers_) {
    const CropReadStats s = r->stats();
    sum.chunks_decoded += s.chunks_decoded;
    sum.chunks_filled += s.chunks_filled;
    sum.chunks_direct += s.chunks_direct;
    sum.bytes_read += s.bytes_read;
    sum.index_reads += s.index_reads;
    sum.rounds += s.rounds;
    sum.chunk_reads += s.chunk_reads;
    sum.chunks_cached += s.chunks_cached;
  }
  return sum;
}

}  // namespace zring::zarr
