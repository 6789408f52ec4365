// One momentum-SGD epoch of random-labels' MLP 784-512-10 (batch 64) on
// n MNIST-shaped inputs: the claim's hot loop, in the claim's single precision
// (perf/mlp_epoch) and in double (perf/mlp_epoch_f64, the same work in DGEMM).
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/models/mlp.h"

namespace prism::perf {
namespace {

template <typename Scalar>
void BM_MlpEpoch(benchmark::State& state) {
  const Eigen::Index n = state.range(0), d = 784, h = 512, c = 10;
  Rng rng(1, "perf");
  const Eigen::MatrixXd X = (rng.normal_matrix(n, d).array() * 0.1 + 0.5).matrix();
  Eigen::VectorXi y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = static_cast<int>(rng.index(c));
  const models::BasicMlp<Scalar> net(d, h, c);
  typename models::BasicMlp<Scalar>::Vector theta = net.he_normal(rng), velocity;
  models::BasicMomentumSgd<Scalar> sgd(net, X, y);
  for (auto _ : state) {
    sgd.epoch(theta, velocity, rng);
    benchmark::DoNotOptimize(theta.data());
  }
  // Per example: forward X W1 and H W2 (2 d h + 2 h c), backward W1 and W2 gradients and D = P W2^T (2 d h + 4 h c).
  state.counters["GFLOPS"] = gflops(static_cast<double>(n) * (4.0 * d * h + 6.0 * h * c), state);
}

BENCHMARK(BM_MlpEpoch<float>)->Name("perf/mlp_epoch")->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MlpEpoch<double>)->Name("perf/mlp_epoch_f64")->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace prism::perf
