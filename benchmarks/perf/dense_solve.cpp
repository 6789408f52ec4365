// The dense direct solve of bayes-tracking: one Cholesky factorisation of a
// kernel matrix (dpotrf, n^3/3 flops) and the two triangular solves for a
// block of c right-hand sides (dtrsm x 2, 2 n^2 c flops). bayes-tracking
// solves 7 noise levels x k classes at once (c = 14 on Synthetic-2, 70 on
// MNIST); c = 1 shows what solving them one at a time would cost per column.
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/core/rng.h"
#include "src/linalg/dense_solve.h"
#include "src/linalg/kernels.h"

namespace prism::perf {
namespace {

// A Laplace kernel matrix on Synthetic-2-like data: positive definite and
// well conditioned, like the matrices the claim factorises.
Eigen::MatrixXd laplace_kernel_matrix(Eigen::Index n) {
  Rng rng(1, "perf/dense_solve");
  const Eigen::MatrixXd X = rng.normal_matrix(n, 50);
  return linalg::kernel_matrix(linalg::Kernel::Laplace(10.0), X);
}

void BM_Cholesky(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0));
  const Eigen::MatrixXd K = laplace_kernel_matrix(n);
  for (auto _ : state) {
    // The copy (and its first touch: ~2 x 10^5 page faults at n = 10^4) and the
    // free are not the factorisation; only dpotrf on the moved-in copy is timed.
    state.PauseTiming();
    Eigen::MatrixXd A = K;
    state.ResumeTiming();
    {
      linalg::Cholesky chol(std::move(A));
      benchmark::DoNotOptimize(chol.factor().data());
      benchmark::ClobberMemory();
      state.PauseTiming();
    }
    state.ResumeTiming();
  }
  state.counters["GFLOPS"] = gflops(static_cast<double>(n) * n * n / 3.0, state);
}

void BM_CholeskySolve(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0)), c = static_cast<Eigen::Index>(state.range(1));
  const linalg::Cholesky chol(laplace_kernel_matrix(n));
  Rng rng(2, "perf/dense_solve");
  const Eigen::MatrixXd Y = rng.normal_matrix(n, c);
  for (auto _ : state) {
    Eigen::MatrixXd alpha = chol.solve(Y);
    benchmark::DoNotOptimize(alpha.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPS"] = gflops(linalg::cholesky_solve_flops(n, c), state);
}

BENCHMARK(BM_Cholesky)->Name("perf/cholesky")->Arg(1000)->Arg(4000)->Arg(10000)->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CholeskySolve)->Name("perf/cholesky_solve")->Args({4000, 1})->Args({4000, 14})->Args({4000, 70})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace prism::perf
