// One epoch (n / m steps) of the SGD hot loops of sgd-exponential,
// min-norm-alignment and critical-batch, and the kernel build they start from.
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/linalg/kernels.h"
#include "src/models/linear_problem.h"
#include "src/optim/sgd.h"

namespace prism::perf {
namespace {

void BM_SgdLeastSquaresEpoch(benchmark::State& state) {
  const Eigen::Index n = 200, d = 1000, m = state.range(0);
  Rng rng(1, "perf");
  auto p = models::gaussian_regression(n, d, 0.25, rng);
  optim::SgdOptions o;
  o.batch = m;
  o.step = 1e-4;
  o.max_iterations = n / m;
  for (auto _ : state) {
    Eigen::VectorXd w = Eigen::VectorXd::Zero(d);
    benchmark::DoNotOptimize(optim::sgd_least_squares(p.X, p.y, w, o, rng).final_loss);
  }
  // Per step: m dot products and m axpys of length d.
  state.counters["GFLOPS"] = gflops(4.0 * d * m * (n / m), state);
}

void BM_SgdKernelEpoch(benchmark::State& state) {
  // Args: n, m, threads (the row split of large steps), float (1: the float32
  // copy of K that critical-batch streams).
  const Eigen::Index n = state.range(0), m = state.range(1), c = 10;
  Rng rng(1, "perf");
  Eigen::MatrixXd X = rng.normal_matrix(n, 50) / 5.0;
  Eigen::MatrixXd K = linalg::kernel_matrix(linalg::Kernel::Gaussian(1.0), X);
  Eigen::MatrixXd Y = rng.normal_matrix(n, c);
  optim::SgdOptions o;
  o.batch = m;
  o.step = 0.5;
  o.max_iterations = std::max<Eigen::Index>(1, n / m);
  o.threads = static_cast<int>(state.range(2));
  const Eigen::MatrixXf K32 = state.range(3) ? Eigen::MatrixXf(K.cast<float>()) : Eigen::MatrixXf();
  for (auto _ : state) {
    Eigen::MatrixXd alpha;
    const auto trace = state.range(3) ? optim::sgd_kernel(K32, Y, alpha, o, rng) : optim::sgd_kernel(K, Y, alpha, o, rng);
    benchmark::DoNotOptimize(trace.final_loss);
  }
  // Per step: r -= K[:, B] (eta/m) r_B, 2 n m c flops.
  state.counters["GFLOPS"] = gflops(2.0 * n * m * c * o.max_iterations, state);
}

void BM_KernelMatrix(benchmark::State& state) {
  const Eigen::Index n = state.range(0), d = 784;
  Rng rng(1, "perf");
  Eigen::MatrixXd X = (rng.normal_matrix(n, d).array() * 0.1 + 0.5).matrix();
  linalg::KernelStats stats;
  for (auto _ : state) {
    Eigen::MatrixXd K = linalg::kernel_matrix(linalg::Kernel::Gaussian(5.0), X, &stats);
    benchmark::DoNotOptimize(K.data());
    state.PauseTiming();  // freeing 800 MB (n = 10^4) is the caller's cost, not the build's
    K.resize(0, 0);
    state.ResumeTiming();
  }
  // SYRK: n^2 d flops (one triangle of the Gram matrix); the fused exp pass is
  // counted as time, not flops. The split shows which part limits the rate.
  state.counters["GFLOPS"] = gflops(1.0 * n * n * d, state);
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["blas_ms"] = 1e3 * stats.blas_seconds / iterations;
  state.counters["elementwise_ms"] = 1e3 * stats.elementwise_seconds / iterations;
}

BENCHMARK(BM_SgdLeastSquaresEpoch)->Name("perf/sgd_least_squares_epoch")->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SgdKernelEpoch)->Name("perf/sgd_kernel_epoch")->ArgNames({"n", "m", "threads", "float"})
    ->Args({2000, 1, 1, 0})->Args({2000, 8, 1, 0})->Args({10000, 64, 1, 0})->Args({10000, 64, 1, 1})->Args({10000, 16, 1, 1})->Args({10000, 16, 2, 1})
    ->Args({10000, 2048, 1, 0})->Args({10000, 2048, 2, 0})->Args({10000, 512, 2, 1})->Args({10000, 2048, 2, 1})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_KernelMatrix)->Name("perf/kernel_matrix")->Arg(2000)->Arg(10000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace prism::perf
