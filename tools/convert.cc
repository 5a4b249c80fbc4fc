// `zring convert SRC DST`: re-chunks, re-shards and re-compresses one array (v2 or v3) into a
// new store, streaming with bounded memory.
//
// The destination grid (shards when sharded, else chunks) is cut into slabs of whole grid
// chunks (tools/convert_plan.h); each slab is read from the source through a CropReader and
// written with ArrayWriter::WriteRegion, so nothing is ever read back from the destination.
// The next slab is read while the current one is encoded and written. Memory: two slabs, the
// reader's in-flight budget and scratch chunks, and the writer's per-worker grid chunks, all
// sized from --memory (the process's own footprint, a few MiB, comes on top). Slabs also follow
// the source's chunk boundaries along the dimension they split when memory allows, so no source
// chunk is decoded twice.
//
// Resuming: before the array's metadata is written, a journal (".zring-convert-progress" beside
// the array's metadata, rewritten through temp + rename after every slab) records the
// conversion's identity; it then records every finished grid chunk. Finished grid chunks include
// the all-fill ones that are deliberately not stored, which is why completion cannot be read off
// the chunk files. Re-running the same command after a kill skips finished slabs; after success
// it does nothing (the journal stays, marked complete). A destination holding another array, or
// this array without a journal, is refused unless --overwrite.
//
// Hidden option --region START:STOP,...: convert only that part of the grid (bounds on
// destination grid boundaries), with its own journal, for several processes writing disjoint
// parts of one array at once (the writer then refuses any read-modify-write).
#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "engine/status.h"
#include "fmt/format.h"
#include "tools/commands.h"
#include "tools/convert_plan.h"
#include "tools/convert_spec.h"
#include "tools/progress.h"
#include "tools/store_args.h"
#include "zarr/array.h"
#include "zarr/array_writer.h"
#include "zarr/checksum.h"
#include "zarr/crop_reader.h"
#include "zarr/open_store.h"
#include "zarr/store.h"

namespace zring::tools {
namespace {

constexpr std::string_view kJournalName = ".zring-convert-progress";

std::string Msg(const absl::Status& s) { return std::string(s.message()); }

std::string Sha256Hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

absl::StatusOr<std::string> MetadataText(const zarr::ArrayMetadata& m) {
  return m.zarr_format == 2 ? zarr::ArrayMetadataToZarrayV2(m) : zarr::ArrayMetadataToJsonV3(m);
}

// `wanted` as it reads back once written: written to memory and parsed again, so it compares
// equal to an existing destination written from the same description.
absl::StatusOr<std::string> CanonicalText(const zarr::ArrayMetadata& wanted) {
  zarr::MemoryStore mem;
  ZRING_RETURN_IF_ERROR(zarr::CreateArray(mem, "", wanted));
  ZRING_ASSIGN_OR_RETURN(auto back, zarr::Array::Open(mem, ""));
  return MetadataText(back->metadata());
}

// Everything about the destination, prepared before the first slab.
struct Destination {
  std::unique_ptr<zarr::DirectoryStore> store;
  std::string path;         // the array's path in the store ("" = root)
  std::string journal_key;
  std::string identity;
  uint64_t num_chunks = 0;  // grid chunks (shards) of the destination
  Journal journal;
  bool resumed = false;
};

bool IsJournalKey(std::string_view key) {
  const size_t slash = key.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  return name.substr(0, kJournalName.size()) == kJournalName;
}

// The first line where two metadata documents differ, for messages.
std::string FirstDifference(std::string_view have, std::string_view want) {
  auto next_line = [](std::string_view& text) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && line.back() == ',') line.remove_suffix(1);
    return std::string(line);
  };
  while (!have.empty() || !want.empty()) {
    const std::string a = next_line(have);
    const std::string b = next_line(want);
    if (a != b) return fmt::format("it has {}, the conversion writes {}", a, b);
  }
  return "its metadata differs";
}

