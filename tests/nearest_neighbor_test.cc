// Blocked-GEMM nearest neighbours (and the search from shared distances) against brute-force loops.
#include "src/models/nearest_neighbor.h"

#include <algorithm>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "src/linalg/kernels.h"

namespace prism::models {
namespace {

constexpr double kDistanceTolerance = 1e-12;

Eigen::MatrixXd uniform_points(Rng& rng, int n, int d) {
  Eigen::MatrixXd X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = rng.uniform();
  return X;
}

// The k nearest training rows by (exact squared distance, index) from query row j.
std::vector<std::pair<double, int>> brute_force_order(const Eigen::MatrixXd& train,
                                                      const Eigen::MatrixXd& query, int j,
                                                      int k = 1) {
  std::vector<std::pair<double, int>> order;
  for (int i = 0; i < train.rows(); ++i) {
    double s = 0.0;
    for (int c = 0; c < train.cols(); ++c) {
      const double diff = train(i, c) - query(j, c);
      s += diff * diff;
    }
    order.emplace_back(s, i);
  }
  std::partial_sort(order.begin(), order.begin() + k, order.end());
  order.resize(k);
  return order;
}

TEST(NearestNeighbor, MatchesBruteForce) {
  Rng rng(1, "nn-brute");
  // 5000 x 600 distances exceed one block (2^21 entries), so blocking is exercised.
  const Eigen::MatrixXd train = uniform_points(rng, 5000, 6);
  const Eigen::MatrixXd query = uniform_points(rng, 600, 6);
  const Eigen::VectorXi nn = nearest_neighbor(train, query);
  ASSERT_EQ(nn.size(), query.rows());
  for (int j = 0; j < query.rows(); ++j) {
    EXPECT_EQ(nn(j), brute_force_order(train, query, j)[0].second) << "query " << j;
  }
}

// The training set against itself: the exact self-match (or the lowest-index
// copy) found by sorting equals the blocked search's answer, duplicates included.
TEST(NearestNeighbor, SelfNeighborsMatchTheSearch) {
  Rng rng(4, "nn-self");
  Eigen::MatrixXd train = uniform_points(rng, 700, 5);
  train.row(600) = train.row(3);  // copies of 3: both map to 3
  train.row(17) = train.row(650);  // a copy below the original: 650 maps to 17
  train.row(200) = train.row(3);
  const Eigen::VectorXi self = self_nearest_neighbor(train);
  EXPECT_EQ(self, nearest_neighbor(train, train));
  EXPECT_EQ(self(600), 3);
  EXPECT_EQ(self(200), 3);
  EXPECT_EQ(self(650), 17);
  EXPECT_EQ(self(5), 5);
}

// From distances computed beforehand (a data set's, shared with its kernels):
// the search's answers, near-duplicates far from the origin included.
TEST(NearestNeighbor, FromSharedDistancesMatchesTheSearch) {
  Rng rng(5, "nn-shared");
  Eigen::MatrixXd train = uniform_points(rng, 2000, 6);
  Eigen::MatrixXd query = uniform_points(rng, 300, 6);
  train.row(1500) = train.row(20);  // a copy above the original: 20 must win
  query.row(7) = train.row(1500);
  query.row(8) = train.row(33);
  query(8, 0) += 1e-9;  // a near-duplicate, where the expansion cancels
  train.array() += 1000.0;
  query.array() += 1000.0;
  const Eigen::VectorXi shared = nearest_neighbor(train, query, linalg::squared_distance_matrix(train, query));
  ASSERT_EQ(shared.size(), query.rows());
  for (int j = 0; j < query.rows(); ++j)
    EXPECT_EQ(shared(j), brute_force_order(train, query, j)[0].second) << "query " << j;
  EXPECT_EQ(shared(7), 20);
  EXPECT_EQ(shared(8), 33);
  EXPECT_EQ(shared, nearest_neighbor(train, query));
}

TEST(NearestNeighbor, KNearestMatchesBruteForce) {
  constexpr int k = 7;
  Rng rng(2, "knn-brute");
  const Eigen::MatrixXd train = uniform_points(rng, 3000, 4);
  const Eigen::MatrixXd query = uniform_points(rng, 800, 4);
  const NeighborList knn = k_nearest_neighbors(train, query, k);
  ASSERT_EQ(knn.index.rows(), query.rows());
  ASSERT_EQ(knn.index.cols(), k);
  for (int j = 0; j < query.rows(); ++j) {
    const auto order = brute_force_order(train, query, j, k);
    for (int r = 0; r < k; ++r) {
      EXPECT_EQ(knn.index(j, r), order[r].second) << "query " << j << " rank " << r;
      EXPECT_NEAR(knn.squared_distance(j, r), order[r].first, kDistanceTolerance);
    }
  }
}

TEST(NearestNeighbor, ExactMatchesAndTies) {
  Rng rng(3, "nn-ties");
  Eigen::MatrixXd train = uniform_points(rng, 50, 3);
  train.row(40) = train.row(10);  // a duplicate: the lower index must win
  // Queries equal to training points, far from the origin, where the
  // expansion ||q||^2 + ||x||^2 - 2 q.x cancels worst.
  train.array() += 1000.0;
  Eigen::MatrixXd query(3, 3);
  query.row(0) = train.row(10);
  query.row(1) = train.row(25);
  query.row(2) = train.row(40);
  const Eigen::VectorXi nn = nearest_neighbor(train, query);
  EXPECT_EQ(nn(0), 10);
  EXPECT_EQ(nn(1), 25);
  EXPECT_EQ(nn(2), 10);
  const NeighborList knn = k_nearest_neighbors(train, query, 2);
  EXPECT_EQ(knn.index(0, 0), 10);
  EXPECT_EQ(knn.index(0, 1), 40);
  EXPECT_EQ(knn.squared_distance(0, 0), 0.0);
  EXPECT_EQ(knn.squared_distance(0, 1), 0.0);
  EXPECT_EQ(knn.index(1, 0), 25);
  EXPECT_EQ(knn.squared_distance(1, 0), 0.0);
}

TEST(NearestNeighbor, KEqualsNSortsEverything) {
  Rng rng(4, "knn-all");
  const Eigen::MatrixXd train = uniform_points(rng, 30, 2);
  const Eigen::MatrixXd query = uniform_points(rng, 2, 2);
  const NeighborList knn = k_nearest_neighbors(train, query, 30);
  for (int j = 0; j < 2; ++j) {
    const auto order = brute_force_order(train, query, j, 30);
    for (int r = 0; r < 30; ++r) EXPECT_EQ(knn.index(j, r), order[r].second);
  }
}

TEST(NearestNeighbor, OneNnFlipProbabilityIsP) {
  // The 1-NN prediction is one training label: -1 with probability p.
  for (double p : {0.0, 0.1, 0.2, 0.5}) EXPECT_EQ(nearest_neighbor_prob_minus(p), p);
  EXPECT_THROW(nearest_neighbor_prob_minus(-0.1), std::invalid_argument);
  EXPECT_THROW(nearest_neighbor_prob_minus(1.1), std::invalid_argument);
}

TEST(NearestNeighbor, RejectsBadShapes) {
  const Eigen::MatrixXd train = Eigen::MatrixXd::Zero(5, 3);
  EXPECT_THROW(nearest_neighbor(train, Eigen::MatrixXd::Zero(2, 4)), std::invalid_argument);
  EXPECT_THROW(nearest_neighbor(Eigen::MatrixXd(0, 3), Eigen::MatrixXd::Zero(2, 3)),
               std::invalid_argument);
  EXPECT_THROW(nearest_neighbor(train, Eigen::MatrixXd::Zero(2, 3), Eigen::MatrixXd::Zero(2, 5)),
               std::invalid_argument);  // distances transposed
  EXPECT_THROW(k_nearest_neighbors(train, Eigen::MatrixXd::Zero(2, 3), 0), std::invalid_argument);
  EXPECT_THROW(k_nearest_neighbors(train, Eigen::MatrixXd::Zero(2, 3), 6), std::invalid_argument);
}

}  // namespace
}  // namespace prism::models
