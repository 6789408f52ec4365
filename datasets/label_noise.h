// Label noise of docs/claims.md bayes-tracking: each label independently, with
// probability q, is replaced by a label drawn uniformly from the k classes
// (possibly the original one). The Bayes classifier is unchanged and its risk
// becomes R*_q = q (k-1)/k + (1-q) R*.
#pragma once

#include <Eigen/Core>

#include "src/core/rng.h"

namespace prism::data {

// Corrupted copy of y (labels in [0, k)). Every label consumes the same draws
// whatever q is, so with equal Rng states the labels corrupted at q1 < q2 are a
// subset of those corrupted at q2, with the same replacements (common random
// numbers across a sweep over q). Throws std::invalid_argument for q outside
// [0, 1], k < 1 or a label outside [0, k).
Eigen::VectorXi corrupt_labels(const Eigen::VectorXi& y, int k, double q, Rng& rng);

// q (k-1)/k + (1-q) R*. Throws std::invalid_argument for arguments outside
// their ranges (R* and q in [0, 1], k >= 1).
double noisy_bayes_risk(double clean_bayes_risk, double q, int k);

}  // namespace prism::data
