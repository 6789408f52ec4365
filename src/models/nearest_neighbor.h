// Nearest-neighbour search by blocked BLAS distance matrices, and the 1-NN
// interpolator's label-noise risk.
//
// Squared distances come from ||q||^2 + ||x||^2 - 2 q.x, one GEMM per block of
// queries, so memory stays bounded by the block and not by n_train x n_query.
// The expansion loses accuracy when a query nearly coincides with a training
// point; k_nearest_neighbors re-measures its k winners exactly before sorting.
#pragma once

#include <Eigen/Core>

namespace prism::models {

// Index (row of `train`) of each query row's nearest training row; the lowest
// index wins a tie. train: n x d, query: m x d, one point per row.
Eigen::VectorXi nearest_neighbor(const Eigen::MatrixXd& train, const Eigen::MatrixXd& query);

// The same answer from squared distances computed beforehand: D is
// n x m, one query per column, as linalg::squared_distance_matrix(train, query)
// gives it (a data set's distances shared with its kernels). No BLAS pass of
// its own; near-ties are re-measured exactly as above.
Eigen::VectorXi nearest_neighbor(const Eigen::MatrixXd& train, const Eigen::MatrixXd& query,
                                 const Eigen::Ref<const Eigen::MatrixXd>& squared_distances);

// nearest_neighbor(train, train) without the O(n^2 d) search: a training row
// is at distance exactly 0 from itself, so its nearest training row is the
// lowest-index exact copy of it (itself when it has none). Rows are sorted
// lexicographically, O(n d log n); the answer is exact, with no expansion error.
Eigen::VectorXi self_nearest_neighbor(const Eigen::MatrixXd& train);

struct NeighborList {
  Eigen::MatrixXi index;             // m x k, row j: query j's neighbours, nearest first
  Eigen::MatrixXd squared_distance;  // m x k, exact ||query_j - train_index||^2
};

// The k nearest training rows of each query row, sorted by exact squared
// distance. Requires 1 <= k <= n.
NeighborList k_nearest_neighbors(const Eigen::MatrixXd& train, const Eigen::MatrixXd& query,
                                 int k);

// Noisy-label setting shared with the simplicial interpolator: every training
// label is +1 (the Bayes label) and is flipped to -1 independently with
// probability p. The 1-NN prediction copies one label, so it is -1 with
// probability exactly p, whatever the geometry: its excess risk (1-2p) p stays
// put as n grows, which is what the simplicial interpolator is compared with.
double nearest_neighbor_prob_minus(double flip_probability);

}  // namespace prism::models
