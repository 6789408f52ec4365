// Synthetic data with a known Bayes risk.
//
// Synthetic-2 (docs/claims.md bayes-tracking; Belkin, Ma, Mandal 2018): d = 50,
// y = +-1 equally likely, x1 ~ N(0,1) if y = +1 and N(2,1) if y = -1,
// x2..x50 ~ U(-1,1). Labels are stored as classes: class 0 <-> y = +1,
// class 1 <-> y = -1. The Bayes classifier predicts class 0 iff x1 < 1 and
// errs with probability Phi(-1).
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <cstdint>

#include "datasets/dataset.h"

namespace prism::data {

inline constexpr int kSynthetic2Dim = 50;

// n samples, deterministic in (split, seed). Rows are drawn one at a time, so
// the first m rows do not depend on n. Train draws from Rng(seed, "synthetic2"),
// test from Rng(seed, "synthetic2/test"): the same seed never repeats a
// training row in the test set.
Dataset synthetic2(Split split, std::size_t n, std::uint64_t seed);

// Phi(-1) = erfc(1/sqrt 2) / 2 = 0.158655...
double synthetic2_bayes_risk();

// sqrt(E||x - z||^2) for independent x, z: sqrt(2 tr Cov(x)) = sqrt(2 (2 + 49/3))
// = 6.0553 (x1 is an equal mixture of N(0,1) and N(2,1), variance 2; each
// U(-1,1) coordinate has variance 1/3). The length scale kernels see here.
double synthetic2_rms_distance();

// The Bayes classifier's classes for the rows of X (class 0 iff x1 < 1).
Eigen::VectorXi synthetic2_bayes_classify(const Eigen::MatrixXd& X);

}  // namespace prism::data
