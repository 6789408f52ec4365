#include "src/models/kernel_interpolant.h"

#include <chrono>
#include <utility>

namespace prism::models {

using Eigen::Index;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
double rate(double flops, double seconds) { return seconds > 0 ? flops / seconds * 1e-9 : 0.0; }
}  // namespace

linalg::SymmetricBlock KernelInterpolant::block() const {
  // Diagonal blocks through the symmetric builder (exact zero self-distances),
  // the others through the cross builder: the tiles and the residual's K agree.
  return [this](Index r0, Index c0, Eigen::Ref<Eigen::MatrixXd> out) {
    if (r0 == c0 && out.rows() == out.cols())
      out = linalg::kernel_matrix(kernel_, X_train_.middleRows(r0, out.rows()));
    else
      out = linalg::kernel_matrix(kernel_, X_train_.middleRows(r0, out.rows()), X_train_.middleRows(c0, out.cols()));
  };
}

KernelInterpolant::KernelInterpolant(const linalg::Kernel& kernel, const Eigen::MatrixXd& X_train,
                                     const Eigen::MatrixXd& X_test, const KernelInterpolantOptions& options)
    : kernel_(kernel), n_(X_train.rows()) {
  const Index n = n_;
  const double d = static_cast<double>(X_train.cols());
  if (n <= options.dense_limit) {
    linalg::KernelStats train, test;
    K_train_test_ = linalg::kernel_matrix(kernel, X_train, X_test, &test);
    // No jitter: a K that is not numerically positive definite is an error, not
    // a silently regularised (hence non-interpolating) solution. K is moved in:
    // the factor's array keeps K's upper triangle, which train_scores reads.
    dense_ = std::make_unique<linalg::Cholesky>(linalg::kernel_matrix(kernel, X_train, &train));
    const double train_seconds = train.blas_seconds + train.elementwise_seconds;
    build_seconds_ = train_seconds + test.blas_seconds + test.elementwise_seconds;
    build_gflops_ = rate(train.blas_flops, train_seconds);
    cholesky_seconds_ = dense_->factorization_seconds();
    return;
  }
  panel_ = options.tile;
  X_train_ = X_train;
  X_test_ = X_test;
  const auto t0 = std::chrono::steady_clock::now();
  linalg::LowerTiles tiles(n, options.tile);
  tiles.fill(block());
  build_seconds_ = seconds_since(t0);
  build_gflops_ = rate(static_cast<double>(n) * n * d, build_seconds_);  // the lower half of 2 n^2 d
  tiled_ = std::make_unique<linalg::TiledCholesky>(std::move(tiles));
  cholesky_seconds_ = tiled_->stats().seconds;
}

PairwiseDistances::PairwiseDistances(const Eigen::MatrixXd& X_train, const Eigen::MatrixXd& X_test) {
  linalg::KernelStats stats;
  train = linalg::squared_distance_matrix(X_train, &stats);
  train_test = linalg::squared_distance_matrix(X_train, X_test, &stats);
  seconds = stats.blas_seconds + stats.elementwise_seconds;
  blas_flops = stats.blas_flops;
}

KernelInterpolant::KernelInterpolant(const linalg::Kernel& kernel, const PairwiseDistances& distances)
    : kernel_(kernel), n_(distances.train.rows()) {
  linalg::KernelStats stats;
  K_train_test_ = linalg::kernel_from_squared_distances(kernel, distances.train_test, &stats);
  Eigen::MatrixXd K = linalg::kernel_from_squared_distances(kernel, distances.train, &stats);
  K.diagonal().setConstant(kernel.diagonal());  // exact, as kernel_matrix sets it
  dense_ = std::make_unique<linalg::Cholesky>(std::move(K));
  build_seconds_ = stats.elementwise_seconds;
  cholesky_seconds_ = dense_->factorization_seconds();
}

Eigen::MatrixXd KernelInterpolant::solve(const Eigen::Ref<const Eigen::MatrixXd>& Y) const {
  return tiled_ ? tiled_->solve(Y) : dense_->solve(Y);
}

Eigen::MatrixXd KernelInterpolant::train_scores(const Eigen::Ref<const Eigen::MatrixXd>& alpha) const {
  if (!tiled_) return dense_->multiply(alpha);
  return linalg::symmetric_product(n_, panel_, block(), alpha);
}

Eigen::MatrixXd KernelInterpolant::test_scores(const Eigen::Ref<const Eigen::MatrixXd>& alpha) const {
  if (!tiled_) {
    Eigen::MatrixXd F(K_train_test_.cols(), alpha.cols());
    F.noalias() = K_train_test_.transpose() * alpha;
    return F;
  }
  return linalg::kernel_predict(kernel_, X_test_, X_train_, alpha);
}

double KernelInterpolant::cholesky_gflops() const {
  const double n = static_cast<double>(n_);
  return rate(n * n * n / 3.0, cholesky_seconds_);
}

double KernelInterpolant::bytes_held() const {
  if (tiled_) return tiled_->factor().bytes();
  return 8.0 * static_cast<double>(K_train_test_.size() + dense_->factor().size());  // K lives in the factor's upper triangle
}

}  // namespace prism::models
