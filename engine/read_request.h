// A read request and its completion: plain data, no behaviour.
//
// A batch is a std::vector<ReadRequest>; the engine answers with one ReadResult per request, at
// the same index. One failed request never fails its neighbours.
//
//   std::vector<ReadRequest> reqs;
//   reqs.push_back({.source = shard, .offset_bytes = 4096, .length_bytes = 512, .dst = out});
//   reqs.push_back({.source = chunk_path, .length_bytes = 1 << 20});   // engine-owned buffer
//
// Semantics:
// - File sources: read exactly [offset_bytes, offset_bytes + length_bytes). Hitting end of file
//   is not an error: status OK and bytes_read < length_bytes (0 when offset is past the end).
// - Path sources (one file per chunk): open, read up to length_bytes from offset_bytes, close.
//   The completion says how many bytes there were; a missing file is NotFound naming the path.
// - Object sources (Engine::AddObject, an http(s) URL): as path sources - up to length_bytes
//   from offset_bytes, fewer when the object ends (OK); a missing object is NotFound naming the
//   URL; other failures as engine/http/http_client.h describes. source_size tells the object's
//   size when the server said it. A batch holds only object sources or only local ones.
// - suffix (object sources only): the last length_bytes of the object (all of it when it is
//   smaller); offset_bytes is ignored. On a local source the request fails with
//   InvalidArgument in its result. For reading a trailer (a shard index) of unknown position.
// - dst empty: the engine allocates `length_bytes` from its pool and hands the buffer over in
//   ReadResult::buffer. dst non-empty: must hold length_bytes and must stay valid, untouched by
//   the caller, until this request's completion has been delivered.
// - length_bytes == 0 completes at once (OK, 0 bytes) without touching the file.
#ifndef ZRING_ENGINE_READ_REQUEST_H_
#define ZRING_ENGINE_READ_REQUEST_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "engine/buffer_pool.h"

namespace zring::engine {

// Index into the engine's source table (Engine::OpenFile / AddPath / AddObject).
using SourceId = uint32_t;
inline constexpr SourceId kInvalidSource = ~SourceId{0};
// ReadResult::source_size when the size is not known (local sources, failed reads, servers
// that did not say).
inline constexpr uint64_t kUnknownSize = ~uint64_t{0};

struct ReadRequest {
  SourceId source = kInvalidSource;
  uint64_t offset_bytes = 0;
  uint64_t length_bytes = 0;   // exact length (file source) or maximum (path source)
  std::span<std::byte> dst;    // caller-owned destination, or empty for an engine buffer
  uint64_t tag = 0;            // opaque to the engine; copied into the result
  bool suffix = false;         // object sources: the last length_bytes (see above)
};

struct ReadResult {
  absl::Status status;        // OK, or why this request failed (names path and offset)
  uint64_t bytes_read = 0;    // < length_bytes only at end of file
  std::byte* data = nullptr;  // where the bytes are: dst.data() or buffer's memory
  PooledBuffer buffer;        // set when the request had no dst; the caller may move it out
  uint64_t tag = 0;           // the request's tag
  uint64_t latency_ns = 0;    // submission of its (first) read to its completion
  uint64_t source_size = kUnknownSize;  // object sources: the object's size, when known
};

}  // namespace zring::engine

#endif  // ZRING_ENGINE_READ_REQUEST_H_
