// Deterministic random-crop sampling for training loops: which crop a dataset index names, which
// dataset indices a (rank, worker) reads, and reading one box from several arrays at once,
// stacked as channels.
//
// Everything here is a pure function of its arguments: crop `index` of epoch `epoch` under
// `seed` is computed from the tuple by a counter-based hash (no stateful RNG), and the shuffled
// order of an epoch is a bijective hash permutation of [0, length). So the crops a training run
// sees do not depend on the number of DataLoader workers, the world size, the order of calls,
// the number of threads, or restarts. The hash and the permutation are part of the contract:
// changing either changes every user's crops, so they are specified here and tested against
// fixed values.
//
//   ZRING_ASSIGN_OR_RETURN(CropSampler sampler, CropSampler::Create({
//       .array_shape = {100, 1024, 1024}, .crop_shape = {4, 128, 128}, .seed = 0,
//       .length = 10000}));
//   ZRING_ASSIGN_OR_RETURN(std::vector<uint64_t> mine,
//                          RankIndices(sampler.length(), /*seed=*/0, epoch, rank, world,
//                                      /*shuffle=*/true, /*drop_last=*/false));
//   std::vector<Box> boxes = sampler.Crops(epoch, mine);
//   ZRING_ASSIGN_OR_RETURN(auto reader, MultiArrayCropReader::Create({a, b, c}, {}));
//   std::vector<std::byte> out(boxes.size() * reader->CropBytes(sampler.crop_shape()));
//   ZRING_ASSIGN_OR_RETURN(std::vector<absl::Status> st, reader->ReadCrops(boxes, out));
#ifndef ZRING_ZARR_SAMPLER_H_
#define ZRING_ZARR_SAMPLER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/engine.h"
#include "zarr/array.h"
#include "zarr/chunk_grid.h"
#include "zarr/crop_reader.h"

