#include "tools/bench_iolog.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "engine/status.h"
#include "fmt/format.h"
#include "zarr/codec/sharding_codec.h"
#include "zarr/crop_plan.h"
#include "zarr/store.h"

namespace zring::tools {
namespace {

struct Range {
  std::string path;
  uint64_t offset = 0;
  uint64_t length = 0;
};

}  // namespace

absl::StatusOr<IologSummary> WriteFioIolog(const zarr::Array& array,
                                          std::span<const zarr::Box> crops, size_t group,
                                          size_t plan_group, const std::string& path,
                                          uint64_t align, bool range_read) {
  const auto* dir = dynamic_cast<const zarr::DirectoryStore*>(&array.store());
  if (dir == nullptr) {
    return absl::InvalidArgumentError(
        fmt::format("--iolog needs a local directory store, not {}", array.store().Describe()));
  }
  if (align == 0) align = 1;
  const zarr::CodecChain& chain = array.codec_chain();
  const zarr::ShardingCodec* sharding = chain.sharding();
  if (chain.HasArrayToArrayCodecs() || chain.HasBytesToBytesCodecs()) sharding = nullptr;
  const std::vector<uint64_t> read_chunk =
      sharding ? sharding->inner_chunk_shape() : array.metadata().chunk_shape;
  // Chunks stored as they are are read only in the part their call's crops need (as the crop
  // reader's range_read does).
  const size_t elem = array.data_type().size_bytes();
  uint64_t chunk_bytes = elem;
  for (uint64_t c : read_chunk) chunk_bytes *= c;
  const bool raw = range_read && (sharding ? sharding->inner_chain() : chain).IsIdentity();

  std::vector<Range> reads;
  std::map<std::string, std::vector<zarr::ShardIndexEntry>> indexes;  // shards seen so far
  std::map<std::string, uint64_t> sizes;
  // The reader plans (and reads each chunk once) per plan group of a call.
  std::vector<std::pair<size_t, size_t>> groups;  // (first, count)
  group = std::max<size_t>(group, 1);
  plan_group = std::max<size_t>(plan_group, 1);
  for (size_t call = 0; call < crops.size(); call += group) {
    const size_t call_end = std::min(crops.size(), call + group);
    for (size_t first = call; first < call_end; first += plan_group) {
      groups.emplace_back(first, std::min(plan_group, call_end - first));
    }
  }
  for (const auto& [first, count] : groups) {
    // The call's chunks in first-touch order, each with the bytes its crops need.
    struct Need {
      std::vector<uint64_t> index;
      uint64_t lo, hi;
    };
    std::vector<Need> needs;
    std::map<std::vector<uint64_t>, size_t> seen;
    for (const zarr::Box& box : crops.subspan(first, count)) {
      for (const zarr::ChunkSlice& s : zarr::PlanCrop(box, read_chunk)) {
        const auto [lo, hi] = zarr::SliceByteRange(s, read_chunk, elem);
        std::vector<uint64_t> index(s.chunk_index.begin(), s.chunk_index.end());
        auto [it, fresh] = seen.emplace(index, needs.size());
        if (fresh) {
          needs.push_back({std::move(index), lo, hi});
        } else {
          needs[it->second].lo = std::min(needs[it->second].lo, lo);
          needs[it->second].hi = std::max(needs[it->second].hi, hi);
        }
      }
    }
    for (const Need& n : needs) {
      if (sharding == nullptr) {
        const std::string key = array.StoreKey(n.index);
        absl::StatusOr<uint64_t> size = array.store().GetSize(key);
        if (absl::IsNotFound(size.status())) continue;  // fill value: nothing read
        ZRING_RETURN_IF_ERROR(size.status());
        if (raw && *size == chunk_bytes && zarr::ReadInPart(chunk_bytes, n.lo, n.hi, true)) {
          reads.push_back({dir->PathOf(key), n.lo, n.hi - n.lo});
        } else {
          reads.push_back({dir->PathOf(key), 0, *size});
        }
        continue;
      }
      std::vector<uint64_t> shard(n.index.size());
      uint64_t inner = 0;
      for (size_t d = 0; d < shard.size(); ++d) {
        const uint64_t per = sharding->chunks_per_shard()[d];
        shard[d] = n.index[d] / per;
        inner = inner * per + n.index[d] % per;
      }
      const std::string key = array.StoreKey(shard);
      auto it = indexes.find(key);
      if (it == indexes.end()) {
        absl::StatusOr<uint64_t> size = array.store().GetSize(key);
        if (absl::IsNotFound(size.status())) {
          it = indexes.emplace(key, std::vector<zarr::ShardIndexEntry>()).first;
        } else {
          ZRING_RETURN_IF_ERROR(size.status());
          ZRING_ASSIGN_OR_RETURN(zarr::Buffer idx,
                                 array.store().GetRange(key, sharding->IndexRange()));
          ZRING_ASSIGN_OR_RETURN(auto entries, sharding->DecodeIndex(idx.span(), *size));
          const uint64_t index_bytes = sharding->index_size_bytes();
          reads.push_back({dir->PathOf(key),
                           sharding->index_at_end() ? *size - index_bytes : 0, index_bytes});
          it = indexes.emplace(key, std::move(entries)).first;
        }
      }
      if (it->second.empty() || it->second[inner].missing()) continue;
      const zarr::ShardIndexEntry& e = it->second[inner];
      if (raw && e.length_bytes == chunk_bytes &&
          zarr::ReadInPart(chunk_bytes, n.lo, n.hi, false)) {
        reads.push_back({dir->PathOf(key), e.offset_bytes + n.lo, n.hi - n.lo});
      } else {
        reads.push_back({dir->PathOf(key), e.offset_bytes, e.length_bytes});
      }
    }
  }

  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "w"), &std::fclose);
  if (f == nullptr) return ErrnoToStatus(errno, "create " + path);
  IologSummary sum;
  std::set<std::string> files;
  for (const Range& r : reads) files.insert(r.path);
  std::fprintf(f.get(), "fio version 2 iolog\n");
  for (const std::string& p : files) std::fprintf(f.get(), "%s add\n", p.c_str());
  for (const std::string& p : files) std::fprintf(f.get(), "%s open\n", p.c_str());
  for (const Range& r : reads) {
    const uint64_t begin = r.offset / align * align;
    const uint64_t end = (r.offset + r.length + align - 1) / align * align;
    std::fprintf(f.get(), "%s read %llu %llu\n", r.path.c_str(),
                 static_cast<unsigned long long>(begin),
                 static_cast<unsigned long long>(end - begin));
    ++sum.reads;
    sum.bytes += r.length;
    sum.aligned_bytes += end - begin;
  }
  for (const std::string& p : files) std::fprintf(f.get(), "%s close\n", p.c_str());
  sum.files = files.size();
  if (std::fflush(f.get()) != 0) return ErrnoToStatus(errno, "write " + path);
  return sum;
}

}  // namespace zring::tools
