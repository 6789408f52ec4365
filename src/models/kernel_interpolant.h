// The interpolating kernel machine alpha = K^{-1} Y at any n (bayes-tracking).
//
// Dense below `dense_limit` training points: K(train, test) and one Cholesky
// of K factorised in place, K kept in the factor's upper triangle (1.6 GB at
// n = 10^4). Tiled above it, for the paper's n = 60,000 where K alone is
// 28.8 GB: K's lower triangle as tiles (14.4 GB) factorised in place
// (src/linalg/tiled_cholesky.h), and K and
// K(test, train) never held whole: the training scores K alpha are
// regenerated block by block in double (the interpolation residual is
// measured against K, not against its factor) and the test scores are
// streamed row block by row block (linalg::kernel_predict). Both paths build
// every block with the same kernel_matrix calls, so their answers agree to
// rounding (tests/kernel_interpolant_test.cc).
#pragma once

#include <memory>

#include <Eigen/Core>

#include "src/core/timing.h"
#include "src/linalg/dense_solve.h"
#include "src/linalg/kernels.h"
#include "src/linalg/tiled_cholesky.h"

namespace prism::models {

// The squared distances of one data set (dense sizes), shared by every radial
// kernel and the 1-NN search on it, so the level-3 BLAS pass over the
// features runs once per data set instead of once per kernel.
struct PairwiseDistances {
  PairwiseDistances(const Eigen::MatrixXd& X_train, const Eigen::MatrixXd& X_test);

  Eigen::MatrixXd train;       // D(train, train), n x n, zero diagonal
  Eigen::MatrixXd train_test;  // D(train, test), n x n_test: one test point per column
  double seconds = 0;          // both builds, BLAS and the distance pass
  double blas_flops = 0;
  double gflops() const { return gflop_rate(blas_flops, seconds); }
};

struct KernelInterpolantOptions {
  Eigen::Index dense_limit = 20000;  // n above this: tiled (the dense factor at 2 x 10^4 is 3.2 GB)
  Eigen::Index tile = 3000;          // tile side: each BLAS call on 3000 x 3000 runs at the DGEMM rate
};

class KernelInterpolant {
 public:
  // Builds and factorises K on X_train (rows are points); X_test is kept for
  // test_scores. Throws linalg::NotPositiveDefinite.
  KernelInterpolant(const linalg::Kernel& kernel, const Eigen::MatrixXd& X_train, const Eigen::MatrixXd& X_test,
                    const KernelInterpolantOptions& options = {});
  // Dense, from distances computed once for the data set: K and K(train, test)
  // are k(D), so this kernel's build is one elementwise pass (build_gflops 0:
  // its BLAS work is the distances', PairwiseDistances::gflops).
  KernelInterpolant(const linalg::Kernel& kernel, const PairwiseDistances& distances);

  Eigen::MatrixXd solve(const Eigen::Ref<const Eigen::MatrixXd>& Y) const;         // K^{-1} Y
  Eigen::MatrixXd train_scores(const Eigen::Ref<const Eigen::MatrixXd>& alpha) const;  // K alpha, K in double
  Eigen::MatrixXd test_scores(const Eigen::Ref<const Eigen::MatrixXd>& alpha) const;   // K(test, train) alpha

  bool tiled() const { return tiled_ != nullptr; }
  double build_seconds() const { return build_seconds_; }      // K (or its tiles), and K(train, test) if held
  double build_gflops() const { return build_gflops_; }        // kernel BLAS flops / build seconds (0: from distances)
  double cholesky_seconds() const { return cholesky_seconds_; }
  double cholesky_gflops() const;                               // n^3 / 3 / seconds
  double bytes_held() const;                                    // K (or tiles), K(train, test), the factor

 private:
  linalg::SymmetricBlock block() const;

  linalg::Kernel kernel_;
  Eigen::Index n_ = 0;
  Eigen::MatrixXd X_train_, X_test_;  // tiled path only: K and K(test, train) are regenerated from them
  // Dense path: K in the factor's array (L below the diagonal, K above), and
  // K(train, test), one test point per column (as the distances are held).
  Eigen::MatrixXd K_train_test_;
  std::unique_ptr<linalg::Cholesky> dense_;
  // Tiled path.
  std::unique_ptr<linalg::TiledCholesky> tiled_;
  Eigen::Index panel_ = 0;
  double build_seconds_ = 0, build_gflops_ = 0, cholesky_seconds_ = 0;
};

}  // namespace prism::models