absl::Status WriteJournal(Destination& d) {
  const std::string text = d.journal.Serialize();
  absl::Status st = d.store->Set(
      d.journal_key, std::span(reinterpret_cast<const std::byte*>(text.data()), text.size()));
  if (!st.ok()) {
    return absl::Status(st.code(), fmt::format("writing the convert journal {} in {}: {}",
                                               d.journal_key, d.store->Describe(), Msg(st)));
  }
  return absl::OkStatus();
}

// Removes every value stored under the destination array's path (--overwrite).
absl::Status ClearArray(Destination& d) {
  ZRING_ASSIGN_OR_RETURN(std::vector<zarr::StoreEntry> entries, d.store->ListRecursive(d.path));
  for (const zarr::StoreEntry& e : entries) ZRING_RETURN_IF_ERROR(d.store->Delete(e.key));
  return absl::OkStatus();
}

// Writes group metadata for every missing ancestor of a nested array path.
absl::Status CreateAncestors(Destination& d, int format) {
  if (d.path.empty()) return absl::OkStatus();
  std::string prefix;
  size_t start = 0;
  while (true) {
    zarr::GroupMetadata g;
    g.zarr_format = format;
    absl::Status st = zarr::CreateGroup(*d.store, prefix, g);
    if (!st.ok() && !absl::IsAlreadyExists(st)) return st;
    const size_t slash = d.path.find('/', start);
    if (slash == std::string::npos) return absl::OkStatus();
    prefix = d.path.substr(0, slash);
    start = slash + 1;
  }
}

std::string Where(const Destination& d) {
  return d.path.empty() ? d.store->Describe()
                        : fmt::format("{} (array \"{}\")", d.store->Describe(), d.path);
}

// A --region writer joining an array another writer created: only its own journal is new.
absl::Status StartFreshJournalOnly(Destination& d) {
  d.journal = Journal{d.identity, d.num_chunks, false, std::vector<bool>(d.num_chunks, false)};
  return WriteJournal(d);
}

absl::Status StartFresh(const ConvertOptions& opt, const zarr::ArrayMetadata& wanted,
                        const std::string& wanted_text, Destination& d) {
  d.journal = Journal{d.identity, d.num_chunks, false, std::vector<bool>(d.num_chunks, false)};
  // The journal goes first: metadata without a journal is never taken for a resumable convert.
  ZRING_RETURN_IF_ERROR(WriteJournal(d));
  ZRING_RETURN_IF_ERROR(CreateAncestors(d, wanted.zarr_format));
  zarr::CreateOptions create;
  create.overwrite_metadata = opt.overwrite;
  absl::Status st = zarr::CreateArray(*d.store, d.path, wanted, create);
  if (absl::IsAlreadyExists(st) && !opt.region.empty()) {
    // Another --region writer created it first: fine when it is the same array.
    ZRING_ASSIGN_OR_RETURN(auto other, zarr::Array::Open(*d.store, d.path));
    ZRING_ASSIGN_OR_RETURN(std::string text, MetadataText(other->metadata()));
    if (text == wanted_text) return absl::OkStatus();
  }
  return st;
}

