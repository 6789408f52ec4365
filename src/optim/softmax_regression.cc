#include "src/optim/softmax_regression.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <LBFGS.h>

namespace prism::optim {

namespace {
// Rows per block of the fused pass: a block of F (rows x r doubles, ~1.6 MB at
// r = 785) is read from memory once and reused from cache for both products.
constexpr Eigen::Index kRowBlock = 256;
}  // namespace

double softmax_cross_entropy(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::VectorXi& y,
                             const Eigen::Ref<const Eigen::MatrixXd>& C, double lam, Eigen::MatrixXd* grad) {
  const Eigen::Index n = F.rows();
  if (grad) grad->setZero(C.rows(), C.cols());
  double loss = 0;
  Eigen::MatrixXd S;
  for (Eigen::Index b0 = 0; b0 < n; b0 += kRowBlock) {
    const Eigen::Index rows = std::min(kRowBlock, n - b0);
    const auto Fb = F.middleRows(b0, rows);
    S.noalias() = Fb * C;  // scores of the block
    for (Eigen::Index i = 0; i < rows; ++i) {
      const double shift = S.row(i).maxCoeff();
      S.row(i).array() = (S.row(i).array() - shift).exp();
      const double z = S.row(i).sum();
      const int label = y(b0 + i);
      loss += std::log(z) - std::log(S(i, label));  // -log softmax at the label, from the shifted scores
      S.row(i) /= z;                                // probabilities P
      if (grad) S(i, label) -= 1.0;                 // P - Y
    }
    if (grad) grad->noalias() += Fb.transpose() * S;  // the same block, still in cache
  }
  if (grad) {
    *grad /= static_cast<double>(n);
    *grad += lam * C;
  }
  return loss / static_cast<double>(n) + 0.5 * lam * C.squaredNorm();
}

Eigen::MatrixXd softmax_model_hessian(const Eigen::Ref<const Eigen::MatrixXd>& F,
                                      const Eigen::Ref<const Eigen::MatrixXd>& C, double lam) {
  if (C.rows() != F.cols() || C.cols() < 1) throw std::invalid_argument("softmax_model_hessian: C must be r x k");
  const Eigen::Index n = F.rows(), r = F.cols();
  const double k = static_cast<double>(C.cols());
  Eigen::MatrixXd S(n, C.cols());
  S.noalias() = F * C;
  Eigen::VectorXd root_w(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::ArrayXd p = (S.row(i).array() - S.row(i).maxCoeff()).exp().transpose();
    p /= p.sum();
    root_w(i) = std::sqrt((p * (1.0 - p)).sum() / k);
  }
  const Eigen::MatrixXd Fw = root_w.asDiagonal() * F;
  Eigen::MatrixXd lower = Eigen::MatrixXd::Zero(r, r);
  lower.selfadjointView<Eigen::Lower>().rankUpdate(Fw.transpose(), n > 0 ? 1.0 / static_cast<double>(n) : 0.0);
  Eigen::MatrixXd H = lower.selfadjointView<Eigen::Lower>();
  H.diagonal().array() += lam;
  return H;
}

namespace {
// Thrown by the objective when the gradient in C meets the tolerance (LBFGSpp
// tests its own variables, which are C'' under a preconditioner).
struct Converged {};
}  // namespace

SoftmaxFit fit_softmax_regression(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::VectorXi& y, int k,
                                  double lam, const Eigen::MatrixXd& C0, const SoftmaxFitOptions& options) {
  if (y.size() != F.rows()) throw std::invalid_argument("fit_softmax_regression: one label per row of F");
  if (C0.rows() != F.cols() || C0.cols() != k) throw std::invalid_argument("fit_softmax_regression: C0 must be r x k");
  if (y.size() > 0 && (y.minCoeff() < 0 || y.maxCoeff() >= k))
    throw std::invalid_argument("fit_softmax_regression: a label outside 0..k-1");
  const Eigen::Index r = F.cols();
  const bool preconditioned = options.preconditioner.size() > 0;
  if (preconditioned && (options.preconditioner.size() != r || !(options.preconditioner.minCoeff() > 0)))
    throw std::invalid_argument("fit_softmax_regression: the preconditioner needs r positive entries");
  const Eigen::MatrixXd& Lm = options.hessian_model_factor;
  const bool modelled = Lm.size() > 0;
  if (modelled && preconditioned)
    throw std::invalid_argument("fit_softmax_regression: a diagonal preconditioner or a Hessian model, not both");
  if (modelled && (Lm.rows() != r || Lm.cols() != r || !(Lm.diagonal().minCoeff() > 0)))
    throw std::invalid_argument("fit_softmax_regression: the Hessian model factor must be r x r, lower, positive diagonal");
  const auto L = Lm.triangularView<Eigen::Lower>();
  const auto to_C = [&](const Eigen::VectorXd& x) -> Eigen::MatrixXd {
    const Eigen::Map<const Eigen::MatrixXd> X(x.data(), r, k);
    if (modelled) return L.transpose().solve(X);  // C = L^-T C''
    return preconditioned ? Eigen::MatrixXd(options.preconditioner.asDiagonal() * X) : Eigen::MatrixXd(X);
  };
  const auto met = [&](double gradient_norm, double norm_C) {
    return gradient_norm <= std::max(options.absolute_tolerance, options.relative_tolerance * norm_C);
  };
  SoftmaxFit fit;
  Eigen::MatrixXd grad(r, k), C_met;
  auto objective = [&](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
    ++fit.evaluations;
    const Eigen::MatrixXd C = to_C(x);
    const double value = softmax_cross_entropy(F, y, C, lam, &grad);
    if (met(grad.norm(), C.norm())) {
      C_met = C;
      throw Converged{};
    }
    if (preconditioned) grad = options.preconditioner.asDiagonal() * grad;  // chain rule for C''
    if (modelled) L.solveInPlace(grad);                                       // chain rule: L^-1 grad
    g = Eigen::Map<const Eigen::VectorXd>(grad.data(), grad.size());
    return value;
  };
  LBFGSpp::LBFGSParam<double> param;
  param.m = options.history;
  param.epsilon = 0;      // the stop is decided in the objective, on the gradient in C
  param.epsilon_rel = 0;
  param.max_iterations = options.max_iterations;
  LBFGSpp::LBFGSSolver<double> solver(param);
  Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(C0.data(), C0.size());
  if (preconditioned || modelled) {
    const Eigen::MatrixXd X = modelled ? Eigen::MatrixXd(L.transpose() * C0)
                                       : Eigen::MatrixXd(options.preconditioner.cwiseInverse().asDiagonal() * C0);
    x = Eigen::Map<const Eigen::VectorXd>(X.data(), X.size());
  }
  double fx = 0;
  try {
    solver.minimize(objective, x, fx);
    fit.stop = "iteration cap";
    fit.C = to_C(x);
  } catch (const Converged&) {
    fit.stop = "tolerance";
    fit.C = C_met;
  } catch (const std::runtime_error& e) {  // a stalled line search: x is the last accepted iterate
    fit.stop = e.what();
    fit.C = to_C(x);
  }
  fit.loss = softmax_cross_entropy(F, y, fit.C, lam, &grad);
  fit.gradient_norm = grad.norm();
  fit.converged = met(fit.gradient_norm, fit.C.norm());
  return fit;
}

}  // namespace prism::optim
