#include "src/linalg/least_squares.h"

#include <stdexcept>

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

namespace prism::linalg {

Eigen::VectorXd min_norm_solution(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& y) {
  Eigen::MatrixXd G = X * X.transpose();
  Eigen::LLT<Eigen::MatrixXd> llt(G);
  if (llt.info() != Eigen::Success) throw std::runtime_error("min_norm_solution: X X^T is not positive definite");
  return X.transpose() * llt.solve(y);
}

Eigen::VectorXd least_squares_solution(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                       const Eigen::Ref<const Eigen::VectorXd>& y) {
  Eigen::MatrixXd G = X.transpose() * X;
  Eigen::LLT<Eigen::MatrixXd> llt(G);
  if (llt.info() != Eigen::Success) throw std::runtime_error("least_squares_solution: X^T X is not positive definite");
  return llt.solve(X.transpose() * y);
}

Eigen::VectorXd project_onto_rows(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& v) {
  return min_norm_solution(X, X * v);
}

GramExtremes gram_extremes(const Eigen::Ref<const Eigen::MatrixXd>& A) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A, Eigen::EigenvaluesOnly);
  if (es.info() != Eigen::Success) throw std::runtime_error("gram_extremes: eigensolver failed");
  return {es.eigenvalues().minCoeff(), es.eigenvalues().maxCoeff()};
}

}  // namespace prism::linalg
