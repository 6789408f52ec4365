// Cholesky of a symmetric positive definite (kernel) matrix, factorised once and
// reused for any number of right-hand sides.
//
// The factorisation is LAPACK dpotrf (Eigen's in-place LLT under
// EIGEN_USE_LAPACKE_STRICT; Eigen's own kernels in the baseline build); a solve
// is two triangular solves (dtrsm) on the whole matrix of right-hand sides, the
// same work as dpotrs. A numerically singular K is an error unless the caller
// allows a diagonal jitter, whose size is then reported, never applied silently.
#pragma once

#include <stdexcept>
#include <string>

#include <Eigen/Core>

namespace prism::linalg {

// K was not numerically positive definite (even with the allowed jitter).
class NotPositiveDefinite : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CholeskyOptions {
  // Largest diagonal shift allowed, relative to the mean diagonal entry. 0: none,
  // fail instead. Otherwise tries 1e-14, 1e-13, ... times the mean diagonal, up to this.
  double max_relative_jitter = 0.0;
};

class Cholesky {
 public:
  // Factorises K (n x n, both triangles filled; only the lower one is read
  // unless a retry with jitter is needed). Pass an rvalue to factorise in place
  // without a copy of K. Throws NotPositiveDefinite.
  explicit Cholesky(Eigen::MatrixXd K, const CholeskyOptions& options = {});

  // alpha = (K + jitter I)^{-1} Y for an n x c block of right-hand sides.
  Eigen::MatrixXd solve(const Eigen::Ref<const Eigen::MatrixXd>& Y) const;

  // K X for the matrix passed in (without any jitter), n x c: dpotrf('L')
  // leaves K's strict upper triangle in place and K's diagonal is kept, so a
  // caller that moved K in needs no second copy of it (dsymm on the upper
  // triangle, then the diagonal swapped from L's to K's).
  Eigen::MatrixXd multiply(const Eigen::Ref<const Eigen::MatrixXd>& X) const;

  Eigen::Index size() const { return factor_.rows(); }
  const Eigen::MatrixXd& factor() const { return factor_; }  // L in the lower triangle, K's strict upper above it
  double jitter() const { return jitter_; }                  // absolute shift applied (0 unless needed)
  int attempts() const { return attempts_; }                 // factorisations tried (1 without jitter)
  double factorization_flops() const;                        // n^3 / 3 per attempt
  double factorization_seconds() const { return seconds_; }  // all attempts

 private:
  Eigen::MatrixXd factor_;
  Eigen::VectorXd diagonal_;  // K's, before any jitter
  double jitter_ = 0.0;
  int attempts_ = 0;
  double seconds_ = 0.0;
};

// 2 n^2 c: the two triangular solves for c right-hand sides.
double cholesky_solve_flops(Eigen::Index n, Eigen::Index rhs);

// How well alpha interpolates: R = K alpha - Y.
struct InterpolationResidual {
  double max_abs = 0;       // ||R||_max
  double relative_fro = 0;  // ||R||_F / ||Y||_F
};
InterpolationResidual interpolation_residual(const Eigen::Ref<const Eigen::MatrixXd>& K,
                                             const Eigen::Ref<const Eigen::MatrixXd>& alpha,
                                             const Eigen::Ref<const Eigen::MatrixXd>& Y);

}  // namespace prism::linalg