// Opens or creates the destination; decides between a fresh start and a resume. `attempt`
// counts the looks again after another writer created the array meanwhile.
absl::Status PrepareDestination(const ConvertOptions& opt, const zarr::ArrayMetadata& wanted,
                                const std::string& wanted_text, Destination& d,
                                int attempt = 0) {
  auto existing = zarr::Array::Open(*d.store, d.path);
  if (existing.ok()) {
    ZRING_ASSIGN_OR_RETURN(std::string text, MetadataText((*existing)->metadata()));
    if (opt.overwrite) {
      ZRING_RETURN_IF_ERROR(ClearArray(d));
      return StartFresh(opt, wanted, wanted_text, d);
    }
    if (text != wanted_text) {
      return absl::AlreadyExistsError(fmt::format(
          "{} already holds a different array than the conversion would write ({}); pass "
          "--overwrite to replace it",
          Where(d), FirstDifference(text, wanted_text)));
    }
    auto journal_text = d.store->Get(d.journal_key);
    if (absl::IsNotFound(journal_text.status())) {
      if (!opt.region.empty()) return StartFreshJournalOnly(d);
      return absl::AlreadyExistsError(fmt::format(
          "{} already holds this array, but no convert journal ({}) says it was converted from "
          "this source; pass --overwrite to convert again",
          Where(d), kJournalName));
    }
    if (!journal_text.ok()) return journal_text.status();
    const std::string_view jt(reinterpret_cast<const char*>(journal_text->data()),
                              journal_text->size());
    auto journal = Journal::Parse(jt);
    if (!journal.ok()) {
      return absl::DataLossError(fmt::format("{}: {}: {}; pass --overwrite to start over",
                                             Where(d), d.journal_key, Msg(journal.status())));
    }
    if (journal->identity != d.identity || journal->num_chunks != d.num_chunks) {
      return absl::FailedPreconditionError(fmt::format(
          "{}: the convert journal {} belongs to another conversion (another source, source "
          "metadata or region); pass --overwrite to start over",
          Where(d), d.journal_key));
    }
    d.journal = std::move(*journal);
    d.resumed = true;
    return absl::OkStatus();
  }
  if (!absl::IsNotFound(existing.status()) && !opt.overwrite) {
    return absl::Status(existing.status().code(),
                        fmt::format("{}; pass --overwrite to replace what is there",
                                    Msg(existing.status())));
  }
  ZRING_ASSIGN_OR_RETURN(std::vector<zarr::StoreEntry> entries, d.store->ListRecursive(d.path));
  for (const zarr::StoreEntry& e : entries) {
    if (IsJournalKey(e.key)) continue;
    if (!opt.overwrite) {
      // Writers of other regions start at the same time: one may have created the array
      // between the open above and this listing. Look again before refusing.
      if (attempt < 3 && zarr::Array::Open(*d.store, d.path).ok()) {
        return PrepareDestination(opt, wanted, wanted_text, d, attempt + 1);
      }
      return absl::AlreadyExistsError(fmt::format(
          "{} is not empty (it holds {}) and has no Zarr array there; pass --overwrite to "
          "replace its contents",
          Where(d), e.key));
    }
    ZRING_RETURN_IF_ERROR(ClearArray(d));
    break;
  }
  return StartFresh(opt, wanted, wanted_text, d);
}

// Removes the temporary values a killed writer left beside chunk keys (".<name>.tmp.<...>", the
// form DirectoryStore::Set uses). Only for a resume without --region: then no other writer may
// be working on the array, so no temporary file belongs to a live write.
uint64_t RemoveStaleTemporaries(const std::string& root, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = path.empty() ? fs::path(root) : fs::path(root) / path;
  std::vector<fs::path> stale;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() > 1 && name[0] == '.' && name.find(".tmp.", 1) != std::string::npos &&
        it->is_regular_file(ec)) {
      stale.push_back(it->path());
    }
  }
  uint64_t removed = 0;
  for (const fs::path& p : stale) removed += fs::remove(p, ec) ? 1 : 0;
  return removed;
}

// How --memory is shared between the slab, the source reader and the destination writer.
struct MemoryPlan {
  uint64_t reader_budget_bytes = 0;  // read buffers in flight in the CropReader
  uint64_t reader_bytes = 0;         // its whole share: in flight, scratch chunks, index cache
  uint64_t writer_bytes = 0;         // encode workers' grid chunks
  uint64_t slab_budget_bytes = 0;    // preferred slab size
  uint64_t slab_max_bytes = 0;       // what --memory leaves for each of the two slabs
};

