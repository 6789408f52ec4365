// The k-d tree (nanoflann) against the blocked-GEMM search and brute force.
#include "src/models/kd_tree.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "tests/support/test_support.h"

namespace prism::models {
namespace {

Eigen::MatrixXd uniform_points(Rng& rng, int n, int d) {
  Eigen::MatrixXd X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = rng.uniform();
  return X;
}

// Same neighbours, same exact distances as the blocked-GEMM search, in 1, 2 and 5 dimensions.
TEST(KdTree, MatchesTheBlockedSearch) {
  for (int d : {1, 2, 5}) {
    Rng rng(static_cast<std::uint64_t>(d), "kd-tree");
    const Eigen::MatrixXd train = uniform_points(rng, 4000, d);
    const Eigen::MatrixXd query = uniform_points(rng, 300, d);
    const KdTree tree(train);
    EXPECT_EQ(tree.size(), 4000);
    EXPECT_EQ(tree.dim(), d);
    for (int k : {1, 9, 64}) {
      const NeighborList a = tree.nearest(query, k), b = k_nearest_neighbors(train, query, k);
      EXPECT_EQ(a.index, b.index) << "d = " << d << ", k = " << k;
      // Both re-measure exactly; the summation order may differ in the last bit.
      EXPECT_LE((a.squared_distance - b.squared_distance).cwiseAbs().maxCoeff(),
                1e-15 * b.squared_distance.cwiseAbs().maxCoeff())
          << "d = " << d << ", k = " << k;
    }
  }
}

TEST(KdTree, ATrainingPointIsItsOwnNearestNeighbourAtDistanceZero) {
  Rng rng(7, "kd-tree-self");
  const Eigen::MatrixXd train = uniform_points(rng, 1000, 2);
  const NeighborList self = KdTree(train).nearest(train, 2);
  for (int i = 0; i < train.rows(); ++i) {
    EXPECT_EQ(self.index(i, 0), i);
    EXPECT_EQ(self.squared_distance(i, 0), 0.0);
    EXPECT_GT(self.squared_distance(i, 1), 0.0);
  }
}

TEST(KdTree, EqualDistancesAreOrderedByIndex) {
  Eigen::MatrixXd line(4, 1);
  line << 2.0, 0.0, 1.0, 3.0;  // from 1.5: rows 2 and 0 at 0.5, rows 1 and 3 at 1.5
  const double q = 1.5;
  int index[4];
  double d2[4];
  KdTree(line).nearest(&q, 4, index, d2);
  EXPECT_EQ(std::vector<int>(index, index + 4), (std::vector<int>{0, 2, 1, 3}));
  EXPECT_EQ(d2[0], 0.25);
  EXPECT_EQ(d2[3], 2.25);
}

TEST(KdTree, BadInputIsAClearError) {
  PRISM_EXPECT_THROW_WITH(KdTree(Eigen::MatrixXd(0, 2)), std::invalid_argument, "no points");
  Eigen::MatrixXd two(2, 1);
  two << 0.0, 1.0;
  const KdTree tree(two);
  const double q = 0.5;
  int i[3];
  double d[3];
  PRISM_EXPECT_THROW_WITH(tree.nearest(&q, 3, i, d), std::invalid_argument, "k = 3", "1 <= k <= 2");
  PRISM_EXPECT_THROW_WITH(tree.nearest(Eigen::MatrixXd::Zero(1, 2), 1), std::invalid_argument, "2 columns, expected 1");
}

}  // namespace
}  // namespace prism::models
