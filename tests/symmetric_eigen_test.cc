// dsyevd through symmetric_eigen against the residuals of the decomposition.
#include "src/linalg/symmetric_eigen.h"

#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "tests/support/test_support.h"

namespace prism::linalg {
namespace {

constexpr double kResidual = 1e-12;  // relative to ||A||: backward stable

TEST(SymmetricEigen, ResidualsAndOrthonormality) {
  Rng rng(1, "symmetric-eigen");
  const Eigen::MatrixXd B = rng.normal_matrix(300, 300);
  const Eigen::MatrixXd A = B + B.transpose();
  const SymmetricEigen e = symmetric_eigen(A);
  EXPECT_LE((A * e.vectors - e.vectors * e.values.asDiagonal()).norm(), kResidual * A.norm());
  EXPECT_LE((e.vectors.transpose() * e.vectors - Eigen::MatrixXd::Identity(300, 300)).norm(), kResidual * 300);
  for (Eigen::Index j = 1; j < e.values.size(); ++j) EXPECT_LE(e.values(j - 1), e.values(j)) << "ascending";
  PRISM_EXPECT_THROW_WITH(symmetric_eigen(Eigen::MatrixXd::Zero(2, 3)), std::invalid_argument, "square");
}

}  // namespace
}  // namespace prism::linalg
