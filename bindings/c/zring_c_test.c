/* Test of the C API, in plain C11: `zring_c_test WRITER` runs WRITER (zring_c_testdata) to
 * create a small store in a fresh temporary directory, then opens, describes and reads its
 * arrays through bindings/c/zring.h and compares every value with the formulas the writer used.
 * Also checks the errors: a missing store, a missing array, an out-of-bounds box, a wrong
 * buffer size, and a corrupt chunk that fails only the crops that need it; and that a handle
 * used before fork() keeps working, and closes, in the child without waiting for anything. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bindings/c/zring.h"

static int failures = 0;

#define CHECK(cond)                                                                \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      fprintf(stderr, "%s:%d: CHECK failed: %s (last error: %s)\n", __FILE__,      \
              __LINE__, #cond, zring_last_error());                                \
      ++failures;                                                                  \
    }                                                                              \
  } while (0)

#define CHECK_EQ_U64(a, b)                                                         \
  do {                                                                             \
    unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b); \
    if (a_ != b_) {                                                                \
      fprintf(stderr, "%s:%d: %s = %llu, expected %llu\n", __FILE__, __LINE__, #a,  \
              a_, b_);                                                             \
      ++failures;                                                                  \
    }                                                                              \
  } while (0)

static char store_dir[256];

static uint16_t U16(uint64_t i, uint64_t j, uint64_t k) {
  /* Chunk (1, 1, 1) of [4, 5, 3] chunks is not stored: the fill value 7. */
  if (i / 4 == 1 && j / 5 == 1 && k / 3 == 1) return 7;
  return (uint16_t)(i * 187 + j * 11 + k);
}

static void TestDescribe(void) {
  zring_array* a = NULL;
  CHECK(zring_open(store_dir, "u16", 1, &a) == ZRING_OK);
  if (a == NULL) return;
  CHECK_EQ_U64(zring_zarr_format(a), 3);
  CHECK_EQ_U64(zring_ndim(a), 3);
  CHECK_EQ_U64(zring_shape(a)[0], 13);
  CHECK_EQ_U64(zring_shape(a)[1], 17);
  CHECK_EQ_U64(zring_shape(a)[2], 11);
  CHECK_EQ_U64(zring_chunks(a)[0], 4);
  CHECK_EQ_U64(zring_chunks(a)[2], 3);
  CHECK(zring_shards(a) == NULL);
  CHECK(strcmp(zring_dtype_name(a), "uint16") == 0);
  CHECK(strcmp(zring_dtype_numpy(a), "<u2") == 0);
  CHECK_EQ_U64(zring_element_size(a), 2);
  size_t fill_size = 0;
  const uint8_t* fill = (const uint8_t*)zring_fill_value(a, &fill_size);
  CHECK_EQ_U64(fill_size, 2);
  CHECK(fill[0] == 7 && fill[1] == 0);
  zring_close(a);

  CHECK(zring_open(store_dir, "sharded", 0, &a) == ZRING_OK);
  if (a == NULL) return;
  CHECK(zring_shards(a) != NULL);
  if (zring_shards(a) != NULL) {
    CHECK_EQ_U64(zring_shards(a)[0], 4);
    CHECK_EQ_U64(zring_shards(a)[1], 6);
  }
  CHECK_EQ_U64(zring_chunks(a)[0], 2);
  CHECK_EQ_U64(zring_chunks(a)[1], 3);
  CHECK(strcmp(zring_dtype_numpy(a), "<i4") == 0);
  zring_close(a);

  CHECK(zring_open(store_dir, "f32v2", 0, &a) == ZRING_OK);
  if (a == NULL) return;
  CHECK_EQ_U64(zring_zarr_format(a), 2);
  CHECK(strcmp(zring_dtype_name(a), "float32") == 0);
  zring_close(a);
}

