// Registers the sampler functions and zring._zring.ArrayStack on the module (py_sampler.cc).
#ifndef ZRING_BINDINGS_PYTHON_SRC_PY_SAMPLER_H_
#define ZRING_BINDINGS_PYTHON_SRC_PY_SAMPLER_H_

#include <pybind11/pybind11.h>

namespace zring::python {

void BindSampler(pybind11::module_& m);

}  // namespace zring::python

#endif  // ZRING_BINDINGS_PYTHON_SRC_PY_SAMPLER_H_
