#include "kernels.h"

#include <cstdlib>
#include <string>
#include <string_view>

#include "neurite/error.h"
#include "neurite/ops/kernels.h"

namespace neurite::kernels {

namespace {

const Table& table_of(Family family) {
  switch (family) {
    case Family::avx512: return avx512::table;
    case Family::avx2: return avx2::table;
    case Family::sse: break;
  }
  return sse::table;
}

// The cap from NEURITE_KERNELS, or the widest family when it is not set.
Family cap_from_environment() {
  const char* value = std::getenv("NEURITE_KERNELS");
  if (!value || !*value) return Family::avx512;
  const std::string_view name(value);
  for (Family family : {Family::avx512, Family::avx2, Family::sse})
    if (name == table_of(family).name) return family;
  throw Error("NEURITE_KERNELS must be avx512, avx2 or sse, got '" + std::string(name) + "'");
}

const Table& choose() {
  Family family = cap_from_environment();
  while (!cpu_runs(family)) family = static_cast<Family>(static_cast<int>(family) - 1);
  return table_of(family);
}

}  // namespace

// The features the families' flags turn on (CMakeLists.txt, NEURITE_KERNEL_FLAGS_*).
bool cpu_runs(Family family) {
  __builtin_cpu_init();
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                    __builtin_cpu_supports("bmi") && __builtin_cpu_supports("bmi2") &&
                    __builtin_cpu_supports("popcnt");
  switch (family) {
    case Family::sse: return true;  // x86-64's baseline
    case Family::avx2: return avx2;
    case Family::avx512:
      return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  }
  return false;
}

const Table& chosen() {
  static const Table& table = choose();
  return table;
}

}  // namespace neurite::kernels

namespace neurite {
std::string kernel_family() { return kernels::chosen().name; }
}  // namespace neurite