absl::StatusOr<MemoryPlan> PlanMemory(const ConvertOptions& opt, const zarr::Array& src,
                                      const zarr::ArrayMetadata& wanted, int threads,
                                      uint64_t total_bytes) {
  const uint64_t mem = opt.memory_mib << 20;
  const uint64_t elem = wanted.data_type.size_bytes();
  const zarr::ShardingCodec* sharding = src.codec_chain().sharding();
  const uint64_t src_chunk_bytes =
      sharding ? zarr::ShapeProduct(sharding->inner_chunk_shape()) * elem : src.chunk_size_bytes();
  const uint64_t grid_chunk_bytes = zarr::ShapeProduct(wanted.chunk_shape) * elem;
  MemoryPlan p;
  p.reader_budget_bytes = std::clamp<uint64_t>(mem / 8, 1 << 20, 64 << 20);
  // Per worker: a scratch chunk plus one being decoded; shard indexes in the cache.
  p.reader_bytes = p.reader_budget_bytes + 2 * src_chunk_bytes * threads +
                   std::min<uint64_t>(8 << 20, mem / 16);
  // Per worker: the decoded grid chunk, its encoded form, and one queued.
  p.writer_bytes = 3 * grid_chunk_bytes * threads;
  if (mem <= p.reader_bytes + p.writer_bytes + 2 * grid_chunk_bytes) {
    return absl::ResourceExhaustedError(fmt::format(
        "--memory {} MiB is too small: the source reader needs about {} MiB and the writer {} MiB "
        "({} workers, destination grid chunks of {} MiB) besides two slabs of at least one grid "
        "chunk",
        opt.memory_mib, p.reader_bytes >> 20, p.writer_bytes >> 20, threads,
        grid_chunk_bytes >> 20));
  }
  // Two slabs are in memory at once: one being read, one being written.
  p.slab_budget_bytes = (mem - p.reader_bytes - p.writer_bytes) / 2;
  p.slab_max_bytes = p.slab_budget_bytes;
  // About 16 slabs or more on big arrays, so progress and resume have a useful grain.
  p.slab_budget_bytes =
      std::min(p.slab_budget_bytes, std::max<uint64_t>(16 << 20, total_bytes / 16));
  return p;
}

bool SlabDone(const zarr::ChunkGrid& grid, const Journal& j, const Slab& s) {
  bool done = true;
  ForEachChunk(grid, s.chunks, [&](uint64_t i) { done = done && j.done[i]; });
  return done;
}

struct RunStats {
  uint64_t slabs = 0;
  uint64_t slabs_skipped = 0;
  uint64_t bytes_converted = 0;
  double seconds = 0;
};

