#include "neurite/tensor.h"

#include <algorithm>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "neurite/error.h"

namespace neurite {

void prefer_huge_pages(void* start, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{1} << 21;
  if (bytes < 2 * kHuge) return;
  const auto begin = (reinterpret_cast<std::uintptr_t>(start) + kHuge - 1) & ~(kHuge - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(start) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);  // a hint: failure is fine
#else
  (void)start, (void)bytes;
#endif
}

std::string to_string(const Shape& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + ")";
}

int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {  // messages are built only on error: this runs on every resize
    if (d < 0) throw Error("negative dimension in shape " + to_string(shape));
    if (__builtin_mul_overflow(n, d, &n)) throw Error("shape " + to_string(shape) + " has more elements than int64 holds");
  }
  return n;
}

Tensor::Tensor(Shape shape, float fill)
    : shape_(std::move(shape)), data_(static_cast<std::size_t>(element_count(shape_)), fill) {}

Tensor Tensor::from(Shape shape, std::initializer_list<float> values) {
  Tensor t(std::move(shape));
  require(static_cast<int64_t>(values.size()) == t.size(),
          "Tensor::from: " + std::to_string(values.size()) + " values for shape " + to_string(t.shape()));
  std::copy(values.begin(), values.end(), t.data());
  return t;
}

void Tensor::resize(const Shape& shape) {
  data_.resize(static_cast<std::size_t>(element_count(shape)));
  shape_ = shape;
}

void Tensor::reshape(const Shape& shape) {
  require(element_count(shape) == size(),
          "cannot reshape " + to_string(shape_) + " to " + to_string(shape));
  shape_ = shape;
}

void Tensor::fill(float value) { std::fill(data_.begin(), data_.end(), value); }

void require_shape(const Tensor& t, const Shape& expected, const char* what) {
  if (t.shape() != expected)
    throw Error(std::string(what) + ": expected shape " + to_string(expected) + ", got " + to_string(t.shape()));
}

void require_shape(const Tensor& t, std::initializer_list<int64_t> expected, const char* what) {
  if (!std::equal(t.shape().begin(), t.shape().end(), expected.begin(), expected.end()))
    require_shape(t, Shape(expected), what);
}

}  // namespace neurite
