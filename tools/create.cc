// `zring create STORE --shape 256,1024,1024 --chunks 32,64,64 [--shard 32,512,512] ...`: a
// synthetic Zarr store (v2 or v3, any codec preset, sharded or not) filled with a deterministic
// pattern (zarr/pattern.h), for benchmarks, demos and tests.
//
// Fast by construction: the array is written in slabs of whole grid chunks (shards when
// sharded) of at most --memory-mib; each slab is generated on all cores, then encoded on all
// cores by ArrayWriter (whole shards only, so nothing is ever read back). Prints one summary
// line on stdout; a progress line on stderr when it is a terminal.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "engine/status.h"
#include "fmt/format.h"
#include "tools/commands.h"
#include "tools/store_args.h"
#include "tools/progress.h"
#include "zarr/array_writer.h"
#include "zarr/metadata/json.h"
#include "zarr/pattern.h"

namespace zring::tools {
namespace {

struct CreateArgs {
  std::string store;
  std::string shape, chunks, shard;
  std::string dtype = "uint16";
  std::string codec = "blosc-lz4";
  int level = -1;
  int format = 3;
  std::string pattern = "smooth";
  uint64_t seed = 0;
  std::string array;
  int threads = 0;
  std::string fill_value = "0";
  bool overwrite = false;
  uint64_t memory_mib = 256;
};

absl::StatusOr<std::vector<uint64_t>> ParseList(const std::string& text, std::string_view what) {
  std::vector<uint64_t> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, end - start);
    char* stop = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(item.c_str(), &stop, 10);
    if (item.empty() || item[0] == '-' || *stop != '\0' || errno != 0) {
      return absl::InvalidArgumentError(fmt::format(
          "{} \"{}\": \"{}\" is not a non-negative integer (expected e.g. 256,1024,1024)", what,
          text, item));
    }
    out.push_back(v);
    start = end + 1;
  }
  return out;
}

// Bare NaN / Infinity are accepted on the command line; the metadata wants them as strings.
std::string FillJson(const std::string& v) {
  for (const char* word : {"NaN", "Infinity", "-Infinity"}) {
    if (v == word) return fmt::format("\"{}\"", word);
  }
  return v;
}

// An existing directory with content must be a Zarr store and --overwrite must be given.
absl::Status PrepareDirectory(const std::string& path, bool overwrite) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return absl::InvalidArgumentError(fmt::format("cannot inspect \"{}\": {}", path, ec.message()));
  }
  if (!fs::exists(st)) return absl::OkStatus();
  if (!fs::is_directory(st)) {
    return absl::AlreadyExistsError(fmt::format("\"{}\" exists and is not a directory", path));
  }
  if (fs::is_empty(path, ec)) return absl::OkStatus();
  bool zarr = false;
  for (const char* doc : {"zarr.json", ".zarray", ".zgroup"}) zarr |= fs::exists(fs::path(path) / doc);
  if (!zarr) {
    return absl::AlreadyExistsError(fmt::format(
        "\"{}\" is a non-empty directory that is not a Zarr store; refusing to touch it", path));
  }
  if (!overwrite) {
    return absl::AlreadyExistsError(
        fmt::format("store \"{}\" already exists (pass --overwrite to replace it)", path));
  }
  fs::remove_all(path, ec);
  if (ec) return absl::InternalError(fmt::format("remove \"{}\": {}", path, ec.message()));
  return absl::OkStatus();
}

