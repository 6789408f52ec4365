// The interpolating kernel machine alpha = K^{-1} Y at any n (bayes-tracking).
//
// Dense below `dense_limit` training points: K(test, train) and one Cholesky
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

#include "src/linalg/dense_solve.h"
#include "src/linalg/kernels.h"
#include "src/linalg/tiled_cholesky.h"

namespace prism::models {

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

  Eigen::MatrixXd solve(const Eigen::Ref<const Eigen::MatrixXd>& Y) const;         // K^{-1} Y
  Eigen::MatrixXd train_scores(const Eigen::Ref<const Eigen::MatrixXd>& alpha) const;  // K alpha, K in double
  Eigen::MatrixXd test_scores(const Eigen::Ref<const Eigen::MatrixXd>& alpha) const;   // K(test, train) alpha

  bool tiled() const { return tiled_ != nullptr; }
  double build_seconds() const { return build_seconds_; }      // K (or its tiles), and K(test, train) if held
  double build_gflops() const { return build_gflops_; }        // kernel BLAS flops / build seconds
  double cholesky_seconds() const { return cholesky_seconds_; }
  double cholesky_gflops() const;                               // n^3 / 3 / seconds
  double bytes_held() const;                                    // K (or tiles), K(test, train), the factor

 private:
  linalg::SymmetricBlock block() const;

  linalg::Kernel kernel_;
  Eigen::Index n_ = 0;
  Eigen::MatrixXd X_train_, X_test_;  // tiled path only: K and K(test, train) are regenerated from them
  // Dense path: K in the factor's array (L below the diagonal, K above), and K(test, train).
  Eigen::MatrixXd K_test_;
  std::unique_ptr<linalg::Cholesky> dense_;
  // Tiled path.
  std::unique_ptr<linalg::TiledCholesky> tiled_;
  Eigen::Index panel_ = 0;
  double build_seconds_ = 0, build_gflops_ = 0, cholesky_seconds_ = 0;
};

}  // namespace prism::models
