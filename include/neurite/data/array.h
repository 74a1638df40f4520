// A numeric (or text) array as a data file holds it: NumPy's .npy / .npz and IDX files of any
// shape and element type all read into this, and data/source.h turns it into a dataset.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "neurite/tensor.h"

namespace neurite {

struct NdArray {
  Shape shape;                       // (N, ...), row-major (C order) whatever the file's order
  std::vector<float> values = {};    // numbers as float32; empty for text arrays and for uint8
  std::vector<uint8_t> bytes = {};   // the numbers when the element type is uint8 (images: a
                                     // quarter of the memory as floats); otherwise empty
  std::vector<std::string> strings = {};  // text arrays (NumPy '<U', '|S'): class names
  std::string dtype;                 // the element type as the file names it: "<f4", "|u1", "idx:ubyte"
  bool integral = false;             // integer or boolean elements

  int64_t size() const { return element_count(shape); }
  bool is_text() const { return !strings.empty() || (dtype.size() > 1 && (dtype[1] == 'U' || dtype[1] == 'S')); }
};

}  // namespace neurite
