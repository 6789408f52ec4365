// Minimum-norm least squares and the whole ridge path of A W = Y (A: n x N,
// Y: n x c) from one spectral decomposition A = U diag(s) V^T (docs/claims.md
// double-descent). Three ways to get the left singular pairs (U, s), by
// conditioning:
//   - thin_svd: LAPACK dgesdd on A itself; accurate at any condition number,
//     the only route near the interpolation threshold (N ~ n), where
//     s_min / s_max is ~1e-6 and the Gram's eigenvalues lose it;
//   - from the row Gram G = A A^T (N >= n): one eigendecomposition of n x n,
//     relative error ~ eps cond(A)^2 on s_min^2, for well-conditioned A only;
//   - from the column Gram C = A^T A (N <= n): eig of N x N, U = A V diag(1/s).
// With (U, s) the ridge solution for lam is W_lam = A^T Z_lam,
// Z_lam = U diag(1/(s^2 + lam)) U^T Y, so predictions at points whose features
// B give the cross Gram T = B A^T are T Z_lam: the path needs only (U, s), and
// test features never have to be held whole.
#pragma once

#include <vector>

#include <Eigen/Core>

namespace prism::linalg {

struct LeftSpectrum {
  Eigen::MatrixXd U;  // n x r, orthonormal columns
  Eigen::VectorXd s;  // r singular values, descending
};

struct ThinSvd {
  Eigen::MatrixXd U;  // n x r, r = min(n, N)
  Eigen::VectorXd s;  // descending
  Eigen::MatrixXd V;  // N x r
  LeftSpectrum left() const { return {U, s}; }
};

// A = U diag(s) V^T by divide and conquer (dgesdd; Eigen's BDCSVD in the
// Eigen-only build). std::runtime_error if LAPACK fails.
ThinSvd thin_svd(Eigen::MatrixXd A);

// numpy.linalg.lstsq's default cutoff eps * max(n, N) * s_1: singular values at
// or below it are treated as zero (NOT gelsd's rcond < 0 default eps * s_1).
double lstsq_cutoff(const Eigen::VectorXd& s, Eigen::Index rows, Eigen::Index cols);

// Singular values above `cutoff`: the numerical rank.
Eigen::Index numerical_rank(const Eigen::VectorXd& s, double cutoff);

// From G = A A^T (n x n, lower triangle read). Eigenvalues below zero (rounding)
// give s = 0.
LeftSpectrum left_spectrum_from_row_gram(Eigen::MatrixXd G);

// From A (n x N) and C = A^T A (N x N, lower triangle read), full column rank.
LeftSpectrum left_spectrum_from_column_gram(const Eigen::Ref<const Eigen::MatrixXd>& A, Eigen::MatrixXd C);

// The filter of the path: 1/(s^2 + lam) for lam > 0; for lam = 0 the
// minimum-norm solution, 1/s^2 above `cutoff` and 0 at or below it.
double ridge_filter(double s, double lam, double cutoff);

// Z (n x c L): block l = U diag(ridge_filter(s, lams[l], cutoff)) U^T Y.
Eigen::MatrixXd ridge_path_dual(const LeftSpectrum& spectrum, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                                const std::vector<double>& lams, double cutoff);

// ||W_lam||_F = ||A^T Z_lam||_F for each lam, in closed form:
// sum_i s_i^2 filter_i^2 ||(U^T Y)_i||^2.
std::vector<double> ridge_path_norms(const LeftSpectrum& spectrum, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                                     const std::vector<double>& lams, double cutoff);

// The minimum-norm solution from an SVD: V diag(1/s) U^T Y over s > cutoff.
// Accurate where A^T Z_0 is not (near-zero s_min).
Eigen::MatrixXd min_norm_solution(const ThinSvd& svd, const Eigen::Ref<const Eigen::MatrixXd>& Y, double cutoff);

// The backward error of W as a solution of A W = Y in units of machine epsilon,
// ||A W - Y||_F / (eps ||A||_2 ||W||_F sqrt(c)), with A W formed explicitly.
// An exact interpolant computed stably gives O(1) to O(sqrt(n N)).
double interpolation_backward_error(const Eigen::Ref<const Eigen::MatrixXd>& A, double norm_A,
                                    const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Eigen::MatrixXd>& Y);

// Coordinates in which a linear model on A is a model on the r directions of A
// above `cutoff`, with the same norm: A = U S V^T and W = V_r C give
// A W = (U_r S_r) C and ||W||_F = ||C||_F (so an L2 penalty on W is one on C).
// Another point set B has coordinates B V_r = (B A^T) U_r S_r^{-1}: a cross Gram
// (kernel rows, or B and A themselves) times `from_cross_gram`.
struct RowSpaceCoordinates {
  Eigen::MatrixXd train;            // n x r: U_r S_r
  Eigen::MatrixXd from_cross_gram;  // n x r: U_r S_r^{-1}
};
RowSpaceCoordinates row_space_coordinates(const LeftSpectrum& spectrum, double cutoff);

}  // namespace prism::linalg
