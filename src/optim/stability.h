// Uniform stability of SGD (Hardt, Recht, Singer 2016; docs/claims.md
// uniform-stability): the losses, their gradients and the closed forms of the
// experiment. SGD runs on two data sets that differ in one example with the
// SAME sample path (the coupling the divergence lemma rests on).
#pragma once

#include <Eigen/Core>

namespace prism::optim {

enum class StabilityLoss {
  kLogistic,  // log(1 + exp(-y w.x)): convex, L = max ||x||, beta = max ||x||^2 / 4
  kLinear,    // -y w.x: convex, L = max ||x||, beta = 0 (the divergence bound is attained)
};

double stability_loss(StabilityLoss loss, const Eigen::VectorXd& w, const Eigen::VectorXd& x, double y);

// w <- w - step * grad_w f(w; (x, y)).
void stability_step(StabilityLoss loss, Eigen::VectorXd& w, const Eigen::VectorXd& x, double y, double step);

// The symmetric hilltop of the control, a scalar non-convex loss:
// f(w; z) = h(w) - c z w, h(w) = s^2 [8 log cosh(w / (4s)) - log cosh(w / s)];
// |h'| <= s (so L = s + c for |z| <= 1), |h''| <= 1/2 = beta, h''(0) = -1/2:
// w = 0 is a hilltop, stationary for z = 0, with wells at about +-2.12 s.
double hilltop_loss(double w, double z, double s, double c);
double hilltop_gradient(double w, double z, double s, double c);

// E|x_1| for x uniform on the unit sphere in R^d: Gamma(d/2) / (sqrt(pi) Gamma((d+1)/2)).
double mean_abs_coordinate_on_sphere(int d);

// Linear loss, flipped example, shared paths with replacement: ||w_T - w'_T||
// = 2 alpha #{t <= T : i_t = n}, so E = 2 alpha T / n exactly (||x_n|| = 1).
double linear_expected_divergence(double alpha, double steps, int n);

// Linear loss: E_{S,A}[R(w_T) - R_S(w_T)] = alpha T (E||x||^2 - ||m||^2) / n,
// m = E[y x] = (1 - 2q) E|x_1| e_1 for y = sign(x_1) flipped with probability q,
// x uniform on the unit sphere in R^d.
double linear_expected_gap(double alpha, double steps, int n, int d, double flip);

}  // namespace prism::optim
