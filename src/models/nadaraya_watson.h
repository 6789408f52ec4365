// Nadaraya-Watson classification ("direct": alpha = Y) from a kernel matrix at
// one bandwidth, re-scaled to other bandwidths of the same radial family.
//
// For k(d) = exp(-g(d) / s^p) (Laplace: g = d, p = 1; Gauss: g = d^2 / 2, p = 2),
// L = -log K0 = g(d) / s0^p, so the weights at bandwidth s are
// exp(-(s0/s)^p L). Each row is shifted by its smallest L before the
// exponential (weights exp(-c (L - L_min)), the same argmax): at s ~ s0/512 the
// Gaussian weights would otherwise all underflow to 0 and argmax return class 0.
// The class score is sum_i w_i [y_i = c]; the NW denominator is common to the
// classes and left out.
#pragma once

#include <Eigen/Core>

namespace prism::models {

// L = -log K0 elementwise (queries x training points, K0 in (0, 1]): the
// exponents every bandwidth of the family rescales.
Eigen::MatrixXd kernel_exponents(const Eigen::Ref<const Eigen::MatrixXd>& K0);

// Predicted class of each row of L at the bandwidth scale c = (s0 / s)^p;
// the lowest class wins a tie.
Eigen::VectorXi nadaraya_watson_classes(const Eigen::Ref<const Eigen::MatrixXd>& L, const Eigen::VectorXi& labels,
                                        int classes, double scale);

// The classes at a ladder of scales c_j = scale * 2^(doublings j), j = 0 ..
// steps - 1 (column j; a bandwidth grid s0 2^-j has doublings = p). One
// exponential per entry: each next rung's weights are the last rung's raised
// to 2^doublings by squaring, exp(-2c (L - L_min)) = exp(-c (L - L_min))^2,
// exact but for rounding, which grows to ~2^(doublings j) ulps at rung j
// (3e-11 at the Gauss grid's last rung), far below any gap between class
// scores that an argmax of 10^4 queries meets. A weight squared below the
// smallest normal double is 0 (flush to zero: its share beside the nearest
// point's weight 1 is below 1e-308). Requires doublings >= 0, steps >= 1.
Eigen::MatrixXi nadaraya_watson_ladder(const Eigen::Ref<const Eigen::MatrixXd>& L, const Eigen::VectorXi& labels,
                                       int classes, double scale, int doublings, int steps);

// The 1-NN class: the training point of smallest exponent (nearest, for a
// radially decreasing kernel); the s -> 0 limit of nadaraya_watson_classes.
Eigen::VectorXi nearest_classes(const Eigen::Ref<const Eigen::MatrixXd>& L, const Eigen::VectorXi& labels);

// True where a row's smallest exponent is shared by training points of two or
// more classes (an exact tie of distances, e.g. duplicated images with
// different labels): there 1-NN's choice is its first index, NW's a class sum.
Eigen::Array<bool, Eigen::Dynamic, 1> nearest_is_tied(const Eigen::Ref<const Eigen::MatrixXd>& L,
                                                      const Eigen::VectorXi& labels);

}  // namespace prism::models
