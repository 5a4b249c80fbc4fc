// The C API (bindings/c/zring.h) over zarr::Array and zarr::CropReader. Every entry point
// catches C++ exceptions (allocation failures) so none crosses into C callers.
#include "bindings/c/zring.h"

#include <unistd.h>

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "fmt/format.h"
#include "zarr/array.h"
#include "zarr/codec/sharding_codec.h"
#include "zarr/crop_plan.h"
#include "zarr/crop_reader.h"
#include "zarr/store.h"

struct zring_array {
  std::unique_ptr<zring::zarr::DirectoryStore> store;
  std::unique_ptr<zring::zarr::Array> array;
  // Created by the first read in a process. A reader made before fork() belongs to the parent:
  // its worker and I/O threads do not exist in the child, so destroying it there would wait
  // for them forever. The child abandons it (one reader's memory, once per fork) and makes its
  // own.
  std::unique_ptr<zring::zarr::CropReader> reader;
  pid_t reader_pid = 0;
  int threads = 0;
  std::vector<uint64_t> chunks;
  std::vector<uint64_t> shards;  // empty when not sharded
  std::string dtype_name;
  std::string dtype_numpy;
};

namespace {

using zring::zarr::Box;

thread_local std::string last_error;

zring_status Fail(const absl::Status& s) {
  last_error.assign(s.message().data(), s.message().size());
  return static_cast<zring_status>(static_cast<int>(s.code()));
}

zring_status Fail(zring_status code, const std::string& message) {
  last_error = message;
  return code;
}

// Runs `body`, turning an escaping exception into a status.
template <typename F>
zring_status Guard(const char* what, F&& body) {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(ZRING_RESOURCE_EXHAUSTED, fmt::format("{}: out of memory", what));
  } catch (const std::exception& e) {
    return Fail(ZRING_INTERNAL, fmt::format("{}: {}", what, e.what()));
  } catch (...) {
    return Fail(ZRING_INTERNAL, fmt::format("{}: unexpected exception", what));
  }
}

// prod(shape) * element_size, or false on overflow.
bool BytesOf(const uint64_t* shape, size_t ndim, uint64_t count, uint64_t elem, uint64_t* out) {
  uint64_t total = count;
  for (size_t d = 0; d < ndim; ++d) {
    if (__builtin_mul_overflow(total, shape[d], &total)) return false;
  }
  return !__builtin_mul_overflow(total, elem, out);
}

// Abandons a reader inherited across fork() (see zring_array::reader).
void DropForeignReader(zring_array* a) {
  if (a->reader && a->reader_pid != getpid()) (void)a->reader.release();
}

zring_status EnsureReader(zring_array* a) {
  DropForeignReader(a);
  if (a->reader) return ZRING_OK;
  zring::zarr::CropReaderOptions options;
  options.threads = a->threads;
  auto reader = zring::zarr::CropReader::Create(*a->array, options);
  if (!reader.ok()) return Fail(reader.status());
  a->reader = std::move(*reader);
  a->reader_pid = getpid();
  return ZRING_OK;
}

}  // namespace

