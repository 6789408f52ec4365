#include "src/optim/softmax_regression.h"

#include <cmath>
#include <stdexcept>

#include <LBFGS.h>

namespace prism::optim {

double softmax_cross_entropy(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::VectorXi& y,
                             const Eigen::Ref<const Eigen::MatrixXd>& C, double lam, Eigen::MatrixXd* grad) {
  const Eigen::Index n = F.rows();
  Eigen::MatrixXd S = F * C;  // n x k scores
  double loss = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double shift = S.row(i).maxCoeff();
    S.row(i).array() = (S.row(i).array() - shift).exp();
    const double z = S.row(i).sum();
    loss += std::log(z) - std::log(S(i, y(i)));  // -log softmax at the label, from the shifted scores
    S.row(i) /= z;                               // probabilities P
  }
  loss = loss / static_cast<double>(n) + 0.5 * lam * C.squaredNorm();
  if (grad) {
    for (Eigen::Index i = 0; i < n; ++i) S(i, y(i)) -= 1.0;  // P - Y
    grad->noalias() = F.transpose() * S / static_cast<double>(n);
    *grad += lam * C;
  }
  return loss;
}

SoftmaxFit fit_softmax_regression(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::VectorXi& y, int k,
                                  double lam, const Eigen::MatrixXd& C0, const SoftmaxFitOptions& options) {
  if (y.size() != F.rows()) throw std::invalid_argument("fit_softmax_regression: one label per row of F");
  if (C0.rows() != F.cols() || C0.cols() != k) throw std::invalid_argument("fit_softmax_regression: C0 must be r x k");
  if (y.size() > 0 && (y.minCoeff() < 0 || y.maxCoeff() >= k))
    throw std::invalid_argument("fit_softmax_regression: a label outside 0..k-1");
  const Eigen::Index r = F.cols();
  SoftmaxFit fit;
  Eigen::MatrixXd grad(r, k);
  auto objective = [&](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
    ++fit.evaluations;
    const double value = softmax_cross_entropy(F, y, Eigen::Map<const Eigen::MatrixXd>(x.data(), r, k), lam, &grad);
    g = Eigen::Map<const Eigen::VectorXd>(grad.data(), grad.size());
    return value;
  };
  LBFGSpp::LBFGSParam<double> param;
  param.m = options.history;
  param.epsilon = options.absolute_tolerance;
  param.epsilon_rel = options.relative_tolerance;
  param.max_iterations = options.max_iterations;
  LBFGSpp::LBFGSSolver<double> solver(param);
  Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(C0.data(), C0.size());
  double fx = 0;
  try {
    solver.minimize(objective, x, fx);
    fit.stop = "tolerance";
  } catch (const std::runtime_error& e) {  // a stalled line search: x is the last accepted iterate
    fit.stop = e.what();
  }
  fit.C = Eigen::Map<const Eigen::MatrixXd>(x.data(), r, k);
  fit.loss = softmax_cross_entropy(F, y, fit.C, lam, &grad);
  fit.gradient_norm = grad.norm();
  fit.converged = fit.gradient_norm <= std::max(options.absolute_tolerance, options.relative_tolerance * fit.C.norm());
  if (fit.stop == "tolerance" && !fit.converged) fit.stop = "iteration cap";
  return fit;
}

}  // namespace prism::optim
