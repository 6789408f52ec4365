// wiNN weights and the majority vote, against the formulas written out.
#include "src/models/neighbor_rules.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace prism::models {
namespace {

constexpr double kRounding = 1e-15;

TEST(WinnWeights, ArePowersOfTheDistanceNormalised) {
  const std::vector<double> d2 = {0.04, 0.09, 0.25};  // distances 0.2, 0.3, 0.5
  for (double alpha : {0.25, 1.0, 4.0}) {
    std::vector<double> w(3);
    winn_weights(d2.data(), 3, alpha, w.data());
    double total = 0;
    for (double r : {0.2, 0.3, 0.5}) total += std::pow(r, -alpha);
    EXPECT_NEAR(w[0], std::pow(0.2, -alpha) / total, kRounding) << alpha;
    EXPECT_NEAR(w[1], std::pow(0.3, -alpha) / total, kRounding) << alpha;
    EXPECT_NEAR(w[2], std::pow(0.5, -alpha) / total, kRounding) << alpha;
  }
}

TEST(WinnWeights, AZeroDistanceTakesAllTheWeight) {
  const std::vector<double> d2 = {0.0, 1e-300, 0.0, 4.0};
  std::vector<double> w(4);
  winn_weights(d2.data(), 4, 0.25, w.data());
  EXPECT_EQ(w, (std::vector<double>{0.5, 0.0, 0.5, 0.0})) << "two at distance 0 share it";
  // Tiny but nonzero distances do not overflow: (d_min / d_i)^alpha.
  const std::vector<double> tiny = {1e-300, 4e-300};
  winn_weights(tiny.data(), 2, 2.0, w.data());
  EXPECT_NEAR(w[0], 0.8, kRounding);
  EXPECT_NEAR(w[1], 0.2, kRounding);
}

TEST(WinnWeights, BadArguments) {
  const double d2 = 1.0;
  double w;
  PRISM_EXPECT_THROW_WITH(winn_weights(&d2, 0, 1.0, &w), std::invalid_argument, "k = 0");
  PRISM_EXPECT_THROW_WITH(winn_weights(&d2, 1, 0.0, &w), std::invalid_argument, "alpha");
}

TEST(MajorityVote, SignOfTheSumTiesToTheNearest) {
  const std::vector<int> three = {-1, 1, 1}, four = {-1, 1, -1, 1}, one = {-1};
  EXPECT_EQ(majority_vote(three.data(), 3), 1);
  EXPECT_EQ(majority_vote(four.data(), 4), -1) << "a tie goes to the nearest";
  EXPECT_EQ(majority_vote(one.data(), 1), -1);
  const std::vector<int> bad = {1, 0};
  PRISM_EXPECT_THROW_WITH(majority_vote(bad.data(), 2), std::invalid_argument, "label 0");
}

}  // namespace
}  // namespace prism::models
