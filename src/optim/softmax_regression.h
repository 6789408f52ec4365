// Multinomial logistic (softmax cross-entropy) regression with an L2 penalty,
// minimised by L-BFGS (LBFGSpp, Debian liblbfgspp-dev; docs/claims.md
// square-loss):
//   L(C) = (1/n) sum_i -log softmax(F_i C)_{y_i} + (lam / 2) ||C||_F^2,
// F: n x r features, C: r x k. Both the loss and its gradient
// F^T (P - Y) / n + lam C are evaluated with a log-sum-exp shift per row, so no
// exp overflows or underflows to a wrong answer at large scores. L is strictly
// convex for lam > 0: the optimum is unique and the optimiser only decides how
// close to it we stop.
#pragma once

#include <string>

#include <Eigen/Core>

namespace prism::optim {

// L(C) on fixed data (F, y), evaluated many times (the optimiser's inner loop):
// the scores F C, the shifted softmax, and F^T (P - Y). Where the loaded BLAS
// runs small calls on the calling thread (OpenBLAS below its threading
// threshold, the serial backends), F is taken in blocks of rows, each block's
// two products while it is in cache, and the blocks are split over this
// process's threads in 16 fixed chunks of rows summed in chunk order, so the
// bits do not depend on the thread count: the k-column products do not speed
// up on OpenBLAS's own threads (measured at n = 10^4, r = 785, k = 10 on 2
// threads: 9.3-10 ms per evaluation in whole products or blocks on its
// threads, 5.2 ms split). Otherwise (BLIS with threads, which threads every
// call; F too wide for a serial block) two whole products on the BLAS's
// threads (BLIS: 5.4 ms, against 15-27 ms in blocks). Keeps references to F
// and y, which must outlive it, and a row-major copy of F when it splits.
class SoftmaxLoss {
 public:
  SoftmaxLoss(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::VectorXi& y, int k);
  SoftmaxLoss(const SoftmaxLoss&) = delete;
  SoftmaxLoss& operator=(const SoftmaxLoss&) = delete;

  // L(C), and its gradient into *grad when grad is not null.
  double operator()(const Eigen::Ref<const Eigen::MatrixXd>& C, double lam, Eigen::MatrixXd* grad = nullptr) const;
  bool split_over_threads() const { return rows_.size() > 0; }

 private:
  Eigen::Ref<const Eigen::MatrixXd> F_;
  const Eigen::VectorXi& y_;
  int k_;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows_;  // F, when split
  Eigen::Index block_ = 0;
};

// L(C), and its gradient into *grad when grad is not null (one SoftmaxLoss
// evaluation; build a SoftmaxLoss to evaluate many times).
double softmax_cross_entropy(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::VectorXi& y,
                             const Eigen::Ref<const Eigen::MatrixXd>& C, double lam, Eigen::MatrixXd* grad = nullptr);

struct SoftmaxFitOptions {
  // Stop when ||grad||_F <= relative_tolerance * ||C||_F (a tolerance relative
  // to the iterate, so a small lam is not declared converged by an absolute
  // floor the mean loss's gradient already sits under; docs/claims.md traps).
  double relative_tolerance = 1e-8;
  double absolute_tolerance = 0;  // and/or ||grad||_F <= this
  int max_iterations = 2000;
  int history = 10;               // L-BFGS memory
  // Optional diagonal preconditioner d (r entries): L-BFGS runs on C'' with
  // C = diag(d) C''. The objective, its optimum and the stopping rule (on the
  // gradient in C) are unchanged; only the path is. Empty: none.
  Eigen::VectorXd preconditioner;
  // Or a model H = L L^T of the Hessian's r x r class blocks, given by its
  // lower Cholesky factor L: L-BFGS runs on C'' = L^T C, where the model's
  // curvature is the identity (softmax_model_hessian gives one). Again only the
  // path changes. At most one of the two; empty: none.
  Eigen::MatrixXd hessian_model_factor;
};

// (1/n) F^T diag(w) F + lam I, r x r, with w_i = (1/k) sum_c p_ic (1 - p_ic)
// at C: the diagonal blocks of L's Hessian (Gauss-Newton, without the
// coupling between classes) averaged over the k classes. Shared by all k
// columns of C, so a shift of every class by one vector, which the data term
// does not see, stays one shift under the change of variables.
Eigen::MatrixXd softmax_model_hessian(const Eigen::Ref<const Eigen::MatrixXd>& F,
                                      const Eigen::Ref<const Eigen::MatrixXd>& C, double lam);

struct SoftmaxFit {
  Eigen::MatrixXd C;         // r x k
  double loss = 0;           // L(C)
  double gradient_norm = 0;  // ||grad L(C)||_F at the returned C
  int evaluations = 0;       // loss-and-gradient evaluations
  bool converged = false;    // the tolerance was met (not the cap, not a stalled line search)
  std::string stop;          // "tolerance", "iteration cap" or the line search's message
};

// Minimises L from C0 (warm start; r x k). std::invalid_argument for shapes or a
// label outside 0..k-1.
SoftmaxFit fit_softmax_regression(const Eigen::Ref<const Eigen::MatrixXd>& F, const Eigen::VectorXi& y, int k,
                                  double lam, const Eigen::MatrixXd& C0, const SoftmaxFitOptions& options = {});

}  // namespace prism::optim
