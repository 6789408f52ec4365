#include "src/models/cover_hart.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace prism::models {
namespace {

constexpr double kPi = 3.14159265358979323846;

// 1/width as an even integer, or throw (the striped closed forms need as many
// low as high stripes).
void require_even_stripes(double width) {
  const double stripes = 1.0 / width;
  const double rounded = std::round(stripes);
  if (std::abs(stripes - rounded) > 1e-9 * rounded || static_cast<long long>(rounded) % 2 != 0)
    throw std::invalid_argument("Eta: the striped closed forms need 1/width an even integer, got 1/width = " +
                                std::to_string(stripes));
}

// Gauss-Legendre nodes and weights on [-1, 1], 8 points.
constexpr double kGaussNode[8] = {-0.9602898564975363, -0.7966664774136267, -0.5255324099163290,
                                  -0.1834346424956498, 0.1834346424956498,  0.5255324099163290,
                                  0.7966664774136267,  0.9602898564975363};
constexpr double kGaussWeight[8] = {0.1012285362903763, 0.2223810344533745, 0.3137066458778873,
                                    0.3626837833783620, 0.3626837833783620, 0.3137066458778873,
                                    0.2223810344533745, 0.1012285362903763};

// Composite 8-point Gauss-Legendre of f over [a, b] in `panels` panels.
template <class F>
double integrate(F&& f, double a, double b, int panels) {
  const double h = (b - a) / panels;
  double total = 0;
  for (int p = 0; p < panels; ++p) {
    const double mid = a + (p + 0.5) * h;
    for (int i = 0; i < 8; ++i) total += kGaussWeight[i] * f(mid + 0.5 * h * kGaussNode[i]);
  }
  return 0.5 * h * total;
}

}  // namespace

Eta Eta::striped(double width, double low, double high) {
  if (!(width > 0) || !(low >= 0 && low <= 1) || !(high >= 0 && high <= 1))
    throw std::invalid_argument("Eta::striped: need width > 0 and low, high in [0, 1]");
  Eta e;
  e.kind = Kind::kStriped;
  e.width = width, e.low = low, e.high = high;
  return e;
}

double Eta::operator()(double x1) const {
  if (kind == Kind::kLinear) return x1;
  const auto stripe = static_cast<long long>(std::floor(x1 / width));
  return stripe % 2 == 0 ? low : high;
}

double Eta::bayes_risk() const {
  if (kind == Kind::kLinear) return 0.25;  // int_0^1 min(x, 1 - x) dx
  require_even_stripes(width);
  return 0.5 * (std::min(low, 1 - low) + std::min(high, 1 - high));
}

double Eta::nn_limit_risk() const {
  if (kind == Kind::kLinear) return 1.0 / 3.0;  // int_0^1 2 x (1 - x) dx
  require_even_stripes(width);
  return low * (1 - low) + high * (1 - high);
}

double cover_hart_bound(double bayes_risk) { return 2 * bayes_risk * (1 - bayes_risk); }

double pair_error(double eta_x, double eta_nn) { return eta_x * (1 - eta_nn) + eta_nn * (1 - eta_x); }

double prediction_error(double eta_x, int prediction) {
  if (prediction != 1 && prediction != -1)
    throw std::invalid_argument("prediction_error: prediction " + std::to_string(prediction) + ", expected -1 or +1");
  return prediction == 1 ? 1 - eta_x : eta_x;
}

double finite_n_nn_risk(std::int64_t n, int d) {
  if (n < 1) throw std::invalid_argument("finite_n_nn_risk: n = " + std::to_string(n) + ", expected n >= 1");
  const double nn = static_cast<double>(n);
  if (d == 1) return 1.0 / 3.0 + 1.5 / (nn * nn);
  if (d == 2) return 1.0 / 3.0 + 1.0 / (kPi * nn);
  throw std::invalid_argument("finite_n_nn_risk: d = " + std::to_string(d) +
                              ", derived for d = 1 and 2 only (the d >= 3 constant is not derived)");
}

double wall_constant_d2() {
  // Inner integral over r = s + u^2 (the integrand grows like sqrt(r - s) at
  // r = s, smooth in u), truncated where exp(-A) <= exp(-pi r^2 / 2) < 1e-30.
  constexpr double kRMax = 6.5;
  auto inner = [](double s) {
    if (s >= kRMax) return 0.0;
    auto f = [s](double u) {
      const double r = s + u * u;
      const double phi = std::acos(std::min(1.0, s / r));
      const double area = kPi * r * r - r * r * phi + s * std::sqrt(std::max(0.0, r * r - s * s));
      return 2 * u * 2 * r * r * std::sin(phi) * std::exp(-area);  // dr = 2u du
    };
    return integrate(f, 0.0, std::sqrt(kRMax - s), 64);
  };
  return 2 * integrate(inner, 0.0, kRMax, 64);
}

Eigen::MatrixXd jittered_grid(Eigen::Index m, int d, Rng& rng) {
  if (d < 1 || m < 1) throw std::invalid_argument("jittered_grid: need m >= 1 and d >= 1");
  const auto g = static_cast<Eigen::Index>(std::llround(std::pow(static_cast<double>(m), 1.0 / d)));
  Eigen::Index cells = 1;
  for (int j = 0; j < d; ++j) cells *= g;
  if (cells != m)
    throw std::invalid_argument("jittered_grid: m = " + std::to_string(m) + " is not a " + std::to_string(d) +
                                "-th power");
  Eigen::MatrixXd out(m, d);
  for (Eigen::Index i = 0; i < m; ++i) {
    Eigen::Index cell = i;
    for (int j = 0; j < d; ++j) {
      out(i, j) = (static_cast<double>(cell % g) + rng.uniform()) / static_cast<double>(g);
      cell /= g;
    }
  }
  return out;
}

double nn_pair_risk(const KdTree& tree, const Eigen::VectorXd& eta_train, const Eigen::MatrixXd& test,
                    const Eta& eta) {
  if (eta_train.size() != tree.size())
    throw std::invalid_argument("nn_pair_risk: eta_train has " + std::to_string(eta_train.size()) +
                                " values for " + std::to_string(tree.size()) + " points");
  if (test.cols() != tree.dim() || test.rows() == 0)
    throw std::invalid_argument("nn_pair_risk: test points must be a non-empty matrix with the tree's dimension");
  Eigen::VectorXd q(tree.dim());
  int index = 0;
  double d2 = 0, total = 0;
  for (Eigen::Index j = 0; j < test.rows(); ++j) {
    q = test.row(j).transpose();
    tree.nearest(q.data(), 1, &index, &d2);
    total += pair_error(eta(q(0)), eta_train(index));
  }
  return total / static_cast<double>(test.rows());
}

}  // namespace prism::models
