// The closed-form kernel GD path against explicit iterations, and its limits.
#include "src/models/kernel_gd_path.h"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "src/linalg/kernels.h"
#include "src/models/classification.h"
#include "tests/support/test_support.h"

namespace prism::models {
namespace {

constexpr double kPathTolerance = 1e-12;  // relative, the unit test the spec asks for

struct Problem {
  Eigen::MatrixXd K, Y;
};

Problem gaussian_problem() {
  Rng rng(1, "kernel-gd-path");
  const Eigen::MatrixXd X = rng.normal_matrix(60, 5);
  return {linalg::kernel_matrix(linalg::Kernel::Gaussian(2.0), X), rng.normal_matrix(60, 3)};
}

TEST(KernelGdPath, ClosedFormMatchesExplicitIterations) {
  const Problem p = gaussian_problem();
  const KernelGdPath path(p.K);
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(p.Y.rows(), p.Y.cols());
  for (int t = 1; t <= 200; ++t) {
    a -= (p.K * a - p.Y) / path.lambda_max();  // (eta / n)(K a - Y), eta = n / lambda_max
    if (t == 1 || t == 7 || t == 200) {
      const Eigen::MatrixXd closed = path.coefficients(p.Y, t);
      EXPECT_LE((closed - a).norm(), kPathTolerance * a.norm()) << "t = " << t;
    }
  }
}

TEST(KernelGdPath, SeveralTimesAtOnceMatchExplicitIterations) {
  const Problem p = gaussian_problem();
  const KernelGdPath path(p.K);
  const std::vector<double> ts = {1, 7, 200};
  const Eigen::MatrixXd at = path.coefficients_at(path.eigenvectors().transpose() * p.Y, ts);
  ASSERT_EQ(at.cols(), 3 * p.Y.cols());
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(p.Y.rows(), p.Y.cols());
  size_t next = 0;
  for (int t = 1; t <= 200; ++t) {
    a -= (p.K * a - p.Y) / path.lambda_max();
    if (t != ts[next]) continue;
    const Eigen::MatrixXd block = at.middleCols(static_cast<Eigen::Index>(next) * p.Y.cols(), p.Y.cols());
    EXPECT_LE((block - a).norm(), kPathTolerance * a.norm()) << "t = " << t;
    ++next;
  }
}

TEST(KernelGdPath, StartsAtZeroAndTendsToTheInterpolant) {
  const Problem p = gaussian_problem();
  const KernelGdPath path(p.K);
  EXPECT_EQ(path.coefficients(p.Y, 0).norm(), 0.0);
  const Eigen::MatrixXd interpolant = p.K.ldlt().solve(p.Y);
  const Eigen::MatrixXd far = path.coefficients(p.Y, 1e30);
  EXPECT_LE((p.K * far - p.Y).norm(), 1e-8 * p.Y.norm()) << "t -> inf: the filter is 1 / lambda";
  EXPECT_LE((far - interpolant).norm(), 1e-6 * interpolant.norm());
  // Predictions through G U agree with K a_t.
  const Eigen::MatrixXd GU = p.K * path.eigenvectors();
  const Eigen::MatrixXd UtY = path.eigenvectors().transpose() * p.Y;
  EXPECT_LE((path.predict(GU, UtY, 13.5) - p.K * path.coefficients(p.Y, 13.5)).norm(), 1e-12 * p.Y.norm());
  PRISM_EXPECT_THROW_WITH(path.filter(-1), std::invalid_argument, "t must be >= 0");
}

// EigenPro with the exact top-k eigenvectors, iterated explicitly with P and
// its step built from an independent eigensolver (Eigen's QR iteration).
Eigen::MatrixXd explicit_eigenpro(const Eigen::MatrixXd& K, const Eigen::MatrixXd& Y, int k, int steps) {
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(K);
  const Eigen::Index n = K.rows();
  const double top = eig.eigenvalues()(n - 1 - k);  // lambda_(k+1)
  Eigen::MatrixXd P = Eigen::MatrixXd::Identity(n, n);
  for (Eigen::Index i = n - k; i < n; ++i)
    P -= (1 - top / eig.eigenvalues()(i)) * eig.eigenvectors().col(i) * eig.eigenvectors().col(i).transpose();
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(Y.rows(), Y.cols());
  for (int t = 0; t < steps; ++t) a -= P * (K * a - Y) / top;  // (eta / n) P (K a - Y), eta = n / lambda_(k+1)
  return a;
}

TEST(KernelGdPath, EigenProClosedFormMatchesExplicitIterations) {
  const Problem p = gaussian_problem();
  const KernelGdPath path(p.K);
  for (int k : {0, 40}) {
    const Eigen::MatrixXd a = explicit_eigenpro(p.K, p.Y, k, 200);
    const Eigen::MatrixXd closed = path.coefficients(p.Y, 200, k);
    EXPECT_LE((closed - a).norm(), kPathTolerance * a.norm()) << "k = " << k << ", 200 steps";
  }
  // k = 0 is the plain GD path (early-stopping's), bit for bit.
  EXPECT_EQ((path.filter(37.5, 0) - path.filter(37.5)).norm(), 0.0);
  EXPECT_EQ(path.step_eigenvalue(0), path.lambda_max());
}

TEST(KernelGdPath, LimitIsTheMinimumNormInterpolant) {
  const Problem p = gaussian_problem();
  const KernelGdPath full(p.K);
  const Eigen::MatrixXd limit = full.eigenvectors() * (full.limit_filter().asDiagonal() * (full.eigenvectors().transpose() * p.Y));
  EXPECT_LE((limit - p.K.ldlt().solve(p.Y)).norm(), 1e-6 * limit.norm()) << "full rank: K^-1 Y";
  // Rank 8 of 60: K^+ Y, which fits the projection of Y on the range and lies in it.
  Rng rng(3, "kernel-gd-path-rank");
  const Eigen::MatrixXd F = rng.normal_matrix(60, 8), G = F * F.transpose();
  const KernelGdPath low(G);
  const Eigen::MatrixXd a = low.eigenvectors() * (low.limit_filter().asDiagonal() * (low.eigenvectors().transpose() * p.Y));
  const Eigen::MatrixXd pinv = G.completeOrthogonalDecomposition().pseudoInverse() * p.Y;
  EXPECT_LE((a - pinv).norm(), 1e-8 * pinv.norm());
}

// Steps past full convergence repeat one filter: every phi is 1/lambda exactly
// once (1 - x)^t < 2^-54 for the smallest x = lambda_min / lambda_max.
TEST(KernelGdPath, RepeatsTheFilterOnceEveryDirectionHasConverged) {
  Rng rng(4, "kernel-gd-path-repeats");
  const KernelGdPath path(linalg::kernel_matrix(linalg::Kernel::Laplace(3.0), rng.normal_matrix(40, 5)));
  const double x_min = path.eigenvalues()(0) / path.lambda_max();
  // t x_min = 30: (1 - x)^t ~ e^-30 still shows in 1 - (1 - x)^t; 50: e^-50 is below its rounding.
  std::vector<double> ts;
  for (double c : {1.0, 5.0, 20.0, 30.0, 50.0, 100.0, 1000.0}) ts.push_back(c / x_min);
  const std::vector<size_t> expected = {0, 1, 2, 3, 4, 4, 4};
  EXPECT_EQ(path.repeats(ts), expected);
  const Eigen::VectorXd inverse = path.eigenvalues().cwiseInverse();
  EXPECT_EQ(path.filter(ts[4]), inverse) << "converged: phi = 1 / lambda bit for bit";
  EXPECT_EQ(path.filter(ts[6]), path.filter(ts[4]));
  EXPECT_NE(path.filter(ts[3]), inverse);
  // A singular Gram matrix never converges along its null directions.
  const Eigen::MatrixXd F = rng.normal_matrix(40, 8);
  const KernelGdPath low(F * F.transpose());
  const std::vector<double> long_grid = {1, 1e3, 1e6, 1e9, 1e12};
  EXPECT_EQ(low.repeats(long_grid), (std::vector<size_t>{0, 1, 2, 3, 4}));
  PRISM_EXPECT_THROW_WITH(path.repeats({2, 1}), std::invalid_argument, "ascending");
}

TEST(KernelGdPath, NewtonFitsAnyLabelsInOneStep) {
  Rng rng(2, "kernel-gd-path-newton");
  const Eigen::Index n = 50;
  const Eigen::MatrixXd K = linalg::kernel_matrix(linalg::Kernel::Laplace(3.0), rng.normal_matrix(n, 5));
  Eigen::VectorXi labels(n);
  for (Eigen::Index i = 0; i < n; ++i) labels(i) = static_cast<int>(rng.index(10));
  const Eigen::MatrixXd Y = one_hot(labels, 10);
  const KernelGdPath path(K);
  const int newton = static_cast<int>(n) - 1;  // k = n - 1: every direction preconditioned
  const Eigen::MatrixXd closed = path.coefficients(Y, 1, newton), once = explicit_eigenpro(K, Y, newton, 1);
  constexpr double kNewtonResidual = 1e-10;  // K is well conditioned (Laplace): rounding only
  EXPECT_LE((K * closed - Y).cwiseAbs().maxCoeff(), kNewtonResidual) << "closed form, one step";
  EXPECT_LE((K * once - Y).cwiseAbs().maxCoeff(), kNewtonResidual) << "explicit, one step";
  EXPECT_EQ(argmax_classes(K * closed, 10), labels) << "fits the labels in one step: T99 = 1 for any labels";
  PRISM_EXPECT_THROW_WITH(path.filter(1, static_cast<int>(n)), std::invalid_argument, "k must be in 0..n-1");
}

}  // namespace
}  // namespace prism::models
