// DGEMM: the rate every other kernel is measured against. Two arms: prism's
// path (an Eigen product, which EIGEN_USE_BLAS sends to dgemm_) and a bare
// Fortran dgemm_ call, so any overhead of the wrapper shows as a ratio. Also
// SYRK, the Gram matrix X X^T behind every kernel matrix, at MNIST's d = 784.
#include <Eigen/Core>

#include <chrono>

#include "benchmarks/perf/perf_util.h"
#include "src/core/rng.h"

// dgemm_ itself is declared by Eigen's BLAS header under EIGEN_USE_BLAS.

namespace prism::perf {
namespace {

void BM_Dgemm(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  Rng rng(1, "dgemm");
  Eigen::MatrixXd A = rng.normal_matrix(n, n), B = rng.normal_matrix(n, n), C(n, n);
  for (auto _ : state) {
    C.noalias() = A * B;
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] = gflops(2.0 * n * n * n, state);
}

// One triangle of X X^T, X n x 784: n^2 d flops (dsyrk through Eigen's rankUpdate).
void BM_Syrk(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  constexpr Eigen::Index d = 784;
  Rng rng(1, "syrk");
  const Eigen::MatrixXd X = rng.normal_matrix(n, d);
  Eigen::MatrixXd G(n, n);
  for (auto _ : state) {
    G.triangularView<Eigen::Lower>().setZero();
    G.selfadjointView<Eigen::Lower>().rankUpdate(X);
    benchmark::DoNotOptimize(G.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] = gflops(static_cast<double>(n) * n * d, state);
}

#ifndef PRISM_EIGEN_NATIVE
// C = A B by one Fortran dgemm_ call, square n x n operands: the bare arm.
void bare_dgemm(int n, const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, Eigen::MatrixXd& C) {
  const double one = 1.0, zero = 0.0;
  dgemm_("N", "N", &n, &n, &n, &one, A.data(), &n, B.data(), &n, &zero, C.data(), &n);
  benchmark::DoNotOptimize(C.data());
  benchmark::ClobberMemory();
}

void BM_BareDgemm(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Rng rng(1, "dgemm");
  Eigen::MatrixXd A = rng.normal_matrix(n, n), B = rng.normal_matrix(n, n), C(n, n);
  for (auto _ : state) bare_dgemm(n, A, B, C);
  state.counters["GFLOPS"] = gflops(2.0 * n * n * n, state);
}

// prism's path and the bare call, paired and interleaved in one benchmark (the
// order alternating), so drift, thread wake-up and warm-up hit both arms alike;
// two separate benchmarks favour whichever runs second. Reports the ratio of
// their rates: prism / bare, 1 when the wrapper adds nothing.
void BM_DgemmWrapperRatio(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Rng rng(1, "dgemm");
  Eigen::MatrixXd A = rng.normal_matrix(n, n), B = rng.normal_matrix(n, n), C(n, n);
  using Clock = std::chrono::steady_clock;
  double prism_seconds = 0, bare_seconds = 0;
  bool prism_first = true;
  auto prism_call = [&] {
    const auto t0 = Clock::now();
    C.noalias() = A * B;
    benchmark::DoNotOptimize(C.data());
    benchmark::ClobberMemory();
    prism_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  };
  auto bare_call = [&] {
    const auto t0 = Clock::now();
    bare_dgemm(n, A, B, C);
    bare_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  };
  for (auto _ : state) {
    if (prism_first) prism_call(), bare_call();
    else bare_call(), prism_call();
    prism_first = !prism_first;
  }
  state.counters["prism_over_bare"] = bare_seconds / prism_seconds;  // rate ratio = inverse time ratio
}
#endif

BENCHMARK(BM_Dgemm)->Name("perf/dgemm")->Arg(1000)->Arg(2000)->Arg(4000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Syrk)->Name("perf/syrk")->Arg(2000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();
#ifndef PRISM_EIGEN_NATIVE
BENCHMARK(BM_BareDgemm)->Name("perf/bare_dgemm")->Arg(1000)->Arg(2000)->Arg(4000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DgemmWrapperRatio)->Name("perf/dgemm_wrapper")->Arg(1000)->Arg(2000)->Arg(4000)
    ->Unit(benchmark::kMillisecond)->UseRealTime();
#endif

}  // namespace
}  // namespace prism::perf