absl::Status StreamSlabs(const ConvertOptions& opt, const zarr::Array& src,
                         const zarr::ChunkGrid& grid, Destination& d, const MemoryPlan& mem,
                         const SlabPlan& plan, int threads, zarr::ArrayWriter& writer,
                         RunStats& stats) {
  const size_t elem = src.data_type().size_bytes();
  zarr::CropReaderOptions ropt;
  ropt.threads = threads;
  ropt.budget_bytes = mem.reader_budget_bytes;
  ropt.index_cache_bytes = std::min<uint64_t>(8 << 20, (opt.memory_mib << 20) / 16);
  ropt.engine.max_inflight_bytes = mem.reader_budget_bytes;
  ropt.engine.buffer_pool_bytes = std::min<uint64_t>(16 << 20, mem.reader_budget_bytes);
  ZRING_ASSIGN_OR_RETURN(auto reader, zarr::CropReader::Create(src, ropt));

  uint64_t total_bytes = 0;
  uint64_t done_before = 0;
  for (uint64_t n = 0; n < plan.num_slabs; ++n) {
    const Slab s = SlabAt(grid, plan, n);
    const uint64_t bytes = s.box.NumElements() * elem;
    total_bytes += bytes;
    if (SlabDone(grid, d.journal, s)) done_before += bytes;
  }
  ProgressOptions popt;
  popt.quiet = opt.quiet;
  Progress progress("convert", total_bytes, done_before, popt);
  std::vector<Slab> todo;
  for (uint64_t n = 0; n < plan.num_slabs; ++n) {
    Slab s = SlabAt(grid, plan, n);
    ++stats.slabs;
    if (SlabDone(grid, d.journal, s)) {
      ++stats.slabs_skipped;
    } else {
      todo.push_back(std::move(s));
    }
  }
  // Two slab buffers: the next slab is read (decoded on the reader's workers) while this one is
  // encoded and written, so neither side waits on the other's I/O.
  zarr::Buffer buffers[2] = {zarr::Buffer(plan.max_slab_bytes),
                             zarr::Buffer(todo.size() > 1 ? plan.max_slab_bytes : 0)};
  auto data_of = [&](size_t i) {
    return std::span<std::byte>(buffers[i % 2].data(), todo[i].box.NumElements() * elem);
  };
  auto read = [&](size_t i) -> absl::Status {
    const absl::Status st = reader->Read(todo[i].box, zarr::CropOutput{data_of(i), {}});
    if (st.ok()) return st;
    return absl::Status(st.code(), fmt::format("reading slab [{}] +[{}] of the source: {}",
                                               Dims(todo[i].box.origin),
                                               Dims(todo[i].box.shape), Msg(st)));
  };
  const auto t0 = std::chrono::steady_clock::now();
  // Declared after the buffers: destroyed (joined) first on every return path.
  std::future<absl::Status> next;
  if (!todo.empty()) next = std::async(std::launch::async, read, 0);
  for (size_t i = 0; i < todo.size(); ++i) {
    ZRING_RETURN_IF_ERROR(next.get());
    if (i + 1 < todo.size()) next = std::async(std::launch::async, read, i + 1);
    const Slab& s = todo[i];
    const absl::Status st = writer.WriteRegion(s.box, data_of(i));
    if (!st.ok()) {
      return absl::Status(st.code(), fmt::format("writing slab [{}] +[{}] to {}: {}",
                                                 Dims(s.box.origin), Dims(s.box.shape), Where(d),
                                                 Msg(st)));
    }
    ForEachChunk(grid, s.chunks, [&](uint64_t c) { d.journal.done[c] = true; });
    ZRING_RETURN_IF_ERROR(WriteJournal(d));
    stats.bytes_converted += data_of(i).size();
    progress.Add(data_of(i).size());
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress.Finish();
  return absl::OkStatus();
}

absl::Status Verify(const ConvertOptions& opt, const zarr::Array& src, const zarr::Array& dst) {
  const uint64_t cap = std::max<uint64_t>(1 << 20, (opt.memory_mib << 20) / 2);
  ZRING_ASSIGN_OR_RETURN(std::string a, zarr::ArraySha256(src, cap));
  ZRING_ASSIGN_OR_RETURN(std::string b, zarr::ArraySha256(dst, cap));
  std::printf("verify: source      %s\nverify: destination %s\n", a.c_str(), b.c_str());
  if (a != b) {
    return absl::DataLossError(fmt::format(
        "VERIFY FAILED: the destination's checksum {} differs from the source's {}", b, a));
  }
  std::printf("verify: OK\n");
  return absl::OkStatus();
}

absl::Status Convert(const ConvertOptions& opt) {
  if (!opt.region.empty() && (opt.verify || opt.overwrite)) {
    return absl::InvalidArgumentError(
        "--region writes part of an array next to other writers: --verify (whole arrays) and "
        "--overwrite (would delete their work) do not combine with it");
  }
  ZRING_RETURN_IF_ERROR(RefuseRemoteOutput(opt.dst));
  std::error_code ec;
  if (std::filesystem::exists(opt.dst, ec) &&
      std::filesystem::equivalent(opt.src, opt.dst, ec)) {
    return absl::InvalidArgumentError(
        fmt::format("SRC and DST are the same directory ({})", opt.dst));
  }
  // A remote SRC is read with default storage options (credentials from the environment).
  auto src_store = OpenStoreArg(opt.src, {});
  if (!src_store.ok()) {
    return absl::Status(src_store.status().code(),
                        fmt::format("source {}: {}", opt.src, Msg(src_store.status())));
  }
  ZRING_ASSIGN_OR_RETURN(auto src, zarr::Array::Open(**src_store, opt.array));
  ZRING_ASSIGN_OR_RETURN(zarr::SimpleArraySpec spec, BuildSpec(opt, *src));
  ZRING_ASSIGN_OR_RETURN(zarr::ArrayMetadata wanted, zarr::MakeArrayMetadata(spec));
  ZRING_ASSIGN_OR_RETURN(std::string wanted_text, CanonicalText(wanted));

  Destination d;
  auto dst_store = zarr::DirectoryStore::Create(opt.dst);
  if (!dst_store.ok()) {
    return absl::Status(dst_store.status().code(),
                        fmt::format("destination {}: {}", opt.dst, Msg(dst_store.status())));
  }
  d.store = std::move(*dst_store);
  d.path = zarr::NormalizePath(opt.array);
  const zarr::ChunkGrid grid(wanted.shape, wanted.chunk_shape);
  GridRegion region = WholeGrid(grid);
  if (!opt.region.empty()) {
    ZRING_ASSIGN_OR_RETURN(region, ParseRegion(opt.region, grid));
  }
  const std::string journal_name =
      opt.region.empty() ? std::string(kJournalName)
                         : fmt::format("{}.{}", kJournalName, RegionTag(region, grid));
  d.journal_key = zarr::JoinKey(d.path, journal_name);
  d.num_chunks = grid.NumChunks();
  ZRING_ASSIGN_OR_RETURN(std::string src_text, MetadataText(src->metadata()));
  std::error_code abs_ec;
  const std::string src_abs = zarr::IsRemoteUrl(opt.src)
                                  ? opt.src
                                  : std::filesystem::weakly_canonical(opt.src, abs_ec).string();
  d.identity = Sha256Hex(fmt::format("{}\n{}\n{}\n{}\n{}", src_abs, src->path(), src_text,
                                     wanted_text, RegionTag(region, grid)));
  ZRING_RETURN_IF_ERROR(PrepareDestination(opt, wanted, wanted_text, d));
  ZRING_ASSIGN_OR_RETURN(auto dst, zarr::Array::Open(*d.store, d.path));
  if (d.resumed && opt.region.empty() && !d.journal.complete) {
    const uint64_t removed = RemoveStaleTemporaries(opt.dst, d.path);
    if (removed > 0 && !opt.quiet) {
      std::fprintf(stderr, "zring convert: removed %llu temporary files an interrupted run left\n",
                   static_cast<unsigned long long>(removed));
    }
  }

  const int threads =
      opt.threads > 0 ? opt.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const uint64_t total_bytes = zarr::ShapeProduct(wanted.shape) * wanted.data_type.size_bytes();
  ZRING_ASSIGN_OR_RETURN(MemoryPlan mem, PlanMemory(opt, *src, wanted, threads, total_bytes));
  const zarr::ShardingCodec* src_sharding = src->codec_chain().sharding();
  const std::vector<uint64_t> src_chunks =
      src_sharding ? src_sharding->inner_chunk_shape() : src->metadata().chunk_shape;
  const SlabPlan plan = PlanSlabs(grid, region, wanted.data_type.size_bytes(),
                                  mem.slab_budget_bytes, mem.slab_max_bytes, src_chunks);
  if (plan.over_budget) {
    return absl::ResourceExhaustedError(fmt::format(
        "--memory {} MiB is too small: one destination grid chunk holds {} MiB decoded",
        opt.memory_mib, plan.max_slab_bytes >> 20));
  }
  if (d.journal.complete) {
    std::printf("%s already holds the finished conversion of %s; nothing to do\n",
                Where(d).c_str(), opt.src.c_str());
  } else {
    zarr::WriterOptions wopt;
    wopt.threads = threads;
    wopt.exclusive = opt.region.empty();
    ZRING_ASSIGN_OR_RETURN(auto writer, zarr::ArrayWriter::Create(*d.store, *dst, wopt));
    RunStats stats;
    ZRING_RETURN_IF_ERROR(StreamSlabs(opt, *src, grid, d, mem, plan, threads, *writer, stats));
    d.journal.complete = true;
    ZRING_RETURN_IF_ERROR(WriteJournal(d));
    const zarr::WriteStats w = writer->stats();
    std::printf(
        "converted %.1f MiB in %.2f s (%.1f MB/s) to %s: %llu slabs (%llu already done), %llu "
        "grid chunks written, %llu all fill (not stored), %.1f MiB stored; memory plan: 2 slabs "
        "of up to %.1f MiB, reader %.1f MiB, writer %.1f MiB\n",
        stats.bytes_converted / 1048576.0, stats.seconds,
        stats.seconds > 0 ? stats.bytes_converted / stats.seconds / 1e6 : 0.0, Where(d).c_str(),
        static_cast<unsigned long long>(stats.slabs),
        static_cast<unsigned long long>(stats.slabs_skipped),
        static_cast<unsigned long long>(w.chunks_written),
        static_cast<unsigned long long>(w.chunks_skipped), w.bytes_written / 1048576.0,
        plan.max_slab_bytes / 1048576.0, mem.reader_bytes / 1048576.0,
        mem.writer_bytes / 1048576.0);
  }
  std::fflush(stdout);
  if (opt.verify) ZRING_RETURN_IF_ERROR(Verify(opt, *src, *dst));
  return absl::OkStatus();
}

}  // namespace

