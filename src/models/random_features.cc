#include "src/models/random_features.h"

#include <cmath>
#include <stdexcept>

namespace prism::models {

Eigen::MatrixXd gaussian_rff_frequencies(Eigen::Index input_dim, Eigen::Index num_features, double bandwidth, Rng& rng) {
  if (num_features < 2 || num_features % 2 != 0)
    throw std::invalid_argument("gaussian_rff_frequencies: N must be even and positive (cos and sin per frequency)");
  if (input_dim < 1 || !(bandwidth > 0)) throw std::invalid_argument("gaussian_rff_frequencies: needs d >= 1 and s > 0");
  return rng.normal_matrix(input_dim, num_features / 2) / bandwidth;
}

Eigen::MatrixXd rff_features(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::MatrixXd& V) {
  if (X.cols() != V.rows()) throw std::invalid_argument("rff_features: X has " + std::to_string(X.cols()) +
                                                        " columns, V " + std::to_string(V.rows()) + " rows");
  const Eigen::Index half = V.cols();
  Eigen::MatrixXd Phi(X.rows(), 2 * half);
  Phi.leftCols(half).noalias() = X * V;
  const double scale = 1 / std::sqrt(static_cast<double>(half));
  Phi.rightCols(half) = Phi.leftCols(half).array().sin() * scale;
  Phi.leftCols(half) = Phi.leftCols(half).array().cos() * scale;
  return Phi;
}

Eigen::MatrixXd feature_gram(const Eigen::MatrixXd& Phi) {
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(Phi.rows(), Phi.rows());
  G.selfadjointView<Eigen::Lower>().rankUpdate(Phi);
  G.triangularView<Eigen::StrictlyUpper>() = G.transpose();
  return G;
}

}  // namespace prism::models
