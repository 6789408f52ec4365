// Every eigenpair of a dense symmetric matrix: LAPACK dsyevd (divide and
// conquer, level-3 BLAS throughout; several times faster than the QR
// iteration of dsyev, which Eigen's SelfAdjointEigenSolver maps to under
// LAPACKE) in the BLAS build, Eigen's own solver in the Eigen-only build.
#pragma once

#include <Eigen/Core>

namespace prism::linalg {

struct SymmetricEigen {
  Eigen::VectorXd values;   // ascending
  Eigen::MatrixXd vectors;  // orthonormal columns, in the order of `values`
};

// A is read from its lower triangle. std::runtime_error if LAPACK fails.
SymmetricEigen symmetric_eigen(Eigen::MatrixXd A);

}  // namespace prism::linalg
