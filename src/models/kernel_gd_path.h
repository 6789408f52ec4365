// The path of full-batch kernel gradient descent in closed form (Landweber
// iteration; docs/claims.md early-stopping): on L(a) = ||K a - Y||^2 / (2n),
// a <- a - (eta / n)(K a - Y) from a = 0 with eta = n / lambda_max(K). With
// K = U diag(lambda) U^T,
//   a_t = U diag(phi_t(lambda)) U^T Y,  phi_t(lambda) = (1 - (1 - lambda/lambda_max)^t) / lambda,
// for any real t >= 0, from one eigendecomposition. Predictions G a_t on a
// fixed set of points cost one GEMM (m x n x c) per t once G U is formed.
#pragma once

#include <vector>

#include <Eigen/Core>

namespace prism::models {

class KernelGdPath {
 public:
  // K symmetric positive (semi)definite, n x n. One symmetric eigendecomposition.
  explicit KernelGdPath(const Eigen::MatrixXd& K);

  double lambda_max() const { return lambda_(lambda_.size() - 1); }
  const Eigen::VectorXd& eigenvalues() const { return lambda_; }  // ascending
  const Eigen::MatrixXd& eigenvectors() const { return U_; }

  // phi_t(lambda_j) for every eigenvalue: the spectral filter of t steps.
  Eigen::VectorXd filter(double t) const;

  // a_t for targets Y (n x c).
  Eigen::MatrixXd coefficients(const Eigen::MatrixXd& Y, double t) const;

  // Predictions at t given GU = G U (m x n, G the kernel rows of the points)
  // and UtY = U^T Y (n x c): GU diag(phi_t) UtY.
  Eigen::MatrixXd predict(const Eigen::MatrixXd& GU, const Eigen::MatrixXd& UtY, double t) const;

  // The same at several t in one GEMM (m x n x c |ts|, compute-bound where one
  // t at a time re-reads GU per t): column block j holds the predictions at ts[j].
  Eigen::MatrixXd predict(const Eigen::MatrixXd& GU, const Eigen::MatrixXd& UtY, const std::vector<double>& ts) const;

 private:
  Eigen::VectorXd lambda_;
  Eigen::MatrixXd U_;
};

}  // namespace prism::models
