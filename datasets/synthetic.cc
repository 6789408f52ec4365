#include "datasets/synthetic.h"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "src/core/rng.h"

namespace prism::data {
namespace {

constexpr double kNegativeMean = 2.0;    // mean of x1 given y = -1
constexpr double kBayesThreshold = 1.0;  // midpoint of the two means
constexpr double kUniformLow = -1.0;
constexpr double kUniformHigh = 1.0;
constexpr int kClassPositive = 0;  // y = +1
constexpr int kClassNegative = 1;  // y = -1

}  // namespace

Dataset synthetic2(Split split, std::size_t n, std::uint64_t seed) {
  const char* stream = split == Split::Train ? "synthetic2" : "synthetic2/test";
  Rng rng(seed, stream);
  const auto rows = static_cast<Eigen::Index>(n);
  Dataset out;
  out.X.resize(rows, kSynthetic2Dim);
  out.y.resize(rows);
  for (Eigen::Index i = 0; i < rows; ++i) {
    const bool positive = rng.uniform() < 0.5;
    out.y(i) = positive ? kClassPositive : kClassNegative;
    out.X(i, 0) = rng.normal() + (positive ? 0.0 : kNegativeMean);
    for (int j = 1; j < kSynthetic2Dim; ++j) out.X(i, j) = rng.uniform(kUniformLow, kUniformHigh);
  }
  out.num_classes = 2;
  out.name = "synthetic2";
  out.provenance = fmt::format(
      "Synthetic-2 (d = {}), {} {} samples from Rng(seed = {}, \"{}\"); "
      "class 0 <-> y = +1",
      kSynthetic2Dim, n, split_name(split), seed, stream);
  return out;
}

double synthetic2_bayes_risk() {
  // Equal priors, unit variances, means 0 and 2: the error is Phi(-1) on each side.
  return 0.5 * std::erfc(1.0 / std::sqrt(2.0));
}

double synthetic2_rms_distance() {
  const double mean_gap = kNegativeMean;  // Var(x1) = 1 + (gap / 2)^2 for an equal two-component mixture
  const double var_x1 = 1.0 + 0.25 * mean_gap * mean_gap;
  const double width = kUniformHigh - kUniformLow;
  const double var_uniform = width * width / 12.0;
  return std::sqrt(2.0 * (var_x1 + (kSynthetic2Dim - 1) * var_uniform));
}

Eigen::VectorXi synthetic2_bayes_classify(const Eigen::MatrixXd& X) {
  if (X.cols() != kSynthetic2Dim) {
    throw std::invalid_argument(fmt::format(
        "synthetic2_bayes_classify: X has {} columns, expected {}", X.cols(), kSynthetic2Dim));
  }
  Eigen::VectorXi out(X.rows());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    out(i) = X(i, 0) < kBayesThreshold ? kClassPositive : kClassNegative;
  }
  return out;
}

}  // namespace prism::data
