// Random Fourier features against the Gaussian kernel they estimate.
#include "src/models/random_features.h"

#include <cmath>

#include <gtest/gtest.h>

#include "src/linalg/kernels.h"
#include "tests/support/test_support.h"
#include "tests/support/tolerances.h"

namespace prism::models {
namespace {

using namespace prism::testing::tolerances;

TEST(RandomFeatures, InnerProductsEstimateTheGaussianKernel) {
  Rng rng(1, "rff-test");
  const Eigen::Index d = 20, N = 200000;
  const double s = 5;
  const Eigen::MatrixXd X = rng.normal_matrix(6, d) * 1.5;  // distances ~ s: kernel values across (0, 1)
  const Eigen::MatrixXd V = gaussian_rff_frequencies(d, N, s, rng);
  const Eigen::MatrixXd Phi = rff_features(X, V);
  const Eigen::MatrixXd K = linalg::kernel_matrix(linalg::Kernel::Gaussian(s), X);
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    for (Eigen::Index j = 0; j < X.rows(); ++j) {
      const double k = std::exp(-(X.row(i) - X.row(j)).squaredNorm() / (2 * s * s));
      ASSERT_NEAR(K(i, j), k, kFullPrecisionTolerance);
      // (2/N) sum of N/2 cosines: variance of one cosine (1 - k^2)^2 / 2.
      const double se = (1 - k * k) / std::sqrt(static_cast<double>(N));
      EXPECT_NEAR(Phi.row(i).dot(Phi.row(j)), k, kStandardErrors * se + kArithmeticTolerance)
          << "expected exp(-|x-z|^2/(2 s^2)) = " << k << " at (" << i << ", " << j << ")";
    }
}

TEST(RandomFeatures, GramIsThePhiPhiTransposeAndFeaturesHaveUnitNorm) {
  Rng rng(2, "rff-test");
  const Eigen::MatrixXd X = rng.normal_matrix(30, 7);
  const Eigen::MatrixXd Phi = rff_features(X, gaussian_rff_frequencies(7, 40, 2.0, rng));
  ASSERT_EQ(Phi.cols(), 40);
  const Eigen::MatrixXd G = feature_gram(Phi), direct = Phi * Phi.transpose();
  EXPECT_LE((G - direct).cwiseAbs().maxCoeff(), kArithmeticTolerance);
  // cos^2 + sin^2 = 1 per frequency: ||phi(x)||^2 = 1, the kernel's diagonal.
  EXPECT_LE((G.diagonal().array() - 1).abs().maxCoeff(), kArithmeticTolerance);
  PRISM_EXPECT_THROW_WITH(gaussian_rff_frequencies(7, 41, 2.0, rng), std::invalid_argument, "N must be even");
}

}  // namespace
}  // namespace prism::models