static void TestReadBox(void) {
  zring_array* a = NULL;
  CHECK(zring_open(store_dir, "u16", 2, &a) == ZRING_OK);
  if (a == NULL) return;
  const uint64_t origin[3] = {2, 3, 1}, shape[3] = {9, 10, 8};
  uint16_t* out = malloc(9 * 10 * 8 * sizeof(uint16_t));
  CHECK(zring_read_box(a, origin, shape, out, 9 * 10 * 8 * sizeof(uint16_t)) == ZRING_OK);
  int wrong = 0;
  for (uint64_t i = 0; i < 9; ++i)
    for (uint64_t j = 0; j < 10; ++j)
      for (uint64_t k = 0; k < 8; ++k)
        wrong += out[(i * 10 + j) * 8 + k] != U16(i + 2, j + 3, k + 1);
  CHECK_EQ_U64(wrong, 0);

  /* Out of bounds: dimension 1 reaches 18 > 17. */
  const uint64_t far[3] = {0, 8, 0};
  CHECK(zring_read_box(a, far, shape, out, 9 * 10 * 8 * sizeof(uint16_t)) ==
        ZRING_INVALID_ARGUMENT);
  CHECK(strlen(zring_last_error()) > 0);
  /* Wrong buffer size. */
  CHECK(zring_read_box(a, origin, shape, out, 10) == ZRING_INVALID_ARGUMENT);
  CHECK(strstr(zring_last_error(), "1440") != NULL);
  free(out);
  zring_close(a);

  CHECK(zring_open(store_dir, "f32v2", 0, &a) == ZRING_OK);
  if (a == NULL) return;
  const uint64_t o2[2] = {0, 0}, s2[2] = {10, 9};
  float f[90];
  CHECK(zring_read_box(a, o2, s2, f, sizeof f) == ZRING_OK);
  wrong = 0;
  for (int i = 0; i < 10; ++i)
    for (int j = 0; j < 9; ++j) wrong += f[i * 9 + j] != (float)i * 0.5f - (float)j;
  CHECK_EQ_U64(wrong, 0);
  zring_close(a);
}

static void TestReadCrops(void) {
  zring_array* a = NULL;
  CHECK(zring_open(store_dir, "sharded", 0, &a) == ZRING_OK);
  if (a == NULL) return;
  enum { kN = 3 };
  const uint64_t starts[kN * 2] = {0, 0, 3, 5, 5, 7};
  const uint64_t crop[2] = {3, 5};
  int32_t out[kN * 15];
  int statuses[kN] = {-1, -1, -1};
  CHECK(zring_read_crops(a, kN, starts, crop, out, sizeof out, statuses) == ZRING_OK);
  int wrong = 0;
  for (int n = 0; n < kN; ++n) {
    CHECK(statuses[n] == ZRING_OK);
    for (uint64_t i = 0; i < 3; ++i)
      for (uint64_t j = 0; j < 5; ++j) {
        const uint64_t gi = starts[2 * n] + i, gj = starts[2 * n + 1] + j;
        wrong += out[n * 15 + i * 5 + j] != -(int32_t)(gi * 100 + gj);
      }
  }
  CHECK_EQ_U64(wrong, 0);

  /* One crop out of bounds fails alone; the others are read. */
  const uint64_t bad[kN * 2] = {0, 0, 6, 0, 5, 7};
  memset(out, 0, sizeof out);
  CHECK(zring_read_crops(a, kN, bad, crop, out, sizeof out, statuses) == ZRING_INVALID_ARGUMENT);
  CHECK(statuses[0] == ZRING_OK && statuses[1] == ZRING_INVALID_ARGUMENT && statuses[2] == ZRING_OK);
  CHECK(strstr(zring_last_error(), "crop 1") != NULL);
  CHECK(out[2 * 15] == -(int32_t)(5 * 100 + 7));
  CHECK(zring_read_crops(a, kN, starts, crop, out, sizeof out - 4, NULL) == ZRING_INVALID_ARGUMENT);
  CHECK(zring_read_crops(a, 0, NULL, NULL, NULL, 0, NULL) == ZRING_OK);
  zring_close(a);

  /* A corrupt chunk fails the crops that touch it, with the chunk's key in the message. */
  CHECK(zring_open(store_dir, "corrupt", 0, &a) == ZRING_OK);
  if (a == NULL) return;
  const uint64_t cs[3 * 2] = {0, 0, 0, 2, 2, 2};
  const uint64_t c2[2] = {2, 2};
  uint16_t u[3 * 4];
  CHECK(zring_read_crops(a, 3, cs, c2, u, sizeof u, statuses) == ZRING_DATA_LOSS);
  CHECK(statuses[0] == ZRING_OK && statuses[1] == ZRING_DATA_LOSS && statuses[2] == ZRING_OK);
  CHECK(strstr(zring_last_error(), "c/0/1") != NULL);
  CHECK(u[0] == 0 && u[3] == 5 && u[8] == 10 && u[11] == 15);
  zring_close(a);
}

