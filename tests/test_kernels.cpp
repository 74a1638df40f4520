// The kernel family chosen at run time (src/ops/kernels.h): the CPU's widest unless
// NEURITE_KERNELS caps it, a bad value refused in one line, and each family's GEMM and
// convolution kernels against the reference loops. ctest also runs the GEMM, convolution and
// fused-dense tests once per family the CPU runs (tests/CMakeLists.txt: Kernels.*).
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "neurite/ops/conv.h"
#include "neurite/ops/kernels.h"
#include "ops/kernels.h"
#include "test_support.h"

namespace neurite {
namespace {

using kernels::Family;

const kernels::Table& table_of(Family family) {
  return family == Family::avx512 ? kernels::avx512::table : family == Family::avx2 ? kernels::avx2::table
                                                                                     : kernels::sse::table;
}

TEST(Kernels, TheWidestFamilyTheCpuRunsUnlessCapped) {
  const char* cap = std::getenv("NEURITE_KERNELS");
  Family expected = Family::avx512;
  if (cap && *cap) expected = std::string(cap) == "sse" ? Family::sse : std::string(cap) == "avx2" ? Family::avx2 : Family::avx512;
  while (!kernels::cpu_runs(expected)) expected = static_cast<Family>(static_cast<int>(expected) - 1);
  EXPECT_EQ(kernel_family(), table_of(expected).name);
  EXPECT_EQ(kernels::chosen().family, expected);
  EXPECT_TRUE(kernels::cpu_runs(Family::sse));  // x86-64's baseline
}

TEST(Kernels, ABadCapIsRefusedInOneLine) {
  const auto r = testing::run_shell("NEURITE_KERNELS=avx9 " + std::string(NEURITE_CLI) + " --version");
  testing::expect_one_line_error(r, "NEURITE_KERNELS must be avx512, avx2 or sse, got 'avx9'");
  const auto ok = testing::run_shell("NEURITE_KERNELS=sse " + std::string(NEURITE_CLI) + " --version");
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_NE(ok.output.find("(kernels: sse)"), std::string::npos) << ok.output;
}

// Every family this CPU runs: a convolution's three products (direct or im2col, as the family
// takes them) equal the reference loops to float rounding.
TEST(Kernels, EveryFamilyConvolvesAsTheReference) {
  const ConvGeometry g{.in_channels = 3, .in_h = 9, .in_w = 11, .out_channels = 20, .kernel_h = 3, .kernel_w = 3,
                       .stride_h = 1, .stride_w = 1, .pad_h = 1, .pad_w = 1};
  const int64_t batch = 4;
  const Tensor x = testing::random_tensor({batch, g.in_size()}, 1), w = testing::random_tensor({g.out_channels, g.patch_size()}, 2);
  const Tensor b = testing::random_tensor({g.out_channels}, 3), dy = testing::random_tensor({batch, g.out_size()}, 4);
  Tensor y_ref({batch, g.out_size()}), dw_ref({g.out_channels, g.patch_size()}, 0.0f), db_ref({g.out_channels}, 0.0f),
      dx_ref({batch, g.in_size()});
  conv2d_forward_reference(g, batch, x.data(), w.data(), b.data(), y_ref.data());
  conv2d_backward_reference(g, batch, x.data(), w.data(), dy.data(), dw_ref.data(), db_ref.data(), dx_ref.data());
  for (Family family : {Family::sse, Family::avx2, Family::avx512}) {
    if (!kernels::cpu_runs(family)) continue;
    const kernels::Table& t = table_of(family);
    SCOPED_TRACE(t.name);
    Tensor y({batch, g.out_size()}), dw({g.out_channels, g.patch_size()}, 0.0f), db({g.out_channels}, 0.0f),
        dx({batch, g.in_size()});
    t.conv2d_forward(g, batch, x.data(), w.data(), b.data(), y.data(), ConvAlgorithm::Auto);
    t.conv2d_backward(g, batch, x.data(), w.data(), dy.data(), dw.data(), db.data(), dx.data(), ConvAlgorithm::Auto);
    testing::expect_matches_reference(y, y_ref, std::string(t.name) + " forward", 1e-4);
    testing::expect_matches_reference(dw, dw_ref, std::string(t.name) + " weight gradient", 1e-4);
    testing::expect_matches_reference(db, db_ref, std::string(t.name) + " bias gradient", 1e-4);
    testing::expect_matches_reference(dx, dx_ref, std::string(t.name) + " input gradient", 1e-4);
  }
}

}  // namespace
}  // namespace neurite
