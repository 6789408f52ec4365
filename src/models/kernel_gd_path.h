// The path of full-batch kernel gradient descent in closed form (Landweber
// iteration; docs/claims.md early-stopping): on L(a) = ||K a - Y||^2 / (2n),
// a <- a - (eta / n)(K a - Y) from a = 0 with eta = n / lambda_max(K). With
// K = U diag(lambda) U^T,
//   a_t = U diag(phi_t(lambda)) U^T Y,  phi_t(lambda) = (1 - (1 - lambda/lambda_max)^t) / lambda,
// for any real t >= 0, from one eigendecomposition. Predictions G a_t on a
// fixed set of points cost one GEMM (m x n x c) per t once G U is formed.
//
// EigenPro with the exact top-k eigenvectors (docs/claims.md random-labels)
// preconditions the gradient by P = I - sum_(i<=k) (1 - lambda_(k+1)/lambda_i) e_i e_i^T
// and steps with eta = n / lambda_(k+1): the top k directions land in one step
// and the rest contract by r = 1 - lambda/lambda_(k+1), so the same filter holds
// with lambda_(k+1) in place of lambda_max (phi = 1/lambda for the top k,
// t >= 1). k = 0 is plain GD; k = n - 1 is Newton's method (exact in one step).
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

  // lambda_(k+1), the (k+1)-th largest eigenvalue: EigenPro-k's step is n / lambda_(k+1).
  // Throws std::invalid_argument unless 0 <= k < n and lambda_(k+1) > 0.
  double step_eigenvalue(int eigenpro_k = 0) const;

  // phi_t(lambda_j) for every eigenvalue: the spectral filter of t steps
  // (of EigenPro with the exact top-k eigenvectors; k = 0 is plain GD).
  Eigen::VectorXd filter(double t, int eigenpro_k = 0) const;

  // For ascending ts: repeats[j] is the index of the first step of ts whose
  // filter equals ts[j]'s bit for bit (j itself where it differs from the step
  // before). Once t x > ~37 for every x = lambda / lambda_(k+1), 1 - (1 - x)^t
  // rounds to 1 and phi_t = 1/lambda exactly, so a grid running past that repeats
  // one filter, and predictions there need evaluating once. A singular K (tiny
  // eigenvalues that never converge) repeats none.
  std::vector<size_t> repeats(const std::vector<double>& ts, int eigenpro_k = 0) const;

  // The t -> infinity limit of GD from 0 restricted to K's numerical range:
  // 1/lambda above n eps lambda_max, 0 below (the minimum-norm interpolant
  // K^+ Y; a rank-deficient Gram matrix Phi Phi^T has directions that only
  // rounding puts below the cutoff, and GD's predictions never move along them).
  Eigen::VectorXd limit_filter() const;

  // a_t for targets Y (n x c).
  Eigen::MatrixXd coefficients(const Eigen::MatrixXd& Y, double t, int eigenpro_k = 0) const;

  // a_t at several t at once from UtY = U^T Y (n x c): column block j holds
  // a_(ts[j]). Predictions at points whose kernel rows are G are then one GEMM
  // G a (m x n x c |ts|), with no G U to form first (m x n x n per point set).
  Eigen::MatrixXd coefficients_at(const Eigen::MatrixXd& UtY, const std::vector<double>& ts, int eigenpro_k = 0) const;

  // Predictions at t given GU = G U (m x n, G the kernel rows of the points)
  // and UtY = U^T Y (n x c): GU diag(phi_t) UtY.
  Eigen::MatrixXd predict(const Eigen::MatrixXd& GU, const Eigen::MatrixXd& UtY, double t, int eigenpro_k = 0) const;

  // The same at several t in one GEMM (m x n x c |ts|, compute-bound where one
  // t at a time re-reads GU per t): column block j holds the predictions at ts[j].
  Eigen::MatrixXd predict(const Eigen::MatrixXd& GU, const Eigen::MatrixXd& UtY, const std::vector<double>& ts,
                          int eigenpro_k = 0) const;

 private:
  // diag(phi_t) UtY for each t of ts, side by side (n x c |ts|).
  Eigen::MatrixXd filtered(const Eigen::MatrixXd& UtY, const std::vector<double>& ts, int eigenpro_k) const;

  Eigen::VectorXd lambda_;
  Eigen::MatrixXd U_;
};

}  // namespace prism::models
