#include "src/models/relu_features_1d.h"

#include <cmath>
#include <stdexcept>

namespace prism::models {

Eigen::MatrixXd ReluFeatures1d::matrix(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Index N) const {
  if (N > size()) throw std::invalid_argument("ReluFeatures1d::matrix: more features asked than drawn");
  Eigen::MatrixXd A(x.size(), N);
  for (Eigen::Index k = 0; k < N; ++k) A.col(k) = (v(k) * x.array() + b(k)).min(0.0).matrix();
  return A;
}

Eigen::VectorXd ReluFeatures1d::evaluate(const Eigen::Ref<const Eigen::VectorXd>& w,
                                         const Eigen::Ref<const Eigen::VectorXd>& x) const {
  return matrix(x, w.size()) * w;
}

double ReluFeatures1d::derivative_total_variation(const Eigen::Ref<const Eigen::VectorXd>& w, double lo, double hi) const {
  if (w.size() > size()) throw std::invalid_argument("derivative_total_variation: more weights than features");
  double tv = 0;
  for (Eigen::Index k = 0; k < w.size(); ++k) {
    if (v(k) == 0) continue;  // a constant feature has no knot
    const double knot = -b(k) / v(k);
    if (knot > lo && knot < hi) tv += std::abs(w(k) * v(k));
  }
  return tv;
}

ReluFeatures1d draw_relu_features_1d(Eigen::Index N, Rng& rng) {
  ReluFeatures1d f{Eigen::VectorXd(N), Eigen::VectorXd(N)};
  for (Eigen::Index k = 0; k < N; ++k) f.v(k) = rng.normal(), f.b(k) = rng.normal();
  return f;
}

double grid_derivative_variation(const Eigen::Ref<const Eigen::VectorXd>& f, double h) {
  if (f.size() < 3 || !(h > 0)) throw std::invalid_argument("grid_derivative_variation: need >= 3 samples and h > 0");
  double tv = 0, previous = (f(1) - f(0)) / h;
  for (Eigen::Index i = 1; i + 1 < f.size(); ++i) {
    const double slope = (f(i + 1) - f(i)) / h;
    tv += std::abs(slope - previous);
    previous = slope;
  }
  return tv;
}

double min_interpolant_derivative_variation(const Eigen::Ref<const Eigen::VectorXd>& x,
                                            const Eigen::Ref<const Eigen::VectorXd>& y) {
  if (x.size() != y.size() || x.size() < 2) throw std::invalid_argument("min_interpolant_derivative_variation: need matching x, y (>= 2)");
  double tv = 0, previous = 0;
  for (Eigen::Index i = 0; i + 1 < x.size(); ++i) {
    if (!(x(i + 1) > x(i))) throw std::invalid_argument("min_interpolant_derivative_variation: x must increase");
    const double slope = (y(i + 1) - y(i)) / (x(i + 1) - x(i));
    if (i > 0) tv += std::abs(slope - previous);
    previous = slope;
  }
  return tv;
}

}  // namespace prism::models
