// One Delaunay-simplex query (the lifting-map LP in Clp, seeded with the
// 10(d+1) nearest neighbours and priced over all n points) at the sizes of
// simplicial-excess-risk's full preset: n = 10^4 points uniform in [0,1]^d,
// queries uniform in the inner cube [0.25, 0.75]^d.
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/core/rng.h"
#include "src/models/simplicial.h"

namespace prism::perf {
namespace {

void BM_SimplicialQuery(benchmark::State& state) {
  const Eigen::Index d = state.range(0), n = state.range(1);
  Rng rng(1, "simplicial-perf");
  Eigen::MatrixXd X(n, d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < d; ++j) X(i, j) = rng.uniform();
  models::SimplicialInterpolator interpolator(X);
  Eigen::VectorXd x(d);
  std::int64_t inside = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (Eigen::Index j = 0; j < d; ++j) x(j) = rng.uniform(0.25, 0.75);
    state.ResumeTiming();
    inside += interpolator.locate(x).inside();
  }
  state.counters["inside_fraction"] = static_cast<double>(inside) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_SimplicialQuery)->Name("perf/simplicial_query")->Args({8, 10000})->Args({16, 10000})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace prism::perf
