// Rng: a small, fully specified random generator (xoshiro256** seeded by splitmix64), so the same
// seed gives the same weights and the same shuffles on every machine and standard library.
#pragma once
#include <array>
#include <cstdint>
#include <span>

namespace neurite {

class Rng {
 public:
  // Different streams of one seed are independent: weights and shuffles do not correlate.
  explicit Rng(uint64_t seed = 1, uint64_t stream = 0);

  uint64_t next_u64();
  double uniform();                  // [0, 1)
  double uniform(double lo, double hi);
  double normal();                   // N(0, 1), Box-Muller
  uint64_t below(uint64_t n);        // uniform integer in [0, n), unbiased

  template <class T>
  void shuffle(std::span<T> items) {  // Fisher-Yates
    for (std::size_t i = items.size(); i > 1; --i) {
      std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(items[i - 1], items[j]);
    }
  }

  using State = std::array<uint64_t, 4>;
  State state() const { return state_; }
  void set_state(const State& s) { state_ = s; }

 private:
  State state_{};
};

}  // namespace neurite
