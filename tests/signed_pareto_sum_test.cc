// P_k = P(sum e_i U_i^-1/4 < 0) by two independent estimators, and the tail
// of one summand against its integral.
#include "src/models/signed_pareto_sum.h"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"
#include "tests/support/tolerances.h"

namespace prism::models {
namespace {

using namespace ::prism::testing::tolerances;

constexpr double kP = 0.2, kA = 0.25;

TEST(SignedParetoSum, CrudeAndConditionalEstimatorsAgree) {
  for (int k : {8, 16}) {
    Rng a(k, "crude"), b(k, "conditional");
    const Estimate crude = signed_pareto_sum_crude(k, kP, kA, 400000, a);
    const Estimate conditional = signed_pareto_sum_conditional(k, kP, kA, 400000, b);
    EXPECT_LE(std::abs(crude.mean - conditional.mean),
              kStandardErrors * std::hypot(crude.se, conditional.se))
        << "k = " << k << ": " << crude.mean << " +- " << crude.se << " against " << conditional.mean << " +- "
        << conditional.se;
  }
}

TEST(SignedParetoSum, PrototypeValuesOfTheCatalog) {
  // docs/claims.md: P_8 = 3.635e-2, P_16 = 5.82e-3, P_128 = 2.911e-7 (the last
  // by the conditional estimator, precise at large k).
  Rng r8(8, "values"), r16(16, "values"), r128(128, "values");
  const Estimate p8 = signed_pareto_sum_crude(8, kP, kA, 1000000, r8);
  const Estimate p16 = signed_pareto_sum_crude(16, kP, kA, 1000000, r16);
  const Estimate p128 = signed_pareto_sum_conditional(128, kP, kA, 200000, r128);
  EXPECT_LE(std::abs(p8.mean - 3.635e-2), kStandardErrors * p8.se) << p8.mean << " +- " << p8.se;
  EXPECT_LE(std::abs(p16.mean - 5.82e-3), kStandardErrors * p16.se) << p16.mean << " +- " << p16.se;
  EXPECT_NEAR(p128.mean, 2.911e-7, 0.01 * 2.911e-7) << p128.mean << " +- " << p128.se;
}

TEST(SignedParetoSum, TailOfOneSummand) {
  // Z = +V w.p. p, -V w.p. 1-p, P(V > v) = v^-4 for v >= 1.
  EXPECT_DOUBLE_EQ(signed_pareto_tail(2.0, kP, kA), kP / 16);
  EXPECT_DOUBLE_EQ(signed_pareto_tail(0.3, kP, kA), kP);
  EXPECT_DOUBLE_EQ(signed_pareto_tail(-0.3, kP, kA), kP);
  EXPECT_DOUBLE_EQ(signed_pareto_tail(-2.0, kP, kA), kP + (1 - kP) * (1 - 1.0 / 16));
  // k = 1 is the tail at 0: p exactly, with no spread.
  Rng rng(1, "one");
  const Estimate one = signed_pareto_sum_conditional(1, kP, kA, 10, rng);
  EXPECT_DOUBLE_EQ(one.mean, kP);
  PRISM_EXPECT_THROW_WITH(signed_pareto_sum_crude(0, kP, kA, 10, rng), std::invalid_argument, "k >= 1");
}

}  // namespace
}  // namespace prism::models
