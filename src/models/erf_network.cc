#include "src/models/erf_network.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <Eigen/Eigenvalues>

namespace prism::models {
namespace {

constexpr double kTwoOverSqrtPi = 1.1283791670955126;  // 2 / sqrt(pi)
constexpr double kFourOverPi = 1.2732395447351628;     // 4 / pi

void check_shapes(const Eigen::MatrixXd& X, const Eigen::MatrixXd& W, const Eigen::VectorXd& v) {
  if (X.cols() != W.cols() || W.rows() != v.size() || W.rows() == 0)
    throw std::invalid_argument("erf network: X is n x d, W is m x d, v has m entries (m >= 1)");
}

// Z = X W^T, S = erf'(Z), F = m^-1/2 erf(Z) v, into preallocated buffers.
void forward_into(const Eigen::MatrixXd& X, const Eigen::MatrixXd& W, const Eigen::VectorXd& v, Eigen::MatrixXd& Z,
                  Eigen::MatrixXd& S, Eigen::VectorXd& F) {
  const Eigen::Index n = X.rows(), m = W.rows();
  Z.noalias() = X * W.transpose();
  S.resize(n, m);
  F.setZero(n);
  for (Eigen::Index j = 0; j < m; ++j) {
    const double* z = Z.col(j).data();
    double* s = S.col(j).data();
    double* f = F.data();
    const double vj = v(j);
    for (Eigen::Index i = 0; i < n; ++i) f[i] += vj * std::erf(z[i]);
    for (Eigen::Index i = 0; i < n; ++i) s[i] = -z[i] * z[i];
  }
  S.array() = kTwoOverSqrtPi * S.array().exp();
  F /= std::sqrt(static_cast<double>(m));
}

void gradient_into(const Eigen::MatrixXd& X, const Eigen::MatrixXd& S, const Eigen::VectorXd& v,
                   const Eigen::VectorXd& r, Eigen::MatrixXd& RX, Eigen::MatrixXd& G) {
  const Eigen::Index n = X.rows(), m = S.cols();
  RX = r.asDiagonal() * X;
  G.noalias() = S.transpose() * RX;
  G = (v / (static_cast<double>(n) * std::sqrt(static_cast<double>(m)))).asDiagonal() * G;
}

double lambda_max(const Eigen::MatrixXd& A) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A, Eigen::EigenvaluesOnly);
  return es.eigenvalues()(A.rows() - 1);
}

}  // namespace

Eigen::MatrixXd uniform_sphere_rows(Eigen::Index n, Eigen::Index d, Rng& rng) {
  Eigen::MatrixXd X(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index k = 0; k < d; ++k) X(i, k) = rng.normal();
    X.row(i) /= X.row(i).norm();
  }
  return X;
}

double erf_first_derivative(double z) { return kTwoOverSqrtPi * std::exp(-z * z); }
double erf_second_derivative(double z) { return -2.0 * z * erf_first_derivative(z); }

ErfForward erf_forward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& W, const Eigen::VectorXd& v) {
  check_shapes(X, W, v);
  ErfForward f;
  forward_into(X, W, v, f.Z, f.S, f.F);
  return f;
}

Eigen::MatrixXd erf_tangent_kernel(const Eigen::MatrixXd& X, const Eigen::MatrixXd& S) {
  const Eigen::Index n = X.rows();
  Eigen::MatrixXd SS = Eigen::MatrixXd::Zero(n, n), XX = Eigen::MatrixXd::Zero(n, n);
  SS.selfadjointView<Eigen::Lower>().rankUpdate(S, 1.0 / static_cast<double>(S.cols()));
  XX.selfadjointView<Eigen::Lower>().rankUpdate(X);
  Eigen::MatrixXd K = SS.selfadjointView<Eigen::Lower>();
  K.array() *= Eigen::MatrixXd(XX.selfadjointView<Eigen::Lower>()).array();
  return K;
}

Eigen::MatrixXd erf_jacobian(const Eigen::MatrixXd& X, const Eigen::MatrixXd& W, const Eigen::VectorXd& v) {
  check_shapes(X, W, v);
  const Eigen::Index n = X.rows(), d = X.cols(), m = W.rows();
  Eigen::MatrixXd J(n, m * d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < m; ++j) {
      const double s = erf_first_derivative(X.row(i).dot(W.row(j))) * v(j) / std::sqrt(static_cast<double>(m));
      for (Eigen::Index k = 0; k < d; ++k) J(i, j * d + k) = s * X(i, k);
    }
  return J;
}

Eigen::MatrixXd erf_loss_gradient(const Eigen::MatrixXd& X, const Eigen::MatrixXd& S, const Eigen::VectorXd& v,
                                  const Eigen::VectorXd& r) {
  Eigen::MatrixXd RX, G;
  gradient_into(X, S, v, r, RX, G);
  return G;
}

