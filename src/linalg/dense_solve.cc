#include "src/linalg/dense_solve.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <utility>

#include <Eigen/Cholesky>

namespace prism::linalg {
namespace {

using Eigen::Index;

constexpr double kFirstRelativeJitter = 1e-14;
constexpr double kJitterGrowth = 10.0;

// Restores the lower triangle of a symmetric matrix from its strict upper one,
// which dpotrf('L') leaves untouched. Tiled, so the transposed reads stay in cache.
void restore_lower_from_upper(Eigen::MatrixXd& A) {
  constexpr Index kTile = 64;
  const Index n = A.rows();
  for (Index jb = 0; jb < n; jb += kTile)
    for (Index ib = jb; ib < n; ib += kTile)
      for (Index j = jb; j < std::min(n, jb + kTile); ++j)
        for (Index i = std::max(ib, j + 1); i < std::min(n, ib + kTile); ++i) A(i, j) = A(j, i);
}

}  // namespace

Cholesky::Cholesky(Eigen::MatrixXd K, const CholeskyOptions& options) : factor_(std::move(K)) {
  if (factor_.rows() != factor_.cols()) {
    std::ostringstream msg;
    msg << "Cholesky: expected a square matrix, got " << factor_.rows() << " x " << factor_.cols();
    throw std::invalid_argument(msg.str());
  }
  if (!(options.max_relative_jitter >= 0)) {
    std::ostringstream msg;
    msg << "Cholesky: expected max_relative_jitter >= 0, got " << options.max_relative_jitter;
    throw std::invalid_argument(msg.str());
  }
  const Index n = factor_.rows();
  diagonal_ = factor_.diagonal();
  const Eigen::VectorXd& diagonal = diagonal_;
  const double mean_diagonal = n > 0 ? diagonal.mean() : 0.0;
  double relative = kFirstRelativeJitter;
  while (true) {
    ++attempts_;
    const auto start = std::chrono::steady_clock::now();
    // The entry point of Eigen's LLT: LAPACKE dpotrf under EIGEN_USE_LAPACKE_STRICT.
    // Called directly because LLT::compute also takes an O(n^2) strided L1 norm
    // we do not use, and drops the index of the failing pivot we report.
    const Index failed_pivot = Eigen::internal::llt_inplace<double, Eigen::Lower>::blocked(factor_);
    seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (failed_pivot < 0) break;

    const bool may_retry = options.max_relative_jitter > 0 &&
                           relative <= options.max_relative_jitter * (1 + 1e-12) && mean_diagonal > 0;
    if (!may_retry) {
      std::ostringstream msg;
      msg << "Cholesky: expected a symmetric positive definite " << n << " x " << n
          << " matrix, but the pivot of leading minor " << failed_pivot + 1
          << " is not positive (jitter tried: " << jitter_ << " = " << jitter_ / (mean_diagonal > 0 ? mean_diagonal : 1)
          << " of the mean diagonal " << mean_diagonal << ")."
          << " K is numerically singular: duplicate points or too wide a bandwidth?"
          << " Set CholeskyOptions::max_relative_jitter to allow a larger diagonal shift.";
      throw NotPositiveDefinite(msg.str());
    }
    restore_lower_from_upper(factor_);
    jitter_ = relative * mean_diagonal;
    factor_.diagonal() = diagonal.array() + jitter_;
    relative *= kJitterGrowth;
  }
}

namespace {
constexpr Index kMultiplyPanel = 2048;  // columns of K's upper triangle per pair of dgemm calls
}  // namespace

Eigen::MatrixXd Cholesky::multiply(const Eigen::Ref<const Eigen::MatrixXd>& X) const {
  if (X.rows() != factor_.rows()) {
    std::ostringstream msg;
    msg << "Cholesky::multiply: expected " << factor_.rows() << " rows, got " << X.rows();
    throw std::invalid_argument(msg.str());
  }
  // K's strict upper triangle by panels of columns: the panel above the
  // diagonal block enters twice, as two dgemm calls (N for the rows above, T
  // for the panel's own rows), and only the diagonal block goes through dsymm.
  // dsymm on the whole triangle ran at 63 GFLOP/s with 70 columns at n = 10^4,
  // dgemm at 85-90.
  const Index n = X.rows();
  Eigen::MatrixXd F = Eigen::MatrixXd::Zero(n, X.cols());
  for (Index first = 0; first < n; first += kMultiplyPanel) {
    const Index width = std::min(kMultiplyPanel, n - first);
    const auto above = factor_.block(0, first, first, width);  // K[0:first, panel]
    F.middleRows(first, width).noalias() =
        factor_.block(first, first, width, width).selfadjointView<Eigen::Upper>() * X.middleRows(first, width);
    if (first == 0) continue;
    F.topRows(first).noalias() += above * X.middleRows(first, width);
    F.middleRows(first, width).noalias() += above.transpose() * X.topRows(first);
  }
  F.noalias() += (diagonal_ - factor_.diagonal()).asDiagonal() * X;  // K's diagonal for L's
  return F;
}

double Cholesky::factorization_flops() const {
  const double n = static_cast<double>(factor_.rows());
  return attempts_ * n * n * n / 3.0;
}

Eigen::MatrixXd Cholesky::solve(const Eigen::Ref<const Eigen::MatrixXd>& Y) const {
  if (Y.rows() != size()) {
    std::ostringstream msg;
    msg << "Cholesky::solve: expected " << size() << " rows of right-hand sides, got " << Y.rows();
    throw std::invalid_argument(msg.str());
  }
  Eigen::MatrixXd X = Y;
  // Two dtrsm calls on all columns at once: the work of dpotrs.
  factor_.triangularView<Eigen::Lower>().solveInPlace(X);
  factor_.triangularView<Eigen::Lower>().adjoint().solveInPlace(X);
  return X;
}

double cholesky_solve_flops(Index n, Index rhs) { return 2.0 * static_cast<double>(n) * n * rhs; }

InterpolationResidual interpolation_residual(const Eigen::Ref<const Eigen::MatrixXd>& K,
                                             const Eigen::Ref<const Eigen::MatrixXd>& alpha,
                                             const Eigen::Ref<const Eigen::MatrixXd>& Y) {
  if (K.rows() != Y.rows() || K.cols() != alpha.rows() || alpha.cols() != Y.cols()) {
    std::ostringstream msg;
    msg << "interpolation_residual: shapes do not chain: K " << K.rows() << " x " << K.cols() << ", alpha "
        << alpha.rows() << " x " << alpha.cols() << ", Y " << Y.rows() << " x " << Y.cols();
    throw std::invalid_argument(msg.str());
  }
  Eigen::MatrixXd R = Y;
  R.noalias() -= K * alpha;  // one GEMM, sign irrelevant to the norms
  InterpolationResidual out;
  out.max_abs = R.size() ? R.cwiseAbs().maxCoeff() : 0.0;
  const double y_norm = Y.norm();
  out.relative_fro = y_norm > 0 ? R.norm() / y_norm : R.norm();
  return out;
}

}  // namespace prism::linalg
