// Extreme eigenvalues of a symmetric operator by implicitly restarted Lanczos
// (Spectra), with the residual bound of each Ritz pair.
//
// `Op` is Spectra's matrix-operation concept: `Index rows() const`,
// `Index cols() const` and `void perform_op(const double* x, double* y) const`
// computing y = A x. Only products are needed, so Hessians and kernel matrices
// that are never formed work as well as dense ones.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Spectra/SymEigsSolver.h>

#include "src/core/rng.h"

namespace prism::linalg {

struct EigenEstimate {
  Eigen::VectorXd values;      // Ritz values, ordered as `rule` ranks them
  Eigen::MatrixXd vectors;     // unit Ritz vectors, one per column, oriented (orient_columns)
  Eigen::VectorXd residuals;   // ||A v - theta v||: |theta - lambda| <= residual for some eigenvalue lambda
  int matrix_products = 0;
};

// An eigenvector is defined up to sign, and which sign a solver lands on
// depends on its rounding (one BLAS backend's -v against the others' v). Fix it:
// each column's largest-magnitude entry (the first, on a tie) is made positive.
inline void orient_columns(Eigen::MatrixXd& V) {
  for (Eigen::Index j = 0; j < V.cols(); ++j) {
    Eigen::Index largest = 0;
    V.col(j).cwiseAbs().maxCoeff(&largest);
    if (V(largest, j) < 0) V.col(j) = -V.col(j);
  }
}

struct LanczosOptions {
  int ncv = 0;                 // Krylov dimension; 0 picks min(n, max(2k + 1, 20))
  int max_restarts = 1000;
  double tolerance = 1e-10;    // Spectra's relative tolerance on the Ritz values
  std::uint64_t seed = 1;      // random start vector (a fixed start can be orthogonal to the target)
  Spectra::SortRule rule = Spectra::SortRule::LargestAlge;
};

template <typename Op>
EigenEstimate top_eigenpairs(Op& op, int k, const LanczosOptions& options = {}) {
  const Eigen::Index n = op.rows();
  if (k < 1 || k >= n) throw std::invalid_argument("top_eigenpairs: need 1 <= k < n");
  int ncv = options.ncv > 0 ? options.ncv : static_cast<int>(std::min<Eigen::Index>(n, std::max(2 * k + 1, 20)));
  ncv = static_cast<int>(std::min<Eigen::Index>(std::max(ncv, k + 1), n));
  Spectra::SymEigsSolver<Op> solver(op, k, ncv);
  Rng rng(options.seed, "lanczos-start");
  Eigen::VectorXd start = rng.normal_vector(n);
  solver.init(start.data());
  solver.compute(options.rule, options.max_restarts, options.tolerance, options.rule);
  if (solver.info() != Spectra::CompInfo::Successful)
    throw std::runtime_error("top_eigenpairs: Lanczos did not converge (" + std::to_string(solver.num_iterations()) + " restarts)");
  EigenEstimate out;
  out.values = solver.eigenvalues();
  out.vectors = solver.eigenvectors();
  orient_columns(out.vectors);
  out.residuals.resize(out.values.size());
  Eigen::VectorXd av(n);
  for (Eigen::Index j = 0; j < out.values.size(); ++j) {
    op.perform_op(out.vectors.col(j).data(), av.data());
    out.residuals(j) = (av - out.values(j) * out.vectors.col(j)).norm();
  }
  out.matrix_products = static_cast<int>(solver.num_operations());
  return out;
}

}  // namespace prism::linalg
