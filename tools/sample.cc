// `zring sample STORE`: the deterministic random-crop sampler (zarr/sampler.h) end to end - the
// crops one rank of a distributed training run reads in one epoch, as .npy batches or timed.
//
// Parameters:
//   --crop A,B,C        the shape of every crop
//   --array PATH        the array (default: the store root); with --arrays, the group holding them
//   --arrays a,b,c      several arrays of one shape and data type, read at the same boxes and
//                       stacked channels-last: batches are (batch, *crop, C)
//   --batch N           crops per batch; --batches N: batches this rank reads
//   --length N          dataset length per epoch (crops an epoch names); default batch x batches
//                       x world, so every rank reads exactly --batches full batches
//   --seed, --epoch     the crop of dataset index i is a pure function of (seed, epoch, i)
//   --rank, --world     DistributedSampler sharding of the shuffled indices (padding by wrapping;
//                       --drop-last drops instead; --no-shuffle keeps index order)
//   --roi 0:100,:,:     region of interest per dimension (start:stop, either may be omitted)
//   --threads N         decode workers (0: one per core)
//   --out DIR           write batch-000000.npy, ... (numpy .npy v1.0, little-endian); without it
//                       the batches are only read and timed
//   --print-boxes       one JSON line per crop on stdout: {"batch", "slot", "index", "origin",
//                       "shape"}; without --out nothing is read
//   -o KEY=VALUE        remote store option (repeatable; tools/store_args.h): STORE may be an
//                       http(s)://, s3:// or gs:// URL
// Figures (stdout, or stderr with --print-boxes): crops/s, output MB/s and chunks decoded per
// second over the read calls alone. A progress bar goes to stderr when it is a terminal.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "fmt/format.h"
#include "tools/commands.h"
#include "tools/progress.h"
#include "tools/store_args.h"
#include "zarr/array.h"
#include "zarr/sampler.h"

namespace zring::tools {
namespace {

struct SampleArgs {
  std::string store;
  std::string array;
  std::string arrays;
  std::string crop = "4,128,128";
  uint64_t batch = 32;
  uint64_t batches = 100;
  uint64_t length = 0;
  uint64_t seed = 0;
  uint64_t epoch = 0;
  int rank = 0;
  int world = 1;
  bool no_shuffle = false;
  bool drop_last = false;
  std::string roi;
  int threads = 0;
  std::string out;
  bool print_boxes = false;
  bool json = false;
  bool quiet = false;
  std::vector<std::string> storage_options;
};

[[noreturn]] void Fail(const std::string& msg) {
  std::fprintf(stderr, "zring sample: %s\n", msg.c_str());
  throw CLI::RuntimeError(1);
}

template <typename T>
T OrFail(absl::StatusOr<T> v) {
  if (!v.ok()) Fail(v.status().ToString());
  return std::move(*v);
}

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(item);
  if (!text.empty() && text.back() == sep) out.push_back("");
  return out;
}

uint64_t ParseUint(const std::string& item, const std::string& what) {
  try {
    size_t used = 0;
    if (!item.empty() && item[0] != '-') {
      const uint64_t v = std::stoull(item, &used);
      if (used == item.size()) return v;
    }
  } catch (const std::exception&) {
  }
  Fail(fmt::format("{}: \"{}\" is not a non-negative integer", what, item));
}

// "0:100,:,5:" -> per-dimension [begin, end); an omitted bound is the array's.
void ParseRoi(const std::string& text, const std::vector<uint64_t>& shape,
              std::vector<uint64_t>& begin, std::vector<uint64_t>& end) {
  const std::vector<std::string> dims = Split(text, ',');
  if (dims.size() != shape.size()) {
    Fail(fmt::format("--roi \"{}\" has {} dimensions, the array {}", text, dims.size(),
                     shape.size()));
  }
  begin.assign(shape.size(), 0);
  end = shape;
  for (size_t d = 0; d < dims.size(); ++d) {
    const size_t colon = dims[d].find(':');
    if (colon == std::string::npos) {
      Fail(fmt::format("--roi dimension {}: \"{}\" is not start:stop", d, dims[d]));
    }
    const std::string lo = dims[d].substr(0, colon), hi = dims[d].substr(colon + 1);
    if (!lo.empty()) begin[d] = ParseUint(lo, fmt::format("--roi dimension {}", d));
    if (!hi.empty()) end[d] = ParseUint(hi, fmt::format("--roi dimension {}", d));
  }
}

// A .npy v1.0 header: magic, version, little-endian header length, then the dict padded with
// spaces and ended by '\n' so the data starts at a multiple of 64 bytes (as numpy writes it).
std::string NpyHeader(const std::string& descr, const std::vector<uint64_t>& shape) {
  std::string dims = "(";
  for (size_t i = 0; i < shape.size(); ++i) dims += (i ? ", " : "") + std::to_string(shape[i]);
  dims += shape.size() == 1 ? ",)" : ")";  // a 1-tuple keeps its comma: (5,)
  std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, dims);
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  if (dict.size() > 65535) Fail("npy header too long");
  std::string header("\x93NUMPY\x01\x00", 8);
  header += static_cast<char>(dict.size() & 0xff);
  header += static_cast<char>(dict.size() >> 8);
  return header + dict;
}

