// Random ReLU features in 1-D: the exact TV(f') against a finite-difference
// TV on a fine grid, and the least TV of any interpolant.
#include "src/models/relu_features_1d.h"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"
#include "tests/support/tolerances.h"

namespace prism::models {
namespace {

using namespace prism::testing::tolerances;

// A grid of h = 1e-4 on [-1, 1]: f is linear between knots, so the secant
// slopes are exact there, and a cell holding one knot has a slope between its
// neighbours' (the TV is unchanged); what remains is rounding, f ~ 10 with
// eps 1e-16 over h, summed over 2e4 cells: ~1e-7 against a TV of order 10.
constexpr double kFiniteDifferenceTolerance = 1e-6;  // relative

TEST(ReluFeatures1d, DerivativeVariationMatchesAFiniteDifferenceVariation) {
  Rng rng(2, "relu");
  const ReluFeatures1d f = draw_relu_features_1d(40, rng);
  const Eigen::VectorXd w = rng.normal_vector(40);
  const Eigen::Index cells = 20000;
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(cells + 1, -1.0, 1.0);
  const double tv = grid_derivative_variation(f.evaluate(w, x), 2.0 / static_cast<double>(cells));
  const double exact = f.derivative_total_variation(w, -1.0, 1.0);
  ASSERT_GT(exact, 0.0);
  EXPECT_NEAR(tv, exact, kFiniteDifferenceTolerance * exact)
      << "finite differences " << tv << " against the knot sum " << exact;
}

TEST(ReluFeatures1d, ANestedDrawIsAPrefix) {
  Rng a(4, "nest"), b(4, "nest");
  const ReluFeatures1d small = draw_relu_features_1d(5, a), large = draw_relu_features_1d(50, b);
  EXPECT_EQ(small.v, large.v.head(5));
  EXPECT_EQ(small.b, large.b.head(5));
}

TEST(MinInterpolantDerivativeVariation, IsThePiecewiseLinearInterpolantsVariation) {
  // |x| sampled at -1, 0, 1: slopes -1 then 1, TV 2; a line: 0.
  EXPECT_NEAR(min_interpolant_derivative_variation(Eigen::Vector3d(-1, 0, 1), Eigen::Vector3d(1, 0, 1)), 2.0,
              kArithmeticTolerance);
  EXPECT_NEAR(min_interpolant_derivative_variation(Eigen::Vector3d(-1, 0, 2), Eigen::Vector3d(-2, 1, 7)), 0.0,
              kArithmeticTolerance);
  PRISM_EXPECT_THROW_WITH(min_interpolant_derivative_variation(Eigen::Vector2d(1, 0), Eigen::Vector2d(0, 0)),
                          std::invalid_argument, "increase");
}

}  // namespace
}  // namespace prism::models
