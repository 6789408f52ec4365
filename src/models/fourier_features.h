// Random Fourier features of the Gaussian kernel exp(-||x-z||^2 / (2 s^2))
// (Rahimi & Recht 2007), in the nested form of docs/claims.md double-descent:
// one draw of F_max frequencies per seed, and the model with N real features
// uses the first N/2 of them. Features are kept UNSCALED here (cos and sin,
// interleaved per frequency), so a prefix of the columns is the smaller model
// and the 1/sqrt(F) of a model with F frequencies is one scalar applied by the
// caller: phi(x) = [cos(Vx), sin(Vx)] / sqrt(F) gives phi(x).phi(z) ->
// exp(-||x-z||^2 / (2 s^2)) as F grows.
#pragma once

#include <Eigen/Core>

#include "src/core/rng.h"

namespace prism::models {

// F frequencies v_j ~ N(0, I / s^2), one per row (F x d).
Eigen::MatrixXd fourier_frequencies(Eigen::Index F, Eigen::Index d, double bandwidth, Rng& rng);

// Unscaled features of the rows of X (m x d) for the frequency rows of V
// (F x d): m x 2F, column 2j = cos(v_j . x), column 2j+1 = sin(v_j . x).
// One GEMM (2 m d F flops) and one pass of cos/sin.
Eigen::MatrixXd fourier_features(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::MatrixXd>& V);

// T += features(Z, V[f_begin, f_end)) Phi_raw[:, 2 f_begin, 2 f_end)^T: the
// unscaled cross Gram of the rows of Z against the training features Phi_raw
// (n x 2F, unscaled, from fourier_features), over the frequencies f_begin to
// f_end, `block` frequencies at a time so Z's features are never held whole
// (at N = 6 x 10^4 and 10^4 test rows they would be 4.8 GB). Returns the flops
// (features 2 |Z| d f, cross Gram 2 |Z| n 2f).
double accumulate_fourier_cross_gram(Eigen::MatrixXd& T, const Eigen::Ref<const Eigen::MatrixXd>& Z,
                                     const Eigen::Ref<const Eigen::MatrixXd>& V,
                                     const Eigen::Ref<const Eigen::MatrixXd>& Phi_raw, Eigen::Index f_begin,
                                     Eigen::Index f_end, Eigen::Index block = 1024);

// Scores scale * features(X, V) W (W: 2F x k) of the rows of X, the features
// formed `block` rows at a time and never held whole (10^4 test rows at N =
// 10^5 would be 8 GB). Each row's score is the same product as in one pass.
Eigen::MatrixXd fourier_feature_scores(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                       const Eigen::Ref<const Eigen::MatrixXd>& V, const Eigen::MatrixXd& W,
                                       double scale, Eigen::Index block);

// The scale of a model with N real features (N/2 frequencies): 1 / sqrt(N/2).
double fourier_scale(Eigen::Index real_features);

}  // namespace prism::models
