#include "src/models/nadaraya_watson.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/models/classification.h"

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
  // Blocks of query rows, copied contiguous (L is column-major, a row is
  // strided): the weights in one vectorised pass, the class scores W Y by GEMM.
  constexpr Eigen::Index kBlock = 256;
  const Eigen::MatrixXd Y = one_hot(labels, classes);
  Eigen::VectorXi out(L.rows());
  Eigen::MatrixXd W, score;
  for (Eigen::Index q0 = 0; q0 < L.rows(); q0 += kBlock) {
    const Eigen::Index b = std::min(kBlock, L.rows() - q0);
    W = L.middleRows(q0, b);
    const Eigen::VectorXd nearest = W.rowwise().minCoeff();  // its weight is 1: no row underflows
    W = ((W.colwise() - nearest).array() * -scale).exp().matrix();
    score.noalias() = W * Y;
    for (Eigen::Index q = 0; q < b; ++q) {
      Eigen::Index best = 0;
      for (Eigen::Index c = 1; c < classes; ++c)  // strict: the lowest class wins a tie
        if (score(q, c) > score(q, best)) best = c;
      out(q0 + q) = static_cast<int>(best);
    }
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

Eigen::Array<bool, Eigen::Dynamic, 1> nearest_is_tied(const Eigen::Ref<const Eigen::MatrixXd>& L,
                                                      const Eigen::VectorXi& labels) {
  if (L.cols() != labels.size()) throw std::invalid_argument("nearest_is_tied: L columns and labels differ");
  const Eigen::VectorXd nearest = L.rowwise().minCoeff();
  Eigen::VectorXi first_class = Eigen::VectorXi::Constant(L.rows(), -1);
  Eigen::Array<bool, Eigen::Dynamic, 1> tied = Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(L.rows(), false);
  for (Eigen::Index i = 0; i < L.cols(); ++i)  // column by column: L is column-major
    for (Eigen::Index q = 0; q < L.rows(); ++q) {
      if (L(q, i) != nearest(q)) continue;
      if (first_class(q) < 0) first_class(q) = labels(i);
      else if (first_class(q) != labels(i)) tied(q) = true;
    }
  return tied;
}

}  // namespace prism::models
