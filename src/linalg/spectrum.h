// Curvature of the quadratic model that SGD sees, under docs/claims.md's
// conventions: H = X^T X / n, beta = max_i ||x_i||^2, lambda_1 = lambda_max(H),
// m* = beta / lambda_1 + 1 (Ma, Bassily, Belkin 2018, Eq. 24).
//
// For a kernel the features are the rows of K^(1/2): H has the eigenvalues of
// K / n and beta = max_i K_ii (1 for Gaussian and Laplace kernels).
#pragma once

#include <algorithm>
#include <numeric>
#include <vector>

#include <Eigen/Core>

#include "src/linalg/lanczos.h"

namespace prism::linalg {

// The operators below keep a reference to their matrix, like std::string_view:
// it must outlive the op. An expression argument (e.g. 2 * A) is evaluated into
// storage the op owns, which is why they are built from it directly and are
// not copyable (a copied Eigen::Ref would point into the original's storage).

// y = scale * A x for a dense symmetric A; reads the lower triangle only
// (SYMV: half the memory traffic of GEMV, and a product is memory-bound).
class DenseSymmetricOp {
 public:
  using Scalar = double;  // Spectra 1.x reads it from the Op
  template <typename Derived>
  explicit DenseSymmetricOp(const Eigen::MatrixBase<Derived>& A, double scale = 1.0) : A_(A), scale_(scale) {}
  DenseSymmetricOp(const DenseSymmetricOp&) = delete;
  DenseSymmetricOp& operator=(const DenseSymmetricOp&) = delete;

  Eigen::Index rows() const { return A_.rows(); }
  Eigen::Index cols() const { return A_.cols(); }
  void perform_op(const double* x, double* y) const {
    Eigen::Map<Eigen::VectorXd>(y, A_.rows()).noalias() =
        scale_ * (A_.selfadjointView<Eigen::Lower>() * Eigen::Map<const Eigen::VectorXd>(x, A_.cols()));
  }

 private:
  Eigen::Ref<const Eigen::MatrixXd> A_;
  double scale_;
};

// y = scale * X^T X x (on R^d) or scale * X X^T x (on R^n, `sample_space`):
// the same non-zero eigenvalues, so callers take the smaller side.
class GramOp {
 public:
  using Scalar = double;
  template <typename Derived>
  GramOp(const Eigen::MatrixBase<Derived>& X, double scale, bool sample_space)
      : X_(X), scale_(scale), sample_space_(sample_space) {}
  GramOp(const GramOp&) = delete;
  GramOp& operator=(const GramOp&) = delete;

  Eigen::Index rows() const { return sample_space_ ? X_.rows() : X_.cols(); }
  Eigen::Index cols() const { return rows(); }
  void perform_op(const double* x, double* y) const;

 private:
  Eigen::Ref<const Eigen::MatrixXd> X_;
  double scale_;
  bool sample_space_;
  mutable Eigen::VectorXd middle_;
};

struct Curvature {
  double beta = 0;               // max_i ||x_i||^2 (max_i K_ii for a kernel)
  double lambda_1 = 0;           // lambda_max(H), the top Ritz value
  double lambda_1_residual = 0;  // ||H v - lambda_1 v||: some eigenvalue is that close; lambda_max(H) >= lambda_1
  double trace = 0;              // tr(H)
  double m_star = 0;             // beta / lambda_1 + 1
  double trace_ratio = 0;        // tr(H) / lambda_1
  Eigen::VectorXd top;           // top-k eigenvalues of H, decreasing
  Eigen::VectorXd top_residuals;
  int matrix_products = 0;       // 0 when solved densely (tiny problems)
};

// Top-k eigenpairs of a dense symmetric matrix by Eigen's dense solver, with
// the same residuals as top_eigenpairs. (Out of line: <Eigen/Eigenvalues> under
// EIGEN_USE_LAPACKE drags in C's <complex.h> and its macro `I`.)
EigenEstimate dense_top_eigenpairs(const Eigen::Ref<const Eigen::MatrixXd>& A, int k);

// Top-k eigenpairs of a symmetric Op: Lanczos (top_eigenpairs), or the dense
// solver when the operator is too small for a Krylov space (k >= n - 1).
template <typename Op>
EigenEstimate top_eigenpairs_any_size(Op& op, int k, const LanczosOptions& options = {}) {
  const Eigen::Index n = op.rows();
  if (k < 1 || k > n) throw std::invalid_argument("top_eigenpairs_any_size: need 1 <= k <= n");
  if (k + 1 < n) return top_eigenpairs(op, k, options);
  Eigen::MatrixXd A(n, n);
  Eigen::VectorXd e = Eigen::VectorXd::Zero(n);
  for (Eigen::Index j = 0; j < n; ++j) {
    e(j) = 1;
    op.perform_op(e.data(), A.col(j).data());
    e(j) = 0;
  }
  return dense_top_eigenpairs(A, k);
}

// Curvature from any Op applying H, given beta and tr(H) (which the Op cannot supply cheaply).
template <typename Op>
Curvature curvature_from_op(Op& op, double beta, double trace, int k = 1, const LanczosOptions& options = {}) {
  EigenEstimate est = top_eigenpairs_any_size(op, k, options);
  std::vector<Eigen::Index> order(est.values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return est.values(a) > est.values(b); });
  Curvature c;
  c.top.resize(k);
  c.top_residuals.resize(k);
  for (int j = 0; j < k; ++j) {
    c.top(j) = est.values(order[j]);
    c.top_residuals(j) = est.residuals(order[j]);
  }
  c.beta = beta;
  c.lambda_1 = c.top(0);
  c.lambda_1_residual = c.top_residuals(0);
  c.trace = trace;
  c.m_star = beta / c.lambda_1 + 1.0;
  c.trace_ratio = trace / c.lambda_1;
  c.matrix_products = est.matrix_products;
  return c;
}

// Kernel matrix K (n x n, both triangles): H ~ K / n, beta = max_i K_ii, tr(H) = tr(K) / n.
Curvature kernel_curvature(const Eigen::Ref<const Eigen::MatrixXd>& K, int k = 1,
                           const LanczosOptions& options = {});

// Explicit features X (n x d, rows are samples): H = X^T X / n.
Curvature feature_curvature(const Eigen::Ref<const Eigen::MatrixXd>& X, int k = 1,
                            const LanczosOptions& options = {});

}  // namespace prism::linalg
