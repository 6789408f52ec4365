#include "src/models/winn_closed_form.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <boost/math/constants/constants.hpp>
#include <boost/math/quadrature/exp_sinh.hpp>
#include <boost/math/special_functions/expint.hpp>

namespace prism::models {
namespace {

// The order 1/a + 1 - e as an integer >= 2, or an error naming the arguments.
unsigned integer_order(double a, double e) {
  const double q = 1.0 / a + 1.0 - e;
  if (!(q >= 2.0) || std::abs(q - std::round(q)) > 1e-12)
    throw std::invalid_argument("pareto_weight_moment: order 1/a + 1 - e = " + std::to_string(q) +
                                " must be an integer >= 2 (a = " + std::to_string(a) + ", e = " + std::to_string(e) + ")");
  return static_cast<unsigned>(std::lround(q));
}

}  // namespace

double pareto_weight_moment(double a, int k, double e) {
  if (k < 1) throw std::invalid_argument("pareto_weight_moment: k = " + std::to_string(k) + ", expected k >= 1");
  const unsigned q_e = integer_order(a, e), q_0 = integer_order(a, 0.0);
  const double scale = 1.0 / a;
  // s = t / k keeps the mass of the integrand near t ~ 1 whatever k is.
  auto integrand = [&](double t) {
    const double s = t / k;
    const double phi_e = scale * boost::math::expint(q_e, s), phi_0 = scale * boost::math::expint(q_0, s);
    return t * phi_e * std::exp((k - 1) * std::log(phi_0));
  };
  boost::math::quadrature::exp_sinh<double> quad;
  const double tol = 1e-12;
  return quad.integrate(integrand, tol) / k;
}

double winn_variance_factor(double a, int k) { return pareto_weight_moment(a, k, 2.0); }

double winn_bias_factor(double a, int k, int d) { return pareto_weight_moment(a, k, 2.0 - 2.0 / (a * d)); }

double knn_radius_second_moment(int k, int n, int d) {
  if (k < 1 || k >= n) throw std::invalid_argument("knn_radius_second_moment: expected 1 <= k < n");
  if (d == 1) return (k + 1.0) * (k + 2.0) / (4.0 * (n + 1.0) * (n + 2.0));
  if (d == 2) return (k + 1.0) / (boost::math::constants::pi<double>() * (n + 1.0));
  throw std::invalid_argument("knn_radius_second_moment: d = " + std::to_string(d) + ", only 1 and 2 are derived");
}

double winn_expected_excess(double a, int k, int n, int d, double sigma2, double grad_norm2) {
  return sigma2 * winn_variance_factor(a, k) +
         knn_radius_second_moment(k, n, d) * winn_bias_factor(a, k, d) * grad_norm2 / d;
}

}  // namespace prism::models
