#include "src/linalg/tiled_cholesky.h"

#include <algorithm>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <Eigen/Cholesky>

#include "src/linalg/dense_solve.h"

namespace prism::linalg {

using Eigen::Index;

LowerTiles::LowerTiles(Index n, Index tile) : n_(n), b_(tile) {
  if (n < 0 || tile < 1) {
    std::ostringstream msg;
    msg << "LowerTiles: expected n >= 0 and tile >= 1, got n = " << n << ", tile = " << tile;
    throw std::invalid_argument(msg.str());
  }
  t_ = static_cast<int>((n + tile - 1) / tile);
  tiles_.reserve(static_cast<size_t>(t_) * (t_ + 1) / 2);
  for (int i = 0; i < t_; ++i)
    for (int j = 0; j <= i; ++j) tiles_.emplace_back(extent(i), extent(j));
}

Index LowerTiles::extent(int i) const { return std::min(b_, n_ - offset(i)); }

size_t LowerTiles::index(int i, int j) const {
  return static_cast<size_t>(i) * (static_cast<size_t>(i) + 1) / 2 + static_cast<size_t>(j);
}

double LowerTiles::bytes() const {
  double entries = 0;
  for (const auto& t : tiles_) entries += static_cast<double>(t.size());
  return 8 * entries;
}

void LowerTiles::fill(const SymmetricBlock& block) {
  for (int i = 0; i < t_; ++i)
    for (int j = 0; j <= i; ++j) block(offset(i), offset(j), tile(i, j));
}

TiledCholesky::TiledCholesky(LowerTiles A) : L_(std::move(A)) {
  const auto start = std::chrono::steady_clock::now();
  const int t = L_.tiles();
  for (int k = 0; k < t; ++k) {
    Eigen::MatrixXd& Lkk = L_.tile(k, k);
    // dpotrf on the diagonal tile (LAPACKE under EIGEN_USE_LAPACKE_STRICT; it reads the lower triangle only).
    const Index failed = Eigen::internal::llt_inplace<double, Eigen::Lower>::blocked(Lkk);
    if (failed >= 0) {
      std::ostringstream msg;
      msg << "TiledCholesky: expected a symmetric positive definite " << L_.size() << " x " << L_.size()
          << " matrix, but the pivot of row " << L_.offset(k) + failed + 1
          << " is not positive: K is numerically singular (duplicate points, or too wide a bandwidth?)";
      throw NotPositiveDefinite(msg.str());
    }
    const auto Ukk = Lkk.transpose().triangularView<Eigen::Upper>();
    for (int i = k + 1; i < t; ++i) Ukk.solveInPlace<Eigen::OnTheRight>(L_.tile(i, k));  // dtrsm: A_ik L_kk^-T
    for (int i = k + 1; i < t; ++i) {
      const Eigen::MatrixXd& Lik = L_.tile(i, k);
      L_.tile(i, i).selfadjointView<Eigen::Lower>().rankUpdate(Lik, -1.0);  // dsyrk
      for (int j = k + 1; j < i; ++j) L_.tile(i, j).noalias() -= Lik * L_.tile(j, k).transpose();  // dgemm
    }
  }
  stats_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double n = static_cast<double>(L_.size());
  stats_.flops = n * n * n / 3.0;
}

Eigen::MatrixXd TiledCholesky::solve(const Eigen::Ref<const Eigen::MatrixXd>& Y) const {
  if (Y.rows() != L_.size()) {
    std::ostringstream msg;
    msg << "TiledCholesky::solve: expected " << L_.size() << " rows of right-hand sides, got " << Y.rows();
    throw std::invalid_argument(msg.str());
  }
  Eigen::MatrixXd Z = Y;
  const int t = L_.tiles();
  const auto rows = [&](int i) { return Z.middleRows(L_.offset(i), L_.extent(i)); };
  for (int i = 0; i < t; ++i) {  // L z = y
    auto Zi = rows(i);
    for (int j = 0; j < i; ++j) Zi.noalias() -= L_.tile(i, j) * rows(j);
    L_.tile(i, i).triangularView<Eigen::Lower>().solveInPlace(Zi);
  }
  for (int i = t - 1; i >= 0; --i) {  // L^T x = z
    auto Zi = rows(i);
    for (int j = i + 1; j < t; ++j) Zi.noalias() -= L_.tile(j, i).transpose() * rows(j);
    L_.tile(i, i).transpose().triangularView<Eigen::Upper>().solveInPlace(Zi);
  }
  return Z;
}

Eigen::MatrixXd symmetric_product(Index n, Index panel, const SymmetricBlock& block,
                                  const Eigen::Ref<const Eigen::MatrixXd>& X) {
  if (X.rows() != n || panel < 1) {
    std::ostringstream msg;
    msg << "symmetric_product: expected X with " << n << " rows and panel >= 1, got " << X.rows() << " rows, panel "
        << panel;
    throw std::invalid_argument(msg.str());
  }
  Eigen::MatrixXd R = Eigen::MatrixXd::Zero(n, X.cols()), B;
  // The lower blocks only, each used twice: half the kernel evaluations.
  for (Index r0 = 0; r0 < n; r0 += panel) {
    const Index rows = std::min(panel, n - r0);
    for (Index c0 = 0; c0 <= r0; c0 += panel) {
      const Index cols = std::min(panel, n - c0);
      B.resize(rows, cols);
      block(r0, c0, B);
      R.middleRows(r0, rows).noalias() += B * X.middleRows(c0, cols);
      if (c0 != r0) R.middleRows(c0, cols).noalias() += B.transpose() * X.middleRows(r0, rows);
    }
  }
  return R;
}

}  // namespace prism::linalg