// Slab shape: whole grid chunks, as large as fits in `budget_bytes` (at least one grid chunk):
// full extent in the inner dimensions, then as many grid chunks along the next one as fit.
std::vector<uint64_t> SlabShape(const std::vector<uint64_t>& shape,
                                const std::vector<uint64_t>& grid, uint64_t elem,
                                uint64_t budget_bytes) {
  const size_t ndim = shape.size();
  std::vector<uint64_t> g(ndim);
  for (size_t i = 0; i < ndim; ++i) g[i] = std::max<uint64_t>(1, std::min(grid[i], shape[i]));
  for (size_t d = 0; d <= ndim; ++d) {
    // One grid chunk in dimensions < d, the full extent from d on.
    std::vector<uint64_t> slab(ndim);
    for (size_t i = 0; i < ndim; ++i) slab[i] = i < d ? g[i] : shape[i];
    std::vector<uint64_t> factors = slab;
    factors.push_back(elem);
    const uint64_t bytes = zarr::ShapeProduct(factors);
    if (bytes > budget_bytes && d < ndim) continue;
    if (d > 0) {
      // As many grid chunks along dimension d - 1 as the budget allows (at least one).
      const uint64_t chunks_there = (shape[d - 1] + g[d - 1] - 1) / g[d - 1];
      const uint64_t n = std::min(chunks_there, std::max<uint64_t>(1, budget_bytes / bytes));
      slab[d - 1] = std::min(shape[d - 1], n * g[d - 1]);
    }
    return slab;
  }
  return g;
}

absl::Status CreateParents(zarr::Store& store, const std::string& array_path, int format) {
  // The root and every group above the array.
  std::string prefix;
  ZRING_RETURN_IF_ERROR(zarr::CreateGroup(store, "", zarr::GroupMetadata{format, "{}"}));
  for (size_t pos = array_path.find('/'); pos != std::string::npos;
       pos = array_path.find('/', pos + 1)) {
    ZRING_RETURN_IF_ERROR(
        zarr::CreateGroup(store, array_path.substr(0, pos), zarr::GroupMetadata{format, "{}"}));
  }
  return absl::OkStatus();
}

absl::Status RunCreate(const CreateArgs& a) {
  ZRING_RETURN_IF_ERROR(RefuseRemoteOutput(a.store));
  zarr::SimpleArraySpec spec;
  spec.zarr_format = a.format;
  ZRING_ASSIGN_OR_RETURN(spec.shape, ParseList(a.shape, "--shape"));
  ZRING_ASSIGN_OR_RETURN(spec.chunk_shape, ParseList(a.chunks, "--chunks"));
  ZRING_ASSIGN_OR_RETURN(spec.shard_shape, ParseList(a.shard, "--shard"));
  spec.data_type = a.dtype;
  spec.codec = a.codec;
  spec.level = a.level;
  spec.fill_value_json = FillJson(a.fill_value);
  ZRING_ASSIGN_OR_RETURN(zarr::ArrayMetadata metadata, zarr::MakeArrayMetadata(spec));
  ZRING_ASSIGN_OR_RETURN(zarr::PatternKind kind, zarr::ParsePatternKind(a.pattern));
  ZRING_ASSIGN_OR_RETURN(zarr::Pattern pattern,
                         zarr::Pattern::Make(kind, a.seed, spec.shape, metadata.data_type));
  const std::string array_path = zarr::NormalizePath(a.array);
  ZRING_RETURN_IF_ERROR(PrepareDirectory(a.store, a.overwrite));
  ZRING_ASSIGN_OR_RETURN(auto store, zarr::DirectoryStore::Create(a.store));
  if (!array_path.empty()) ZRING_RETURN_IF_ERROR(CreateParents(*store, array_path, a.format));
  ZRING_RETURN_IF_ERROR(zarr::CreateArray(*store, array_path, metadata));
  ZRING_ASSIGN_OR_RETURN(auto array, zarr::Array::Open(*store, array_path));
  ZRING_ASSIGN_OR_RETURN(auto writer,
                         zarr::ArrayWriter::Create(*store, *array, {.threads = a.threads}));

  const auto start = std::chrono::steady_clock::now();
  const uint64_t elem = metadata.data_type.size_bytes();
  const size_t ndim = spec.shape.size();
  const std::vector<uint64_t> slab =
      SlabShape(spec.shape, metadata.chunk_shape, elem, a.memory_mib << 20);
  const uint64_t total_bytes = zarr::ShapeProduct(spec.shape) * elem;
  Progress progress("create", total_bytes, 0, ProgressOptions{.quiet = !isatty(STDERR_FILENO)});
  zarr::WorkerPool generators(a.threads);
  std::vector<std::byte> buffer;
  std::vector<uint64_t> at(ndim, 0);  // slab origin
  bool done = zarr::ShapeProduct(spec.shape) == 0;
  while (!done) {
    zarr::Box box{at, slab};
    for (size_t d = 0; d < ndim; ++d) box.shape[d] = std::min(slab[d], spec.shape[d] - at[d]);
    buffer.resize(box.NumElements() * elem);
    ZRING_RETURN_IF_ERROR(pattern.Generate(box, buffer, &generators));
    ZRING_RETURN_IF_ERROR(writer->WriteRegion(box, buffer));
    progress.Add(buffer.size());
    size_t d = ndim;
    while (d-- > 0) {
      at[d] += slab[d];
      if (at[d] < spec.shape[d]) break;
      at[d] = 0;
    }
    done = d == static_cast<size_t>(-1);
  }
  progress.Finish();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const zarr::WriteStats stats = writer->stats();
  std::printf(
      "created %s%s: %s [%s] %s, grid [%s]; %.1f MiB logical, %.1f MiB stored (%.2fx); %llu "
      "chunks written, %llu empty; %.2f s, %.0f MB/s\n",
      a.store.c_str(), array_path.empty() ? "" : ("/" + array_path).c_str(),
      metadata.data_type.Name().c_str(), zarr::internal::Join(spec.shape).c_str(),
      a.codec.c_str(), zarr::internal::Join(metadata.chunk_shape).c_str(),
      total_bytes / 1048576.0, stats.bytes_written / 1048576.0,
      stats.bytes_written ? double(total_bytes) / double(stats.bytes_written) : 0.0,
      static_cast<unsigned long long>(stats.chunks_written),
      static_cast<unsigned long long>(stats.chunks_skipped), seconds,
      seconds > 0 ? total_bytes / seconds / 1e6 : 0.0);
  return absl::OkStatus();
}

}  // namespace

