// GEMM kernels: the three products of one batch-10 step of 784-30-10 and a few large ones, each
// through neurite::gemm (Kernel, Blas, Auto), raw OpenBLAS cblas_sgemm and, when CMake found it,
// libxsmm (libxsmm_sgemm and a JIT kernel from libxsmm_smmdispatch), on 1 and 2 threads.
// Every variant is checked once against gemm_reference before it is timed.
//
//   build-bench/bench/bench_gemm --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>

#include "gemm_shapes.h"
#include "neurite/ops/gemm.h"

#ifdef NEURITE_BENCH_LIBXSMM
#include <libxsmm.h>
#endif

namespace {

using neurite::GemmBackend;
using neurite::Transpose;
using neurite_bench::GemmOperands;
using neurite_bench::GemmShape;

Transpose tr(bool t) { return t ? Transpose::Yes : Transpose::No; }

// Largest |C - reference| relative to the largest |reference|; only for products small enough
// to recompute in double in well under a second.
bool matches_reference(const GemmOperands& op) {
  const GemmShape& s = op.shape;
  if (static_cast<double>(s.M * s.N * s.K) > 2e7) return true;
  std::vector<float> ref(op.C.size());
  neurite::gemm_reference(tr(s.trans_a), tr(s.trans_b), s.M, s.N, s.K, 1.0f, op.A.data(), op.lda,
                          op.B.data(), op.ldb, 0.0f, ref.data(), op.ldc);
  float err = 0, scale = 0;
  for (std::size_t i = 0; i < ref.size(); ++i) {
    err = std::max(err, std::abs(op.C[i] - ref[i]));
    scale = std::max(scale, std::abs(ref[i]));
  }
  return err <= 1e-4f * std::max(scale, 1.0f);
}

void set_flops(benchmark::State& state, const GemmOperands& op) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(op.flops() * static_cast<double>(state.iterations()) / 1e9,
                         benchmark::Counter::kIsRate);
}

