/* zring C API: open a Zarr (v2 or v3) array in a local directory store, describe it, and read
 * boxes and batches of crops into caller memory. For other languages' bindings (FFI).
 *
 * Stability: plain C11, extern "C", opaque handles, no struct crosses the boundary. Functions
 * are only ever added; ZRING_C_API_VERSION grows when they are. Status codes keep their values.
 *
 * Errors: every function that can fail returns a zring_status (ZRING_OK = 0). The message of the
 * last failure on the calling thread - naming the store, array, chunk or box - is
 * zring_last_error(); it stays valid until the next zring call on that thread. Numeric codes
 * equal absl::StatusCode's (and gRPC's): ZRING_NOT_FOUND for a missing store or array,
 * ZRING_INVALID_ARGUMENT for bad arguments (a box outside the array, a wrong buffer size),
 * ZRING_DATA_LOSS for a corrupt chunk, and so on.
 *
 * Data: elements are written in zring's canonical layout: C order, little-endian, the array's
 * declared type (bool as one byte 0/1). Chunks that are not stored read as the fill value.
 *
 * Threads and lifetimes: a zring_array may be used by one thread at a time (distinct handles are
 * independent, also on the same store). Strings and shape pointers it returns stay valid until
 * zring_close. Output buffers are only written during the read call. Reads start I/O threads
 * on first use. fork(): a handle inherited by a child process keeps working there - its first
 * read in the child starts the child's own threads (the parent's do not exist in the child and
 * are left alone: the child gives up that memory once, it never waits on them), and
 * zring_close in the child never waits on the parent's threads either.
 *
 *   zring_array* a = NULL;
 *   if (zring_open("/data/era5.zarr", "temperature", 0, &a) != ZRING_OK) {
 *     fprintf(stderr, "%s\n", zring_last_error());
 *     return 1;
 *   }
 *   uint64_t starts[2 * 3] = {0, 0, 0, 10, 64, 64}, crop[3] = {4, 128, 128};
 *   uint16_t* out = malloc(2 * 4 * 128 * 128 * sizeof(uint16_t));
 *   int statuses[2];
 *   zring_status st = zring_read_crops(a, 2, starts, crop, out,
 *                                      2 * 4 * 128 * 128 * sizeof(uint16_t), statuses);
 *   zring_close(a);
 */
#ifndef ZRING_C_ZRING_H_
#define ZRING_C_ZRING_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZRING_C_API_VERSION 1

typedef enum zring_status {
  ZRING_OK = 0,
  ZRING_CANCELLED = 1,
  ZRING_UNKNOWN = 2,
  ZRING_INVALID_ARGUMENT = 3,
  ZRING_DEADLINE_EXCEEDED = 4,
  ZRING_NOT_FOUND = 5,
  ZRING_ALREADY_EXISTS = 6,
  ZRING_PERMISSION_DENIED = 7,
  ZRING_RESOURCE_EXHAUSTED = 8,
  ZRING_FAILED_PRECONDITION = 9,
  ZRING_ABORTED = 10,
  ZRING_OUT_OF_RANGE = 11,
  ZRING_UNIMPLEMENTED = 12,
  ZRING_INTERNAL = 13,
  ZRING_UNAVAILABLE = 14,
  ZRING_DATA_LOSS = 15,
  ZRING_UNAUTHENTICATED = 16
} zring_status;

typedef struct zring_array zring_array;

/* The library version ("0.1.0") and the API version this library implements. */
const char* zring_version(void);
int zring_api_version(void);

/* The message of the calling thread's last failure ("" when there was none). Valid until the
 * next zring call on this thread. */
const char* zring_last_error(void);
/* "OK", "INVALID_ARGUMENT", ... ("UNKNOWN" for a value outside the enum). Static storage. */
const char* zring_status_name(int status);

/* Opens the array at `path` inside the directory store `store` ("" or "/" for the store root,
 * "a/b" below it). `threads`: decode workers for reads, 0 for one per online core. On success
 * *out is a new handle; on failure *out is NULL. NULL store, path or out: ZRING_INVALID_ARGUMENT. */
zring_status zring_open(const char* store, const char* path, int threads, zring_array** out);
/* Frees everything the handle owns (reads are synchronous: nothing is in flight). NULL is a
 * no-op. */
void zring_close(zring_array* array);

/* Description. `array` must be a valid handle. Shapes have zring_ndim() entries. */
int zring_zarr_format(const zring_array* array);                 /* 2 or 3 */
size_t zring_ndim(const zring_array* array);
const uint64_t* zring_shape(const zring_array* array);
/* The chunks reads decode: the inner chunk shape when the array is sharded. */
const uint64_t* zring_chunks(const zring_array* array);
/* The shard shape, or NULL when the array is not sharded. */
const uint64_t* zring_shards(const zring_array* array);
/* The v3 data type name ("uint16", "float32", "bool", ...). */
const char* zring_dtype_name(const zring_array* array);
/* The numpy type string of the data as read: little-endian ("<u2", "|u1", "|b1"). */
const char* zring_dtype_numpy(const zring_array* array);
size_t zring_element_size(const zring_array* array);
/* One element of fill value, canonical little-endian; *size_bytes (when not NULL) is set to the
 * element size. */
const void* zring_fill_value(const zring_array* array, size_t* size_bytes);

/* Reads the box [origin, origin + shape) (ndim entries each) into `out`, which holds exactly
 * out_size_bytes = prod(shape) * element size bytes. */
zring_status zring_read_box(zring_array* array, const uint64_t* origin, const uint64_t* shape,
                            void* out, size_t out_size_bytes);

/* Reads n crops of one shape: crop i starts at starts[i * ndim .. i * ndim + ndim - 1] and lands
 * at out + i * prod(crop_shape) * element size, so the output is a C-contiguous
 * (n, *crop_shape) array of out_size_bytes = n * prod(crop_shape) * element size bytes.
 * `statuses` (n entries, or NULL) receives one zring_status per crop: a crop outside the array
 * or needing a corrupt chunk fails alone, every other crop is read. Returns ZRING_OK when every
 * crop was read, else the first failure's status, and zring_last_error() names that crop. */
zring_status zring_read_crops(zring_array* array, size_t n, const uint64_t* starts,
                              const uint64_t* crop_shape, void* out, size_t out_size_bytes,
                              int* statuses);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* ZRING_C_ZRING_H_ */
