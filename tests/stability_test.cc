// The stability experiment's losses and closed forms (src/optim/stability.h):
// gradients against central differences, 1-expansiveness of the logistic step,
// the hilltop's constants, and the linear-loss identities by simulation.
#include "src/optim/stability.h"

#include <cmath>

#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "tests/support/test_support.h"
#include "tests/support/tolerances.h"

namespace prism::optim {
namespace {

using namespace ::prism::testing::tolerances;

constexpr double kFdStep = 1e-6;
constexpr double kFdTolerance = 1e-7;

Eigen::VectorXd unit_vector(Rng& rng, int d) {
  Eigen::VectorXd x = rng.normal_vector(d);
  return x / x.norm();
}

TEST(Stability, StepsFollowTheGradientOfTheLoss) {
  Rng rng(1, "stability-grad");
  for (StabilityLoss loss : {StabilityLoss::kLogistic, StabilityLoss::kLinear}) {
    const Eigen::VectorXd w = rng.normal_vector(5), x = unit_vector(rng, 5);
    const double y = -1;
    Eigen::VectorXd stepped = w;
    stability_step(loss, stepped, x, y, 1.0);  // w - grad
    for (int j = 0; j < 5; ++j) {
      Eigen::VectorXd e = Eigen::VectorXd::Zero(5);
      e(j) = kFdStep;
      const double fd = (stability_loss(loss, w + e, x, y) - stability_loss(loss, w - e, x, y)) / (2 * kFdStep);
      EXPECT_NEAR(w(j) - stepped(j), fd, kFdTolerance) << "coordinate " << j;
    }
  }
}

TEST(Stability, LogisticStepIsOneExpansiveBelowTwoOverBeta) {
  // beta = ||x||^2 / 4 = 1/4: for alpha <= 8, ||G(w) - G(v)|| <= ||w - v|| (HRS Lemma 3.7).
  Rng rng(2, "stability-expansive");
  for (int trial = 0; trial < 1000; ++trial) {
    const Eigen::VectorXd x = unit_vector(rng, 4);
    Eigen::VectorXd w = 3 * rng.normal_vector(4), v = 3 * rng.normal_vector(4);
    const double before = (w - v).norm();
    stability_step(StabilityLoss::kLogistic, w, x, 1.0, 8.0);
    stability_step(StabilityLoss::kLogistic, v, x, 1.0, 8.0);
    EXPECT_LE((w - v).norm(), before * (1 + 1e-12)) << "trial " << trial;
  }
}

TEST(Stability, HilltopConstants) {
  const double s = 5, c = 5;
  double max_slope = 0;
  for (double w = -60; w <= 60; w += 0.01) {
    const double fd = (hilltop_loss(w + kFdStep, 0, s, c) - hilltop_loss(w - kFdStep, 0, s, c)) / (2 * kFdStep);
    ASSERT_NEAR(hilltop_gradient(w, 0, s, c), fd, 1e-5) << "w = " << w;
    max_slope = std::max(max_slope, std::abs(hilltop_gradient(w, 0, s, c)));
  }
  EXPECT_LE(max_slope, s) << "|h'| <= s";
  const double curvature = (hilltop_gradient(1e-4, 0, s, c) - hilltop_gradient(-1e-4, 0, s, c)) / 2e-4;
  EXPECT_NEAR(curvature, -0.5, 1e-6) << "h''(0) = -1/2: the top";
  EXPECT_EQ(hilltop_gradient(0, 0, s, c), 0.0);
  EXPECT_EQ(hilltop_gradient(0, 1, s, c), -c) << "the differing example's kick";
}

TEST(Stability, MeanAbsCoordinateOnTheSphere) {
  EXPECT_NEAR(mean_abs_coordinate_on_sphere(20), 0.18066, 5e-6) << "docs/claims.md: 0.18066 at d = 20";
  EXPECT_NEAR(mean_abs_coordinate_on_sphere(2), 2 / M_PI, kFullPrecisionTolerance);  // E|cos theta|
  EXPECT_NEAR(mean_abs_coordinate_on_sphere(3), 0.5, kFullPrecisionTolerance);
  Rng rng(3, "sphere");
  double sum = 0, sum2 = 0;
  const int draws = 200000;
  for (int r = 0; r < draws; ++r) {
    const double a = std::abs(unit_vector(rng, 20)(0));
    sum += a, sum2 += a * a;
  }
  const double mean = sum / draws, se = std::sqrt((sum2 / draws - mean * mean) / draws);
  EXPECT_LE(std::abs(mean - mean_abs_coordinate_on_sphere(20)), kStandardErrors * se) << mean << " +- " << se;
}

TEST(Stability, LinearLossDivergenceIdentityBySimulation) {
  // E ||w_T - w'_T|| = 2 alpha T / n with the flipped last example and shared paths.
  const int n = 10, d = 3, T = 25, paths = 40000;
  const double alpha = 0.5;
  Rng data(4, "linear-identity");
  std::vector<Eigen::VectorXd> x;
  std::vector<double> y;
  for (int i = 0; i < n; ++i) x.push_back(unit_vector(data, d)), y.push_back(data.uniform() < 0.5 ? 1.0 : -1.0);
  Rng path(5, "linear-identity-paths");
  double sum = 0, sum2 = 0;
  for (int r = 0; r < paths; ++r) {
    Eigen::VectorXd w = Eigen::VectorXd::Zero(d), v = w;
    for (int t = 0; t < T; ++t) {
      const size_t i = path.index(n);
      stability_step(StabilityLoss::kLinear, w, x[i], y[i], alpha);
      stability_step(StabilityLoss::kLinear, v, x[i], i + 1 == static_cast<size_t>(n) ? -y[i] : y[i], alpha);
    }
    const double delta = (w - v).norm();
    sum += delta, sum2 += delta * delta;
  }
  const double mean = sum / paths, se = std::sqrt((sum2 / paths - mean * mean) / paths);
  EXPECT_LE(std::abs(mean - linear_expected_divergence(alpha, T, n)), kStandardErrors * se)
      << mean << " +- " << se << " against " << linear_expected_divergence(alpha, T, n);
}

TEST(Stability, LinearGapClosedForm) {
  const double m = 0.8 * 0.18066;  // (1 - 2q) E|x_1| at q = 0.1, d = 20
  EXPECT_NEAR(linear_expected_gap(1.0, 100, 100, 20, 0.1), 1 - m * m, 1e-5);  // 0.97911
  PRISM_EXPECT_THROW_WITH(mean_abs_coordinate_on_sphere(0), std::invalid_argument, "d must be >= 1");
}

}  // namespace
}  // namespace prism::optim
