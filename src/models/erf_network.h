// The two-layer erf network of the PL* claim (Belkin 2021 §4.1-4.3; Liu, Zhu,
// Belkin 2020/2022; Du, Zhai, Poczos, Singh 2019), its tangent kernel, the
// closed-form infinite-width kernel, a bound on the Hessian of the square loss
// and full-batch gradient descent. docs/claims.md pl-star gives the setting.
//
//   f(W; x) = m^-1/2 sum_j v_j erf(w_j . x),   W = (w_1, ..., w_m)^T (m x d),
//
// first layer trained, v_j = +-1 fixed; M = m d parameters. Inputs are the rows
// of X (n x d). Flat parameter order (Jacobians, Hessians): w_1, then w_2, ...
// (index j d + k), i.e. row-major W.
//
// Conventions (catalog): L(W) = ||F(W) - y||^2 / (2n), r = F - y; the tangent
// kernel has no 1/n, K(W) = DF DF^T = (S S^T / m) o (X X^T), S = erf'(X W^T);
// PL* in these units: (1/2)||grad L||^2 = r^T K r / (2 n^2) >= (lambda_min(K)/n) L.
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "src/core/rng.h"

namespace prism::models {

// n inputs uniform on the unit sphere S^(d-1) (normalised Gaussian rows), n x d.
Eigen::MatrixXd uniform_sphere_rows(Eigen::Index n, Eigen::Index d, Rng& rng);

double erf_first_derivative(double z);   // erf'(z) = (2/sqrt pi) exp(-z^2)
double erf_second_derivative(double z);  // erf''(z) = -2 z erf'(z)

// Forward quantities of the network at W on the inputs X.
struct ErfForward {
  Eigen::MatrixXd Z;  // n x m, X W^T (one GEMM)
  Eigen::MatrixXd S;  // n x m, erf'(Z)
  Eigen::VectorXd F;  // n, outputs m^-1/2 erf(Z) v
};
ErfForward erf_forward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& W, const Eigen::VectorXd& v);

// K = (S S^T / m) o (X X^T), n x n (the rank-k product, then the Hadamard product).
Eigen::MatrixXd erf_tangent_kernel(const Eigen::MatrixXd& X, const Eigen::MatrixXd& S);

// The explicit Jacobian DF (n x m d, flat order above), for tests: K = J J^T.
Eigen::MatrixXd erf_jacobian(const Eigen::MatrixXd& X, const Eigen::MatrixXd& W, const Eigen::VectorXd& v);

// grad_W L for L = ||r||^2/(2n): row j is (v_j / (n sqrt m)) sum_i r_i S_ij x_i (m x d).
Eigen::MatrixXd erf_loss_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& S, const Eigen::VectorXd& v,
                                  const Eigen::VectorXd& r);

// max_j ||B_j||, B_j = (v_j / sqrt m) X^T diag(r o erf''(X w_j)) X (d x d,
// symmetric, exact eigenvalues): the residual term sum_i r_i Hess f_i is
// block-diagonal per neuron with these blocks.
double erf_max_residual_block_norm(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Z, const Eigen::VectorXd& v,
                                   const Eigen::VectorXd& r);

// beta = (lambda_max(K) + max_j ||B_j||) / n >= ||Hess L(W)||, since
// Hess L = (J^T J + sum_i r_i Hess f_i) / n and ||J^T J|| = lambda_max(K).
struct ErfHessianBound {
  double beta = 0;
  double lambda_max_kernel = 0;
  double max_block_norm = 0;
};
ErfHessianBound erf_hessian_bound(const Eigen::MatrixXd& X, const ErfForward& fwd, const Eigen::VectorXd& v,
                                  const Eigen::VectorXd& y);

// The infinite-width kernel, E over w ~ N(0, I) of the per-neuron kernel:
//   Kinf_il = (x_i.x_l) (4/pi) / sqrt((1 + 2|x_i|^2)(1 + 2|x_l|^2) - 4 (x_i.x_l)^2).
Eigen::MatrixXd erf_infinite_width_kernel(const Eigen::MatrixXd& X);

// Eigenvalues of a symmetric matrix, ascending (Eigen's SelfAdjointEigenSolver).
Eigen::VectorXd symmetric_eigenvalues(const Eigen::MatrixXd& A);

// Matrix Chernoff (Tropp 2012, Thm 1.1) for K(w0) = sum_j X_j, X_j PSD with
// lambda_max(X_j) <= R = R1/m, R1 = (4/pi) ||X X^T||, sum_j E X_j = Kinf:
//   lower: P(lambda_min(K0) <= (1-delta) lam_inf) <= n exp(-(m lam_inf/R1) h(delta)),
//          h(delta) = delta + (1-delta) ln(1-delta);
//   upper: P(lambda_min(K0) >= (1+delta) lam_inf) <= exp(-(m lam_inf/R1) g(delta)),
//          g(delta) = (1+delta) ln(1+delta) - delta (scalar Chernoff on u^T K0 u).
struct ChernoffWidth {
  double lower_tail = 0, upper_tail = 0;  // the two bounds at width m
  double m0 = 0;                          // smallest width with both bounds <= p
};
double chernoff_r1(const Eigen::MatrixXd& X);  // (4/pi) ||X X^T||
ChernoffWidth matrix_chernoff(double m, double lam_inf, double r1, int n, double delta, double p);

// Full-batch GD W <- W - eta grad L, until L <= stop_ratio L0 (after at least
// min_steps steps) or max_steps. Records L_t at every step, the kernel's
// extreme eigenvalues every kernel_every steps and eta * beta_t every
// beta_every steps (t = 0 included).
struct ErfGdOptions {
  double eta = 0;
  int max_steps = 4000;
  int min_steps = 0;
  double stop_ratio = 1e-12;
  int kernel_every = 10;
  int beta_every = 100;
};
struct ErfGdTrace {
  std::vector<double> loss;  // L_0 .. L_T (T + 1 values)
  int stop = 0;              // first t with L_t <= stop_ratio L0, else max_steps
  std::vector<int> kernel_t;
  std::vector<double> kernel_lambda_min, kernel_lambda_max;
  std::vector<int> beta_t;
  std::vector<double> eta_beta;
  Eigen::MatrixXd K0, KT;  // tangent kernels at t = 0 and at T = stop
  Eigen::MatrixXd WT;      // W at T = stop
  Eigen::MatrixXd W;       // W at the last step run (max(stop, min_steps))
};
ErfGdTrace erf_gradient_descent(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const Eigen::MatrixXd& W0,
                                const Eigen::VectorXd& v, const ErfGdOptions& options);

}  // namespace prism::models