void RegisterCreate(CLI::App& app) {
  auto a = std::make_shared<CreateArgs>();
  CLI::App* cmd = app.add_subcommand(
      "create",
      "Create a synthetic Zarr store filled with a deterministic pattern.\n"
      "  zring create /tmp/demo.zarr --shape 256,1024,1024 --chunks 4,64,64 --shard 16,256,256");
  cmd->add_option("STORE", a->store, "Store directory to create")->required();
  cmd->add_option("--shape", a->shape, "Array shape, e.g. 256,1024,1024")->required();
  cmd->add_option("--chunks", a->chunks, "Chunk shape (inner chunks when sharded)")->required();
  cmd->add_option("--shard", a->shard, "Shard shape, multiples of --chunks (v3 only)");
  cmd->add_option("--dtype", a->dtype, "Data type (v3 name: uint16, float32, bool, ...)")
      ->default_val("uint16");
  cmd->add_option("--codec", a->codec,
                  "none|blosc-lz4|blosc-zstd|zstd|gzip|lz4 (v2); '+crc32c' adds a checksum (v3)")
      ->default_val("blosc-lz4");
  cmd->add_option("--level", a->level, "Compression level (-1: the codec's usual default)")
      ->default_val(-1);
  cmd->add_option("--format", a->format, "Zarr format")->default_val(3)->check(CLI::IsMember({2, 3}));
  cmd->add_option("--pattern", a->pattern, "smooth|random|arange|zeros")->default_val("smooth");
  cmd->add_option("--seed", a->seed, "Pattern seed")->default_val(0);
  cmd->add_option("--array", a->array, "Array path inside the store; the root becomes a group");
  cmd->add_option("--threads", a->threads, "Worker threads (0: one per core)")->default_val(0);
  cmd->add_option("--fill-value", a->fill_value, "Fill value (JSON: 0, NaN, true, ...)")
      ->default_val("0");
  cmd->add_option("--memory-mib", a->memory_mib, "Memory for one slab of generated data, MiB")
      ->default_val(256)
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 30));
  cmd->add_flag("--overwrite", a->overwrite, "Replace an existing Zarr store at STORE");
  cmd->callback([a] {
    absl::Status st = RunCreate(*a);
    if (!st.ok()) {
      std::fprintf(stderr, "zring create: %s\n", std::string(st.message()).c_str());
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace zring::tools
