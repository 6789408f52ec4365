#include "src/linalg/symmetric_eigen.h"

#include <stdexcept>
#include <string>

#ifdef PRISM_EIGEN_NATIVE
#include <Eigen/Eigenvalues>
#else
#include <lapacke.h>
#endif

namespace prism::linalg {

SymmetricEigen symmetric_eigen(Eigen::MatrixXd A) {
  if (A.rows() != A.cols()) throw std::invalid_argument("symmetric_eigen: A must be square");
#ifdef PRISM_EIGEN_NATIVE
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A);
  if (es.info() != Eigen::Success) throw std::runtime_error("symmetric_eigen: Eigen's solver failed");
  return {es.eigenvalues(), es.eigenvectors()};
#else
  SymmetricEigen out;
  out.values.resize(A.rows());
  const lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', static_cast<lapack_int>(A.rows()), A.data(),
                                         static_cast<lapack_int>(A.rows()), out.values.data());
  if (info != 0) throw std::runtime_error("symmetric_eigen: dsyevd returned info = " + std::to_string(info));
  out.vectors = std::move(A);  // overwritten with the eigenvectors
  return out;
#endif
}

}  // namespace prism::linalg
