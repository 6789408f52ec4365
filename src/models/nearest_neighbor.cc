#include "src/models/nearest_neighbor.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace prism::models {
namespace {

// Entries of one block of the distance matrix (16 MiB of doubles): large
// enough for GEMM to run near peak, small enough for any n.
constexpr Eigen::Index kBlockEntries = Eigen::Index{1} << 21;

// The expansion ||q||^2 + ||x||^2 - 2 q.x is off by a few ulps of the norms;
// candidates within this many ulps of the cut-off are re-measured exactly.
constexpr double kExpansionUlps = 64.0;

void check_shapes(const Eigen::MatrixXd& train, const Eigen::MatrixXd& query) {
  if (train.rows() == 0) throw std::invalid_argument("nearest neighbour: empty training set");
  if (train.cols() != query.cols()) {
    throw std::invalid_argument("nearest neighbour: query has " + std::to_string(query.cols()) +
                                " columns, expected " + std::to_string(train.cols()) +
                                " (the training dimension)");
  }
}

double exact_squared_distance(const Eigen::MatrixXd& train, Eigen::Index i,
                              const Eigen::MatrixXd& query, Eigen::Index j) {
  return (train.row(i) - query.row(j)).squaredNorm();
}

// A bound on the expansion's error in query j's squared distances.
double expansion_slack(const Eigen::MatrixXd& query, Eigen::Index j, double max_train_sq) {
  return kExpansionUlps * std::numeric_limits<double>::epsilon() * (query.row(j).squaredNorm() + max_train_sq);
}

// The nearest training row to query j given its expanded squared distances
// `dist` (error at most `slack`): near-ties are settled by exact distance and
// the lowest index wins an exact tie.
Eigen::Index nearest_in_column(const Eigen::MatrixXd& train, const Eigen::MatrixXd& query, Eigen::Index j,
                               const Eigen::Ref<const Eigen::VectorXd>& dist, double slack) {
  Eigen::Index best = 0;
  const double cutoff = dist.minCoeff(&best) + slack;
  double best_exact = exact_squared_distance(train, best, query, j);
  for (Eigen::Index i = 0; i < dist.size(); ++i) {
    if (i == best || dist(i) > cutoff) continue;
    const double e = exact_squared_distance(train, i, query, j);
    if (e < best_exact || (e == best_exact && i < best)) {
      best = i;
      best_exact = e;
    }
  }
  return best;
}

// Calls visit(j, dist) for every query j, where dist (n x 1) holds the expanded
// squared distances from query j to every training row, and slack bounds their error.
template <typename Visit>
void for_each_distance_column(const Eigen::MatrixXd& train, const Eigen::MatrixXd& query,
                              Visit visit) {
  const Eigen::Index n = train.rows();
  const Eigen::Index m = query.rows();
  const Eigen::VectorXd train_sq = train.rowwise().squaredNorm();
  const double max_train_sq = train_sq.maxCoeff();
  const Eigen::Index block =
      std::max<Eigen::Index>(1, std::min<Eigen::Index>(m, kBlockEntries / n));
  Eigen::MatrixXd cross;  // n x block: train * query_block^T, one query per column
  Eigen::VectorXd dist(n);  // one query's distances, reused (no allocation per query)
  for (Eigen::Index start = 0; start < m; start += block) {
    const Eigen::Index b = std::min(block, m - start);
    cross.resize(n, b);
    cross.noalias() = train * query.middleRows(start, b).transpose();
    for (Eigen::Index c = 0; c < b; ++c) {
      const Eigen::Index j = start + c;
      const double query_sq = query.row(j).squaredNorm();
      dist.array() = train_sq.array() + query_sq - 2.0 * cross.col(c).array();
      visit(j, dist, expansion_slack(query, j, max_train_sq));
    }
  }
}

}  // namespace