double erf_max_residual_block_norm(const Eigen::MatrixXd& X, const Eigen::MatrixXd& Z, const Eigen::VectorXd& v,
                                   const Eigen::VectorXd& r) {
  const Eigen::Index n = X.rows(), d = X.cols(), m = Z.cols();
  // All blocks at once: vec(B_j) = sum_i C_ij vec(x_i x_i^T), C_ij = r_i erf''(Z_ij): one GEMM.
  Eigen::MatrixXd P(n, d * d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index a = 0; a < d; ++a)
      for (Eigen::Index b = 0; b < d; ++b) P(i, a * d + b) = X(i, a) * X(i, b);
  Eigen::MatrixXd C(n, m);
  for (Eigen::Index j = 0; j < m; ++j)
    for (Eigen::Index i = 0; i < n; ++i) C(i, j) = r(i) * erf_second_derivative(Z(i, j));
  const Eigen::MatrixXd blocks = C.transpose() * P;  // m x d^2
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(d);
  Eigen::MatrixXd B(d, d);
  double best = 0;
  for (Eigen::Index j = 0; j < m; ++j) {
    for (Eigen::Index a = 0; a < d; ++a)
      for (Eigen::Index b = 0; b < d; ++b) B(a, b) = blocks(j, a * d + b);
    es.compute(B, Eigen::EigenvaluesOnly);
    best = std::max({best, std::abs(es.eigenvalues()(0)), std::abs(es.eigenvalues()(d - 1))});
  }
  return best / std::sqrt(static_cast<double>(m));  // |v_j| = 1
}

ErfHessianBound erf_hessian_bound(const Eigen::MatrixXd& X, const ErfForward& fwd, const Eigen::VectorXd& v,
                                  const Eigen::VectorXd& y) {
  ErfHessianBound b;
  b.lambda_max_kernel = lambda_max(erf_tangent_kernel(X, fwd.S));
  b.max_block_norm = erf_max_residual_block_norm(X, fwd.Z, v, fwd.F - y);
  b.beta = (b.lambda_max_kernel + b.max_block_norm) / static_cast<double>(X.rows());
  return b;
}

Eigen::MatrixXd erf_infinite_width_kernel(const Eigen::MatrixXd& X) {
  const Eigen::Index n = X.rows();
  const Eigen::MatrixXd G = X * X.transpose();
  Eigen::MatrixXd K(n, n);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index l = 0; l < n; ++l) {
      const double c = G(i, l);
      K(i, l) = c * kFourOverPi / std::sqrt((1 + 2 * G(i, i)) * (1 + 2 * G(l, l)) - 4 * c * c);
    }
  return K;
}

Eigen::VectorXd symmetric_eigenvalues(const Eigen::MatrixXd& A) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A, Eigen::EigenvaluesOnly);
  return es.eigenvalues();
}

double chernoff_r1(const Eigen::MatrixXd& X) { return kFourOverPi * lambda_max(X * X.transpose()); }

ChernoffWidth matrix_chernoff(double m, double lam_inf, double r1, int n, double delta, double p) {
  if (!(delta > 0 && delta < 1 && p > 0 && p < 1 && lam_inf > 0 && r1 > 0))
    throw std::invalid_argument("matrix_chernoff: needs 0 < delta < 1, 0 < p < 1, lam_inf > 0, r1 > 0");
  const double h = delta + (1 - delta) * std::log1p(-delta);
  const double g = (1 + delta) * std::log1p(delta) - delta;
  ChernoffWidth c;
  c.lower_tail = n * std::exp(-(m * lam_inf / r1) * h);
  c.upper_tail = std::exp(-(m * lam_inf / r1) * g);
  c.m0 = std::max(r1 * std::log(n / p) / (lam_inf * h), r1 * std::log(1 / p) / (lam_inf * g));
  return c;
}

ErfGdTrace erf_gradient_descent(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const Eigen::MatrixXd& W0,
                                const Eigen::VectorXd& v, const ErfGdOptions& o) {
  check_shapes(X, W0, v);
  if (!(o.eta > 0) || o.max_steps < 0 || o.kernel_every < 1 || o.beta_every < 1)
    throw std::invalid_argument("erf_gradient_descent: needs eta > 0, max_steps >= 0, positive intervals");
  const double n = static_cast<double>(X.rows());
  ErfGdTrace tr;
  tr.W = W0;
  tr.stop = o.max_steps;
  Eigen::MatrixXd Z, S, RX, G;
  Eigen::VectorXd F, r;
  double L0 = 0;
  bool stopped = false;
  for (int t = 0;; ++t) {
    forward_into(X, tr.W, v, Z, S, F);
    r = F - y;
    const double L = r.squaredNorm() / (2 * n);
    tr.loss.push_back(L);
    if (t == 0) L0 = L;
    if (!stopped && L <= o.stop_ratio * L0) {
      stopped = true;
      tr.stop = t;
    }
    const bool last = t == o.max_steps || (stopped && t >= o.min_steps);
    const bool at_stop = t == tr.stop;  // the stop, or max_steps without one
    if (t % o.kernel_every == 0 || at_stop) {
      Eigen::MatrixXd K = erf_tangent_kernel(X, S);
      if (t % o.kernel_every == 0) {
        const Eigen::VectorXd ev = symmetric_eigenvalues(K);
        tr.kernel_t.push_back(t);
        tr.kernel_lambda_min.push_back(ev(0));
        tr.kernel_lambda_max.push_back(ev(ev.size() - 1));
      }
      if (t % o.beta_every == 0) {
        const double beta = (lambda_max(K) + erf_max_residual_block_norm(X, Z, v, r)) / n;
        tr.beta_t.push_back(t);
        tr.eta_beta.push_back(o.eta * beta);
      }
      if (t == 0) tr.K0 = K;
      if (at_stop) {
        tr.KT = std::move(K);
        tr.WT = tr.W;
      }
    }
    if (last) break;
    gradient_into(X, S, v, r, RX, G);
    tr.W -= o.eta * G;
  }
  return tr;
}

}  // namespace prism::models
