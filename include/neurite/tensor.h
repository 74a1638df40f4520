// Tensor: contiguous float32 storage with a row-major shape. Batches come first: a batch of
// flat vectors is (N, features); images later are (N, C, H, W).
#pragma once
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <new>
#include <span>
#include <string>
#include <vector>

namespace neurite {

using Shape = std::vector<int64_t>;

std::string to_string(const Shape& shape);  // "(10, 784)"
int64_t element_count(const Shape& shape);

// Asks the OS to back the 2 MiB-aligned part of a fresh, not yet touched block of at least 4 MiB
// with 2 MiB pages (Linux; elsewhere nothing): each first touch of a 4 KiB page is a fault, and
// on the virtual machines measured that made reading MNIST's 47 MB take 190-280 ms instead of
// 26. A hint: nothing fails without it.
void prefer_huge_pages(void* start, std::size_t bytes);

// 64-byte aligned storage so kernels start every row on a cache line; big blocks ask for 2 MiB
// pages.
template <class T>
struct AlignedAllocator {
  using value_type = T;
  AlignedAllocator() = default;
  template <class U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(std::size_t n) {
    T* p = static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{64}));
    prefer_huge_pages(p, n * sizeof(T));
    return p;
  }
  void deallocate(T* p, std::size_t) { ::operator delete(p, std::align_val_t{64}); }
  template <class U>
  bool operator==(const AlignedAllocator<U>&) const { return true; }
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape, float fill = 0.0f);
  static Tensor from(Shape shape, std::initializer_list<float> values);

  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_.at(static_cast<std::size_t>(i)); }
  int64_t size() const { return static_cast<int64_t>(data_.size()); }
  bool empty() const { return data_.empty(); }

  float* data() { return data_.data(); }
  const float* data() const { return data_.data(); }
  std::span<float> span() { return {data_.data(), data_.size()}; }
  std::span<const float> span() const { return {data_.data(), data_.size()}; }
  float& operator[](int64_t i) { return data_[static_cast<std::size_t>(i)]; }
  float operator[](int64_t i) const { return data_[static_cast<std::size_t>(i)]; }

  // Changes the shape, keeping the allocation when it is big enough (buffers are reused
  // batch after batch). Contents are unspecified afterwards unless the size is unchanged.
  void resize(const Shape& shape);
  // Same data, new shape of the same element count.
  void reshape(const Shape& shape);
  void fill(float value);

 private:
  Shape shape_;
  std::vector<float, AlignedAllocator<float>> data_;
};

// Throws a neurite::Error naming both shapes unless they are equal. Cheap when they are: these
// run on every batch, so the message is only built on failure.
void require_shape(const Tensor& t, const Shape& expected, const char* what);
void require_shape(const Tensor& t, std::initializer_list<int64_t> expected, const char* what);

}  // namespace neurite
