// The machine's FP32 limit: a loop of independent fused multiply-adds in registers, nothing read
// from memory, at each vector width the CPU has (AVX-512, AVX2 + FMA, SSE without FMA), on 1 and
// 2 threads. Its GFLOP/s is the denominator of "How close to the machine": every other
// benchmark's rate is read against it. (An FMA is 2 FLOP; 16 independent accumulators cover the
// latency of two FMA pipes, each in a register of its own.)
//
//   build/bench/bench_peak --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <cstdint>

namespace {

constexpr int kChains = 16;          // independent accumulators per thread
constexpr int64_t kRounds = 1 << 14;  // FMA rounds per benchmark iteration
// Read at run time, so that the compiler cannot fold the loops into constants.
volatile float g_factor = 0.999999f, g_term = 1e-7f;

__attribute__((target("avx512f"))) float fma_rounds_avx512(int64_t rounds) {
  __m512 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm512_set1_ps(0.001f * static_cast<float>(k));
  const __m512 a = _mm512_set1_ps(g_factor), b = _mm512_set1_ps(g_term);
  for (int64_t r = 0; r < rounds; ++r)
#pragma GCC unroll 16  // every accumulator in a register of its own
    for (int k = 0; k < kChains; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  __m512 sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = _mm512_add_ps(sum, acc[k]);
  alignas(64) float lanes[16];  // (GCC 12 warns inside _mm512_reduce_add_ps)
  _mm512_store_ps(lanes, sum);
  float total = 0;
  for (const float v : lanes) total += v;
  return total;
}

__attribute__((target("avx2,fma"))) float fma_rounds_avx2(int64_t rounds) {
  __m256 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm256_set1_ps(0.001f * static_cast<float>(k));
  const __m256 a = _mm256_set1_ps(g_factor), b = _mm256_set1_ps(g_term);
  for (int64_t r = 0; r < rounds; ++r)
#pragma GCC unroll 16
    for (int k = 0; k < kChains; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);
  __m256 sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = _mm256_add_ps(sum, acc[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  float total = 0;
  for (const float v : lanes) total += v;
  return total;
}

// SSE has no FMA: a multiply and an add per lane, counted as 2 FLOP as well.
__attribute__((target("sse2"))) float mul_add_rounds_sse(int64_t rounds) {
  __m128 acc[kChains];
  for (int k = 0; k < kChains; ++k) acc[k] = _mm_set1_ps(0.001f * static_cast<float>(k));
  const __m128 a = _mm_set1_ps(g_factor), b = _mm_set1_ps(g_term);
  for (int64_t r = 0; r < rounds; ++r)
#pragma GCC unroll 16
    for (int k = 0; k < kChains; ++k) acc[k] = _mm_add_ps(_mm_mul_ps(acc[k], a), b);
  __m128 sum = acc[0];
  for (int k = 1; k < kChains; ++k) sum = _mm_add_ps(sum, acc[k]);
  alignas(16) float lanes[4];
  _mm_store_ps(lanes, sum);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3];
}

template <float (*Loop)(int64_t)>
void bm_peak(benchmark::State& state, int lanes, bool supported) {
  if (!supported) {
    state.SkipWithError("this CPU does not have these instructions");
    for (auto _ : state) {
    }
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(Loop(kRounds));
  const double flops = 2.0 * lanes * kChains * static_cast<double>(kRounds);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

}  // namespace

int main(int argc, char** argv) {
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f"), avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  for (int threads : {1, 2}) {  // a thread per core: the second thread shows whether a core is shared
    benchmark::RegisterBenchmark("peak/fma_avx512", bm_peak<fma_rounds_avx512>, 16, avx512)
        ->Threads(threads)->UseRealTime();
    benchmark::RegisterBenchmark("peak/fma_avx2", bm_peak<fma_rounds_avx2>, 8, avx2)->Threads(threads)->UseRealTime();
    benchmark::RegisterBenchmark("peak/mul_add_sse", bm_peak<mul_add_rounds_sse>, 4, true)
        ->Threads(threads)->UseRealTime();
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
