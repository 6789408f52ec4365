// Random Fourier features: exact identities (unit norm per frequency, nesting)
// and the Monte-Carlo limit phi(x).phi(z) -> exp(-||x-z||^2 / (2 s^2)).
#include "src/models/fourier_features.h"

#include <cmath>

#include <gtest/gtest.h>

#include "src/linalg/kernels.h"
#include "tests/support/test_support.h"
#include "tests/support/tolerances.h"

namespace prism::models {
namespace {

using namespace prism::testing::tolerances;

TEST(FourierFeatures, EachScaledFeatureVectorHasUnitNorm) {
  // cos^2 + sin^2 = 1 per frequency: phi(x).phi(x) = 1 exactly (rounding).
  Rng rng(3, "rff");
  const Eigen::MatrixXd V = fourier_frequencies(50, 4, 1.5, rng), X = rng.normal_matrix(7, 4);
  const Eigen::MatrixXd Phi = fourier_features(X, V) * fourier_scale(100);
  for (Eigen::Index i = 0; i < X.rows(); ++i) EXPECT_NEAR(Phi.row(i).squaredNorm(), 1.0, kArithmeticTolerance);
}

// Each feature is the library's cos or sin of the projection v.x, bit for bit
// (the builder takes both from one sincos call), over arguments from 0 to
// beyond 10^5 where the argument reduction changes method.
TEST(FourierFeatures, EachFeatureIsTheLibrarysCosAndSinOfItsProjection) {
  Rng rng(9, "rff-sincos");
  const Eigen::MatrixXd X = rng.normal_matrix(300, 5);
  Eigen::MatrixXd V = fourier_frequencies(40, 5, 0.5, rng);
  V.row(0).setZero();                  // the argument 0
  V.row(1) *= 1e5;                     // large arguments
  const Eigen::MatrixXd P = X * V.transpose(), Phi = fourier_features(X, V);
  for (Eigen::Index j = 0; j < V.rows(); ++j)
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
      ASSERT_EQ(Phi(i, 2 * j), std::cos(P(i, j))) << "cos at (" << i << ", " << j << "), argument " << P(i, j);
      ASSERT_EQ(Phi(i, 2 * j + 1), std::sin(P(i, j))) << "sin at (" << i << ", " << j << "), argument " << P(i, j);
    }
}

TEST(FourierFeatures, ASmallerDrawIsAPrefixOfALargerOne) {
  Rng a(5, "nest"), b(5, "nest");
  const Eigen::MatrixXd small = fourier_frequencies(10, 3, 2.0, a), large = fourier_frequencies(40, 3, 2.0, b);
  EXPECT_EQ(small, large.topRows(10));
  const Eigen::MatrixXd X = Rng(1, "x").normal_matrix(5, 3);
  EXPECT_EQ(fourier_features(X, small), fourier_features(X, large).leftCols(20));
}

TEST(FourierFeatures, InnerProductsApproachTheGaussianKernel) {
  const double s = 2.0;
  const Eigen::Index F = 20000;
  Rng rng(11, "kernel-limit");
  const Eigen::MatrixXd V = fourier_frequencies(F, 3, s, rng), X = rng.normal_matrix(6, 3);
  const Eigen::MatrixXd Phi = fourier_features(X, V) * fourier_scale(2 * F);
  const Eigen::MatrixXd K = linalg::kernel_matrix(linalg::Kernel::Gaussian(s), X);
  // Each entry is a mean of F terms cos(v.(x - z)), each of variance <= 1/2.
  const double se = std::sqrt(0.5 / static_cast<double>(F));
  const Eigen::MatrixXd approx = Phi * Phi.transpose();
  for (Eigen::Index i = 0; i < 6; ++i)
    for (Eigen::Index j = 0; j < i; ++j)
      EXPECT_NEAR(approx(i, j), K(i, j), kStandardErrors * se) << i << "," << j;
}

// Streamed scores against the whole feature matrix, with a last block shorter than the rest.
TEST(FourierFeatures, ScoresInRowBlocksAreTheWholeProduct) {
  Rng rng(5, "fourier-scores");
  const Eigen::MatrixXd X = rng.normal_matrix(23, 4), V = fourier_frequencies(6, 4, 2.0, rng), W = rng.normal_matrix(12, 3);
  const Eigen::MatrixXd whole = 0.5 * (fourier_features(X, V) * W);
  for (Eigen::Index block : {1, 5, 23, 100}) {
    const Eigen::MatrixXd streamed = fourier_feature_scores(X, V, W, 0.5, block);
    ASSERT_EQ(streamed.rows(), 23);
    EXPECT_LE((streamed - whole).cwiseAbs().maxCoeff(), 1e-14 * whole.cwiseAbs().maxCoeff()) << "block " << block;
  }
  PRISM_EXPECT_THROW_WITH(fourier_feature_scores(X, V, rng.normal_matrix(11, 3), 1.0, 5), std::invalid_argument, "2F rows");
  PRISM_EXPECT_THROW_WITH(fourier_feature_scores(X, V, W, 1.0, 0), std::invalid_argument, "block must be >= 1");
}

TEST(FourierFeatures, RejectsAnOddFeatureCountAndAMismatchedDimension) {
  PRISM_EXPECT_THROW_WITH(fourier_scale(7), std::invalid_argument, "even");
  Rng rng(1, "x");
  PRISM_EXPECT_THROW_WITH(fourier_features(rng.normal_matrix(2, 3), rng.normal_matrix(4, 2)), std::invalid_argument,
                          "dimension");
}

}  // namespace
}  // namespace prism::models
