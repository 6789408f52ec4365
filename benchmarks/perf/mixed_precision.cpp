// The measurement behind docs/design.md's "Mixed precision, measured and not
// used": bayes-tracking's dense solve on the MNIST n = 10^4 kernels (Laplace
// s = 10, Gauss s = 5) with a float32 factorisation (spotrf) and iterative
// refinement in double against K, for the 70 right-hand sides of one seed (7
// noise levels x 10 classes), against dpotrf and one double solve.
//
// Counters: dpotrf_s, spotrf_s, cond_eps32 (the 1-norm condition estimate of
// spocon on the float factor, times 2^-24), sweeps (refinement sweeps until
// max |Y - K alpha| is within 2x the double solve's), sweep_s (one sweep: K
// alpha in double and a float solve), double_solve_s and residual_ratio (the
// refined residual over the double one). A sweep limit of 50 reports sweeps =
// 50 when refinement stalls. Needs the MNIST files (scripts/fetch-data).
#include <Eigen/Core>

#include <chrono>
#include <cmath>

#include "benchmarks/perf/perf_util.h"
#include "datasets/mnist.h"
#include "src/core/rng.h"
#include "src/linalg/dense_solve.h"
#include "src/linalg/kernels.h"

#ifdef EIGEN_USE_BLAS
#include <lapacke.h>
#endif

namespace prism::perf {
namespace {

constexpr Eigen::Index kN = 10000, kRightHandSides = 70;
constexpr int kMaxSweeps = 50;
constexpr double kFloatEpsilon = 5.9604644775390625e-8;  // 2^-24

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void BM_MixedPrecisionRefinement(benchmark::State& state) {
#ifndef EIGEN_USE_BLAS
  state.SkipWithError("needs LAPACKE (spotrf, spocon, spotrs): not in this build");
#else
  data::Dataset d;
  try {
    d = data::load_mnist(data::Split::Train, kN);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  const linalg::Kernel kernel = state.range(0) == 0 ? linalg::Kernel::Laplace(10.0) : linalg::Kernel::Gaussian(5.0);
  const Eigen::MatrixXd K = linalg::kernel_matrix(kernel, d.X);
  Rng rng(1, "perf/mixed_precision");
  Eigen::MatrixXd Y = Eigen::MatrixXd::Zero(kN, kRightHandSides);  // one-hot blocks of 10 columns
  for (Eigen::Index b = 0; b < kRightHandSides; b += 10)
    for (Eigen::Index i = 0; i < kN; ++i) Y(i, b + static_cast<Eigen::Index>(rng.index(10))) = 1.0;
  const int n = static_cast<int>(kN), c = static_cast<int>(kRightHandSides);

  const linalg::Cholesky chol{Eigen::MatrixXd(K)};
  auto t0 = std::chrono::steady_clock::now();
  const Eigen::MatrixXd alpha64 = chol.solve(Y);
  const double double_solve_s = seconds_since(t0);
  const double double_residual = (Y - K * alpha64).cwiseAbs().maxCoeff();

  double spotrf_s = 0, cond_eps32 = 0, sweep_s = 0, refined_residual = 0;
  int sweeps = 0;
  for (auto _ : state) {
    Eigen::MatrixXf L = K.cast<float>();
    const float one_norm = L.cwiseAbs().colwise().sum().maxCoeff();
    t0 = std::chrono::steady_clock::now();
    if (LAPACKE_spotrf(LAPACK_COL_MAJOR, 'L', n, L.data(), n) != 0) {
      state.SkipWithError("spotrf: K is not positive definite in float32");
      return;
    }
    spotrf_s = seconds_since(t0);
    float rcond = 0;
    LAPACKE_spocon(LAPACK_COL_MAJOR, 'L', n, L.data(), n, one_norm, &rcond);
    cond_eps32 = kFloatEpsilon / rcond;
    const auto solve32 = [&](const Eigen::MatrixXd& B) {
      Eigen::MatrixXf X = B.cast<float>();
      LAPACKE_spotrs(LAPACK_COL_MAJOR, 'L', n, c, L.data(), n, X.data(), n);
      return Eigen::MatrixXd(X.cast<double>());
    };
    Eigen::MatrixXd alpha = solve32(Y), R(kN, kRightHandSides);
    t0 = std::chrono::steady_clock::now();
    for (sweeps = 0; sweeps < kMaxSweeps; ++sweeps) {
      R = Y;
      R.noalias() -= K * alpha;
      refined_residual = R.cwiseAbs().maxCoeff();
      if (refined_residual <= 2 * double_residual) break;
      alpha += solve32(R);
    }
    sweep_s = seconds_since(t0) / std::max(1, sweeps);
  }
  state.counters["dpotrf_s"] = chol.factorization_seconds();
  state.counters["spotrf_s"] = spotrf_s;
  state.counters["cond_eps32"] = cond_eps32;
  state.counters["sweeps"] = sweeps;
  state.counters["sweep_s"] = sweep_s;
  state.counters["double_solve_s"] = double_solve_s;
  state.counters["residual_ratio"] = refined_residual / double_residual;
#endif
}

BENCHMARK(BM_MixedPrecisionRefinement)->Name("perf/mixed_precision_refinement")->ArgName("gauss")->Arg(0)->Arg(1)
    ->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace prism::perf
