// neurite.Model: a network with its cost, optimiser and run settings, driven from numpy. It
// only translates Python's arguments onto the library (train, measure, save_model, ...).
#pragma once
#include "arrays.h"

namespace neurite::python {

void bind_model(py::module_& m);

}  // namespace neurite::python
