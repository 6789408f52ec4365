// Cholesky of a symmetric positive definite matrix too large for a dense
// double matrix: the MNIST kernel at n = 60,000 is 28.8 GB dense, 14.4 GB as
// the tiles of its lower triangle (docs/design.md, paper scale).
//
// The lower triangle is held as square tiles of side b (the last tile row and
// column ragged), filled block by block from the caller's generator, and
// factorised in place by the right-looking tiled algorithm of PLASMA (Buttari,
// Langou, Kurzak, Dongarra 2009): for each tile column k, dpotrf on the
// diagonal tile, dtrsm on the tiles below it, then dsyrk on the trailing
// diagonal tiles and dgemm on the rest. Every call is one BLAS/LAPACK call on
// whole tiles, so with b in the thousands the work runs at the DGEMM rate.
// A solve is a tiled forward and backward substitution (dtrsm, dgemm) on the
// whole block of right-hand sides: one factorisation for every right-hand side.
#pragma once

#include <functional>
#include <vector>

#include <Eigen/Core>

namespace prism::linalg {

// Writes the block of rows [r0, r0 + out.rows()) and columns [c0, c0 + out.cols())
// of the symmetric matrix into `out` (a kernel block K(X_r, X_c)).
using SymmetricBlock = std::function<void(Eigen::Index r0, Eigen::Index c0, Eigen::Ref<Eigen::MatrixXd> out)>;

// The tiles (i, j), i >= j, of an n x n symmetric matrix's lower triangle.
class LowerTiles {
 public:
  // std::invalid_argument unless n >= 0 and tile >= 1.
  LowerTiles(Eigen::Index n, Eigen::Index tile);

  Eigen::Index size() const { return n_; }
  Eigen::Index tile_size() const { return b_; }
  int tiles() const { return t_; }  // per side: ceil(n / b)
  Eigen::Index offset(int i) const { return static_cast<Eigen::Index>(i) * b_; }
  Eigen::Index extent(int i) const;  // rows of tile row i (b, or what is left)
  Eigen::MatrixXd& tile(int i, int j) { return tiles_[index(i, j)]; }
  const Eigen::MatrixXd& tile(int i, int j) const { return tiles_[index(i, j)]; }
  double bytes() const;  // what the tiles hold, 8 (n^2 + n b) / 2 at most

  // Fills every tile from `block` (diagonal tiles whole, both triangles).
  void fill(const SymmetricBlock& block);

 private:
  size_t index(int i, int j) const;  // i >= j
  Eigen::Index n_, b_;
  int t_;
  std::vector<Eigen::MatrixXd> tiles_;
};

struct TiledCholeskyStats {
  double seconds = 0;  // factorisation wall time
  double flops = 0;    // n^3 / 3 (the dense count; the tiles do the same work)
};

class TiledCholesky {
 public:
  // Factorises A in place (its tiles become L's). Throws NotPositiveDefinite
  // (src/linalg/dense_solve.h) naming the row of the failing pivot.
  explicit TiledCholesky(LowerTiles A);

  // X = A^{-1} Y for an n x c block of right-hand sides.
  Eigen::MatrixXd solve(const Eigen::Ref<const Eigen::MatrixXd>& Y) const;

  const LowerTiles& factor() const { return L_; }
  const TiledCholeskyStats& stats() const { return stats_; }

 private:
  LowerTiles L_;
  TiledCholeskyStats stats_;
};

// A X for the symmetric A given block by block (A is regenerated, never held:
// the residual of a solve against A in double when only its factor fits).
// Blocks are panel x panel.
Eigen::MatrixXd symmetric_product(Eigen::Index n, Eigen::Index panel, const SymmetricBlock& block,
                                  const Eigen::Ref<const Eigen::MatrixXd>& X);

}  // namespace prism::linalg
