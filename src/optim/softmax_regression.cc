#include "src/optim/softmax_regression.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include <LBFGS.h>

#include "src/linalg/blas_backend.h"

namespace prism::optim {

namespace {
// Fewer rows than this per block and the products lose more than the split gains.
constexpr Eigen::Index kMinSplitRows = 8;
constexpr Eigen::Index kMaxSplitRows = 64;
// Fixed chunks of rows, whatever the thread count: the same sums in the same order.
constexpr int kChunks = 16;

// Rows [first, last) of F: the sum of -log softmax at the labels, and
// F^T (P - Y) added into *grad when grad is not null.
template <typename Rows>
double accumulate_rows(const Rows& F, const Eigen::VectorXi& y, const Eigen::Ref<const Eigen::MatrixXd>& C,
                       Eigen::Index first, Eigen::Index last, Eigen::Index block, Eigen::MatrixXd* grad) {
  double loss = 0;
  Eigen::MatrixXd S;
  for (Eigen::Index b0 = first; b0 < last; b0 += block) {
    const Eigen::Index rows = std::min(block, last - b0);
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
  return loss;
}
// Where the loaded BLAS runs small calls on the calling thread: the rows of a
// block whose products (rows x depth x columns) stay within
// linalg::kSerialBlasCallSize, so blocks may run on our own threads without
// nesting its pool; 0 when even kMinSplitRows rows do not, or the BLAS threads
// every call.
Eigen::Index serial_block_rows(Eigen::Index depth, Eigen::Index columns) {
  if (!linalg::blas_runs_small_calls_serially()) return 0;
  const double row_size = static_cast<double>(depth) * static_cast<double>(columns);
  const Eigen::Index rows = row_size > 0 ? static_cast<Eigen::Index>(linalg::kSerialBlasCallSize / row_size) : kMaxSplitRows;
  return rows >= kMinSplitRows ? std::min(rows, kMaxSplitRows) : 0;
}

// A B, by blocks of rows of A on this process's threads when each block's
// product runs serially in the BLAS (every entry the same operations, so the
// same bits for any thread count); one product on the BLAS's threads else.
// The fit's change of variables goes this way beside the split loss: waking
// the BLAS's own threads between OpenMP regions, the two pools spin against
// each other (measured: ~4 ms an evaluation on 2 cores, 9 ms against 5).
Eigen::MatrixXd product_on_our_threads(const Eigen::Ref<const Eigen::MatrixXd>& A,
                                       const Eigen::Ref<const Eigen::MatrixXd>& B) {
  Eigen::MatrixXd out(A.rows(), B.cols());
  const Eigen::Index block = serial_block_rows(A.cols(), B.cols());
  if (block == 0) {
    out.noalias() = A * B;
    return out;
  }
  const Eigen::Index blocks = (A.rows() + block - 1) / block;
#pragma omp parallel for schedule(static)
  for (Eigen::Index b = 0; b < blocks; ++b) {
    const Eigen::Index first = b * block, rows = std::min(block, A.rows() - first);
    out.middleRows(first, rows).noalias() = A.middleRows(first, rows) * B;
  }
  return out;
}
}  // namespace

SoftmaxLoss::SoftmaxLoss(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::VectorXi& y, int k)
    : F_(F), y_(y), k_(k) {
  if (y.size() != F.rows()) throw std::invalid_argument("SoftmaxLoss: one label per row of F");
  if (k < 1) throw std::invalid_argument("SoftmaxLoss: expected k >= 1 classes");
  const Eigen::Index rows = serial_block_rows(F.cols(), k);  // either product: m n k = rows x r x k
  if (rows > 0 && F.rows() >= kChunks * kMinSplitRows) {
    block_ = rows;
    rows_ = F;
  }
}

double SoftmaxLoss::operator()(const Eigen::Ref<const Eigen::MatrixXd>& C, double lam, Eigen::MatrixXd* grad) const {
  if (C.rows() != F_.cols() || C.cols() != k_) throw std::invalid_argument("SoftmaxLoss: C must be r x k");
  const Eigen::Index n = F_.rows();
  double loss = 0;
  if (!split_over_threads()) {
    if (grad) grad->setZero(C.rows(), C.cols());
    loss = accumulate_rows(F_, y_, C, 0, n, n, grad);  // two whole products: threaded BLAS at its best
  } else {
    std::vector<double> losses(kChunks, 0.0);
    std::vector<Eigen::MatrixXd> grads(grad ? kChunks : 0, Eigen::MatrixXd::Zero(C.rows(), C.cols()));
    const Eigen::Index per = (n + kChunks - 1) / kChunks;
#pragma omp parallel for schedule(static)
    for (int t = 0; t < kChunks; ++t) {
      const Eigen::Index first = std::min(n, t * per), last = std::min(n, first + per);
      losses[t] = accumulate_rows(rows_, y_, C, first, last, block_, grad ? &grads[t] : nullptr);
    }
    for (int t = 0; t < kChunks; ++t) loss += losses[t];
    if (grad) {
      *grad = grads[0];
      for (int t = 1; t < kChunks; ++t) *grad += grads[t];
    }
  }
  if (grad) {
    *grad /= static_cast<double>(n);
    *grad += lam * C;
  }
  return loss / static_cast<double>(n) + 0.5 * lam * C.squaredNorm();
}

double softmax_cross_entropy(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::VectorXi& y,
                             const Eigen::Ref<const Eigen::MatrixXd>& C, double lam, Eigen::MatrixXd* grad) {
  return SoftmaxLoss(F, y, static_cast<int>(C.cols()))(C, lam, grad);
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
  // Where the products split over our threads, the change of variables runs
  // as products with L^-1 (formed once, r^3 flops: 4 ms at r = 785), beside
  // the loss on the same threads; else as triangular solves with L (at
  // r = 10^4, forming L^-1 would cost ~7 s a fit for nothing).
  const bool via_inverse = modelled && serial_block_rows(r, k) > 0;
  Eigen::MatrixXd L_inverse, L_inverse_transpose;
  if (via_inverse) {
    L_inverse = L.solve(Eigen::MatrixXd::Identity(r, r));
    L_inverse_transpose = L_inverse.transpose();
  }
  const auto to_C = [&](const Eigen::VectorXd& x) -> Eigen::MatrixXd {
    const Eigen::Map<const Eigen::MatrixXd> X(x.data(), r, k);
    if (via_inverse) return product_on_our_threads(L_inverse_transpose, X);  // C = L^-T C''
    if (modelled) return L.transpose().solve(X);
    return preconditioned ? Eigen::MatrixXd(options.preconditioner.asDiagonal() * X) : Eigen::MatrixXd(X);
  };
  const auto met = [&](double gradient_norm, double norm_C) {
    return gradient_norm <= std::max(options.absolute_tolerance, options.relative_tolerance * norm_C);
  };
  const SoftmaxLoss loss(F, y, k);
  SoftmaxFit fit;
  Eigen::MatrixXd grad(r, k), C_met;
  auto objective = [&](const Eigen::VectorXd& x, Eigen::VectorXd& g) {
    ++fit.evaluations;
    const Eigen::MatrixXd C = to_C(x);
    const double value = loss(C, lam, &grad);
    if (met(grad.norm(), C.norm())) {
      C_met = C;
      throw Converged{};
    }
    if (preconditioned) grad = options.preconditioner.asDiagonal() * grad;  // chain rule for C''
    if (via_inverse) grad = product_on_our_threads(L_inverse, grad);          // chain rule: L^-1 grad
    else if (modelled) L.solveInPlace(grad);
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
  fit.loss = loss(fit.C, lam, &grad);
  fit.gradient_norm = grad.norm();
  fit.converged = met(fit.gradient_norm, fit.C.norm());
  return fit;
}

}  // namespace prism::optim
