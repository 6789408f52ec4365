// Softmax cross-entropy regression: the gradient against central differences,
// the shifted evaluation at huge scores, and the L-BFGS optimum against an
// independent Newton iteration with the explicit Hessian.
#include "src/optim/softmax_regression.h"

#include <cmath>

#include <omp.h>

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "src/linalg/blas_backend.h"
#include "tests/support/test_support.h"
#include "tests/support/tolerances.h"

namespace prism::optim {
namespace {

using namespace prism::testing::tolerances;

// Central differences with h = 1e-5 on a loss of order one: truncation h^2 ~ 1e-10.
constexpr double kFiniteDifferenceTolerance = 1e-7;
// L-BFGS's stop, ||grad|| <= 1e-7 ||C||: the line search must see the loss
// (~1) fall by about ||grad||^2 / lam_max(H), 1e-16 here, at the loss's own
// rounding. A tighter stop (1e-9, until 2026-12) was met only when a lucky
// step jumped past rounding: on AMD Zen's OpenBLAS kernels the line search
// stalls first, at ~1e-8 relative error.
constexpr double kFitRelativeTolerance = 1e-7;
// L is lam-strongly convex (lam = 0.05 in these tests), so ||C - C*|| <=
// ||grad L(C)|| / lam: 2e-6 ||C|| at that stop. Newton's optimum C* is exact
// to rounding.
constexpr double kLam = 0.05;
constexpr double kOptimumTolerance = kFitRelativeTolerance / kLam;

struct Problem {
  Eigen::MatrixXd F;
  Eigen::VectorXi y;
};

Problem small_problem() {
  Rng rng(5, "softmax");
  Problem p{rng.normal_matrix(40, 3), Eigen::VectorXi(40)};
  for (Eigen::Index i = 0; i < 40; ++i) p.y(i) = static_cast<int>(rng.index(3));
  return p;
}

TEST(SoftmaxCrossEntropy, GradientMatchesCentralDifferences) {
  const Problem p = small_problem();
  const Eigen::MatrixXd C = Rng(1, "C").normal_matrix(3, 3);
  Eigen::MatrixXd grad;
  softmax_cross_entropy(p.F, p.y, C, 0.3, &grad);
  const double h = 1e-5;
  for (Eigen::Index i = 0; i < 3; ++i)
    for (Eigen::Index j = 0; j < 3; ++j) {
      Eigen::MatrixXd up = C, down = C;
      up(i, j) += h;
      down(i, j) -= h;
      const double fd = (softmax_cross_entropy(p.F, p.y, up, 0.3) - softmax_cross_entropy(p.F, p.y, down, 0.3)) / (2 * h);
      EXPECT_NEAR(grad(i, j), fd, kFiniteDifferenceTolerance) << "entry " << i << "," << j;
    }
}

TEST(SoftmaxCrossEntropy, StaysExactAtHugeScores) {
  // One point, scores 1000 and 990 for classes 0 and 1: -log softmax_1 = 10 + log(1 + e^-10).
  Eigen::MatrixXd F(1, 1);
  F << 1.0;
  Eigen::MatrixXd C(1, 2);
  C << 1000.0, 990.0;
  Eigen::VectorXi y(1);
  y << 1;
  EXPECT_NEAR(softmax_cross_entropy(F, y, C, 0.0), 10.0 + std::log1p(std::exp(-10.0)), kFullPrecisionTolerance * 10);
}

// The split loss sums n = 3000 rows in another order than the direct formula:
// relative differences of order n eps = 7e-13.
constexpr double kSummationOrderTolerance = 1e-12;

// The rows split over threads (square-loss's linear control shape, scaled
// down: n = 3000 rows in 16 chunks) against the formula evaluated directly,
// and the same bits for one thread and two.
TEST(SoftmaxLoss, SplitRowsMatchTheFormulaWhateverTheThreadCount) {
  Rng rng(6, "softmax-split");
  const Eigen::Index n = 3000, r = 60, k = 10;
  const Eigen::MatrixXd F = rng.normal_matrix(n, r), C = 0.3 * rng.normal_matrix(r, k);
  Eigen::VectorXi y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = static_cast<int>(rng.index(k));
  const SoftmaxLoss loss(F, y, static_cast<int>(k));
  EXPECT_EQ(loss.split_over_threads(), linalg::blas_runs_small_calls_serially());
  // Direct: all scores at once, P - Y, one product for the gradient.
  const double lam = 0.01;
  Eigen::MatrixXd P = F * C;
  double expected = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double shift = P.row(i).maxCoeff();
    const double z = (P.row(i).array() - shift).exp().sum();
    expected += std::log(z) + shift - P(i, y(i));
    P.row(i) = (P.row(i).array() - shift).exp() / z;
    P(i, y(i)) -= 1.0;
  }
  expected = expected / n + 0.5 * lam * C.squaredNorm();
  const Eigen::MatrixXd expected_grad = F.transpose() * P / static_cast<double>(n) + lam * C;
  Eigen::MatrixXd grad_two, grad_one;
  omp_set_num_threads(2);
  const double two = loss(C, lam, &grad_two);
  omp_set_num_threads(1);
  const double one = loss(C, lam, &grad_one);
  EXPECT_NEAR(two, expected, kSummationOrderTolerance * expected) << "loss";
  EXPECT_LE((grad_two - expected_grad).norm(), kSummationOrderTolerance * expected_grad.norm())
      << "gradient: expected " << expected_grad.norm() << ", off by " << (grad_two - expected_grad).norm();
  EXPECT_EQ(one, two) << "the loss must not depend on the thread count";
  EXPECT_EQ(grad_one, grad_two) << "the gradient must not depend on the thread count";
  EXPECT_THROW(loss(Eigen::MatrixXd::Zero(r, k + 1), lam), std::invalid_argument);
  EXPECT_THROW(SoftmaxLoss(F, Eigen::VectorXi::Zero(n - 1), 10), std::invalid_argument);
}

// Newton's method with the explicit Hessian (1/n) sum_i (diag p_i - p_i p_i^T) (x) f_i f_i^T + lam I.
Eigen::MatrixXd newton_optimum(const Problem& p, int k, double lam) {
  const Eigen::Index r = p.F.cols(), n = p.F.rows();
  Eigen::MatrixXd C = Eigen::MatrixXd::Zero(r, k);
  for (int it = 0; it < 50; ++it) {
    Eigen::MatrixXd grad;
    softmax_cross_entropy(p.F, p.y, C, lam, &grad);
    Eigen::MatrixXd H = lam * Eigen::MatrixXd::Identity(r * k, r * k);
    const Eigen::MatrixXd S = p.F * C;
    for (Eigen::Index i = 0; i < n; ++i) {
      Eigen::VectorXd prob = (S.row(i).array() - S.row(i).maxCoeff()).exp();
      prob /= prob.sum();
      const Eigen::MatrixXd A = Eigen::MatrixXd(prob.asDiagonal()) - prob * prob.transpose();
      const Eigen::MatrixXd ff = p.F.row(i).transpose() * p.F.row(i);
      for (int a = 0; a < k; ++a)
        for (int b = 0; b < k; ++b) H.block(a * r, b * r, r, r) += A(a, b) * ff / static_cast<double>(n);
    }
    const Eigen::VectorXd step = H.ldlt().solve(Eigen::Map<const Eigen::VectorXd>(grad.data(), grad.size()));
    C -= Eigen::Map<const Eigen::MatrixXd>(step.data(), r, k);
    if (step.norm() < 1e-15) break;
  }
  return C;
}

TEST(FitSoftmaxRegression, ReachesTheNewtonOptimum) {
  const Problem p = small_problem();
  const double lam = kLam;
  SoftmaxFitOptions options;
  options.relative_tolerance = kFitRelativeTolerance;
  const SoftmaxFit fit = fit_softmax_regression(p.F, p.y, 3, lam, Eigen::MatrixXd::Zero(3, 3), options);
  const Eigen::MatrixXd expected = newton_optimum(p, 3, lam);
  EXPECT_TRUE(fit.converged) << fit.stop << ", gradient norm " << fit.gradient_norm;
  EXPECT_LE((fit.C - expected).norm(), kOptimumTolerance * expected.norm())
      << "L-BFGS\n" << fit.C << "\nNewton\n" << expected;
}

TEST(FitSoftmaxRegression, APreconditionerChangesThePathNotTheOptimum) {
  const Problem p = small_problem();
  const double lam = kLam;
  SoftmaxFitOptions options;
  options.relative_tolerance = kFitRelativeTolerance;
  options.preconditioner.resize(3);  // filled in place: copying a Vector3d in trips GCC 12's -Warray-bounds
  options.preconditioner << 0.5, 1.0, 2.0;
  const SoftmaxFit fit = fit_softmax_regression(p.F, p.y, 3, lam, Eigen::MatrixXd::Ones(3, 3), options);
  const Eigen::MatrixXd expected = newton_optimum(p, 3, lam);
  EXPECT_TRUE(fit.converged) << fit.stop;
  EXPECT_LE((fit.C - expected).norm(), kOptimumTolerance * expected.norm())
      << "preconditioned L-BFGS\n" << fit.C << "\nNewton\n" << expected;
  options.preconditioner << 1.0, -1.0, 1.0;
  PRISM_EXPECT_THROW_WITH(fit_softmax_regression(p.F, p.y, 3, lam, Eigen::MatrixXd::Zero(3, 3), options),
                          std::invalid_argument, "positive");
}

// The class-averaged Gauss-Newton block against its definition, term by term.
TEST(SoftmaxModelHessian, MatchesItsDefinition) {
  const Problem p = small_problem();
  Rng rng(6, "softmax-model-hessian");
  const Eigen::MatrixXd C = rng.normal_matrix(3, 3);
  const double lam = 0.01;
  Eigen::MatrixXd expected = lam * Eigen::MatrixXd::Identity(3, 3);
  const Eigen::MatrixXd S = p.F * C;
  for (Eigen::Index i = 0; i < p.F.rows(); ++i) {
    Eigen::VectorXd prob = (S.row(i).array() - S.row(i).maxCoeff()).exp();
    prob /= prob.sum();
    const double w = (prob.array() * (1 - prob.array())).sum() / 3.0;
    expected += w * p.F.row(i).transpose() * p.F.row(i) / static_cast<double>(p.F.rows());
  }
  EXPECT_LE((softmax_model_hessian(p.F, C, lam) - expected).cwiseAbs().maxCoeff(),
            kFullPrecisionTolerance * expected.cwiseAbs().maxCoeff());
}

// Preconditioned by that model (taken at the start), L-BFGS reaches the same
// Newton optimum; on features of very different scales it needs fewer
// evaluations than without, and bad factors are refused.
TEST(FitSoftmaxRegression, AHessianModelChangesThePathNotTheOptimum) {
  Problem p = small_problem();
  p.F.col(0) *= 30.0;  // scales 30 : 1 : 1, so the plain problem is ill-conditioned
  const double lam = kLam;
  SoftmaxFitOptions options;
  options.relative_tolerance = kFitRelativeTolerance;
  const Eigen::MatrixXd C0 = Eigen::MatrixXd::Ones(3, 3);
  const SoftmaxFit plain = fit_softmax_regression(p.F, p.y, 3, lam, C0, options);
  options.hessian_model_factor = softmax_model_hessian(p.F, C0, lam).llt().matrixL();
  const SoftmaxFit modelled = fit_softmax_regression(p.F, p.y, 3, lam, C0, options);
  const Eigen::MatrixXd expected = newton_optimum(p, 3, lam);
  EXPECT_TRUE(modelled.converged) << modelled.stop;
  EXPECT_LE((modelled.C - expected).norm(), kOptimumTolerance * expected.norm())
      << "model-preconditioned L-BFGS\n" << modelled.C << "\nNewton\n" << expected;
  EXPECT_LT(modelled.evaluations, plain.evaluations);
  options.preconditioner = Eigen::VectorXd::Ones(3);
  PRISM_EXPECT_THROW_WITH(fit_softmax_regression(p.F, p.y, 3, lam, C0, options), std::invalid_argument, "not both");
  options.preconditioner.resize(0);
  options.hessian_model_factor = Eigen::MatrixXd::Identity(2, 2);
  PRISM_EXPECT_THROW_WITH(fit_softmax_regression(p.F, p.y, 3, lam, C0, options), std::invalid_argument, "r x r");
}

TEST(FitSoftmaxRegression, ReportsTheIterationCapAsNotConverged) {
  const Problem p = small_problem();
  SoftmaxFitOptions options;
  options.max_iterations = 1;
  const SoftmaxFit fit = fit_softmax_regression(p.F, p.y, 3, 1e-6, Eigen::MatrixXd::Zero(3, 3), options);
  EXPECT_FALSE(fit.converged);
  EXPECT_EQ(fit.stop, "iteration cap");
}

TEST(FitSoftmaxRegression, RejectsBadShapesAndLabels) {
  const Problem p = small_problem();
  PRISM_EXPECT_THROW_WITH(fit_softmax_regression(p.F, p.y, 3, 0.1, Eigen::MatrixXd::Zero(2, 3)), std::invalid_argument,
                          "r x k");
  PRISM_EXPECT_THROW_WITH(fit_softmax_regression(p.F, p.y, 2, 0.1, Eigen::MatrixXd::Zero(3, 2)), std::invalid_argument,
                          "label");
}

}  // namespace
}  // namespace prism::optim
