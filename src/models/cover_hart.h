// Closed forms and estimators of the 1-NN risk against the Bayes risk (Cover
// & Hart 1967; Belkin 2021 §3.5.1) for x uniform in [0,1]^d with labels
// y in {-1, +1}, P(y = +1 | x) = eta(x) depending on x_1 only. docs/claims.md
// one-nn gives the setting and the derivations.
//
// For two classes, with R* = E min(eta, 1 - eta) the Bayes risk, the 1-NN
// risk tends to R_inf = E 2 eta (1 - eta) and R* <= R_inf <= 2 R* (1 - R*).
// For eta(x) = x_1: R* = 1/4, R_inf = 1/3, 2 R*(1 - R*) = 3/8.
#pragma once

#include <cstdint>

#include <Eigen/Core>

#include "src/core/rng.h"
#include "src/models/kd_tree.h"

namespace prism::models {

// The conditional probability eta(x) = P(y = +1 | x), a function of x_1 alone:
// linear, eta = x_1; or striped, eta = low on the stripes
// floor(x_1 / width) even and high on the odd ones (alternating stripes of x_1).
struct Eta {
  enum class Kind { kLinear, kStriped };
  Kind kind = Kind::kLinear;
  double width = 0, low = 0, high = 0;  // striped only

  static Eta linear() { return {}; }
  // std::invalid_argument unless width > 0 and 0 <= low, high <= 1.
  static Eta striped(double width, double low, double high);

  double operator()(double x1) const;
  // Closed forms over x_1 ~ U[0,1]. Striped: exact when 1/width is an even
  // integer (as many low as high stripes); throws otherwise.
  double bayes_risk() const;       // R* = E min(eta, 1 - eta)
  double nn_limit_risk() const;    // R_inf = E 2 eta (1 - eta)
};

// 2 R* (1 - R*), the Cover-Hart upper bound on the asymptotic 1-NN risk (two classes).
double cover_hart_bound(double bayes_risk);

// P(y != y') for independent labels with P(y = +1) = eta_x and P(y' = +1) =
// eta_nn: the error of copying the neighbour's label, exact over both labels:
// eta_x (1 - eta_nn) + eta_nn (1 - eta_x).
double pair_error(double eta_x, double eta_nn);

// P(y != f) for a fixed prediction f in {-1, +1} at a point with eta_x: exact
// over the test label.
double prediction_error(double eta_x, int prediction);

// The expected 1-NN risk at n training points for eta(x) = x_1 (docs/claims.md
// one-nn, wall corrections): 1/3 + 3 / (2 n^2) in d = 1, 1/3 + 1 / (pi n) in
// d = 2, each up to higher orders. std::invalid_argument for other d (in
// d >= 3 the correction is O(n^(-2/d)) with no derived constant) or n < 1.
double finite_n_nn_risk(std::int64_t n, int d);

// The constant C_2 of the d = 2 correction, R_n - 1/3 ~ C_2 / n, evaluated by
// quadrature of its derivation (half-plane Poisson approximation at each of
// the two walls x_1 = 0, 1): C_2 = 2 int_0^inf ds int_s^inf 2 r^2 sin(phi)
// exp(-A(r, s)) dr, phi = arccos(s / r), A = pi r^2 - r^2 phi + s sqrt(r^2 - s^2)
// the area of the radius-r disc inside the half-plane. Equals 1/pi.
double wall_constant_d2();

// m stratified points in [0,1]^d: the jittered grid, one uniform point in each
// of the g^d cells of side 1/g, m = g^d; rows in cell order. Each row is
// uniform on the cube once the cell is averaged over, so the mean of f over
// the rows is unbiased for E f(x), with variance O(1/m^(1+2/d)) for smooth f.
// std::invalid_argument unless m is a d-th power.
Eigen::MatrixXd jittered_grid(Eigen::Index m, int d, Rng& rng);

// The 1-NN risk of one training set, exact over every label: the mean over the
// rows of `test` of pair_error(eta(x), eta(x')), x' the nearest row of the
// tree's points and eta_train(i) = eta at the tree's point i.
double nn_pair_risk(const KdTree& tree, const Eigen::VectorXd& eta_train, const Eigen::MatrixXd& test,
                    const Eta& eta);

}  // namespace prism::models
