#include "src/linalg/spectrum.h"

#include <sstream>
#include <stdexcept>

#include <Eigen/Eigenvalues>

namespace prism::linalg {

EigenEstimate dense_top_eigenpairs(const Eigen::Ref<const Eigen::MatrixXd>& A, int k) {
  const Eigen::Index n = A.rows();
  if (A.cols() != n || k < 1 || k > n) {
    std::ostringstream msg;
    msg << "dense_top_eigenpairs: expected a square matrix and 1 <= k <= n, got " << A.rows() << " x " << A.cols()
        << " and k = " << k;
    throw std::invalid_argument(msg.str());
  }
  // Symmetrised, so rounding in a product-built A cannot make it non-symmetric.
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(0.5 * (A + A.transpose()));
  EigenEstimate out;
  out.values = solver.eigenvalues().reverse().head(k);
  out.vectors = solver.eigenvectors().rowwise().reverse().leftCols(k);
  orient_columns(out.vectors);
  out.residuals.resize(k);
  for (int j = 0; j < k; ++j) out.residuals(j) = (A * out.vectors.col(j) - out.values(j) * out.vectors.col(j)).norm();
  return out;
}

void GramOp::perform_op(const double* x, double* y) const {
  if (sample_space_) {
    Eigen::Map<const Eigen::VectorXd> in(x, X_.rows());
    middle_.noalias() = X_.transpose() * in;
    Eigen::Map<Eigen::VectorXd>(y, X_.rows()).noalias() = scale_ * (X_ * middle_);
  } else {
    Eigen::Map<const Eigen::VectorXd> in(x, X_.cols());
    middle_.noalias() = X_ * in;
    Eigen::Map<Eigen::VectorXd>(y, X_.cols()).noalias() = scale_ * (X_.transpose() * middle_);
  }
}

Curvature kernel_curvature(const Eigen::Ref<const Eigen::MatrixXd>& K, int k, const LanczosOptions& options) {
  if (K.rows() != K.cols() || K.rows() == 0) {
    std::ostringstream msg;
    msg << "kernel_curvature: expected a non-empty square kernel matrix, got " << K.rows() << " x " << K.cols();
    throw std::invalid_argument(msg.str());
  }
  const double n = static_cast<double>(K.rows());
  DenseSymmetricOp op(K, 1.0 / n);
  return curvature_from_op(op, K.diagonal().maxCoeff(), K.trace() / n, k, options);
}

Curvature feature_curvature(const Eigen::Ref<const Eigen::MatrixXd>& X, int k, const LanczosOptions& options) {
  if (X.rows() == 0 || X.cols() == 0) {
    std::ostringstream msg;
    msg << "feature_curvature: expected a non-empty feature matrix, got " << X.rows() << " x " << X.cols();
    throw std::invalid_argument(msg.str());
  }
  const double n = static_cast<double>(X.rows());
  const Eigen::VectorXd norms = X.rowwise().squaredNorm();
  GramOp op(X, 1.0 / n, /*sample_space=*/X.rows() < X.cols());
  return curvature_from_op(op, norms.maxCoeff(), norms.sum() / n, k, options);
}

}  // namespace prism::linalg
