// Exact least-squares references for the optimisation claims.
#pragma once

#include <Eigen/Core>

namespace prism::linalg {

// Minimum-norm solution X^+ y of an under-determined system (n < d, X of full
// row rank): X^T (X X^T)^{-1} y, with X X^T factorised by LAPACK Cholesky.
Eigen::VectorXd min_norm_solution(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& y);

// Least-squares solution of an over-determined system (n > d, full column
// rank) by Cholesky of the normal equations X^T X (well conditioned here).
Eigen::VectorXd least_squares_solution(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                       const Eigen::Ref<const Eigen::VectorXd>& y);

// Projection of v onto the row space of X (span of the x_i), n < d.
Eigen::VectorXd project_onto_rows(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& v);

// Extreme eigenvalues of the symmetric matrix X X^T (n x n), from LAPACK dsyevd.
struct GramExtremes {
  double lambda_min = 0, lambda_max = 0;
};
GramExtremes gram_extremes(const Eigen::Ref<const Eigen::MatrixXd>& A_symmetric);

}  // namespace prism::linalg
