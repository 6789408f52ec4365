#include "src/linalg/spectral_least_squares.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "src/linalg/symmetric_eigen.h"

#ifdef PRISM_EIGEN_NATIVE
#include <Eigen/SVD>
#else
#include <lapacke.h>
#endif

namespace prism::linalg {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// Eigenpairs ascending -> descending singular values.
LeftSpectrum descending(const SymmetricEigen& e) {
  const Eigen::Index r = e.values.size();
  LeftSpectrum out{Eigen::MatrixXd(e.vectors.rows(), r), Eigen::VectorXd(r)};
  for (Eigen::Index i = 0; i < r; ++i) {
    out.s(i) = std::sqrt(std::max(0.0, e.values(r - 1 - i)));
    out.U.col(i) = e.vectors.col(r - 1 - i);
  }
  return out;
}

}  // namespace

ThinSvd thin_svd(Eigen::MatrixXd A) {
  const Eigen::Index n = A.rows(), N = A.cols(), r = std::min(n, N);
  if (r == 0) throw std::invalid_argument("thin_svd: empty matrix");
#ifdef PRISM_EIGEN_NATIVE
  Eigen::BDCSVD<Eigen::MatrixXd> svd(A, Eigen::ComputeThinU | Eigen::ComputeThinV);
  return {svd.matrixU(), svd.singularValues(), svd.matrixV()};
#else
  ThinSvd out{Eigen::MatrixXd(n, r), Eigen::VectorXd(r), Eigen::MatrixXd(r, N)};
  const lapack_int info =
      LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', static_cast<lapack_int>(n), static_cast<lapack_int>(N), A.data(),
                     static_cast<lapack_int>(n), out.s.data(), out.U.data(), static_cast<lapack_int>(n), out.V.data(),
                     static_cast<lapack_int>(r));
  if (info != 0) throw std::runtime_error("thin_svd: dgesdd returned info = " + std::to_string(info));
  out.V.transposeInPlace();  // dgesdd returns V^T
  return out;
#endif
}

double lstsq_cutoff(const Eigen::VectorXd& s, Eigen::Index rows, Eigen::Index cols) {
  return kEps * static_cast<double>(std::max(rows, cols)) * (s.size() ? s.maxCoeff() : 0.0);
}

Eigen::Index numerical_rank(const Eigen::VectorXd& s, double cutoff) {
  return (s.array() > cutoff).count();
}

LeftSpectrum left_spectrum_from_row_gram(Eigen::MatrixXd G) { return descending(symmetric_eigen(std::move(G))); }

LeftSpectrum left_spectrum_from_column_gram(const Eigen::Ref<const Eigen::MatrixXd>& A, Eigen::MatrixXd C) {
  if (C.rows() != A.cols()) throw std::invalid_argument("left_spectrum_from_column_gram: C must be A^T A");
  LeftSpectrum right = descending(symmetric_eigen(std::move(C)));  // U holds V here
  if (!(right.s.minCoeff() > 0))
    throw std::invalid_argument("left_spectrum_from_column_gram: A is rank deficient (a zero singular value)");
  return {A * right.U * right.s.cwiseInverse().asDiagonal(), right.s};
}

double ridge_filter(double s, double lam, double cutoff) {
  if (lam > 0) return 1.0 / (s * s + lam);
  return s > cutoff ? 1.0 / (s * s) : 0.0;
}

namespace {
Eigen::VectorXd filter_of(const LeftSpectrum& sp, double lam, double cutoff) {
  Eigen::VectorXd f(sp.s.size());
  for (Eigen::Index i = 0; i < f.size(); ++i) f(i) = ridge_filter(sp.s(i), lam, cutoff);
  return f;
}
}  // namespace

Eigen::MatrixXd ridge_path_dual(const LeftSpectrum& sp, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                                const std::vector<double>& lams, double cutoff) {
  const Eigen::MatrixXd UtY = sp.U.transpose() * Y;
  const Eigen::Index c = Y.cols();
  Eigen::MatrixXd filtered(UtY.rows(), c * static_cast<Eigen::Index>(lams.size()));
  for (size_t l = 0; l < lams.size(); ++l)
    filtered.middleCols(static_cast<Eigen::Index>(l) * c, c) = filter_of(sp, lams[l], cutoff).asDiagonal() * UtY;
  return sp.U * filtered;  // one GEMM for the whole path
}

std::vector<double> ridge_path_norms(const LeftSpectrum& sp, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                                     const std::vector<double>& lams, double cutoff) {
  const Eigen::VectorXd weight = (sp.U.transpose() * Y).rowwise().squaredNorm();
  std::vector<double> out;
  for (double lam : lams) {
    const Eigen::VectorXd sf = sp.s.cwiseProduct(filter_of(sp, lam, cutoff));
    out.push_back(std::sqrt(sf.cwiseAbs2().dot(weight)));
  }
  return out;
}

Eigen::MatrixXd min_norm_solution(const ThinSvd& svd, const Eigen::Ref<const Eigen::MatrixXd>& Y, double cutoff) {
  Eigen::VectorXd inv(svd.s.size());
  for (Eigen::Index i = 0; i < inv.size(); ++i) inv(i) = svd.s(i) > cutoff ? 1.0 / svd.s(i) : 0.0;
  return svd.V * (inv.asDiagonal() * (svd.U.transpose() * Y));
}

double interpolation_backward_error(const Eigen::Ref<const Eigen::MatrixXd>& A, double norm_A,
                                    const Eigen::Ref<const Eigen::MatrixXd>& W, const Eigen::Ref<const Eigen::MatrixXd>& Y) {
  const double residual = (A * W - Y).norm();
  return residual / (kEps * norm_A * W.norm() * std::sqrt(static_cast<double>(Y.cols())));
}

RowSpaceCoordinates row_space_coordinates(const LeftSpectrum& sp, double cutoff) {
  const Eigen::Index r = numerical_rank(sp.s, cutoff);  // s is descending: the first r
  return {sp.U.leftCols(r) * sp.s.head(r).asDiagonal(), sp.U.leftCols(r) * sp.s.head(r).cwiseInverse().asDiagonal()};
}

}  // namespace prism::linalg
