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

// The 1-NN class: the training point of smallest exponent (nearest, for a
// radially decreasing kernel); the s -> 0 limit of nadaraya_watson_classes.
Eigen::VectorXi nearest_classes(const Eigen::Ref<const Eigen::MatrixXd>& L, const Eigen::VectorXi& labels);

// True where a row's smallest exponent is shared by training points of two or
// more classes (an exact tie of distances, e.g. duplicated images with
// different labels): there 1-NN's choice is its first index, NW's a class sum.
Eigen::Array<bool, Eigen::Dynamic, 1> nearest_is_tied(const Eigen::Ref<const Eigen::MatrixXd>& L,
                                                      const Eigen::VectorXi& labels);

}  // namespace prism::models
