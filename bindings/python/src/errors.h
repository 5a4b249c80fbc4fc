// Python exceptions for zring's absl::Status errors.
//
// Every error keeps the C++ message. The exception type depends on where the error arose:
//   - opening (stores, metadata): NotFound -> FileNotFoundError, PermissionDenied ->
//     PermissionError, InvalidArgument -> ValueError, Unimplemented -> NotImplementedError,
//     anything else -> OSError;
//   - reading data whose arguments were already checked: a failure of the data itself
//     (InvalidArgument, DataLoss, OutOfRange, Unimplemented from a codec) ->
//     zring.CorruptChunkError (a subclass of OSError); NotFound / PermissionDenied as above;
//     anything else (I/O, engine) -> OSError.
// Bad arguments found by the bindings themselves raise ValueError / IndexError directly.
//
// Raising: the caller must hold the GIL. ThrowStatus sets the Python error and throws
// pybind11::error_already_set, which pybind11 turns back into the Python exception.
#ifndef ZRING_BINDINGS_PYTHON_SRC_ERRORS_H_
#define ZRING_BINDINGS_PYTHON_SRC_ERRORS_H_

#include <string>

#include <pybind11/pybind11.h>

#include "absl/status/status.h"

namespace zring::python {

enum class ErrorContext { kOpen, kRead };

// Registers zring.CorruptChunkError on module `m` (once, at import).
void RegisterErrors(pybind11::module_& m);

// Raises the Python exception for a non-OK `status`; `prefix` (may be empty) goes in front of the
// message as "prefix: message".
[[noreturn]] void ThrowStatus(const absl::Status& status, ErrorContext context,
                              const std::string& prefix = "");

// Raises `type` (a PyExc_* object) with `message`.
[[noreturn]] void Throw(PyObject* type, const std::string& message);

}  // namespace zring::python

#endif  // ZRING_BINDINGS_PYTHON_SRC_ERRORS_H_