void RegisterConvert(CLI::App& app) {
  auto opt = std::make_shared<ConvertOptions>();
  CLI::App* cmd = app.add_subcommand(
      "convert",
      "Re-chunk, re-shard and re-compress one array (Zarr v2 or v3) into a new store, streaming\n"
      "with bounded memory. Resumable: re-run the same command after an interruption.");
  cmd->add_option("SRC", opt->src, "Source store directory")->required();
  cmd->add_option("DST", opt->dst, "Destination store directory (created when missing)")
      ->required();
  cmd->add_option("--array", opt->array,
                  "The array inside SRC (\"\" = the store root); written at the same path in DST");
  cmd->add_option("--chunks", opt->chunks,
                  "Chunk shape (inner chunks when sharded), e.g. 4,64,64; default: the source's");
  cmd->add_option("--shard", opt->shard,
                  "Shard shape (multiples of the chunks; implies --format 3), or \"none\"; "
                  "default: the source's sharding when the destination is v3");
  cmd->add_option("--codec", opt->codec,
                  "none|blosc-lz4|blosc-zstd|zstd|gzip|lz4 (v2), '+crc32c' adds a checksum (v3); "
                  "default: the source's compressor");
  cmd->add_option("--level", opt->level, "Compression level (-1: the codec's default)")
      ->default_val(-1);
  cmd->add_option("--format", opt->format, "Zarr format of DST: 2 or 3 (default: the source's)")
      ->check(CLI::IsMember({2, 3}));
  cmd->add_option("--memory", opt->memory_mib, "Memory bound in MiB (slab, reader and writer)")
      ->default_val(1024)
      ->check(CLI::Range(uint64_t{16}, uint64_t{1} << 30));
  cmd->add_option("--threads", opt->threads, "Decode and encode workers (0: one per core)")
      ->default_val(0)
      ->check(CLI::Range(0, 1024));
  cmd->add_flag("--verify", opt->verify,
                "Afterwards compare the SHA-256 of source and destination (as `zring checksum`)");
  cmd->add_flag("--overwrite", opt->overwrite,
                "Replace whatever DST holds at the array's path");
  cmd->add_flag("--quiet", opt->quiet, "No progress reports");
  // Hidden: several processes each converting a disjoint grid-aligned part of one array.
  cmd->add_option("--region", opt->region,
                  "Only this part, START:STOP per dimension on destination grid boundaries")
      ->group("");
  cmd->callback([opt] {
    const absl::Status st = Convert(*opt);
    if (!st.ok()) {
      std::fprintf(stderr, "zring convert: %s\n", std::string(st.message()).c_str());
      throw CLI::RuntimeError(1);
    }
  });
}

}  // namespace zring::tools
