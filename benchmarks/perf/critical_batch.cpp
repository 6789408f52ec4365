// The hot loops of critical-batch: kernel SGD steps at large batch m.
//  - perf/sgd_kernel_steps: MNIST-like dense K (n = 2000, c = 10 one-hot
//    outputs) at the grid's large batches, 1 and 2 row-split threads.
//  - perf/sgd_spiked_steps vs perf/sgd_dense_spiked_steps: the synthetic data
//    of the claim, K = a 1 1^T + b I, through the structured O(n + m) step
//    and through sgd_kernel on the dense K (O(n m) per step, K streamed).
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/linalg/kernels.h"
#include "src/models/spiked_spectrum.h"
#include "src/optim/sgd.h"
#include "src/optim/sgd_spiked.h"

namespace prism::perf {
namespace {

constexpr int kSteps = 20;

void BM_SgdKernelSteps(benchmark::State& state) {
  const Eigen::Index n = 2000, m = state.range(0), c = 10;
  Rng rng(1, "perf");
  Eigen::MatrixXd X = (rng.normal_matrix(n, 784).array() * 0.1 + 0.5).matrix();
  Eigen::MatrixXd K = linalg::kernel_matrix(linalg::Kernel::Gaussian(5.0), X);
  Eigen::MatrixXd Y = rng.normal_matrix(n, c);
  optim::SgdOptions o;
  o.batch = m;
  o.step = 0.5;
  o.max_iterations = kSteps;
  o.threads = static_cast<int>(state.range(1));
  for (auto _ : state) {
    Eigen::MatrixXd alpha;
    benchmark::DoNotOptimize(optim::sgd_kernel(K, Y, alpha, o, rng).final_loss);
  }
  state.counters["GFLOPS"] = gflops(2.0 * n * m * c * kSteps, state);
  state.counters["us_per_step"] = benchmark::Counter(kSteps * 1e-6 * static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_SpikedSteps(benchmark::State& state) {
  const Eigen::Index n = state.range(0), m = state.range(1);
  const auto s = models::spiked_spectrum(n, 1.0, 16);
  Rng rng(1, "perf");
  Eigen::MatrixXd Y = rng.normal_matrix(n, 1);
  optim::SgdOptions o;
  o.batch = m;
  o.step = optim::critical_step(m, 1.0, s.lambda_1());
  o.max_iterations = kSteps;
  for (auto _ : state) {
    Eigen::MatrixXd alpha;
    benchmark::DoNotOptimize(optim::sgd_spiked_gram(s, Y, alpha, o, rng).final_loss);
  }
  state.counters["us_per_step"] = benchmark::Counter(kSteps * 1e-6 * static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_DenseSpikedSteps(benchmark::State& state) {
  const Eigen::Index n = state.range(0), m = state.range(1);
  const auto s = models::spiked_spectrum(n, 1.0, 16);
  const Eigen::MatrixXd K = s.gram();
  Rng rng(1, "perf");
  Eigen::MatrixXd Y = rng.normal_matrix(n, 1);
  optim::SgdOptions o;
  o.batch = m;
  o.step = optim::critical_step(m, 1.0, s.lambda_1());
  o.max_iterations = kSteps;
  for (auto _ : state) {
    Eigen::MatrixXd alpha;
    benchmark::DoNotOptimize(optim::sgd_kernel(K, Y, alpha, o, rng).final_loss);
  }
  state.counters["GFLOPS"] = gflops(2.0 * n * m * kSteps, state);
  state.counters["us_per_step"] = benchmark::Counter(kSteps * 1e-6 * static_cast<double>(state.iterations()),
                                                     benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

BENCHMARK(BM_SgdKernelSteps)->Name("perf/sgd_kernel_steps")->Args({256, 1})->Args({1024, 1})->Args({1024, 2})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SpikedSteps)->Name("perf/sgd_spiked_steps")->Args({8192, 1})->Args({8192, 2048})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_DenseSpikedSteps)->Name("perf/sgd_dense_spiked_steps")->Args({4096, 1})->Args({4096, 2048})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace prism::perf
