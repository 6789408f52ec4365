// The exact 1-D negative set of a neighbour rule against a dense brute-force
// grid of the same rule's score, and the interval integrals against
// hand-computed values.
#include "src/models/interpolant_sign_set.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "tests/support/test_support.h"

namespace prism::models {
namespace {

constexpr int kGrid = 2000000;  // docs/claims.md: 2e6 grid points at n = 64, 0 disagreements

struct Data {
  std::vector<double> x;
  std::vector<int> y;
};

Data draw(int n, double p, std::uint64_t seed) {
  Rng rng(seed, "sign-set");
  Data d{std::vector<double>(n), std::vector<int>(n)};
  for (auto& v : d.x) v = rng.uniform();
  std::sort(d.x.begin(), d.x.end());
  for (auto& v : d.y) v = rng.uniform() < p ? -1 : 1;
  return d;
}

// Grid points whose score sign disagrees with membership in the exact set.
int disagreements(const Data& d, const SignSetOptions& o, const std::vector<Interval>& set) {
  int bad = 0;
  for (int g = 0; g < kGrid; ++g) {
    const double t = o.lo + (o.hi - o.lo) * (g + 0.5) / kGrid;
    const bool negative = neighbor_score_1d(d.x, d.y, o, t) < 0;
    bad += negative != contains(set, t);
  }
  return bad;
}

TEST(NegativeSet1d, WinnMatchesADenseGridAtN64) {
  for (std::uint64_t seed : {1, 2, 3}) {
    const Data d = draw(64, 0.2, seed);
    SignSetOptions o;
    o.k = 8;
    o.alpha = 0.25;
    const auto set = negative_set_1d(d.x, d.y, o);
    EXPECT_EQ(disagreements(d, o, set), 0) << "seed " << seed;
    // Interpolation: every noisy point lies in the set, every clean one outside.
    for (size_t i = 0; i < d.x.size(); ++i) EXPECT_EQ(contains(set, d.x[i]), d.y[i] < 0) << "point " << i;
  }
}

TEST(NegativeSet1d, MajorityAndOneNearestNeighbourMatchTheGrid) {
  const Data d = draw(64, 0.3, 4);
  SignSetOptions majority;
  majority.rule = NeighborRule::kMajority;
  majority.k = 9;
  EXPECT_EQ(disagreements(d, majority, negative_set_1d(d.x, d.y, majority)), 0);
  SignSetOptions one;
  one.k = 1;
  const auto cells = negative_set_1d(d.x, d.y, one);
  EXPECT_EQ(disagreements(d, one, cells), 0);
  // 1-NN: the Voronoi cells of the noisy points, bounded by midpoints.
  double expected = 0;
  for (size_t i = 0; i < d.x.size(); ++i) {
    if (d.y[i] > 0) continue;
    const double lo = i == 0 ? 0.0 : 0.5 * (d.x[i - 1] + d.x[i]), hi = i + 1 == d.x.size() ? 1.0 : 0.5 * (d.x[i] + d.x[i + 1]);
    expected += hi - lo;
  }
  EXPECT_NEAR(measure_within(cells, 0, 1), expected, 1e-12);
}

TEST(NegativeSet1d, ThinBasinsAreResolvedByOffsets) {
  // At k = 64 the set is the raisins alone, basins far thinner than any grid:
  // each noisy point still has its own interval, of positive exact length.
  const Data d = draw(4096, 0.2, 5);
  SignSetOptions o;
  o.k = 64;
  const auto set = negative_set_1d(d.x, d.y, o);
  int noisy = 0;
  for (size_t i = 0; i < d.x.size(); ++i) {
    if (d.y[i] > 0) continue;
    ++noisy;
    EXPECT_TRUE(contains(set, d.x[i])) << "noisy point " << i;
  }
  EXPECT_GE(static_cast<int>(set.size()), noisy / 2);
  for (const auto& i : set) EXPECT_GT(i.length, 0.0);
  EXPECT_LT(measure_within(set, 0.25, 0.75), 1e-3) << "raisins only";
}

TEST(IntervalIntegrals, MeasureAndMeanDistanceByHand) {
  const std::vector<Interval> set = {{0.1, 0.2, 0.1}, {0.6, 0.6, 1e-12}, {0.9, 1.0, 0.1}};
  EXPECT_NEAR(measure_within(set, 0.0, 1.0), 0.2 + 1e-12, 1e-15);
  EXPECT_NEAR(measure_within(set, 0.15, 0.95), 0.05 + 1e-12 + 0.05, 1e-15);
  // On [0, 1]: 0.1^2/2 before the first, gaps 0.4 and 0.3 give 0.4^2/4 + 0.3^2/4.
  EXPECT_NEAR(mean_distance(set, 0.0, 1.0), 0.005 + 0.04 + 0.0225, 1e-15);
  // Clipped to [0.3, 0.7]: distance rises from 0.1 at 0.3 to 0.2 at 0.4, falls to 0 at 0.6, rises to 0.1.
  EXPECT_NEAR(mean_distance(set, 0.3, 0.7), (0.015 + 0.02 + 0.005) / 0.4, 1e-14);
  EXPECT_TRUE(std::isinf(mean_distance({}, 0.0, 1.0)));
  EXPECT_TRUE(contains(set, 0.6));
  EXPECT_FALSE(contains(set, 0.61));
}

TEST(NegativeSet1d, BadInput) {
  SignSetOptions o;
  o.k = 2;
  PRISM_EXPECT_THROW_WITH(negative_set_1d({0.2, 0.1}, {1, 1}, o), std::invalid_argument, "strictly increasing");
  PRISM_EXPECT_THROW_WITH(negative_set_1d({0.1, 0.2}, {1, 0}, o), std::invalid_argument, "-1 or +1");
  o.k = 3;
  PRISM_EXPECT_THROW_WITH(negative_set_1d({0.1, 0.2}, {1, 1}, o), std::invalid_argument, "k = 3");
}

}  // namespace
}  // namespace prism::models
