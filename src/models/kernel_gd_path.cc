#include "src/models/kernel_gd_path.h"

#include <cmath>
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

Eigen::VectorXd KernelGdPath::filter(double t) const {
  if (!(t >= 0)) throw std::invalid_argument("KernelGdPath: t must be >= 0");
  Eigen::VectorXd phi(lambda_.size());
  const double top = lambda_max();
  for (Eigen::Index j = 0; j < lambda_.size(); ++j) {
    const double x = lambda_(j) / top;  // in (0, 1]; the step contracts by 1 - x
    // 1 - (1 - x)^t without cancellation; its x -> 0 limit is t x, so phi -> t / top.
    phi(j) = x == 0 ? t / top : -std::expm1(t * std::log1p(-x)) / lambda_(j);
    if (x == 1) phi(j) = t > 0 ? 1 / lambda_(j) : 0;  // one step lands exactly
  }
  return phi;
}

Eigen::MatrixXd KernelGdPath::coefficients(const Eigen::MatrixXd& Y, double t) const {
  return U_ * (filter(t).asDiagonal() * (U_.transpose() * Y));
}

Eigen::MatrixXd KernelGdPath::predict(const Eigen::MatrixXd& GU, const Eigen::MatrixXd& UtY, double t) const {
  return GU * (filter(t).asDiagonal() * UtY);
}

Eigen::MatrixXd KernelGdPath::predict(const Eigen::MatrixXd& GU, const Eigen::MatrixXd& UtY,
                                      const std::vector<double>& ts) const {
  const Eigen::Index c = UtY.cols();
  Eigen::MatrixXd filtered(UtY.rows(), c * static_cast<Eigen::Index>(ts.size()));
  for (size_t j = 0; j < ts.size(); ++j) filtered.middleCols(c * j, c) = filter(ts[j]).asDiagonal() * UtY;
  Eigen::MatrixXd out(GU.rows(), filtered.cols());
  out.noalias() = GU * filtered;
  return out;
}

}  // namespace prism::models
