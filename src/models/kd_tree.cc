#include "src/models/kd_tree.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <nanoflann.hpp>

namespace prism::models {

// Points stored one per column (d x n), so each point is contiguous for the tree.
struct KdTree::Impl {
  using Tree = nanoflann::KDTreeEigenMatrixAdaptor<Eigen::MatrixXd, -1, nanoflann::metric_L2, /*row_major=*/false>;
  Eigen::MatrixXd columns;
  std::unique_ptr<Tree> tree;
};

KdTree::KdTree(const Eigen::MatrixXd& points) : impl_(std::make_unique<Impl>()) {
  if (points.rows() == 0 || points.cols() == 0) throw std::invalid_argument("KdTree: no points");
  impl_->columns = points.transpose();
  impl_->tree = std::make_unique<Impl::Tree>(points.cols(), std::cref(impl_->columns), /*leaf_max_size=*/16);
}

KdTree::~KdTree() = default;
KdTree::KdTree(KdTree&&) noexcept = default;
KdTree& KdTree::operator=(KdTree&&) noexcept = default;

Eigen::Index KdTree::size() const { return impl_->columns.cols(); }
Eigen::Index KdTree::dim() const { return impl_->columns.rows(); }

void KdTree::nearest(const double* query, int k, int* index, double* squared_distance) const {
  if (k < 1 || k > size())
    throw std::invalid_argument("KdTree: k = " + std::to_string(k) + ", expected 1 <= k <= " + std::to_string(size()));
  std::vector<Eigen::Index> found(static_cast<size_t>(k));
  std::vector<double> d2(static_cast<size_t>(k));
  nanoflann::KNNResultSet<double, Eigen::Index> result(static_cast<size_t>(k));
  result.init(found.data(), d2.data());
  impl_->tree->index->findNeighbors(result, query, nanoflann::SearchParams());
  // The tree's distances are sums of squared differences in its own order;
  // re-measure exactly and order by (distance, index) for a stable tie rule.
  std::vector<int> order(static_cast<size_t>(k));
  std::iota(order.begin(), order.end(), 0);
  const Eigen::Map<const Eigen::VectorXd> q(query, dim());
  for (int r = 0; r < k; ++r) d2[r] = (impl_->columns.col(found[r]) - q).squaredNorm();
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return d2[a] < d2[b] || (d2[a] == d2[b] && found[a] < found[b]); });
  for (int r = 0; r < k; ++r) {
    index[r] = static_cast<int>(found[order[r]]);
    squared_distance[r] = d2[order[r]];
  }
}

NeighborList KdTree::nearest(const Eigen::MatrixXd& queries, int k) const {
  if (queries.cols() != dim())
    throw std::invalid_argument("KdTree: queries have " + std::to_string(queries.cols()) + " columns, expected " +
                                std::to_string(dim()));
  NeighborList out;
  out.index.resize(queries.rows(), k);
  out.squared_distance.resize(queries.rows(), k);
  std::vector<int> idx(static_cast<size_t>(k));
  std::vector<double> d2(static_cast<size_t>(k));
  Eigen::VectorXd q(dim());
  for (Eigen::Index j = 0; j < queries.rows(); ++j) {
    q = queries.row(j).transpose();
    nearest(q.data(), k, idx.data(), d2.data());
    for (int r = 0; r < k; ++r) out.index(j, r) = idx[r], out.squared_distance(j, r) = d2[r];
  }
  return out;
}

}  // namespace prism::models