static int BoxIsRight(zring_array* a, uint64_t i0) {
  const uint64_t origin[3] = {i0, 3, 2}, shape[3] = {4, 6, 5};
  uint16_t out[4 * 6 * 5];
  if (zring_read_box(a, origin, shape, out, sizeof out) != ZRING_OK) return 0;
  for (uint64_t i = 0; i < 4; ++i)
    for (uint64_t j = 0; j < 6; ++j)
      for (uint64_t k = 0; k < 5; ++k)
        if (out[(i * 6 + j) * 5 + k] != U16(i0 + i, j + 3, k + 2)) return 0;
  return 1;
}

static void TestFork(void) {
  zring_array* a = NULL;
  CHECK(zring_open(store_dir, "u16", 2, &a) == ZRING_OK);
  if (a == NULL) return;
  CHECK(BoxIsRight(a, 0)); /* the parent's threads now exist */
  fflush(NULL);
  const pid_t child = fork();
  CHECK(child >= 0);
  if (child == 0) {
    alarm(60); /* a hang shows as SIGALRM in the parent, not as a stuck test */
    int ok = BoxIsRight(a, 5) && BoxIsRight(a, 9);
    zring_close(a);
    zring_array* b = NULL;
    ok = ok && zring_open(store_dir, "u16", 1, &b) == ZRING_OK && BoxIsRight(b, 1);
    zring_close(b);
    if (!ok) fprintf(stderr, "child: %s\n", zring_last_error());
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  CHECK(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  if (WIFSIGNALED(status)) fprintf(stderr, "child killed by signal %d\n", WTERMSIG(status));
  CHECK(BoxIsRight(a, 7)); /* the parent's handle is untouched */
  zring_close(a);
}

static void TestOpenErrors(void) {
  zring_array* a = (zring_array*)&failures; /* must be reset to NULL on failure */
  char missing[300];
  snprintf(missing, sizeof missing, "%s/no-such-store", store_dir);
  CHECK(zring_open(missing, "", 0, &a) == ZRING_NOT_FOUND);
  CHECK(a == NULL);
  CHECK(strstr(zring_last_error(), "no-such-store") != NULL);
  CHECK(zring_open(store_dir, "nope", 0, &a) == ZRING_NOT_FOUND);
  CHECK(strstr(zring_last_error(), "nope") != NULL);
  CHECK(zring_open(NULL, "", 0, &a) == ZRING_INVALID_ARGUMENT);
  CHECK(zring_open(store_dir, "u16", -1, &a) == ZRING_INVALID_ARGUMENT);
  CHECK(strcmp(zring_status_name(ZRING_DATA_LOSS), "DATA_LOSS") == 0);
  CHECK(strcmp(zring_status_name(99), "UNKNOWN") == 0);
  CHECK(zring_api_version() == ZRING_C_API_VERSION);
  CHECK(strcmp(zring_version(), "0.1.0") == 0);
  zring_close(NULL);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: zring_c_test PATH_TO_zring_c_testdata\n");
    return 2;
  }
  snprintf(store_dir, sizeof store_dir, "/tmp/zring_c_test_XXXXXX");
  if (mkdtemp(store_dir) == NULL) {
    perror("mkdtemp");
    return 2;
  }
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "'%s' '%s/store'", argv[1], store_dir);
  if (system(cmd) != 0) {
    fprintf(stderr, "test data writer failed: %s\n", cmd);
    return 2;
  }
  strcat(store_dir, "/store");
  TestDescribe();
  TestReadBox();
  TestReadCrops();
  TestOpenErrors();
  TestFork();
  snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(strlen(store_dir) - 6), store_dir);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", store_dir);
  if (failures > 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("zring C API: all checks passed\n");
  return 0;
}
