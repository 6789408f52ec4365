#include "src/models/kernel_gd_path.h"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "src/linalg/symmetric_eigen.h"

namespace prism::models {

KernelGdPath::KernelGdPath(const Eigen::MatrixXd& K) {
  if (K.rows() != K.cols() || K.rows() == 0) throw std::invalid_argument("KernelGdPath: K must be square and nonempty");
  linalg::SymmetricEigen eig = linalg::symmetric_eigen(K);
  lambda_ = std::move(eig.values);
  U_ = std::move(eig.vectors);
  if (!(lambda_max() > 0)) throw std::invalid_argument("KernelGdPath: K has no positive eigenvalue");
}

double KernelGdPath::step_eigenvalue(int eigenpro_k) const {
  if (eigenpro_k < 0 || eigenpro_k >= lambda_.size())
    throw std::invalid_argument("KernelGdPath: EigenPro k must be in 0..n-1");
  const double top = lambda_(lambda_.size() - 1 - eigenpro_k);
  if (!(top > 0)) throw std::invalid_argument("KernelGdPath: lambda_(k+1) must be positive");
  return top;
}

Eigen::VectorXd KernelGdPath::filter(double t, int eigenpro_k) const {
  if (!(t >= 0)) throw std::invalid_argument("KernelGdPath: t must be >= 0");
  Eigen::VectorXd phi(lambda_.size());
  const double top = step_eigenvalue(eigenpro_k);
  const Eigen::Index first_preconditioned = lambda_.size() - eigenpro_k;  // ascending order: the top k last
  for (Eigen::Index j = 0; j < lambda_.size(); ++j) {
    // in (0, 1]; the step contracts by 1 - x (0 for the preconditioned top k)
    const double x = j >= first_preconditioned ? 1.0 : lambda_(j) / top;
    // 1 - (1 - x)^t without cancellation; its x -> 0 limit is t x, so phi -> t / top.
    phi(j) = x == 0 ? t / top : -std::expm1(t * std::log1p(-x)) / lambda_(j);
    if (x == 1) phi(j) = t > 0 ? 1 / lambda_(j) : 0;  // one step lands exactly
  }
  return phi;
}

std::vector<size_t> KernelGdPath::repeats(const std::vector<double>& ts, int eigenpro_k) const {
  std::vector<size_t> first(ts.size());
  Eigen::VectorXd previous;
  for (size_t j = 0; j < ts.size(); ++j) {
    if (j > 0 && !(ts[j] >= ts[j - 1])) throw std::invalid_argument("KernelGdPath: repeats needs ascending t");
    Eigen::VectorXd phi = filter(ts[j], eigenpro_k);
    first[j] = j > 0 && phi == previous ? first[j - 1] : j;
    previous = std::move(phi);
  }
  return first;
}

Eigen::VectorXd KernelGdPath::limit_filter() const {
  const double cutoff = static_cast<double>(lambda_.size()) * std::numeric_limits<double>::epsilon() * lambda_max();
  return lambda_.unaryExpr([cutoff](double l) { return l > cutoff ? 1 / l : 0.0; });
}

Eigen::MatrixXd KernelGdPath::coefficients(const Eigen::MatrixXd& Y, double t, int eigenpro_k) const {
  return U_ * (filter(t, eigenpro_k).asDiagonal() * (U_.transpose() * Y));
}

Eigen::MatrixXd KernelGdPath::predict(const Eigen::MatrixXd& GU, const Eigen::MatrixXd& UtY, double t,
                                      int eigenpro_k) const {
  return GU * (filter(t, eigenpro_k).asDiagonal() * UtY);
}

Eigen::MatrixXd KernelGdPath::filtered(const Eigen::MatrixXd& UtY, const std::vector<double>& ts, int eigenpro_k) const {
  const Eigen::Index c = UtY.cols();
  Eigen::MatrixXd out(UtY.rows(), c * static_cast<Eigen::Index>(ts.size()));
  for (size_t j = 0; j < ts.size(); ++j) out.middleCols(c * j, c) = filter(ts[j], eigenpro_k).asDiagonal() * UtY;
  return out;
}

Eigen::MatrixXd KernelGdPath::predict(const Eigen::MatrixXd& GU, const Eigen::MatrixXd& UtY,
                                      const std::vector<double>& ts, int eigenpro_k) const {
  const Eigen::MatrixXd f = filtered(UtY, ts, eigenpro_k);
  Eigen::MatrixXd out(GU.rows(), f.cols());
  out.noalias() = GU * f;
  return out;
}

Eigen::MatrixXd KernelGdPath::coefficients_at(const Eigen::MatrixXd& UtY, const std::vector<double>& ts,
                                              int eigenpro_k) const {
  const Eigen::MatrixXd f = filtered(UtY, ts, eigenpro_k);
  Eigen::MatrixXd out(U_.rows(), f.cols());
  out.noalias() = U_ * f;
  return out;
}

}  // namespace prism::models
