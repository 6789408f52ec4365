// The tiled kernel machine (paper scale) against the dense one on the same
// problem: the same coefficients, training and test scores to rounding, and an
// interpolation residual at rounding level on both paths.
#include "src/models/kernel_interpolant.h"

#include <gtest/gtest.h>

#include "src/core/rng.h"

namespace prism::models {
namespace {

// alpha = K^{-1} Y with cond(K) ~ 1e4 here: both paths within ~1e4 rounding units.
constexpr double kPathAgreement = 1e-10;
constexpr double kInterpolationResidual = 1e-10;

TEST(KernelInterpolant, TiledPathAgreesWithTheDensePath) {
  Rng rng(1, "kernel-interpolant");
  const Eigen::MatrixXd X = rng.normal_matrix(301, 20), Z = rng.normal_matrix(57, 20);
  const Eigen::MatrixXd Y = rng.normal_matrix(301, 4);
  for (const auto& kernel : {linalg::Kernel::Laplace(4.0), linalg::Kernel::Gaussian(3.0)}) {
    const KernelInterpolant dense(kernel, X, Z);
    KernelInterpolantOptions options;
    options.dense_limit = 0;
    options.tile = 64;  // 301 = 4 x 64 + 45: a ragged last tile
    const KernelInterpolant tiled(kernel, X, Z, options);
    ASSERT_FALSE(dense.tiled());
    ASSERT_TRUE(tiled.tiled());
    const Eigen::MatrixXd a = dense.solve(Y), b = tiled.solve(Y);
    EXPECT_LE((a - b).norm(), kPathAgreement * a.norm());
    const Eigen::MatrixXd Fa = dense.train_scores(a), Fb = tiled.train_scores(b);
    EXPECT_LE((Fa - Y).cwiseAbs().maxCoeff(), kInterpolationResidual);
    EXPECT_LE((Fb - Y).cwiseAbs().maxCoeff(), kInterpolationResidual);
    const Eigen::MatrixXd Ta = dense.test_scores(a), Tb = tiled.test_scores(b);
    EXPECT_LE((Ta - Tb).norm(), kPathAgreement * Ta.norm());
    EXPECT_LT(tiled.bytes_held(), dense.bytes_held()) << "the tiled path holds one triangle and no K(test, train)";
  }
}

// Both kernels from one data set's distances (bayes-tracking at dense sizes)
// against each built from the features: the same machine to rounding.
TEST(KernelInterpolant, SharedDistancesGiveTheSameMachine) {
  Rng rng(2, "kernel-interpolant-distances");
  const Eigen::MatrixXd X = rng.normal_matrix(240, 15), Z = rng.normal_matrix(41, 15);
  const Eigen::MatrixXd Y = rng.normal_matrix(240, 3);
  const PairwiseDistances distances(X, Z);
  EXPECT_GT(distances.blas_flops, 0);
  for (const auto& kernel : {linalg::Kernel::Laplace(4.0), linalg::Kernel::Gaussian(3.0)}) {
    const KernelInterpolant direct(kernel, X, Z), shared(kernel, distances);
    ASSERT_FALSE(shared.tiled());
    EXPECT_EQ(shared.build_gflops(), 0.0) << "its BLAS work is the distances'";
    const Eigen::MatrixXd a = direct.solve(Y), b = shared.solve(Y);
    EXPECT_LE((a - b).norm(), kPathAgreement * a.norm()) << kernel.name();
    EXPECT_LE((shared.train_scores(b) - Y).cwiseAbs().maxCoeff(), kInterpolationResidual) << kernel.name();
    const Eigen::MatrixXd Ta = direct.test_scores(a), Tb = shared.test_scores(b);
    ASSERT_EQ(Tb.rows(), 41);
    EXPECT_LE((Ta - Tb).norm(), kPathAgreement * Ta.norm()) << kernel.name();
    EXPECT_EQ(shared.bytes_held(), direct.bytes_held());
  }
}

}  // namespace
}  // namespace prism::models