// Writes to a temporary name and renames, so a reader never sees half a batch.
void WriteNpy(const std::filesystem::path& path, const std::string& header,
              std::span<const std::byte> data) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f.write(header.data(), static_cast<std::streamsize>(header.size()));
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f) Fail(fmt::format("cannot write {}", tmp.string()));
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) Fail(fmt::format("cannot rename {} to {}: {}", tmp.string(), path.string(), ec.message()));
}

std::string JsonList(std::span<const uint64_t> v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

std::vector<std::unique_ptr<zarr::Array>> OpenArrays(const SampleArgs& a, const zarr::Store& store) {
  std::vector<std::string> paths;
  if (a.arrays.empty()) {
    paths.push_back(a.array);
  } else {
    const std::string group = zarr::NormalizePath(a.array);
    for (const std::string& name : Split(a.arrays, ',')) {
      if (zarr::NormalizePath(name).empty()) Fail(fmt::format("--arrays \"{}\": empty name", a.arrays));
      paths.push_back(group.empty() ? name : group + "/" + name);
    }
  }
  std::vector<std::unique_ptr<zarr::Array>> arrays;
  for (const std::string& p : paths) arrays.push_back(OrFail(zarr::Array::Open(store, p)));
  return arrays;
}

struct Figures {
  uint64_t crops = 0;
  uint64_t batches = 0;
  size_t channels = 0;
  uint64_t crop_bytes = 0;
  double seconds = 0;           // inside the read calls only
  uint64_t chunks_decoded = 0;
};

// On stdout, or on stderr when stdout carries --print-boxes lines.
void PrintFigures(const SampleArgs& a, const Figures& f) {
  std::FILE* report = a.print_boxes ? stderr : stdout;
  const double n = static_cast<double>(f.crops);
  const double bytes = n * static_cast<double>(f.crop_bytes);
  const double chunks = static_cast<double>(f.chunks_decoded);
  const auto batches = static_cast<unsigned long long>(f.batches);
  if (a.json) {
    std::fprintf(report,
                 "{\"crops\": %.0f, \"batches\": %llu, \"channels\": %zu, \"seconds\": %.6f, "
                 "\"crops_per_s\": %.1f, \"out_bytes_per_s\": %.0f, \"chunks_per_s\": %.1f, "
                 "\"chunks_decoded\": %.0f}\n",
                 n, batches, f.channels, f.seconds, n / f.seconds, bytes / f.seconds,
                 chunks / f.seconds, chunks);
    return;
  }
  std::fprintf(report, "crops        %.0f in %llu batches (%zu channels) in %.3f s\n", n, batches,
               f.channels, f.seconds);
  std::fprintf(report, "crops/s      %.1f\n", n / f.seconds);
  std::fprintf(report, "out MB/s     %.1f\n", bytes / f.seconds / 1e6);
  std::fprintf(report, "chunks/s     %.1f (%.0f chunks decoded)\n", chunks / f.seconds, chunks);
  if (!a.out.empty()) {
    std::fprintf(report, "wrote        %llu .npy files to %s\n", batches, a.out.c_str());
  }
}

void RunSample(const SampleArgs& a) {
  if (a.batch == 0) Fail("--batch must be at least 1");
  auto store = OrFail(OpenStoreArg(a.store, a.storage_options));
  std::vector<std::unique_ptr<zarr::Array>> arrays = OpenArrays(a, *store);
  std::vector<const zarr::Array*> views;
  for (const auto& arr : arrays) views.push_back(arr.get());

  zarr::CropSamplerOptions so;
  so.array_shape = arrays[0]->metadata().shape;
  for (const std::string& s : Split(a.crop, ',')) so.crop_shape.push_back(ParseUint(s, "--crop"));
  if (!a.roi.empty()) ParseRoi(a.roi, so.array_shape, so.roi_begin, so.roi_end);
  so.seed = a.seed;
  so.length = a.length != 0 ? a.length : a.batch * a.batches * static_cast<uint64_t>(std::max(1, a.world));
  const zarr::CropSampler sampler = OrFail(zarr::CropSampler::Create(so));
  std::vector<uint64_t> indices = OrFail(zarr::RankIndices(
      sampler.length(), a.seed, a.epoch, a.rank, a.world, !a.no_shuffle, a.drop_last));
  if (indices.size() > a.batch * a.batches) indices.resize(a.batch * a.batches);
  if (indices.empty()) Fail("this rank has no dataset indices to read (--length too small?)");

  const bool read = !a.out.empty() || !a.print_boxes;
  zarr::CropReaderOptions ro;
  ro.threads = a.threads;
  store->ConfigureEngine(ro.engine);  // remote stores: transport, coalescing gap, cache tier
  auto reader = OrFail(zarr::MultiArrayCropReader::Create(views, ro));
  if (!a.out.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.out, ec);
    if (ec) Fail(fmt::format("cannot create --out directory {}: {}", a.out, ec.message()));
  }
  const std::string descr = reader->data_type().NumpyString(zarr::Endian::kLittle);
  const uint64_t crop_bytes = reader->CropBytes(sampler.crop_shape());
  const uint64_t nbatches = (indices.size() + a.batch - 1) / a.batch;
  std::vector<std::byte> buf(read ? a.batch * crop_bytes : 0);
  ProgressOptions po;
  po.quiet = a.quiet || !read || !isatty(STDERR_FILENO);
  Progress progress("sample", indices.size() * crop_bytes, 0, po);

  double seconds = 0;
  const zarr::CropReadStats before = reader->stats();
  for (uint64_t b = 0; b < nbatches; ++b) {
    const size_t first = b * a.batch;
    const size_t count = std::min<size_t>(a.batch, indices.size() - first);
    const std::span<const uint64_t> ids(indices.data() + first, count);
    const std::vector<zarr::Box> boxes = sampler.Crops(a.epoch, ids);
    if (a.print_boxes) {
      for (size_t j = 0; j < count; ++j) {
        std::printf("{\"batch\": %llu, \"slot\": %zu, \"index\": %llu, \"origin\": %s, \"shape\": %s}\n",
                    static_cast<unsigned long long>(b), j, static_cast<unsigned long long>(ids[j]),
                    JsonList(boxes[j].origin).c_str(), JsonList(boxes[j].shape).c_str());
      }
    }
    if (!read) continue;
    const std::span<std::byte> out(buf.data(), count * crop_bytes);
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<absl::Status> st = OrFail(reader->ReadCrops(boxes, out));
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (size_t j = 0; j < count; ++j) {
      if (!st[j].ok()) {
        Fail(fmt::format("batch {} crop {} (dataset index {}, box {}): {}", b, j, ids[j],
                         zarr::DescribeBox(boxes[j]), st[j].ToString()));
      }
    }
    if (!a.out.empty()) {
      std::vector<uint64_t> shape{count};
      shape.insert(shape.end(), sampler.crop_shape().begin(), sampler.crop_shape().end());
      if (reader->num_channels() > 1) shape.push_back(reader->num_channels());
      WriteNpy(std::filesystem::path(a.out) / fmt::format("batch-{:06d}.npy", b),
               NpyHeader(descr, shape), out);
    }
    progress.Add(out.size());
  }
  progress.Finish();
  if (!read) return;
  const zarr::CropReadStats after = reader->stats();
  PrintFigures(a, {indices.size(), nbatches, reader->num_channels(), crop_bytes, seconds,
                   after.chunks_decoded - before.chunks_decoded});
}

}  // namespace

