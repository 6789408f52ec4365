// Closed forms for interpolating weighted nearest neighbours (wiNN) at an
// interior point (docs/claims.md winn-consistency, derivation there).
//
// Given the (k+1)-th neighbour distance r, the k nearest of n uniform points
// are i.i.d. uniform in the ball of radius r, so t_i = |x - x_(i)| / r has
// t_i^d ~ U(0,1) and the unnormalised weight u_i = t_i^-alpha = U_i^-a,
// a = alpha / d, is Pareto(1/a) on [1, inf). With 1/S^2 = int s e^{-sS} ds,
//   E[sum_i u_i^e' / (sum_j u_j)^2] = k int_0^inf s phi_e(s) phi_0(s)^(k-1) ds,
//   phi_e(s) = E[u^e e^{-su}] = (1/a) E_{1/a + 1 - e}(s),
// E_q the exponential integral. The orders must be integers (1/a integer and
// e an integer offset of it), as for a = 1/4.
#pragma once

namespace prism::models {

// k int_0^inf s phi_e(s) phi_0(s)^(k-1) ds for Pareto(1/a) weights; e is the
// power of u in the numerator. std::invalid_argument unless 1/a + 1 - e and
// 1/a + 1 are integers >= 2 (the integrals then converge at s = 0).
double pareto_weight_moment(double a, int k, double e);

// E[sum w_i^2] = c(a, k): the variance factor of the wiNN estimate.
double winn_variance_factor(double a, int k);

// E[sum w_i^2 t_i^2], t_i the neighbour distances in units of r: e = 2 - 2/(a d).
double winn_bias_factor(double a, int k, int d);

// E r^2 for the (k+1)-th nearest of n uniform points in 1 or 2 dimensions at an
// interior point: (k+1)(k+2) / (4 (n+1)(n+2)) (d = 1, 2r ~ Beta(k+1, n-k)) and
// (k+1) / (pi (n+1)) (d = 2, pi r^2 ~ Beta(k+1, n-k)).
double knn_radius_second_moment(int k, int n, int d);

// The expected excess risk of wiNN at an interior point for a linear target
// with |grad g|^2 = grad_norm2 and label noise variance sigma2:
//   sigma2 c(a, k) + E r^2 E[sum w_i^2 t_i^2] grad_norm2 / d.
double winn_expected_excess(double a, int k, int n, int d, double sigma2, double grad_norm2);

}  // namespace prism::models
