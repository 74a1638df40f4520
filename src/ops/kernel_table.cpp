// This kernel family's table (kernels.h): compiled once per family, like the kernels it lists.
#include "conv_fast.h"
#include "gemm_kernel.h"
#include "kernels.h"
#include "pool_kernel.h"
#include "simd.h"
#include "train/dense_chain.h"

namespace neurite::kernels::NEURITE_ISA {

#define NEURITE_STRINGIFY2(x) #x
#define NEURITE_STRINGIFY(x) NEURITE_STRINGIFY2(x)

extern const Table table;
const Table table{
    .family = Family::NEURITE_ISA,
    .name = NEURITE_STRINGIFY(NEURITE_ISA),
    .rows_of_b = &kernel::rows_of_b,
    .dots = &kernel::dots,
    .im2col = &conv_fast::im2col,
    .col2im_add = &conv_fast::col2im_add,
    .conv2d_forward = &conv_fast::forward,
    .conv2d_backward = &conv_fast::backward,
    .max_row_2x2 = simd::kHasMasks ? &pool_kernel::max_row_2x2 : nullptr,
    .route_row_2x2 = simd::kHasMasks ? &pool_kernel::route_row_2x2 : nullptr,
    .make_dense_chain = &dense_chain::make,
};

}  // namespace neurite::kernels::NEURITE_ISA
