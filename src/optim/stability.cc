#include "src/optim/stability.h"

#include <cmath>
#include <stdexcept>

namespace prism::optim {
namespace {

// log(1 + e^u) without overflow.
double softplus(double u) { return u > 0 ? u + std::log1p(std::exp(-u)) : std::log1p(std::exp(u)); }

// log cosh(u) without overflow.
double log_cosh(double u) {
  const double a = std::abs(u);
  return a + std::log1p(std::exp(-2 * a)) - std::log(2.0);
}

}  // namespace

double stability_loss(StabilityLoss loss, const Eigen::VectorXd& w, const Eigen::VectorXd& x, double y) {
  const double margin = y * w.dot(x);
  return loss == StabilityLoss::kLogistic ? softplus(-margin) : -margin;
}

void stability_step(StabilityLoss loss, Eigen::VectorXd& w, const Eigen::VectorXd& x, double y, double step) {
  // grad = -y x sigma(-y w.x) for the logistic loss, -y x for the linear one.
  const double weight = loss == StabilityLoss::kLogistic ? 1.0 / (1.0 + std::exp(y * w.dot(x))) : 1.0;
  w.noalias() += (step * y * weight) * x;
}

double hilltop_loss(double w, double z, double s, double c) {
  return s * s * (8 * log_cosh(w / (4 * s)) - log_cosh(w / s)) - c * z * w;
}

double hilltop_gradient(double w, double z, double s, double c) {
  return s * (2 * std::tanh(w / (4 * s)) - std::tanh(w / s)) - c * z;
}

double mean_abs_coordinate_on_sphere(int d) {
  if (d < 1) throw std::invalid_argument("mean_abs_coordinate_on_sphere: d must be >= 1");
  return std::exp(std::lgamma(0.5 * d) - std::lgamma(0.5 * (d + 1))) / std::sqrt(M_PI);
}

double linear_expected_divergence(double alpha, double steps, int n) { return 2 * alpha * steps / n; }

double linear_expected_gap(double alpha, double steps, int n, int d, double flip) {
  const double m = (1 - 2 * flip) * mean_abs_coordinate_on_sphere(d);
  return alpha * steps * (1 - m * m) / n;
}

}  // namespace prism::optim
