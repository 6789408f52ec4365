// The wiNN closed forms (src/models/winn_closed_form.h) against direct
// simulation of the Pareto weights, and against the values of docs/claims.md.
#include "src/models/winn_closed_form.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "tests/support/test_support.h"
#include "tests/support/tolerances.h"

namespace prism::models {
namespace {

using namespace ::prism::testing::tolerances;

constexpr double kA = 0.25;          // alpha / d of the claim
constexpr int kDraws = 200000;       // direct draws per value (docs/claims.md: 2e5)
constexpr double kTableDigits = 5e-7;  // the tabulated c(1/4, k) carry 6-7 digits

// Mean and standard error of sum u_i^2 t_i^(2b) / (sum u)^2 over direct draws:
// U_i ~ U(0,1), u_i = U_i^-a, t_i = U_i^(1/d) (b = 0: the variance factor).
std::pair<double, double> simulate(int k, int d, double b, std::uint64_t seed) {
  Rng rng(seed, "winn-closed-form");
  double sum = 0, sum2 = 0;
  std::vector<double> u(k), t2(k);
  for (int r = 0; r < kDraws; ++r) {
    double total = 0;
    for (int i = 0; i < k; ++i) {
      const double U = 1.0 - rng.uniform();  // (0, 1]
      u[i] = std::pow(U, -kA);
      t2[i] = std::pow(U, 2.0 / d);
      total += u[i];
    }
    double v = 0;
    for (int i = 0; i < k; ++i) v += u[i] * u[i] * std::pow(t2[i], b);
    v /= total * total;
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / kDraws;
  return {mean, std::sqrt((sum2 / kDraws - mean * mean) / kDraws)};
}

TEST(WinnClosedForm, VarianceFactorMatchesTheTabulatedValues) {
  const std::vector<std::pair<int, double>> table = {{8, 0.134909},  {16, 0.068549},  {32, 0.034643},
                                                     {64, 0.017436}, {128, 0.008751}, {256, 0.0043845}};
  for (const auto& [k, c] : table) EXPECT_NEAR(winn_variance_factor(kA, k), c, kTableDigits) << "k = " << k;
  // The large-k limit (1-a)^2 / ((1-2a) k) = 1.125 / k.
  EXPECT_NEAR(winn_variance_factor(kA, 4096) * 4096, 1.125, 0.01);
}

TEST(WinnClosedForm, VarianceFactorMatchesDirectDraws) {
  for (int k : {8, 64}) {
    const auto [mean, se] = simulate(k, 1, 0.0, 11 + k);
    EXPECT_LE(std::abs(mean - winn_variance_factor(kA, k)), kStandardErrors * se)
        << "k = " << k << ": simulated " << mean << " +- " << se << ", closed form " << winn_variance_factor(kA, k);
  }
}

TEST(WinnClosedForm, BiasFactorMatchesDirectDraws) {
  for (int d : {1, 2}) {
    const int k = 16;
    const auto [mean, se] = simulate(k, d, 1.0, 100 + d);
    const double closed = winn_bias_factor(kA, k, d);
    EXPECT_LE(std::abs(mean - closed), kStandardErrors * se)
        << "d = " << d << ": simulated " << mean << " +- " << se << ", closed form " << closed;
  }
}

TEST(WinnClosedForm, ExpectedExcessAtTheQuickGridsEnd) {
  // docs/claims.md: 0.0174358 at n = 4096 (k = 64) in d = 1 and 0.0174654 in d = 2.
  EXPECT_NEAR(winn_expected_excess(kA, 64, 4096, 1, 1.0, 1.0), 0.0174358, kTableDigits);
  EXPECT_NEAR(winn_expected_excess(kA, 64, 4096, 2, 1.0, 2.0), 0.0174654, kTableDigits);
  EXPECT_NEAR(knn_radius_second_moment(3, 9, 1), 4.0 * 5.0 / (4.0 * 10.0 * 11.0), kFullPrecisionTolerance);
}

TEST(WinnClosedForm, OrdersMustBeIntegers) {
  PRISM_EXPECT_THROW_WITH(pareto_weight_moment(2.0, 8, 2.0), std::invalid_argument, "must be an integer");
  PRISM_EXPECT_THROW_WITH(pareto_weight_moment(0.3, 8, 2.0), std::invalid_argument, "must be an integer");
  PRISM_EXPECT_THROW_WITH(knn_radius_second_moment(8, 64, 3), std::invalid_argument, "d = 3");
}

}  // namespace
}  // namespace prism::models
