// Convolution kernels: the two conv layers of seed 001's CNN at batch 50, the speed run's second
// layer and one odd geometry, forward and backward, through the plain reference loops and the
// fast path (direct for stride 1 and 2; a strided layer's input gradient through im2col), and
// im2col + GEMM forced for comparison;
// and, in the same binary, plain SGEMM (neurite::gemm on its BLAS backend and cblas_sgemm
// directly) so the conv rates can be read against this machine's SGEMM rate measured in the same
// run.
//
//   build-bench/bench/bench_conv --benchmark_min_time=0.3 --benchmark_repetitions=3
//                                --benchmark_report_aggregates_only=true
//
// Names:
//   conv/<case>/<impl>/<pass>/batch:<n>/threads:<t>
//     case  conv1_1x28x28_16x5x5_p2   (seed 001's first layer)
//           conv2_16x14x14_32x5x5_p2  (seed 001's second layer)
//           speedrun1_1x28x28_24x5x5_s2 (models/speedrun.json's first layer: stride 2)
//           speedrun2_24x12x12_64x3x3_s2 (models/speedrun.json's second layer: stride 2)
//           speedrun2_32x12x12_64x3x3_s2 (the same with the 32 filters the model had until 2026-12-04)
//           odd_8x15x15_16x3x3_s2     (stride 2, no padding, odd sizes)
//     impl  reference (conv2d_*_reference) | fast (conv2d_forward / conv2d_backward: the direct
//           path) | im2col (the same, ConvAlgorithm::Im2col) | winograd (ConvAlgorithm::Winograd,
//           seed 001's second layer, as models/seed001-cnn.json computes it)
//     pass  forward | backward (weight, bias and input gradients) |
//           backward_weights (no input gradient, as a network's first layer runs it)
//   sgemm/<product>/<impl>/threads:<t>
//     impl  neurite_blas (neurite::gemm, GemmBackend::Blas) | neurite_kernel (our own kernel) |
//           cblas_sgemm (OpenBLAS)
// Counters: items_per_second = samples per second (conv rows); GFLOP/s = 2 * multiply-adds per
// second, ConvGeometry::macs() per sample for each product (forward: 1 product, backward: 2, or
// 1 without the input gradient), for Winograd too: its GFLOP/s are the direct products' flops
// per second, and may pass the machine's limit. The reference loops run at batch 2 (they are
// slow); per sample they do the same work at any batch. Every fast variant is checked once against the reference
// before it is timed.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "gemm_shapes.h"
#include "neurite/ops/conv.h"
#include "neurite/ops/gemm.h"

