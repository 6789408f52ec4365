// The closed-form kernel GD path against explicit iterations, and its limits.
#include "src/models/kernel_gd_path.h"

#include <Eigen/Cholesky>
#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "src/linalg/kernels.h"
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

}  // namespace
}  // namespace prism::models
