#include "src/models/fourier_features.h"

#include <algorithm>
#include <cmath>

#include <math.h>  // sincos (GNU)
#include <stdexcept>

namespace prism::models {

Eigen::MatrixXd fourier_frequencies(Eigen::Index F, Eigen::Index d, double bandwidth, Rng& rng) {
  if (!(bandwidth > 0)) throw std::invalid_argument("fourier_frequencies: the bandwidth must be positive");
  // Row by row, so the first F rows of a larger draw are this draw (nesting across F).
  Eigen::MatrixXd V(F, d);
  for (Eigen::Index j = 0; j < F; ++j)
    for (Eigen::Index k = 0; k < d; ++k) V(j, k) = rng.normal() / bandwidth;
  return V;
}

Eigen::MatrixXd fourier_features(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::MatrixXd>& V) {
  if (X.cols() != V.cols()) throw std::invalid_argument("fourier_features: X and V differ in dimension");
  const Eigen::MatrixXd P = X * V.transpose();  // m x F
  Eigen::MatrixXd out(X.rows(), 2 * V.rows());
  // cos and sin are scalar library calls (a tenth to a fifth of an RFF claim's
  // CPU time): spread over this process's threads, and both from one glibc
  // sincos, which shares the argument reduction (a third faster than cos and
  // sin apart) and returns their values bit for bit (the test checks it).
#pragma omp parallel for schedule(static)
  for (Eigen::Index j = 0; j < V.rows(); ++j) {
    const double* p = P.col(j).data();
    double* c = out.col(2 * j).data();
    double* s = out.col(2 * j + 1).data();
    for (Eigen::Index i = 0; i < P.rows(); ++i) ::sincos(p[i], &s[i], &c[i]);
  }
  return out;
}

double accumulate_fourier_cross_gram(Eigen::MatrixXd& T, const Eigen::Ref<const Eigen::MatrixXd>& Z,
                                     const Eigen::Ref<const Eigen::MatrixXd>& V,
                                     const Eigen::Ref<const Eigen::MatrixXd>& Phi_raw, Eigen::Index f_begin,
                                     Eigen::Index f_end, Eigen::Index block) {
  if (T.rows() != Z.rows() || T.cols() != Phi_raw.rows() || 2 * f_end > Phi_raw.cols() || f_end > V.rows())
    throw std::invalid_argument("accumulate_fourier_cross_gram: shapes of T, Z, V and Phi_raw disagree");
  double flops = 0;
  for (Eigen::Index f0 = f_begin; f0 < f_end; f0 += block) {
    const Eigen::Index f = std::min(block, f_end - f0);
    T.noalias() += fourier_features(Z, V.middleRows(f0, f)) * Phi_raw.middleCols(2 * f0, 2 * f).transpose();
    flops += 2.0 * static_cast<double>(Z.rows()) * f * (static_cast<double>(Z.cols()) + 2.0 * static_cast<double>(T.cols()));
  }
  return flops;
}

Eigen::MatrixXd fourier_feature_scores(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                       const Eigen::Ref<const Eigen::MatrixXd>& V, const Eigen::MatrixXd& W,
                                       double scale, Eigen::Index block) {
  if (W.rows() != 2 * V.rows()) throw std::invalid_argument("fourier_feature_scores: W needs 2F rows for F frequencies");
  if (block < 1) throw std::invalid_argument("fourier_feature_scores: block must be >= 1");
  Eigen::MatrixXd scores(X.rows(), W.cols());
  for (Eigen::Index start = 0; start < X.rows(); start += block) {
    const Eigen::Index rows = std::min(block, X.rows() - start);
    scores.middleRows(start, rows).noalias() = scale * fourier_features(X.middleRows(start, rows), V) * W;
  }
  return scores;
}

double fourier_scale(Eigen::Index real_features) {
  if (real_features < 2 || real_features % 2 != 0)
    throw std::invalid_argument("fourier_scale: a model has an even, positive number of real features (cos/sin pairs)");
  return 1.0 / std::sqrt(static_cast<double>(real_features / 2));
}

}  // namespace prism::models