extern "C" {

const char* zring_version(void) { return "0.1.0"; }
int zring_api_version(void) { return ZRING_C_API_VERSION; }
const char* zring_last_error(void) { return last_error.c_str(); }

const char* zring_status_name(int status) {
  static const char* const kNames[] = {
      "OK",          "CANCELLED",         "UNKNOWN",           "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",   "ALREADY_EXISTS",    "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",  "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",        "UNAVAILABLE",       "DATA_LOSS",
      "UNAUTHENTICATED"};
  if (status < 0 || status > ZRING_UNAUTHENTICATED) return "UNKNOWN";
  return kNames[status];
}

zring_status zring_open(const char* store, const char* path, int threads, zring_array** out) {
  if (out == nullptr) return Fail(ZRING_INVALID_ARGUMENT, "zring_open: out is NULL");
  *out = nullptr;
  if (store == nullptr || path == nullptr) {
    return Fail(ZRING_INVALID_ARGUMENT, "zring_open: store and path must not be NULL");
  }
  if (threads < 0) {
    return Fail(ZRING_INVALID_ARGUMENT, fmt::format("zring_open: threads {} is negative", threads));
  }
  return Guard("zring_open", [&]() -> zring_status {
    auto a = std::make_unique<zring_array>();
    auto s = zring::zarr::DirectoryStore::Open(store);
    if (!s.ok()) return Fail(s.status());
    a->store = std::move(*s);
    auto arr = zring::zarr::Array::Open(*a->store, path);
    if (!arr.ok()) return Fail(arr.status());
    a->array = std::move(*arr);
    a->threads = threads;
    const zring::zarr::ShardingCodec* sharding = a->array->codec_chain().sharding();
    a->chunks = sharding ? sharding->inner_chunk_shape() : a->array->metadata().chunk_shape;
    if (sharding) a->shards = a->array->metadata().chunk_shape;
    a->dtype_name = a->array->data_type().Name();
    a->dtype_numpy = a->array->data_type().NumpyString(zring::zarr::Endian::kLittle);
    *out = a.release();
    return ZRING_OK;
  });
}

void zring_close(zring_array* array) {
  if (array == nullptr) return;
  DropForeignReader(array);
  delete array;
}

int zring_zarr_format(const zring_array* a) { return a->array->metadata().zarr_format; }
size_t zring_ndim(const zring_array* a) { return a->array->metadata().ndim(); }
const uint64_t* zring_shape(const zring_array* a) { return a->array->metadata().shape.data(); }
const uint64_t* zring_chunks(const zring_array* a) { return a->chunks.data(); }
const uint64_t* zring_shards(const zring_array* a) {
  return a->shards.empty() ? nullptr : a->shards.data();
}
const char* zring_dtype_name(const zring_array* a) { return a->dtype_name.c_str(); }
const char* zring_dtype_numpy(const zring_array* a) { return a->dtype_numpy.c_str(); }
size_t zring_element_size(const zring_array* a) { return a->array->data_type().size_bytes(); }

const void* zring_fill_value(const zring_array* a, size_t* size_bytes) {
  const auto bytes = a->array->metadata().fill_value.bytes();
  if (size_bytes != nullptr) *size_bytes = bytes.size();
  return bytes.data();
}

zring_status zring_read_box(zring_array* a, const uint64_t* origin, const uint64_t* shape,
                            void* out, size_t out_size_bytes) {
  if (a == nullptr) return Fail(ZRING_INVALID_ARGUMENT, "zring_read_box: array is NULL");
  const size_t ndim = zring_ndim(a);
  if (ndim > 0 && (origin == nullptr || shape == nullptr)) {
    return Fail(ZRING_INVALID_ARGUMENT, "zring_read_box: origin and shape must not be NULL");
  }
  uint64_t need = 0;
  if (!BytesOf(shape, ndim, 1, zring_element_size(a), &need)) {
    return Fail(ZRING_INVALID_ARGUMENT, "zring_read_box: the box's size overflows 64 bits");
  }
  if (need != out_size_bytes || (out == nullptr && need > 0)) {
    return Fail(ZRING_INVALID_ARGUMENT,
                fmt::format("zring_read_box: output holds {} bytes, the box needs {}",
                            out_size_bytes, need));
  }
  return Guard("zring_read_box", [&]() -> zring_status {
    if (zring_status st = EnsureReader(a); st != ZRING_OK) return st;
    Box box{std::vector<uint64_t>(origin, origin + ndim), std::vector<uint64_t>(shape, shape + ndim)};
    zring::zarr::CropOutput o{.data = {static_cast<std::byte*>(out), out_size_bytes}};
    const absl::Status s = a->reader->Read(box, o);
    return s.ok() ? ZRING_OK : Fail(s);
  });
}

zring_status zring_read_crops(zring_array* a, size_t n, const uint64_t* starts,
                              const uint64_t* crop_shape, void* out, size_t out_size_bytes,
                              int* statuses) {
  if (a == nullptr) return Fail(ZRING_INVALID_ARGUMENT, "zring_read_crops: array is NULL");
  const size_t ndim = zring_ndim(a);
  if (n > 0 && ndim > 0 && (starts == nullptr || crop_shape == nullptr)) {
    return Fail(ZRING_INVALID_ARGUMENT, "zring_read_crops: starts and crop_shape must not be NULL");
  }
  const size_t elem = zring_element_size(a);
  uint64_t crop_bytes = 0, need = 0;
  if (!BytesOf(crop_shape, n > 0 ? ndim : 0, 1, elem, &crop_bytes) ||
      __builtin_mul_overflow(crop_bytes, static_cast<uint64_t>(n), &need)) {
    return Fail(ZRING_INVALID_ARGUMENT, "zring_read_crops: the output size overflows 64 bits");
  }
  if (need != out_size_bytes || (out == nullptr && need > 0)) {
    return Fail(ZRING_INVALID_ARGUMENT,
                fmt::format("zring_read_crops: output holds {} bytes, {} crops need {}",
                            out_size_bytes, n, need));
  }
  if (n == 0) return ZRING_OK;
  return Guard("zring_read_crops", [&]() -> zring_status {
    if (zring_status st = EnsureReader(a); st != ZRING_OK) return st;
    const std::vector<uint64_t> shape(crop_shape, crop_shape + ndim);
    std::vector<Box> boxes(n);
    std::vector<zring::zarr::CropOutput> outs(n);
    auto* base = static_cast<std::byte*>(out);
    for (size_t i = 0; i < n; ++i) {
      boxes[i] = Box{std::vector<uint64_t>(starts + i * ndim, starts + (i + 1) * ndim), shape};
      outs[i].data = {base + i * crop_bytes, crop_bytes};
    }
    auto got = a->reader->ReadCrops(boxes, outs);
    if (!got.ok()) {
      if (statuses != nullptr) {
        for (size_t i = 0; i < n; ++i) statuses[i] = static_cast<int>(got.status().code());
      }
      return Fail(got.status());
    }
    zring_status first = ZRING_OK;
    for (size_t i = 0; i < n; ++i) {
      const absl::Status& s = (*got)[i];
      if (statuses != nullptr) statuses[i] = static_cast<int>(s.code());
      if (!s.ok() && first == ZRING_OK) {
        first = Fail(static_cast<zring_status>(static_cast<int>(s.code())),
                     fmt::format("crop {} {}: {}", i, zring::zarr::DescribeBox(boxes[i]),
                                 std::string(s.message())));
      }
    }
    return first;
  });
}

}  // extern "C"
