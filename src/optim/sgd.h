// Mini-batch SGD and full-batch GD under docs/claims.md's optimisation conventions:
// per-sample loss 1/2 (w.x_i - y_i)^2, L(w) = ||Xw - y||^2 / (2n) (summed over
// outputs), update w <- w - (eta/m) sum_{i in B} (w.x_i - y_i) x_i with the m
// indices of B drawn independently WITH replacement (Ma, Bassily, Belkin 2018
// assume it; Thm 3's identity fails without it).
//
// Two forms of the same iteration:
//  - sgd_least_squares: explicit features X (n x d), w in R^d.
//  - sgd_kernel: kernel regression in sample space with coefficients alpha and
//    the residual r = K alpha - Y kept up to date. With features the rows of
//    K^(1/2), w = K^(1/2) alpha and this is exactly SGD on those features; for
//    explicit features, K = X X^T and w = X^T alpha give the same trajectory at
//    O(n m) per step instead of O(n d).
// Both draw their batches through BatchSampler, so one seed gives both forms
// the same batch sequence.
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "src/core/rng.h"

namespace prism::optim {

// eta(m) = m / (beta + (m - 1) lambda_1): the largest step of MBB 2018 Thm 1,
// used for every batch size m (EigenPro's rule).
double critical_step(Eigen::Index m, double beta, double lambda_1);

// m* = beta / lambda_1 + 1 (MBB 2018 Eq. 24).
double critical_batch_size(double beta, double lambda_1);

// Batches of m indices in [0, n), drawn independently with replacement.
class BatchSampler {
 public:
  BatchSampler(Eigen::Index n, Eigen::Index m);
  // The next batch, in draw order (duplicates kept). Valid until the next call.
  const std::vector<Eigen::Index>& next(Rng& rng);

 private:
  Eigen::Index n_;
  std::vector<Eigen::Index> batch_;
};

struct SgdOptions {
  Eigen::Index batch = 1;           // m
  double step = 0;                  // eta > 0, e.g. critical_step(m, beta, lambda_1)
  std::int64_t max_iterations = 0;  // steps at most
  double target_ratio = 0;          // stop at the first t with L(w_t) <= target_ratio L(w_0); 0: never
  std::int64_t record_every = 0;    // record L every this many steps; 0: t = 0 and the last step only
  int threads = 1;                  // sgd_kernel: row-split threads for large steps (n m >= 2^20), at most the OpenMP budget; same bits for any count
};

struct GdOptions {
  double step = 0;
  std::int64_t max_iterations = 0;
  double target_ratio = 0;
  std::int64_t record_every = 0;
};

struct SgdTrace {
  std::vector<std::int64_t> steps;         // t of each recorded loss, starting with 0
  std::vector<double> losses;              // L(w_t) at those t
  double initial_loss = 0;                 // L(w_0)
  double final_loss = 0;                   // L at the last step taken
  std::int64_t iterations = 0;             // steps taken
  std::int64_t iterations_to_target = -1;  // first t with L <= target_ratio L(w_0); -1 if not reached
  bool diverged = false;                   // L became non-finite (the run stops there)

  bool reached_target() const { return iterations_to_target >= 0; }
};

// (a) Linear least squares on explicit features. `w` (d) is the start and is
// updated in place. L costs O(n d), so it is evaluated only where needed: every
// step when target_ratio > 0, otherwise at the recorded steps.
SgdTrace sgd_least_squares(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& y,
                           Eigen::VectorXd& w, const SgdOptions& options, Rng& rng);

// Full-batch gradient descent on the same loss: w <- w - (eta / n) X^T (Xw - y).
SgdTrace gd_least_squares(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& y,
                          Eigen::VectorXd& w, const GdOptions& options);

// (b) Kernel regression in sample space. K: n x n (both triangles, as
// kernel_matrix gives it); Y: n x c targets; `alpha` (n x c, or empty for 0)
// is the start and is updated in place. A step on batch B:
//   alpha_B -= (eta/m) r_B,   r -= K[:, B] (eta/m) r_B,   L = ||r||_F^2 / (2n),
// O(n m c) per step: the hot loop of every kernel SGD claim. The start costs
// one K alpha product unless alpha is zero.
SgdTrace sgd_kernel(const Eigen::Ref<const Eigen::MatrixXd>& K, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                    Eigen::MatrixXd& alpha, const SgdOptions& options, Rng& rng);

// The same iteration on a float32 copy of K: the update streams half the bytes
// (the step's cost at large m is streaming K[:, B]). r, alpha and L stay in
// double; the coefficients are rounded to float and alpha takes the rounded
// ones, so r = K32 alpha - Y up to float rounding of each group's products
// (relative ~1e-7 per step, tests/sgd_test.cc bounds it). The iteration is SGD
// on K32, which differs from K by one float rounding per entry.
SgdTrace sgd_kernel(const Eigen::Ref<const Eigen::MatrixXf>& K, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                    Eigen::MatrixXd& alpha, const SgdOptions& options, Rng& rng);

}  // namespace prism::optim
