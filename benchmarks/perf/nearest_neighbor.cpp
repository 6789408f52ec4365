// The 1-NN control of bayes-tracking's MNIST arm: the nearest training row of
// each test row by blocked BLAS distances (n = 10^4 training rows, d = 784),
// here for 2000 queries of pixel-like data in [0, 1]. GFLOP/s counts the
// distance GEMM (2 n m d); the rest (norms, minimum, exact re-measure of
// near-ties) is time without flops, so the rate shows what it costs.
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/core/rng.h"
#include "src/models/nearest_neighbor.h"

namespace prism::perf {
namespace {

Eigen::MatrixXd pixels(Eigen::Index rows, Rng& rng) {
  Eigen::MatrixXd X(rows, 784);
  for (Eigen::Index j = 0; j < X.cols(); ++j)
    for (Eigen::Index i = 0; i < rows; ++i) X(i, j) = rng.uniform();
  return X;
}

void BM_NearestNeighbor(benchmark::State& state) {
  const Eigen::Index n = state.range(0), m = state.range(1);
  Rng rng(1, "nearest-neighbor-perf");
  const Eigen::MatrixXd train = pixels(n, rng), query = pixels(m, rng);
  for (auto _ : state) benchmark::DoNotOptimize(models::nearest_neighbor(train, query).sum());
  state.counters["GFLOPS"] = gflops(2.0 * static_cast<double>(n) * static_cast<double>(m) * 784.0, state);
}

BENCHMARK(BM_NearestNeighbor)->Name("perf/nearest_neighbor")->ArgNames({"n", "m"})->Args({10000, 2000})
    ->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace prism::perf
