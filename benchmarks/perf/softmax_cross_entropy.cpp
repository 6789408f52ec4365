// One loss-and-gradient evaluation of the softmax cross-entropy on square-loss's
// linear control (n = 10^4 rows, r = 785 row-space coordinates, k = 10 classes):
// the L-BFGS inner loop that takes most of that claim's quick preset.
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/core/rng.h"
#include "src/optim/softmax_regression.h"

namespace prism::perf {
namespace {

void BM_SoftmaxCrossEntropy(benchmark::State& state) {
  const Eigen::Index n = state.range(0), r = state.range(1), k = 10;
  Rng rng(1, "perf/softmax");
  const Eigen::MatrixXd F = rng.normal_matrix(n, r);
  const Eigen::MatrixXd C = 0.01 * rng.normal_matrix(r, k);
  Eigen::VectorXi y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = static_cast<int>(rng.index(k));
  const optim::SoftmaxLoss loss(F, y, static_cast<int>(k));  // as the fit holds it: built once
  Eigen::MatrixXd grad;
  for (auto _ : state) {
    benchmark::DoNotOptimize(loss(C, 1e-4, &grad));
    benchmark::DoNotOptimize(grad.data());
  }
  // Scores F C and the gradient F^T (P - Y): 2 n r k flops each.
  state.counters["GFLOPS"] = gflops(4.0 * n * r * k, state);
  state.counters["split"] = loss.split_over_threads() ? 1 : 0;
}

BENCHMARK(BM_SoftmaxCrossEntropy)->Name("perf/softmax_cross_entropy")->Args({10000, 785})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace prism::perf
