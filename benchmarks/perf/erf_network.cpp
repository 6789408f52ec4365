// The hot loops of pl-star at its largest GD width (m = 16384, n = 64, d = 16):
// one full-batch GD step (forward pass, residual, gradient, update), the
// tangent kernel with its spectrum (every 10 steps), and the Hessian bound
// beta (every 100 steps).
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/models/erf_network.h"

namespace prism::perf {
namespace {

constexpr Eigen::Index kN = 64, kD = 16;

struct ErfSetup {
  Eigen::MatrixXd X, W;
  Eigen::VectorXd v, y;
};

ErfSetup erf_setup(Eigen::Index m) {
  Rng rng(1, "perf");
  ErfSetup s;
  s.X = models::uniform_sphere_rows(kN, kD, rng);
  s.W = rng.normal_matrix(m, kD);
  s.v = Eigen::VectorXd::Ones(m);
  for (Eigen::Index j = 0; j < m; j += 2) s.v(j) = -1;
  s.y = rng.normal_vector(kN);
  return s;
}

void BM_ErfGdStep(benchmark::State& state) {
  const Eigen::Index m = state.range(0);
  ErfSetup s = erf_setup(m);
  for (auto _ : state) {
    const models::ErfForward f = models::erf_forward(s.X, s.W, s.v);
    s.W -= 1e-3 * models::erf_loss_gradient(s.X, f.S, s.v, f.F - s.y);
    benchmark::DoNotOptimize(s.W.data());
  }
  // Two GEMMs of 2 n d m flops (X W^T and S^T (r o X)); the n m erf and exp are counted as time.
  state.counters["GFLOPS"] = gflops(4.0 * kN * kD * m, state);
}

void BM_ErfTangentKernelSpectrum(benchmark::State& state) {
  const Eigen::Index m = state.range(0);
  const ErfSetup s = erf_setup(m);
  const models::ErfForward f = models::erf_forward(s.X, s.W, s.v);
  for (auto _ : state) {
    const Eigen::VectorXd ev = models::symmetric_eigenvalues(models::erf_tangent_kernel(s.X, f.S));
    benchmark::DoNotOptimize(ev.data());
  }
  // SYRK of S (n x m): n^2 m flops; the 64 x 64 eigensolver is counted as time.
  state.counters["GFLOPS"] = gflops(1.0 * kN * kN * m, state);
}

void BM_ErfHessianBound(benchmark::State& state) {
  const Eigen::Index m = state.range(0);
  const ErfSetup s = erf_setup(m);
  const models::ErfForward f = models::erf_forward(s.X, s.W, s.v);
  for (auto _ : state) benchmark::DoNotOptimize(models::erf_hessian_bound(s.X, f, s.v, s.y).beta);
  // The block GEMM (m x n x d^2): 2 n d^2 m flops; m eigensolvers of d x d are counted as time.
  state.counters["GFLOPS"] = gflops(2.0 * kN * kD * kD * m, state);
}

BENCHMARK(BM_ErfGdStep)->Name("perf/erf_gd_step")->Arg(4096)->Arg(16384)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ErfTangentKernelSpectrum)->Name("perf/erf_tangent_kernel_spectrum")->Arg(16384)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ErfHessianBound)->Name("perf/erf_hessian_bound")->Arg(16384)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace prism::perf