void RegisterSample(CLI::App& app) {
  auto a = std::make_shared<SampleArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sample", "Deterministic random crops for training: .npy batches, or timed reads");
  cmd->add_option("STORE", a->store,
                  "Zarr store: directory, file://, http(s)://, s3:// or gs:// URL")
      ->required();
  cmd->add_option("--array", a->array, "Array path (with --arrays: the group holding them)");
  cmd->add_option("--arrays", a->arrays, "Arrays stacked as channels, comma-separated");
  cmd->add_option("--crop", a->crop, "Crop shape, comma-separated");
  cmd->add_option("--batch", a->batch, "Crops per batch");
  cmd->add_option("--batches", a->batches, "Batches this rank reads");
  cmd->add_option("--length", a->length, "Dataset length per epoch (default batch*batches*world)");
  cmd->add_option("--seed", a->seed, "Seed of the crop draws and the shuffle");
  cmd->add_option("--epoch", a->epoch, "Epoch");
  cmd->add_option("--rank", a->rank, "This rank");
  cmd->add_option("--world", a->world, "World size");
  cmd->add_flag("--no-shuffle", a->no_shuffle, "Keep dataset index order");
  cmd->add_flag("--drop-last", a->drop_last, "Drop the tail instead of padding");
  cmd->add_option("--roi", a->roi, "Region of interest, e.g. 0:100,:,:");
  cmd->add_option("--threads", a->threads, "Decode workers (0: one per core)");
  cmd->add_option("--out", a->out, "Directory for batch-NNNNNN.npy files");
  cmd->add_flag("--print-boxes", a->print_boxes, "Print every crop as a JSON line");
  cmd->add_flag("--json", a->json, "Figures as one JSON object");
  cmd->add_flag("--quiet", a->quiet, "No progress bar");
  AddStorageOptionFlag(cmd, &a->storage_options);
  cmd->callback([a] { RunSample(*a); });
}

}  // namespace zring::tools
