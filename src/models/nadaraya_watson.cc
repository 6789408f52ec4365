#include "src/models/nadaraya_watson.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace prism::models {

Eigen::MatrixXd kernel_exponents(const Eigen::Ref<const Eigen::MatrixXd>& K0) {
  if ((K0.array() <= 0).any() || (K0.array() > 1).any())
    throw std::invalid_argument("kernel_exponents: kernel values must lie in (0, 1] (one underflowed to 0?)");
  return -K0.array().log().matrix();
}

Eigen::VectorXi nadaraya_watson_classes(const Eigen::Ref<const Eigen::MatrixXd>& L, const Eigen::VectorXi& labels,
                                        int classes, double scale) {
  if (L.cols() != labels.size() || classes < 1 || !(scale > 0))
    throw std::invalid_argument("nadaraya_watson_classes: L has " + std::to_string(L.cols()) + " columns for " +
                                std::to_string(labels.size()) + " labels (classes >= 1, scale > 0 required)");
  Eigen::VectorXi out(L.rows());
  std::vector<double> score(static_cast<size_t>(classes));
  for (Eigen::Index q = 0; q < L.rows(); ++q) {
    const double nearest = L.row(q).minCoeff();  // its weight is 1, no row underflows
    std::fill(score.begin(), score.end(), 0.0);
    for (Eigen::Index i = 0; i < L.cols(); ++i) score[static_cast<size_t>(labels(i))] += std::exp(-scale * (L(q, i) - nearest));
    int best = 0;
    for (int c = 1; c < classes; ++c)
      if (score[c] > score[best]) best = c;
    out(q) = best;
  }
  return out;
}

Eigen::VectorXi nearest_classes(const Eigen::Ref<const Eigen::MatrixXd>& L, const Eigen::VectorXi& labels) {
  if (L.cols() != labels.size()) throw std::invalid_argument("nearest_classes: L columns and labels differ");
  Eigen::VectorXi out(L.rows());
  for (Eigen::Index q = 0; q < L.rows(); ++q) {
    Eigen::Index best;
    L.row(q).minCoeff(&best);
    out(q) = labels(best);
  }
  return out;
}

}  // namespace prism::models
