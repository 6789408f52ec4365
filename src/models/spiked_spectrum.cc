#include "src/models/spiked_spectrum.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace prism::models {

double SpikedSpectrum::lambda_1() const { return (shared * static_cast<double>(n) + own) / static_cast<double>(n); }
double SpikedSpectrum::lambda_rest() const { return own / static_cast<double>(n); }
double SpikedSpectrum::ratio() const { return beta / lambda_1(); }

Eigen::MatrixXd SpikedSpectrum::features() const {
  Eigen::MatrixXd X = Eigen::MatrixXd::Zero(n, n + 1);
  X.col(0).setConstant(std::sqrt(shared));
  for (Eigen::Index i = 0; i < n; ++i) X(i, 1 + i) = std::sqrt(own);
  return X;
}

Eigen::MatrixXd SpikedSpectrum::gram() const {
  Eigen::MatrixXd K = Eigen::MatrixXd::Constant(n, n, shared);
  K.diagonal().array() += own;
  return K;
}

SpikedSpectrum spiked_spectrum(Eigen::Index n, double beta, double ratio) {
  if (n < 2 || !(beta > 0) || !(ratio >= 1) || ratio > static_cast<double>(n))
    throw std::invalid_argument("spiked_spectrum: expected n >= 2, beta > 0 and 1 <= ratio <= n, got n = " +
                                std::to_string(n) + ", beta = " + std::to_string(beta) +
                                ", ratio = " + std::to_string(ratio));
  const double nd = static_cast<double>(n);
  SpikedSpectrum s;
  s.n = n;
  s.beta = beta;
  s.shared = beta * (nd - ratio) / (ratio * (nd - 1));
  s.own = beta - s.shared;
  return s;
}

void SpikedGramOp::perform_op(const double* x, double* y) const {
  Eigen::Map<const Eigen::VectorXd> in(x, s_.n);
  Eigen::Map<Eigen::VectorXd> out(y, s_.n);
  const double shift = scale_ * s_.shared * in.sum();
  out = (scale_ * s_.own) * in;
  out.array() += shift;
}

}  // namespace prism::models