// Runs `call` (one product into op.C) under the benchmark loop after checking it once.
void run(benchmark::State& state, GemmOperands& op, const std::function<void()>& call) {
  call();
  if (!matches_reference(op)) {
    state.SkipWithError("result differs from gemm_reference");
    return;
  }
  for (auto _ : state) {
    call();
    benchmark::DoNotOptimize(op.C.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, op);
}

void bm_neurite(benchmark::State& state, GemmShape s, GemmBackend backend, int threads) {
  GemmOperands op(s);
  neurite::set_num_threads(threads);  // also keeps OpenBLAS's own pool at 1 thread
  neurite::set_gemm_backend(backend);
  run(state, op, [&] {
    neurite::gemm(tr(s.trans_a), tr(s.trans_b), s.M, s.N, s.K, 1.0f, op.A.data(), op.lda,
                  op.B.data(), op.ldb, 0.0f, op.C.data(), op.ldc);
  });
  neurite::set_gemm_backend(GemmBackend::Auto);
}

// One cblas_sgemm call over the whole product, OpenBLAS using `threads` threads of its own.
void bm_cblas(benchmark::State& state, GemmShape s, int threads) {
  GemmOperands op(s);
  openblas_set_num_threads(threads);
  run(state, op, [&] {
    cblas_sgemm(CblasRowMajor, s.trans_a ? CblasTrans : CblasNoTrans,
                s.trans_b ? CblasTrans : CblasNoTrans, static_cast<int>(s.M), static_cast<int>(s.N),
                static_cast<int>(s.K), 1.0f, op.A.data(), static_cast<int>(op.lda), op.B.data(),
                static_cast<int>(op.ldb), 0.0f, op.C.data(), static_cast<int>(op.ldc));
  });
  openblas_set_num_threads(1);
}

#ifdef NEURITE_BENCH_LIBXSMM
// libxsmm is column-major: row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T, so
// the operands swap places (and M with N).
void bm_libxsmm_sgemm(benchmark::State& state, GemmShape s, int threads) {
  GemmOperands op(s);
  openblas_set_num_threads(1);  // libxsmm falls back to BLAS for large or unsupported products
  const char ta = s.trans_b ? 'T' : 'N', tb = s.trans_a ? 'T' : 'N';
  const libxsmm_blasint m = static_cast<libxsmm_blasint>(s.N), n = static_cast<libxsmm_blasint>(s.M),
                        k = static_cast<libxsmm_blasint>(s.K);
  const libxsmm_blasint lda = static_cast<libxsmm_blasint>(op.ldb),
                        ldb = static_cast<libxsmm_blasint>(op.lda),
                        ldc = static_cast<libxsmm_blasint>(op.ldc);
  const float alpha = 1.0f, beta = 0.0f;
  if (threads == 1) {
    run(state, op, [&] {
      libxsmm_sgemm(&ta, &tb, &m, &n, &k, &alpha, op.B.data(), &lda, op.A.data(), &ldb, &beta,
                    op.C.data(), &ldc);
    });
  } else {
    omp_set_num_threads(threads);
    run(state, op, [&] {
      libxsmm_sgemm_omp(&ta, &tb, &m, &n, &k, &alpha, op.B.data(), &lda, op.A.data(), &ldb, &beta,
                        op.C.data(), &ldc);
    });
  }
}

// A JIT-compiled kernel for exactly this shape, called directly: the cheapest libxsmm offers.
// libxsmm 1.17 generates no kernel with a transposed (column-major) A, i.e. our row-major B^T.
void bm_libxsmm_dispatch(benchmark::State& state, GemmShape s) {
  GemmOperands op(s);
  const libxsmm_blasint lda = static_cast<libxsmm_blasint>(op.ldb),
                        ldb = static_cast<libxsmm_blasint>(op.lda),
                        ldc = static_cast<libxsmm_blasint>(op.ldc);
  const float alpha = 1.0f, beta = 0.0f;
  const int flags = (s.trans_b ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) | (s.trans_a ? LIBXSMM_GEMM_FLAG_TRANS_B : 0);
  const libxsmm_smmfunction kernel =
      libxsmm_smmdispatch(static_cast<libxsmm_blasint>(s.N), static_cast<libxsmm_blasint>(s.M),
                          static_cast<libxsmm_blasint>(s.K), &lda, &ldb, &ldc, &alpha, &beta,
                          &flags, nullptr);
  if (kernel == nullptr) {
    state.SkipWithError("libxsmm_smmdispatch returned no kernel for this shape");
    for (auto _ : state) {
    }
    return;
  }
  run(state, op, [&] { kernel(op.B.data(), op.A.data(), op.C.data()); });
}
#endif

void configure(benchmark::internal::Benchmark* b) { b->UseRealTime()->Unit(benchmark::kMicrosecond); }

std::string name(const GemmShape& s, const std::string& impl, int threads) {
  return std::string("gemm/") + s.name + "/" + impl + "/threads:" + std::to_string(threads);
}

}  // namespace

int main(int argc, char** argv) {
#ifdef NEURITE_BENCH_LIBXSMM
  libxsmm_init();
  benchmark::AddCustomContext("libxsmm_target", libxsmm_get_target_arch());
#endif
  benchmark::AddCustomContext("openblas_config", openblas_get_config());
  benchmark::AddCustomContext("openblas_core", openblas_get_corename());
  for (const GemmShape& s : neurite_bench::kShapes) {
    for (int threads : {1, 2}) {
      configure(benchmark::RegisterBenchmark(name(s, "neurite_kernel", threads).c_str(), bm_neurite, s,
                                             GemmBackend::Kernel, threads));
      configure(benchmark::RegisterBenchmark(name(s, "neurite_blas", threads).c_str(), bm_neurite, s,
                                             GemmBackend::Blas, threads));
      configure(benchmark::RegisterBenchmark(name(s, "neurite_auto", threads).c_str(), bm_neurite, s,
                                             GemmBackend::Auto, threads));
      configure(benchmark::RegisterBenchmark(name(s, "cblas_sgemm", threads).c_str(), bm_cblas, s, threads));
#ifdef NEURITE_BENCH_LIBXSMM
      configure(benchmark::RegisterBenchmark(name(s, "libxsmm_sgemm", threads).c_str(), bm_libxsmm_sgemm, s,
                                             threads));
      if (threads == 1)
        configure(benchmark::RegisterBenchmark(name(s, "libxsmm_dispatch", threads).c_str(),
                                               bm_libxsmm_dispatch, s));
#endif
    }
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
#ifdef NEURITE_BENCH_LIBXSMM
  libxsmm_finalize();
#endif
  return 0;
}
