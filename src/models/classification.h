// Multi-class classification by least squares on one-hot targets.
//
// A kernel machine (or any linear solver) trained on several labelings of the
// SAME points can solve them all at once: put the one-hot targets of labeling j
// in column block j (columns j*k .. j*k+k-1) of one n x (m k) right-hand side,
// factorise once, solve once, and decode each block by argmax.
#pragma once

#include <vector>

#include <Eigen/Core>

namespace prism::models {

// n x k: row i is e_{y(i)}. Throws std::invalid_argument for k < 1 or a label
// outside [0, k).
Eigen::MatrixXd one_hot(const Eigen::VectorXi& y, int k);

// n x (m k): labeling j one-hot encoded in column block j. Every labeling must
// have the same length; throws std::invalid_argument otherwise (or when empty).
Eigen::MatrixXd one_hot_blocks(const std::vector<Eigen::VectorXi>& labelings, int k);

// Class of each row of scores(:, block*k .. block*k+k-1): the argmax, the
// lowest class index winning a tie. Throws std::invalid_argument if the block
// does not fit in scores' columns.
Eigen::VectorXi argmax_classes(const Eigen::Ref<const Eigen::MatrixXd>& scores, int k, Eigen::Index block = 0);

// Fraction of positions where predicted != truth. Throws std::invalid_argument
// on a length mismatch or empty input.
double error_rate(const Eigen::VectorXi& predicted, const Eigen::VectorXi& truth);

// Two classifiers D ("direct") and I on the same m test points: their errors,
// the paired difference e_D - e_I with McNemar's standard error
// sqrt(b + c - (b - c)^2 / m) / m (b, c: points only D, only I gets wrong),
// z = (e_D - e_I) / SE (0 when b + c = 0) and the relative reduction
// r = 1 - e_I / e_D (0 when e_D = 0).
struct PairedErrors {
  double error_direct = 0, error_inverse = 0, difference = 0, se = 0, z = 0, reduction = 0;
};
PairedErrors paired_errors(const Eigen::VectorXi& direct, const Eigen::VectorXi& inverse, const Eigen::VectorXi& truth);

}  // namespace prism::models
