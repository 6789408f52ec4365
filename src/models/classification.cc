#include "src/models/classification.h"

#include <algorithm>
#include <cmath>

#include <stdexcept>
#include <string>

namespace prism::models {

Eigen::MatrixXd one_hot(const Eigen::VectorXi& y, int k) {
  return one_hot_blocks({y}, k);
}

Eigen::MatrixXd one_hot_blocks(const std::vector<Eigen::VectorXi>& labelings, int k) {
  if (k < 1) throw std::invalid_argument("one_hot: k = " + std::to_string(k) + " classes, need k >= 1");
  if (labelings.empty()) throw std::invalid_argument("one_hot_blocks: no labelings");
  const Eigen::Index n = labelings.front().size();
  Eigen::MatrixXd Y = Eigen::MatrixXd::Zero(n, static_cast<Eigen::Index>(labelings.size()) * k);
  for (size_t j = 0; j < labelings.size(); ++j) {
    const Eigen::VectorXi& y = labelings[j];
    if (y.size() != n)
      throw std::invalid_argument("one_hot_blocks: labeling " + std::to_string(j) + " has " +
                                  std::to_string(y.size()) + " labels, expected " + std::to_string(n));
    for (Eigen::Index i = 0; i < n; ++i) {
      if (y(i) < 0 || y(i) >= k)
        throw std::invalid_argument("one_hot: label " + std::to_string(y(i)) + " at " + std::to_string(i) +
                                    " is not in [0, " + std::to_string(k) + ")");
      Y(i, static_cast<Eigen::Index>(j) * k + y(i)) = 1.0;
    }
  }
  return Y;
}

Eigen::VectorXi argmax_classes(const Eigen::Ref<const Eigen::MatrixXd>& scores, int k, Eigen::Index block) {
  if (k < 1) throw std::invalid_argument("argmax_classes: k = " + std::to_string(k) + ", need k >= 1");
  if (block < 0 || (block + 1) * k > scores.cols())
    throw std::invalid_argument("argmax_classes: block " + std::to_string(block) + " of " + std::to_string(k) +
                                " columns does not fit in " + std::to_string(scores.cols()) + " columns");
  const Eigen::Index first = block * k;
  Eigen::VectorXi out(scores.rows());
  for (Eigen::Index i = 0; i < scores.rows(); ++i) {
    int best = 0;
    for (int c = 1; c < k; ++c)
      if (scores(i, first + c) > scores(i, first + best)) best = c;
    out(i) = best;
  }
  return out;
}

double error_rate(const Eigen::VectorXi& predicted, const Eigen::VectorXi& truth) {
  if (predicted.size() != truth.size() || truth.size() == 0)
    throw std::invalid_argument("error_rate: " + std::to_string(predicted.size()) + " predictions for " +
                                std::to_string(truth.size()) + " labels");
  return static_cast<double>((predicted.array() != truth.array()).count()) / static_cast<double>(truth.size());
}

PairedErrors paired_errors(const Eigen::VectorXi& direct, const Eigen::VectorXi& inverse, const Eigen::VectorXi& truth) {
  if (direct.size() != truth.size() || inverse.size() != truth.size() || truth.size() == 0)
    throw std::invalid_argument("paired_errors: the two predictions and the truth must have one equal, nonzero length");
  const double m = static_cast<double>(truth.size());
  double b = 0, c = 0, wrong_d = 0, wrong_i = 0;
  for (Eigen::Index j = 0; j < truth.size(); ++j) {
    const bool d = direct(j) != truth(j), i = inverse(j) != truth(j);
    wrong_d += d, wrong_i += i, b += d && !i, c += i && !d;
  }
  PairedErrors p;
  p.error_direct = wrong_d / m;
  p.error_inverse = wrong_i / m;
  p.difference = p.error_direct - p.error_inverse;  // = (b - c) / m
  p.se = std::sqrt(std::max(0.0, b + c - (b - c) * (b - c) / m)) / m;
  p.z = b + c == 0 ? 0.0 : p.difference / p.se;
  p.reduction = p.error_direct == 0 ? 0.0 : 1 - p.error_inverse / p.error_direct;
  return p;
}

}  // namespace prism::models