namespace {

using neurite::ConvGeometry;
using neurite::GemmBackend;
using neurite::Transpose;
using neurite_bench::GemmOperands;
using neurite_bench::GemmShape;

constexpr int64_t kBatch = 50;           // seed 001's mini-batch
constexpr int64_t kReferenceBatch = 2;   // the plain loops: a few samples are enough

struct ConvCase {
  const char* name;
  ConvGeometry g;
};

ConvGeometry geometry(int64_t c, int64_t h, int64_t w, int64_t o, int64_t k, int64_t stride, int64_t pad) {
  ConvGeometry g;
  g.in_channels = c;
  g.in_h = h;
  g.in_w = w;
  g.out_channels = o;
  g.kernel_h = g.kernel_w = k;
  g.stride_h = g.stride_w = stride;
  g.pad_h = g.pad_w = pad;
  return g;
}

const ConvCase kCases[] = {
    {"conv1_1x28x28_16x5x5_p2", geometry(1, 28, 28, 16, 5, 1, 2)},
    {"conv2_16x14x14_32x5x5_p2", geometry(16, 14, 14, 32, 5, 1, 2)},
    {"speedrun1_1x28x28_24x5x5_s2", geometry(1, 28, 28, 24, 5, 2, 0)},
    {"speedrun2_24x12x12_64x3x3_s2", geometry(24, 12, 12, 64, 3, 2, 0)},
    {"speedrun2_32x12x12_64x3x3_s2", geometry(32, 12, 12, 64, 3, 2, 0)},
    {"odd_8x15x15_16x3x3_s2", geometry(8, 15, 15, 16, 3, 2, 0)},
};

enum class Impl { Reference, Fast, Im2col, Winograd };
enum class Pass { Forward, Backward, BackwardWeights };

const char* pass_name(Pass p) {
  switch (p) {
    case Pass::Forward: return "forward";
    case Pass::Backward: return "backward";
    case Pass::BackwardWeights: return "backward_weights";
  }
  return "?";
}

// GEMM-sized products per sample: forward 1, weight gradient 1, input gradient 1.
int products(Pass p) { return p == Pass::Backward ? 2 : 1; }

// Everything one conv call reads and writes, filled with values in [-1, 1].
struct ConvOperands {
  ConvOperands(const ConvGeometry& g, int64_t batch) {
    std::mt19937 gen(42);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    auto fill = [&](std::vector<float>& v, int64_t n) {
      v.resize(static_cast<std::size_t>(n));
      for (float& e : v) e = dist(gen);
    };
    fill(x, batch * g.in_size());
    fill(w, g.out_channels * g.patch_size());
    fill(b, g.out_channels);
    fill(dy, batch * g.out_size());
    y.assign(static_cast<std::size_t>(batch * g.out_size()), 0.0f);
    dw.assign(w.size(), 0.0f);
    db.assign(b.size(), 0.0f);
    dx.assign(x.size(), 0.0f);
  }
  std::vector<float> x, w, b, dy, y, dw, db, dx;
};

void call(const ConvGeometry& g, int64_t batch, Impl impl, Pass pass, ConvOperands& op) {
  float* dx = pass == Pass::Backward ? op.dx.data() : nullptr;
  const auto algorithm = impl == Impl::Im2col     ? neurite::ConvAlgorithm::Im2col
                         : impl == Impl::Winograd ? neurite::ConvAlgorithm::Winograd
                                                  : neurite::ConvAlgorithm::Auto;
  if (pass == Pass::Forward) {
    if (impl == Impl::Reference)
      neurite::conv2d_forward_reference(g, batch, op.x.data(), op.w.data(), op.b.data(), op.y.data());
    else
      neurite::conv2d_forward(g, batch, op.x.data(), op.w.data(), op.b.data(), op.y.data(), algorithm);
  } else {
    // dw and db accumulate (+=): zero them so repeated calls keep the values bounded, as a
    // training step's zero_grad does. That costs one pass over the weights, noise next to the
    // products.
    std::fill(op.dw.begin(), op.dw.end(), 0.0f);
    std::fill(op.db.begin(), op.db.end(), 0.0f);
    if (impl == Impl::Reference)
      neurite::conv2d_backward_reference(g, batch, op.x.data(), op.w.data(), op.dy.data(), op.dw.data(),
                                         op.db.data(), dx);
    else
      neurite::conv2d_backward(g, batch, op.x.data(), op.w.data(), op.dy.data(), op.dw.data(), op.db.data(), dx,
                               algorithm);
  }
}

float max_relative_error(const std::vector<float>& got, const std::vector<float>& want) {
  float err = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    err = std::max(err, std::abs(got[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return err / std::max(scale, 1.0f);
}

// A fast path against the reference loops on kReferenceBatch samples: every output it writes.
bool fast_matches_reference(const ConvGeometry& g, Impl impl, Pass pass) {
  ConvOperands ref(g, kReferenceBatch), fast(g, kReferenceBatch);
  call(g, kReferenceBatch, Impl::Reference, pass, ref);
  call(g, kReferenceBatch, impl, pass, fast);
  constexpr float kTolerance = 1e-4f;
  if (pass == Pass::Forward) return max_relative_error(fast.y, ref.y) <= kTolerance;
  bool ok = max_relative_error(fast.dw, ref.dw) <= kTolerance && max_relative_error(fast.db, ref.db) <= kTolerance;
  if (pass == Pass::Backward) ok = ok && max_relative_error(fast.dx, ref.dx) <= kTolerance;
  return ok;
}

void bm_conv(benchmark::State& state, ConvGeometry g, Impl impl, Pass pass, int64_t batch, int threads) {
  neurite::set_num_threads(threads);  // also keeps OpenBLAS's own pool at 1 thread
  neurite::set_gemm_backend(GemmBackend::Auto);
  if (impl != Impl::Reference && !fast_matches_reference(g, impl, pass)) {
    state.SkipWithError("fast path differs from the reference loops");
    for (auto _ : state) {
    }
    return;
  }
  ConvOperands op(g, batch);
  call(g, batch, impl, pass, op);  // warm-up: buffers allocated, pages touched
  for (auto _ : state) {
    call(g, batch, impl, pass, op);
    benchmark::DoNotOptimize(op.y.data());
    benchmark::DoNotOptimize(op.dw.data());
    benchmark::DoNotOptimize(op.dx.data());
    benchmark::ClobberMemory();
  }
  const double samples = static_cast<double>(batch) * static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(samples));
  state.counters["GFLOP/s"] = benchmark::Counter(
      2.0 * static_cast<double>(g.macs()) * products(pass) * samples / 1e9, benchmark::Counter::kIsRate);
  state.counters["batch"] = static_cast<double>(batch);
}

// ---- plain SGEMM, for scale ---------------------------------------------------------------
// Row-major C (M x N) = op(A) op(B), as neurite::gemm takes them. The conv2 rows are the
// per-sample products of seed 001's second layer (O = 32, OH*OW = 196, patch = 16*25 = 400).
const GemmShape kGemmShapes[] = {
    {"square_1024_NN", false, false, 1024, 1024, 1024},
    {"conv2_fwd_32x196x400_NN", false, false, 32, 196, 400},     // W (32x400) . cols (400x196)
    {"conv2_wgrad_32x400x196_NT", false, true, 32, 400, 196},    // dy (32x196) . cols^T
    {"conv2_igrad_400x196x32_TN", true, false, 400, 196, 32},    // W^T (400x32) . dy (32x196)
    {"conv1_fwd_16x784x25_NN", false, false, 16, 784, 25},       // seed 001's first layer, one sample
};

Transpose tr(bool t) { return t ? Transpose::Yes : Transpose::No; }

bool gemm_matches_reference(const GemmOperands& op) {
  const GemmShape& s = op.shape;
  if (static_cast<double>(s.M * s.N * s.K) > 2e7) return true;  // too slow to recompute
  std::vector<float> ref(op.C.size());
  neurite::gemm_reference(tr(s.trans_a), tr(s.trans_b), s.M, s.N, s.K, 1.0f, op.A.data(), op.lda, op.B.data(),
                          op.ldb, 0.0f, ref.data(), op.ldc);
  return max_relative_error(op.C, ref) <= 1e-4f;
}

void run_gemm(benchmark::State& state, GemmOperands& op, const std::function<void()>& product) {
  product();
  if (!gemm_matches_reference(op)) {
    state.SkipWithError("result differs from gemm_reference");
    for (auto _ : state) {
    }
    return;
  }
  for (auto _ : state) {
    product();
    benchmark::DoNotOptimize(op.C.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(op.flops() * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

void bm_neurite(benchmark::State& state, GemmShape s, int threads, GemmBackend backend) {
  GemmOperands op(s);
  neurite::set_num_threads(threads);
  neurite::set_gemm_backend(backend);
  run_gemm(state, op, [&] {
    neurite::gemm(tr(s.trans_a), tr(s.trans_b), s.M, s.N, s.K, 1.0f, op.A.data(), op.lda, op.B.data(), op.ldb,
                  0.0f, op.C.data(), op.ldc);
  });
  neurite::set_gemm_backend(GemmBackend::Auto);
}

void bm_cblas(benchmark::State& state, GemmShape s, int threads) {
  GemmOperands op(s);
  openblas_set_num_threads(threads);
  run_gemm(state, op, [&] {
    cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans, s.trans_b ? CblasTrans : CblasNoTrans,
                static_cast<int>(s.M), static_cast<int>(s.N), static_cast<int>(s.K), 1.0f, op.A.data(),
                static_cast<int>(op.lda), op.B.data(), static_cast<int>(op.ldb), 0.0f, op.C.data(),
                static_cast<int>(op.ldc));
  });
  openblas_set_num_threads(1);
}

void configure(benchmark::internal::Benchmark* b) { b->UseRealTime()->Unit(benchmark::kMicrosecond); }

}  // namespace

int main(int argc, char** argv) {
  benchmark::AddCustomContext("openblas_config", openblas_get_config());
  benchmark::AddCustomContext("openblas_core", openblas_get_corename());
  for (const ConvCase& c : kCases) {
    for (Pass pass : {Pass::Forward, Pass::Backward, Pass::BackwardWeights}) {
      const std::string stem = std::string("conv/") + c.name + "/";
      const std::string ref = stem + "reference/" + pass_name(pass) + "/batch:" + std::to_string(kReferenceBatch) +
                              "/threads:1";
      configure(benchmark::RegisterBenchmark(ref.c_str(), bm_conv, c.g, Impl::Reference, pass, kReferenceBatch, 1));
      // Winograd where the layer opts in: 5x5, stride 1, channels in whole vectors.
      const bool winograd = c.g.kernel_h == 5 && c.g.stride_h == 1 && c.g.in_channels % 16 == 0;
      for (Impl impl : {Impl::Fast, Impl::Im2col, Impl::Winograd}) {
        if (impl == Impl::Winograd && !winograd) continue;
        const char* impl_name = impl == Impl::Fast ? "fast/" : impl == Impl::Im2col ? "im2col/" : "winograd/";
        for (int threads : {1, 2}) {
          const std::string name = stem + impl_name + pass_name(pass) +
                                   "/batch:" + std::to_string(kBatch) + "/threads:" + std::to_string(threads);
          configure(benchmark::RegisterBenchmark(name.c_str(), bm_conv, c.g, impl, pass, kBatch, threads));
        }
      }
    }
  }
  for (const GemmShape& s : kGemmShapes) {
    for (int threads : {1, 2}) {
      const std::string stem = std::string("sgemm/") + s.name + "/";
      const std::string t = "/threads:" + std::to_string(threads);
      configure(benchmark::RegisterBenchmark((stem + "neurite_blas" + t).c_str(), bm_neurite, s, threads,
                                             GemmBackend::Blas));
      configure(benchmark::RegisterBenchmark((stem + "neurite_kernel" + t).c_str(), bm_neurite, s, threads,
                                             GemmBackend::Kernel));
      configure(benchmark::RegisterBenchmark((stem + "cblas_sgemm" + t).c_str(), bm_cblas, s, threads));
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
