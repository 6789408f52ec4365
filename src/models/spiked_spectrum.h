// Synthetic data with a prescribed curvature ratio beta / lambda_1 (docs/claims.md
// critical-batch): every point has norm sqrt(beta) and is made of a shared
// direction carrying a fraction of it plus an orthogonal part of its own,
//
//   x_i = sqrt(a) u + sqrt(b) e_i,   a + b = beta,   i = 1..n,
//
// with u, e_1, ..., e_n orthonormal in R^(n+1). The Gram matrix is
//
//   K = X X^T = a 1 1^T + b I,
//
// whose eigenvalues are a n + b (eigenvector 1) and b (multiplicity n - 1).
// H = X^T X / n has the non-zero eigenvalues of K / n, so
//
//   lambda_1 = (a n + b) / n = a + (beta - a) / n,   lambda_rest = b / n,
//   tr(H) = beta (every ||x_i||^2 = beta).
//
// Solving lambda_1 = beta / R for the shared part:
//
//   a (1 - 1/n) = beta / R - beta / n   =>   a = beta (n - R) / (R (n - 1)),
//
// which needs 1 <= R <= n (R = n: orthogonal points, a = 0; R = 1: identical
// points, b = 0). Then beta / lambda_1 = R exactly (up to rounding) and
// m* = beta / lambda_1 + 1 = R + 1 (MBB 2018 Eq. 24); tr(H) / lambda_1 = R.
#pragma once

#include <Eigen/Core>

namespace prism::models {

struct SpikedSpectrum {
  Eigen::Index n = 0;
  double beta = 0;    // ||x_i||^2 for every i
  double shared = 0;  // a: the part of beta along the shared direction u
  double own = 0;     // b = beta - a: the part along the point's own e_i

  // Closed forms (the claim measures these by Lanczos on gram_op instead).
  double lambda_1() const;     // (a n + b) / n
  double lambda_rest() const;  // b / n
  double ratio() const;        // beta / lambda_1

  // Explicit features, n x (n + 1): column 0 is u, column 1 + i is e_i.
  Eigen::MatrixXd features() const;
  // K = X X^T = a 1 1^T + b I, dense n x n (for tests and small n only).
  Eigen::MatrixXd gram() const;
};

// The construction with beta / lambda_1 = ratio. Throws std::invalid_argument
// unless n >= 2, beta > 0 and 1 <= ratio <= n.
SpikedSpectrum spiked_spectrum(Eigen::Index n, double beta, double ratio);

// y = scale * K x in O(n) (Spectra's Op concept), for Lanczos on K / n.
class SpikedGramOp {
 public:
  using Scalar = double;
  SpikedGramOp(const SpikedSpectrum& s, double scale = 1.0) : s_(s), scale_(scale) {}
  Eigen::Index rows() const { return s_.n; }
  Eigen::Index cols() const { return s_.n; }
  void perform_op(const double* x, double* y) const;

 private:
  SpikedSpectrum s_;
  double scale_;
};

}  // namespace prism::models
