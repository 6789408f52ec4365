// The hot loop of one-nn: 1-NN risk of one training set, exact over the
// labels (k-d tree query of each test point, then the pair error), at the
// full preset's sizes in d = 2: n = 10^5 and 10^6 uniform training points,
// 160,000 jittered-grid test points. The tree build is timed on its own.
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/core/rng.h"
#include "src/models/cover_hart.h"
#include "src/models/kd_tree.h"

namespace prism::perf {
namespace {

Eigen::MatrixXd uniform_square(Eigen::Index n, Rng& rng) {
  Eigen::MatrixXd X(n, 2);
  for (Eigen::Index i = 0; i < n; ++i) X(i, 0) = rng.uniform(), X(i, 1) = rng.uniform();
  return X;
}

void BM_OneNnRisk(benchmark::State& state) {
  const Eigen::Index n = state.range(0), m = 160000;
  Rng rng(1, "one-nn-perf");
  const Eigen::MatrixXd train = uniform_square(n, rng);
  const models::KdTree tree(train);
  const Eigen::VectorXd eta_train = train.col(0);
  const Eigen::MatrixXd test = models::jittered_grid(m, 2, rng);
  for (auto _ : state) benchmark::DoNotOptimize(models::nn_pair_risk(tree, eta_train, test, models::Eta::linear()));
  state.counters["queries_per_second"] =
      benchmark::Counter(static_cast<double>(m) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_KdTreeBuild(benchmark::State& state) {
  Rng rng(2, "one-nn-perf");
  const Eigen::MatrixXd train = uniform_square(state.range(0), rng);
  for (auto _ : state) {
    const models::KdTree tree(train);
    benchmark::DoNotOptimize(tree.size());
  }
}

BENCHMARK(BM_OneNnRisk)->Name("perf/one_nn_risk")->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KdTreeBuild)->Name("perf/kd_tree_build")->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace prism::perf
