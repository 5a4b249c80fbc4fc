#include "bindings/python/src/errors.h"

#include <cerrno>
#include <string_view>

namespace zring::python {
namespace {

// Owned by the module for the interpreter's lifetime (set once at import, never released: the
// module object holds its own reference too).
PyObject* corrupt_chunk_error = nullptr;

PyObject* TypeFor(absl::StatusCode code, ErrorContext context) {
  switch (code) {
    case absl::StatusCode::kNotFound:
      return PyExc_FileNotFoundError;
    case absl::StatusCode::kPermissionDenied:
      return PyExc_PermissionError;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kOutOfRange:
      if (context == ErrorContext::kRead) return corrupt_chunk_error;
      return code == absl::StatusCode::kInvalidArgument ? PyExc_ValueError : PyExc_OSError;
    case absl::StatusCode::kUnimplemented:
      return context == ErrorContext::kRead ? corrupt_chunk_error : PyExc_NotImplementedError;
    default:
      return PyExc_OSError;
  }
}

}  // namespace

void RegisterErrors(pybind11::module_& m) {
  corrupt_chunk_error =
      PyErr_NewExceptionWithDoc("zring._zring.CorruptChunkError",
                                "Stored data of a Zarr array could not be decoded (a corrupt or "
                                "truncated chunk, shard or index). A subclass of OSError.",
                                PyExc_OSError, nullptr);
  if (corrupt_chunk_error == nullptr) throw pybind11::error_already_set();
  m.attr("CorruptChunkError") = pybind11::handle(corrupt_chunk_error);
}

void Throw(PyObject* type, const std::string& message) {
  PyErr_SetString(type, message.c_str());
  throw pybind11::error_already_set();
}

void ThrowStatus(const absl::Status& status, ErrorContext context, const std::string& prefix) {
  const std::string_view msg(status.message().data(), status.message().size());
  std::string text = prefix.empty() ? std::string(msg) : prefix + ": " + std::string(msg);
  PyObject* type = TypeFor(status.code(), context);
  if (type == PyExc_FileNotFoundError || type == PyExc_PermissionError) {
    // OSError(errno, strerror) so e.errno is set as for a failed open() in Python.
    const int err = type == PyExc_FileNotFoundError ? ENOENT : EACCES;
    PyObject* args = Py_BuildValue("(is)", err, text.c_str());
    if (args != nullptr) {
      PyErr_SetObject(type, args);
      Py_DECREF(args);
    }
    throw pybind11::error_already_set();
  }
  Throw(type, text);
}

}  // namespace zring::python