namespace zring::zarr {

// The counter-based hash every draw comes from:
//   h = Mix(seed); h = Mix(h ^ a); h = Mix(h ^ b); return Mix(h ^ c)
// with Mix the splitmix64 step: x += 0x9e3779b97f4a7c15; x = (x ^ (x >> 30)) *
// 0xbf58476d1ce4e5b9; x = (x ^ (x >> 27)) * 0x94d049bb133111eb; return x ^ (x >> 31).
uint64_t SamplerHash(uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

// A uniform draw from [0, n) (n >= 1) with no modulo bias: Lemire's 128-bit multiply-shift on
// SamplerHash(seed, a, b, stream), rejecting the few low products that would bias it and
// re-hashing with stream + 2^32 * attempt until one is accepted.
uint64_t UniformBelow(uint64_t n, uint64_t seed, uint64_t a, uint64_t b, uint64_t stream);

struct CropSamplerOptions {
  std::vector<uint64_t> array_shape;
  std::vector<uint64_t> crop_shape;   // same rank as array_shape, every extent > 0
  // Region of interest, half-open per dimension: crops lie inside [roi_begin, roi_end). Empty
  // vectors mean the whole array (0 and array_shape).
  std::vector<uint64_t> roi_begin;
  std::vector<uint64_t> roi_end;
  uint64_t seed = 0;
  uint64_t length = 0;                // crops per epoch: dataset indices 0 .. length - 1
};

// Maps (epoch, index) to a crop. Plain data: cheap to copy, every method const and thread-safe.
class CropSampler {
 public:
  // InvalidArgument naming the dimension when ranks differ, a crop extent is 0, the ROI is
  // empty, reversed or past the array, or the crop is larger than the ROI in some dimension.
  static absl::StatusOr<CropSampler> Create(CropSamplerOptions options);

  // Crop `index` of `epoch`: origin[d] = roi_begin[d] + UniformBelow(roi_end[d] - roi_begin[d]
  // - crop[d] + 1, seed, epoch, index, d); shape = crop_shape. Every valid start is reachable.
  // `index` is not checked against length(): any uint64 names a crop.
  Box Crop(uint64_t epoch, uint64_t index) const;
  std::vector<Box> Crops(uint64_t epoch, std::span<const uint64_t> indices) const;
  // Only the origins, row-major: origins_out[i * ndim() + d] for indices[i] (the size must be
  // indices.size() * ndim(), else InvalidArgument). For bindings filling a numpy array.
  absl::Status CropOrigins(uint64_t epoch, std::span<const uint64_t> indices,
                           std::span<uint64_t> origins_out) const;

  size_t ndim() const { return options_.array_shape.size(); }
  uint64_t length() const { return options_.length; }
  uint64_t seed() const { return options_.seed; }
  const std::vector<uint64_t>& crop_shape() const { return options_.crop_shape; }
  // With the ROI defaults filled in.
  const CropSamplerOptions& options() const { return options_; }

 private:
  explicit CropSampler(CropSamplerOptions options) : options_(std::move(options)) {}
  CropSamplerOptions options_;
};

// Position `position` (< length) of epoch `epoch`'s shuffled order of [0, length): a bijection
// of [0, length) for each (seed, epoch) - a 6-round Feistel network on the smallest even number
// of bits covering length (at least 2); round r maps (L, R) to (R, L ^ (SamplerHash(seed,
// epoch, ~r, R) & mask)) with x = L << half | R; cycle walking brings results back into
// [0, length). O(1) memory; a few hashes per index. length 0 returns position.
uint64_t ShuffledIndex(uint64_t length, uint64_t seed, uint64_t epoch, uint64_t position);

// The dataset indices rank `rank` of `world` reads in epoch `epoch`, with the semantics of
// torch.utils.data.DistributedSampler (the order differs: torch's randperm is not reproduced):
//   order = shuffle ? ShuffledIndex(length, seed, epoch, 0 .. length-1) : 0 .. length-1
//   drop_last: order is cut to total = floor(length / world) * world
//   else:      order is padded by repeating it from its start to total = ceil(length / world) *
//              world (wrapping as often as needed when world > length)
//   result = order[rank : total : world]    (every rank gets total / world indices)
// InvalidArgument when world < 1 or rank is not in [0, world). length 0 gives an empty list.
absl::StatusOr<std::vector<uint64_t>> RankIndices(uint64_t length, uint64_t seed, uint64_t epoch,
                                                  int rank, int world, bool shuffle,
                                                  bool drop_last);

// Splits one rank's indices among DataLoader workers the way DataLoader hands out batches:
// `indices` is cut into consecutive batches of `batch_size` (the last may be short) and worker
// w gets batches w, w + num_workers, w + 2 * num_workers, ... concatenated in order. batch_size
// 1 is a plain stride (indices[w::num_workers]). Concatenating the workers' batches round-robin
// gives back `indices`. InvalidArgument when num_workers < 1, worker_id not in [0, num_workers)
// or batch_size < 1.
absl::StatusOr<std::vector<uint64_t>> WorkerIndices(std::span<const uint64_t> indices,
                                                    int worker_id, int num_workers,
                                                    uint64_t batch_size = 1);

// Reads the same boxes from several arrays of one shape and data type (e.g. the arrays a, b, c
// of a group) and stacks them channels-last into one contiguous buffer: crop i fills elements
// [offset_i, offset_i + NumElements(box_i) * C) with offset_i the sum over earlier crops, in
// (*box_i.shape, C) order - so N crops of one shape form a C-contiguous (N, *crop, C) array.
// One array (C = 1) gives plain (N, *crop). Channels are written in place through CropOutput
// strides: no copy beyond the crop pipeline's own.
//
// One CropReader per array, all on one shared engine; reused across calls. During ReadCrops the
// arrays' pipelines run at once (one short-lived thread per extra array; no thread outlives the
// call, so nothing but the readers' own pools exists between calls). The arrays (and
// their store) and the engine, when one is passed, must outlive the reader. ReadCrops may be
// called from one thread at a time. fork(): a reader that has read belongs to its process. In a
// forked child its reads fail with FailedPrecondition (the engine refuses, nothing hangs), but
// destroying it there would wait forever for worker threads that exist only in the parent:
// a child abandons such a reader (release() the unique_ptr) and creates its own.
class MultiArrayCropReader {
 public:
  // InvalidArgument when `arrays` is empty or null, or the arrays differ in data type or shape
  // (the message names both arrays and what differs).
  static absl::StatusOr<std::unique_ptr<MultiArrayCropReader>> Create(
      std::vector<const Array*> arrays, const CropReaderOptions& options,
      engine::Engine* engine = nullptr);
  ~MultiArrayCropReader();

  // Reads every box from every array into `out`. The call fails when `out` is not exactly the
  // size of all crops (TotalBytes) or the store cannot be read; otherwise one status per crop:
  // a crop fails when any array fails it, with the array's path in the message.
  absl::StatusOr<std::vector<absl::Status>> ReadCrops(std::span<const Box> boxes,
                                                      std::span<std::byte> out);

  size_t num_channels() const { return readers_.size(); }
  const DataType& data_type() const { return arrays_[0]->data_type(); }
  const std::vector<uint64_t>& shape() const { return arrays_[0]->metadata().shape; }
  size_t element_size_bytes() const { return arrays_[0]->data_type().size_bytes(); }
  // Bytes of one crop of `crop_shape` with every channel.
  uint64_t CropBytes(std::span<const uint64_t> crop_shape) const;
  uint64_t TotalBytes(std::span<const Box> boxes) const;
  // Summed over the arrays' readers.
  CropReadStats stats() const;

 private:
  MultiArrayCropReader() = default;
  // CropOutputs placing channel `channel` of every crop in `out` (sized by TotalBytes).
  std::vector<CropOutput> ChannelOutputs(std::span<const Box> boxes, std::span<std::byte> out,
                                         size_t channel) const;
  std::vector<const Array*> arrays_;
  std::unique_ptr<engine::Engine> owned_engine_;
  std::vector<std::unique_ptr<CropReader>> readers_;  // after the engine: destroyed first
};

}  // namespace zring::zarr

#endif  // ZRING_ZARR_SAMPLER_H_
