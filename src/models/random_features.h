// Random Fourier features of the Gaussian kernel (Rahimi & Recht 2007;
// docs/claims.md random-labels): with N real features (N/2 frequencies)
//   phi(x) = [cos(V^T x), sin(V^T x)] / sqrt(N/2),  columns of V ~ N(0, I / s^2),
// phi(x) . phi(z) = (2/N) sum_j cos(v_j . (x - z)) is an unbiased estimate of
// exp(-||x - z||^2 / (2 s^2)) (s = 5: exp(-||x - z||^2 / 50)).
// GD from 0 on the weights W of f = W^T phi(x) is kernel GD with G = Phi Phi^T.
#pragma once

#include <Eigen/Core>

#include "src/core/rng.h"

namespace prism::models {

// d x (N/2) frequencies, entries N(0, 1/s^2). Throws std::invalid_argument
// unless N is even and positive, d >= 1 and s > 0.
Eigen::MatrixXd gaussian_rff_frequencies(Eigen::Index input_dim, Eigen::Index num_features, double bandwidth, Rng& rng);

// n x N features of the rows of X (n x d): [cos(X V), sin(X V)] / sqrt(N/2).
Eigen::MatrixXd rff_features(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::MatrixXd& V);

// G = Phi Phi^T (n x n, both triangles), one SYRK.
Eigen::MatrixXd feature_gram(const Eigen::MatrixXd& Phi);

}  // namespace prism::models
