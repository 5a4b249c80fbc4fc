// Error helpers for zarr/: add context in front of a status message while keeping its code.
//
// Messages grow outward as an error travels up: a codec says what it expected, the chain adds
// the chunk key, the array adds the store and path:
//   store "/data/era5.zarr", array "temperature", chunk c/3/0/7: blosc header says 65536 bytes,
//   chunk holds 65520
#ifndef ZRING_ZARR_ERRORS_H_
#define ZRING_ZARR_ERRORS_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace zring::zarr {

// The message as a std::string_view (Debian's abseil returns absl::string_view).
inline std::string_view MessageOf(const absl::Status& s) {
  return std::string_view(s.message().data(), s.message().size());
}

// "prefix: message" with the same code; OK stays OK.
inline absl::Status WithPrefix(const absl::Status& s, std::string_view prefix) {
  if (s.ok()) return s;
  std::string msg(prefix);
  msg += ": ";
  msg += MessageOf(s);
  return absl::Status(s.code(), msg);
}

}  // namespace zring::zarr

#endif  // ZRING_ZARR_ERRORS_H_
