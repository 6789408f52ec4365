// The hot loops of raisin-bread and winn-consistency: the exact negative set
// of the 1-D wiNN rule (root finding on every piece between data points and
// window midpoints; items = pieces scanned) and wiNN predictions through the
// k-d tree (items = test points).
#include <algorithm>
#include <cmath>
#include <vector>

#include <benchmark/benchmark.h>

#include "src/core/rng.h"
#include "src/models/interpolant_sign_set.h"
#include "src/models/kd_tree.h"
#include "src/models/neighbor_rules.h"

namespace prism::perf {
namespace {

void BM_NegativeSet1d(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Rng rng(1, "perf/raisin-bread");
  std::vector<double> x(n);
  std::vector<int> y(n);
  for (auto& v : x) v = rng.uniform();
  std::sort(x.begin(), x.end());
  for (auto& v : y) v = rng.uniform() < 0.2 ? -1 : 1;
  models::SignSetOptions o;
  o.k = static_cast<int>(std::lround(std::sqrt(n)));
  for (auto _ : state) benchmark::DoNotOptimize(models::negative_set_1d(x, y, o).size());
  state.SetItemsProcessed(state.iterations() * 2 * n);  // data points and midpoints
}
BENCHMARK(BM_NegativeSet1d)->Name("perf/negative_set_1d")->Arg(1024)->Arg(4096)->Unit(benchmark::kMillisecond);

void BM_WinnPredictions(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0)), d = 2, k = static_cast<int>(std::lround(std::sqrt(n)));
  Rng rng(2, "perf/winn");
  Eigen::MatrixXd X(n, d), queries(2000, d);
  for (int i = 0; i < n; ++i) X(i, 0) = rng.uniform(), X(i, 1) = rng.uniform();
  for (int i = 0; i < queries.rows(); ++i) queries(i, 0) = rng.uniform(0.25, 0.75), queries(i, 1) = rng.uniform(0.25, 0.75);
  const models::KdTree tree(X);
  std::vector<int> index(k);
  std::vector<double> d2(k), w(k);
  for (auto _ : state) {
    double s2 = 0;
    for (Eigen::Index q = 0; q < queries.rows(); ++q) {
      const Eigen::RowVector2d point = queries.row(q);
      tree.nearest(point.data(), k, index.data(), d2.data());
      models::winn_weights(d2.data(), k, 0.5, w.data());
      for (double v : w) s2 += v * v;
    }
    benchmark::DoNotOptimize(s2);
  }
  state.SetItemsProcessed(state.iterations() * queries.rows());
}
BENCHMARK(BM_WinnPredictions)->Name("perf/winn_predictions")->Arg(4096)->Arg(65536)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace prism::perf
