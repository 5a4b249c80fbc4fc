// Status helpers shared by every layer of zring.
//
// Errors above the syscall are absl::Status / absl::StatusOr<T>; nothing in engine/ or zarr/
// throws. Debian's abseil (20220623) ships no status macros, so the two used everywhere live here:
//
//   absl::StatusOr<Header> ReadHeader(int fd) {
//     ZRING_ASSIGN_OR_RETURN(std::vector<std::byte> bytes, ReadAll(fd));
//     ZRING_RETURN_IF_ERROR(CheckMagic(bytes));
//     return ParseHeader(bytes);
//   }
//
// ErrnoToStatus keeps the errno's meaning in the status code (ENOENT -> NotFound, EACCES ->
// PermissionDenied, ...) and puts the operation and the errno text in the message, so callers can
// both branch on the code and show the message as it is.
#ifndef ZRING_ENGINE_STATUS_H_
#define ZRING_ENGINE_STATUS_H_

#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define ZRING_STATUS_CONCAT_INNER_(a, b) a##b
#define ZRING_STATUS_CONCAT_(a, b) ZRING_STATUS_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define ZRING_RETURN_IF_ERROR(expr)                    \
  do {                                                 \
    ::absl::Status zring_status_ = (expr);             \
    if (!zring_status_.ok()) return zring_status_;     \
  } while (false)

// `lhs` = value of `rexpr` (an absl::StatusOr<T>), or returns its status from the enclosing
// function. `lhs` may declare a variable: ZRING_ASSIGN_OR_RETURN(auto x, Foo());
#define ZRING_ASSIGN_OR_RETURN(lhs, rexpr)                                           \
  ZRING_ASSIGN_OR_RETURN_IMPL_(ZRING_STATUS_CONCAT_(zring_statusor_, __LINE__), lhs, \
                               rexpr)
#define ZRING_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

namespace zring {

// Maps a positive errno value to the closest absl::StatusCode; `op` names what failed and on
// what ("open \"/data/a.zarr/c/0/1\""), and ends up at the start of the message.
absl::Status ErrnoToStatus(int err, std::string_view op);

}  // namespace zring

#endif  // ZRING_ENGINE_STATUS_H_
