// The tiled Cholesky against the dense one (LAPACK dpotrf on the whole matrix),
// its solves by their residual, the block-regenerated product against the
// dense product, and the edge cases of the tiling (ragged last tile, one tile,
// tiles of one row, n = 0).
#include "src/linalg/tiled_cholesky.h"

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "src/linalg/dense_solve.h"
#include "tests/support/test_support.h"

namespace prism::linalg {
namespace {

// Backward-error scale: residuals relative to ||A|| ||X|| at n <= 300 stay
// within a few hundred rounding units for any correct BLAS.
constexpr double kRelativeResidual = 1e-13;
constexpr double kFactorAgreement = 1e-12;

// A Gaussian-kernel-like SPD matrix with condition ~1e3: B B^T / m + I / 10.
Eigen::MatrixXd spd(Eigen::Index n) {
  Rng rng(3, "tiled-cholesky");
  const Eigen::MatrixXd B = rng.normal_matrix(n, n / 2 + 1);
  return B * B.transpose() / static_cast<double>(B.cols()) + 0.1 * Eigen::MatrixXd::Identity(n, n);
}

SymmetricBlock blocks_of(const Eigen::MatrixXd& A) {
  return [&A](Eigen::Index r0, Eigen::Index c0, Eigen::Ref<Eigen::MatrixXd> out) {
    out = A.block(r0, c0, out.rows(), out.cols());
  };
}

class TiledCholeskyBy : public ::testing::TestWithParam<Eigen::Index> {};  // the tile size

TEST_P(TiledCholeskyBy, FactorEqualsTheDenseFactor) {
  const Eigen::Index n = 300, b = GetParam();
  const Eigen::MatrixXd A = spd(n);
  LowerTiles tiles(n, b);
  tiles.fill(blocks_of(A));
  const TiledCholesky chol(std::move(tiles));
  const Eigen::MatrixXd L = Cholesky(A).factor().triangularView<Eigen::Lower>();
  double worst = 0;
  const LowerTiles& F = chol.factor();
  for (int i = 0; i < F.tiles(); ++i)
    for (int j = 0; j <= i; ++j) {
      Eigen::MatrixXd got = F.tile(i, j);
      if (i == j) got = got.triangularView<Eigen::Lower>();
      worst = std::max(worst, (got - L.block(F.offset(i), F.offset(j), F.extent(i), F.extent(j))).cwiseAbs().maxCoeff());
    }
  EXPECT_LE(worst, kFactorAgreement * L.cwiseAbs().maxCoeff()) << "tile " << b;
  EXPECT_EQ(chol.stats().flops, 300.0 * 300.0 * 300.0 / 3.0);
}

TEST_P(TiledCholeskyBy, SolveHasARoundingLevelResidual) {
  const Eigen::Index n = 300, b = GetParam();
  const Eigen::MatrixXd A = spd(n);
  Rng rng(4, "rhs");
  const Eigen::MatrixXd Y = rng.normal_matrix(n, 7);
  LowerTiles tiles(n, b);
  tiles.fill(blocks_of(A));
  const Eigen::MatrixXd X = TiledCholesky(std::move(tiles)).solve(Y);
  EXPECT_LE((A * X - Y).norm(), kRelativeResidual * A.norm() * X.norm()) << "tile " << b;
}

INSTANTIATE_TEST_SUITE_P(Tiles, TiledCholeskyBy, ::testing::Values(1, 7, 64, 128, 300, 1000),
                         [](const auto& info) { return "tile" + std::to_string(info.param); });

TEST(SymmetricProduct, EqualsTheDenseProductFromLowerBlocksOnly) {
  const Eigen::Index n = 157;
  const Eigen::MatrixXd A = spd(n);
  Rng rng(5, "product");
  const Eigen::MatrixXd X = rng.normal_matrix(n, 3);
  int upper_blocks = 0;
  const SymmetricBlock counting = [&](Eigen::Index r0, Eigen::Index c0, Eigen::Ref<Eigen::MatrixXd> out) {
    upper_blocks += c0 > r0;
    out = A.block(r0, c0, out.rows(), out.cols());
  };
  for (Eigen::Index panel : {1, 20, 157, 500}) {
    EXPECT_LE((symmetric_product(n, panel, counting, X) - A * X).norm(), 1e-13 * (A * X).norm()) << "panel " << panel;
  }
  EXPECT_EQ(upper_blocks, 0);
}

TEST(LowerTiles, RaggedTilingAndItsMemory) {
  const LowerTiles t(10, 4);  // tiles of 4, 4, 2 rows
  EXPECT_EQ(t.tiles(), 3);
  EXPECT_EQ(t.extent(2), 2);
  EXPECT_EQ(t.tile(2, 0).rows(), 2);
  EXPECT_EQ(t.tile(2, 0).cols(), 4);
  EXPECT_EQ(t.bytes(), 8.0 * (16 + 16 + 16 + 8 + 8 + 4));
  EXPECT_EQ(LowerTiles(0, 4).tiles(), 0);
  EXPECT_EQ(TiledCholesky(LowerTiles(0, 4)).solve(Eigen::MatrixXd(0, 2)).rows(), 0);
  PRISM_EXPECT_THROW_WITH(LowerTiles(5, 0), std::invalid_argument, "tile >= 1");
}

TEST(TiledCholesky, AnIndefiniteMatrixNamesTheRowOfItsPivot) {
  Eigen::MatrixXd A = spd(50);
  A.row(37).setZero();
  A.col(37).setZero();  // leading minor 38 is singular
  LowerTiles tiles(50, 16);
  tiles.fill(blocks_of(A));
  PRISM_EXPECT_THROW_WITH(TiledCholesky(std::move(tiles)), NotPositiveDefinite, "row 38");
}

TEST(TiledCholesky, SolveRejectsTheWrongNumberOfRows) {
  LowerTiles tiles(5, 2);
  tiles.fill(blocks_of(spd(5)));
  const TiledCholesky chol(std::move(tiles));
  PRISM_EXPECT_THROW_WITH(chol.solve(Eigen::MatrixXd::Zero(4, 1)), std::invalid_argument, "expected 5 rows");
}

}  // namespace
}  // namespace prism::linalg
