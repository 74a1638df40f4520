// The same products as bench_gemm through BLIS's typed API (bli_sgemm), on 1 and 2 threads.
// BLIS ships its own cblas.h and exports the BLAS/CBLAS symbols OpenBLAS exports too, so this
// executable links BLIS alone: no neurite, no OpenBLAS.
//
//   build-bench/bench/bench_gemm_blis --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <blis.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "gemm_shapes.h"

namespace {

using neurite_bench::GemmOperands;
using neurite_bench::GemmShape;

bool matches_reference(const GemmOperands& op) {
  const GemmShape& s = op.shape;
  if (static_cast<double>(s.M * s.N * s.K) > 2e7) return true;
  float err = 0, scale = 0;
  for (int64_t i = 0; i < s.M; ++i)
    for (int64_t j = 0; j < s.N; ++j) {
      double sum = 0;
      for (int64_t k = 0; k < s.K; ++k) {
        const float a = s.trans_a ? op.A[static_cast<std::size_t>(k * op.lda + i)]
                                  : op.A[static_cast<std::size_t>(i * op.lda + k)];
        const float b = s.trans_b ? op.B[static_cast<std::size_t>(j * op.ldb + k)]
                                  : op.B[static_cast<std::size_t>(k * op.ldb + j)];
        sum += static_cast<double>(a) * b;
      }
      const float ref = static_cast<float>(sum);
      err = std::max(err, std::abs(op.C[static_cast<std::size_t>(i * op.ldc + j)] - ref));
      scale = std::max(scale, std::abs(ref));
    }
  return err <= 1e-4f * std::max(scale, 1.0f);
}

// Row-major operands are BLIS matrices with row stride ld and column stride 1; a transposed
// operand is passed as stored, with BLIS_TRANSPOSE.
void bm_blis(benchmark::State& state, GemmShape s, int threads) {
  GemmOperands op(s);
  bli_thread_set_num_threads(threads);
  float alpha = 1.0f, beta = 0.0f;
  auto call = [&] {
    bli_sgemm(s.trans_a ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, s.trans_b ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE,
              s.M, s.N, s.K, &alpha, op.A.data(), op.lda, 1, op.B.data(), op.ldb, 1, &beta, op.C.data(),
              op.ldc, 1);
  };
  call();
  if (!matches_reference(op)) {
    state.SkipWithError("result differs from the reference");
    return;
  }
  for (auto _ : state) {
    call();
    benchmark::DoNotOptimize(op.C.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(op.flops() * static_cast<double>(state.iterations()) / 1e9,
                                                 benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  bli_init();
  benchmark::AddCustomContext("blis_arch", bli_arch_string(bli_arch_query_id()));
  benchmark::AddCustomContext("blis_version", bli_info_get_version_str());
  for (const GemmShape& s : neurite_bench::kShapes)
    for (int threads : {1, 2}) {
      const std::string name = std::string("gemm/") + s.name + "/blis/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark(name.c_str(), bm_blis, s, threads)->UseRealTime()->Unit(benchmark::kMicrosecond);
    }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  bli_finalize();
  return 0;
}
