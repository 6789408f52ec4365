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

}  // namespace
}  // namespace prism::models
