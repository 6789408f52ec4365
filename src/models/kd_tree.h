// Exact k nearest neighbours in low dimension through a k-d tree (nanoflann),
// for the neighbour claims: n up to 10^6 training points in d <= ~10, where
// the blocked-GEMM search of nearest_neighbor.h costs O(n m d) per query set.
// Results are exact squared Euclidean distances, nearest first; among the k
// found, equal distances are ordered by index (which of several points tied
// at the k-th distance is found is the tree's choice).
#pragma once

#include <memory>

#include <Eigen/Core>

#include "src/models/nearest_neighbor.h"

namespace prism::models {

class KdTree {
 public:
  // points: n x d, one point per row (copied). std::invalid_argument if empty.
  explicit KdTree(const Eigen::MatrixXd& points);
  ~KdTree();
  KdTree(const KdTree&) = delete;
  KdTree& operator=(const KdTree&) = delete;
  KdTree(KdTree&&) noexcept;
  KdTree& operator=(KdTree&&) noexcept;

  Eigen::Index size() const;
  Eigen::Index dim() const;

  // The k nearest points to `query` (dim() values): their rows in `index`
  // and squared distances in `squared_distance`, both of length k, nearest
  // first. Requires 1 <= k <= size().
  void nearest(const double* query, int k, int* index, double* squared_distance) const;

  // The same for every row of `queries` (m x d).
  NeighborList nearest(const Eigen::MatrixXd& queries, int k) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prism::models
