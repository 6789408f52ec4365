// Minimum-norm least squares and the ridge path from one spectral
// decomposition, against independent computations: Eigen's complete orthogonal
// decomposition (min-norm solve), direct ridge solves, and the SVD itself for
// the two Gram routes.
#include "src/linalg/spectral_least_squares.h"

#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "tests/support/test_support.h"

namespace prism::linalg {
namespace {

// Backward-stable solves of well-conditioned problems of this size agree to
// rounding amplified by cond(A) ~ 10 and the dimension.
constexpr double kSolveTolerance = 1e-10;
// Gram routes lose eps cond^2; cond ~ 10 here.
constexpr double kGramRouteTolerance = 1e-10;

Eigen::MatrixXd random_matrix(Eigen::Index n, Eigen::Index N, const char* stream) {
  Rng rng(7, stream);
  return rng.normal_matrix(n, N);
}

TEST(ThinSvd, ReconstructsAndIsOrthonormal) {
  for (auto [n, N] : {std::pair<Eigen::Index, Eigen::Index>{30, 80}, {80, 30}, {40, 40}}) {
    const Eigen::MatrixXd A = random_matrix(n, N, "svd");
    const ThinSvd svd = thin_svd(A);
    const Eigen::Index r = std::min(n, N);
    ASSERT_EQ(svd.s.size(), r);
    EXPECT_LE((svd.U * svd.s.asDiagonal() * svd.V.transpose() - A).norm(), kSolveTolerance * A.norm());
    EXPECT_LE((svd.U.transpose() * svd.U - Eigen::MatrixXd::Identity(r, r)).norm(), kSolveTolerance);
    EXPECT_LE((svd.V.transpose() * svd.V - Eigen::MatrixXd::Identity(r, r)).norm(), kSolveTolerance);
    for (Eigen::Index i = 1; i < r; ++i) EXPECT_GE(svd.s(i - 1), svd.s(i)) << "descending at " << i;
  }
}

TEST(MinNormSolution, MatchesCompleteOrthogonalDecomposition) {
  // Under-determined (interpolation) and over-determined (least squares).
  for (auto [n, N] : {std::pair<Eigen::Index, Eigen::Index>{30, 80}, {80, 30}}) {
    const Eigen::MatrixXd A = random_matrix(n, N, "min-norm"), Y = random_matrix(n, 3, "targets");
    const ThinSvd svd = thin_svd(A);
    const Eigen::MatrixXd W = min_norm_solution(svd, Y, lstsq_cutoff(svd.s, n, N));
    const Eigen::MatrixXd expected = A.completeOrthogonalDecomposition().solve(Y);
    EXPECT_LE((W - expected).norm(), kSolveTolerance * expected.norm()) << n << " x " << N;
  }
}

TEST(MinNormSolution, CutoffDropsANumericallyZeroDirection) {
  // A rank-deficient A (a column repeated): its smallest singular value is
  // rounding, ~eps s_1, and numpy's cutoff eps * max(n, N) * s_1 treats the tiny singular value as 0
  // and returns the minimum-norm solution of the rank-deficient system.
  Eigen::MatrixXd A = random_matrix(20, 6, "deficient");
  A.col(5) = A.col(4);
  const Eigen::MatrixXd Y = random_matrix(20, 2, "rhs");
  const ThinSvd svd = thin_svd(A);
  const double cutoff = lstsq_cutoff(svd.s, 20, 6);
  EXPECT_EQ(numerical_rank(svd.s, cutoff), 5);
  const Eigen::MatrixXd W = min_norm_solution(svd, Y, cutoff);
  // The two copies share the weight equally (the minimum-norm split).
  EXPECT_NEAR(W(4, 0), W(5, 0), kSolveTolerance * W.norm());
  Eigen::MatrixXd reduced = A.leftCols(5);
  const Eigen::MatrixXd w5 = reduced.colPivHouseholderQr().solve(Y);
  EXPECT_NEAR(W(4, 0) + W(5, 0), w5(4, 0), kSolveTolerance * w5.norm());
}

TEST(RidgePath, MatchesDirectRidgeSolvesAndNorms) {
  const Eigen::Index n = 25, N = 60;
  const Eigen::MatrixXd A = random_matrix(n, N, "ridge"), Y = random_matrix(n, 4, "ridge-y");
  const ThinSvd svd = thin_svd(A);
  const std::vector<double> lams = {0.0, 1e-3, 0.1, 10.0};
  const double cutoff = lstsq_cutoff(svd.s, n, N);
  const Eigen::MatrixXd Z = ridge_path_dual(svd.left(), Y, lams, cutoff);
  const std::vector<double> norms = ridge_path_norms(svd.left(), Y, lams, cutoff);
  for (size_t l = 0; l < lams.size(); ++l) {
    // (A^T A + lam I)^{-1} A^T Y = A^T (A A^T + lam I)^{-1} Y; lam = 0: the min-norm interpolant.
    const Eigen::MatrixXd G = A * A.transpose() + lams[l] * Eigen::MatrixXd::Identity(n, n);
    const Eigen::MatrixXd expected = A.transpose() * G.ldlt().solve(Y);
    const Eigen::MatrixXd W = A.transpose() * Z.middleCols(static_cast<Eigen::Index>(l) * 4, 4);
    EXPECT_LE((W - expected).norm(), kSolveTolerance * expected.norm()) << "lam = " << lams[l];
    EXPECT_NEAR(norms[l], expected.norm(), kSolveTolerance * expected.norm()) << "lam = " << lams[l];
  }
}

TEST(GramRoutes, AgreeWithTheSvdOnAWellConditionedMatrix) {
  const Eigen::MatrixXd wide = random_matrix(20, 90, "wide"), tall = random_matrix(90, 20, "tall");
  const ThinSvd w = thin_svd(wide), t = thin_svd(tall);
  const LeftSpectrum rw = left_spectrum_from_row_gram(wide * wide.transpose());
  const LeftSpectrum ct = left_spectrum_from_column_gram(tall, tall.transpose() * tall);
  EXPECT_LE((rw.s - w.s).norm(), kGramRouteTolerance * w.s.norm());
  EXPECT_LE((ct.s - t.s).norm(), kGramRouteTolerance * t.s.norm());
  // Singular vectors up to sign: compare the projectors U U^T.
  EXPECT_LE((rw.U * rw.U.transpose() - w.U * w.U.transpose()).norm(), kGramRouteTolerance * 20);
  EXPECT_LE((ct.U * ct.U.transpose() - t.U * t.U.transpose()).norm(), kGramRouteTolerance * 20);
}

TEST(GramRoutes, ColumnGramRejectsARankDeficientMatrix) {
  Eigen::MatrixXd A = random_matrix(30, 5, "rank");
  A.col(4).setZero();
  PRISM_EXPECT_THROW_WITH(left_spectrum_from_column_gram(A, A.transpose() * A), std::invalid_argument, "rank deficient");
}

TEST(InterpolationBackwardError, IsOfOrderOneForAStableSolveAndLargeForAPerturbedOne) {
  const Eigen::MatrixXd A = random_matrix(30, 70, "backward"), Y = random_matrix(30, 2, "backward-y");
  const ThinSvd svd = thin_svd(A);
  const Eigen::MatrixXd W = min_norm_solution(svd, Y, lstsq_cutoff(svd.s, 30, 70));
  EXPECT_LT(interpolation_backward_error(A, svd.s(0), W, Y), 100.0);
  const Eigen::MatrixXd perturbed = W * (1 + 1e-8);
  EXPECT_GT(interpolation_backward_error(A, svd.s(0), perturbed, Y), 1e6);
}

TEST(RowSpaceCoordinates, AreTheRightSingularCoordinatesOfTrainAndOtherPoints) {
  const Eigen::MatrixXd A = random_matrix(20, 50, "coords"), B = random_matrix(7, 50, "coords-b");
  const ThinSvd svd = thin_svd(A);
  const RowSpaceCoordinates c = row_space_coordinates(svd.left(), lstsq_cutoff(svd.s, 20, 50));
  EXPECT_LE((c.train - A * svd.V).norm(), kSolveTolerance * A.norm());
  EXPECT_LE(((B * A.transpose()) * c.from_cross_gram - B * svd.V).norm(), kSolveTolerance * B.norm());
}

}  // namespace
}  // namespace prism::linalg
