#include "datasets/label_noise.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

namespace prism::data {
namespace {

void check_probability(const char* what, double p) {
  if (!(p >= 0.0 && p <= 1.0)) {  // also rejects NaN
    throw std::invalid_argument(fmt::format("{} = {} is not in [0, 1]", what, p));
  }
}

void check_classes(int k) {
  if (k < 1) throw std::invalid_argument(fmt::format("k = {} classes, need k >= 1", k));
}

}  // namespace

Eigen::VectorXi corrupt_labels(const Eigen::VectorXi& y, int k, double q, Rng& rng) {
  check_classes(k);
  check_probability("q", q);
  Eigen::VectorXi out = y;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (y(i) < 0 || y(i) >= k) {
      throw std::invalid_argument(
          fmt::format("corrupt_labels: label {} at {} is not in [0, {})", y(i), i, k));
    }
    // Draw both numbers unconditionally: keeps the stream aligned across q.
    const double u = rng.uniform();
    const int replacement = static_cast<int>(rng.index(static_cast<std::size_t>(k)));
    if (u < q) out(i) = replacement;
  }
  return out;
}

double noisy_bayes_risk(double clean_bayes_risk, double q, int k) {
  check_probability("clean Bayes risk", clean_bayes_risk);
  check_probability("q", q);
  check_classes(k);
  return q * (k - 1) / k + (1.0 - q) * clean_bayes_risk;
}

}  // namespace prism::data