Eigen::VectorXi nearest_neighbor(const Eigen::MatrixXd& train, const Eigen::MatrixXd& query) {
  check_shapes(train, query);
  Eigen::VectorXi result(query.rows());
  for_each_distance_column(train, query, [&](Eigen::Index j, const Eigen::VectorXd& dist, double slack) {
    result(j) = nearest_in_column(train, query, j, dist, slack);
  });
  return result;
}

Eigen::VectorXi nearest_neighbor(const Eigen::MatrixXd& train, const Eigen::MatrixXd& query,
                                 const Eigen::Ref<const Eigen::MatrixXd>& squared_distances) {
  check_shapes(train, query);
  if (squared_distances.rows() != train.rows() || squared_distances.cols() != query.rows()) {
    throw std::invalid_argument("nearest neighbour: expected squared distances of " + std::to_string(train.rows()) +
                                " x " + std::to_string(query.rows()) + " (training rows x queries), got " +
                                std::to_string(squared_distances.rows()) + " x " +
                                std::to_string(squared_distances.cols()));
  }
  const double max_train_sq = train.rowwise().squaredNorm().maxCoeff();
  Eigen::VectorXi result(query.rows());
  for (Eigen::Index j = 0; j < query.rows(); ++j)
    result(j) = nearest_in_column(train, query, j, squared_distances.col(j), expansion_slack(query, j, max_train_sq));
  return result;
}

Eigen::VectorXi self_nearest_neighbor(const Eigen::MatrixXd& train) {
  const Eigen::Index n = train.rows(), d = train.cols();
  if (n == 0) throw std::invalid_argument("self_nearest_neighbor: no training rows");
  // Rows as contiguous copies, so each comparison reads two short arrays.
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = train;
  const auto less = [&](int a, int b) {
    const double *x = rows.row(a).data(), *y = rows.row(b).data();
    for (Eigen::Index c = 0; c < d; ++c)
      if (x[c] != y[c]) return x[c] < y[c];
    return a < b;  // equal rows: by index, so each run of copies starts with its lowest index
  };
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), less);
  Eigen::VectorXi result(n);
  int first = order[0];
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && rows.row(order[k]) != rows.row(order[k - 1])) first = order[k];
    result(order[k]) = first;
  }
  return result;
}

NeighborList k_nearest_neighbors(const Eigen::MatrixXd& train, const Eigen::MatrixXd& query,
                                 int k) {
  check_shapes(train, query);
  const Eigen::Index n = train.rows();
  if (k < 1 || k > n) {
    throw std::invalid_argument("k_nearest_neighbors: k = " + std::to_string(k) +
                                ", expected 1 <= k <= " + std::to_string(n));
  }
  NeighborList out;
  out.index.resize(query.rows(), k);
  out.squared_distance.resize(query.rows(), k);
  std::vector<int> order(n);
  std::vector<std::pair<double, int>> candidates;
  for_each_distance_column(train, query, [&](Eigen::Index j, const Eigen::VectorXd& dist,
                                              double slack) {
    std::iota(order.begin(), order.end(), 0);
    std::nth_element(order.begin(), order.begin() + (k - 1), order.end(),
                     [&](int a, int b) { return dist(a) < dist(b); });
    const double cutoff = dist(order[k - 1]) + slack;
    // Everything that might be among the k nearest, re-measured exactly.
    candidates.clear();
    for (Eigen::Index i = 0; i < n; ++i) {
      if (dist(i) <= cutoff) {
        candidates.emplace_back(exact_squared_distance(train, i, query, j), static_cast<int>(i));
      }
    }
    std::partial_sort(candidates.begin(), candidates.begin() + k, candidates.end());
    for (int r = 0; r < k; ++r) {
      out.squared_distance(j, r) = candidates[r].first;
      out.index(j, r) = candidates[r].second;
    }
  });
  return out;
}

double nearest_neighbor_prob_minus(double flip_probability) {
  if (!(flip_probability >= 0.0 && flip_probability <= 1.0)) {
    throw std::invalid_argument("nearest_neighbor_prob_minus: flip probability " +
                                std::to_string(flip_probability) + ", expected it in [0, 1]");
  }
  return flip_probability;
}

}  // namespace prism::models
