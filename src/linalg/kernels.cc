#include "src/linalg/kernels.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <cstdint>
#include <string>

namespace prism::linalg {
namespace {

using Eigen::Index;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ||x||^2 + ||z||^2 - 2 x.z loses about eps (||x||^2 + ||z||^2) to cancellation.
// Below this fraction of ||x||^2 + ||z||^2 the distance is recomputed directly:
// the relative error of what remains is then at most ~eps / kRecomputeFraction.
constexpr double kRecomputeFraction = 1e-3;

void check_bandwidth(const Kernel& kernel, const char* where) {
  if (!(kernel.bandwidth > 0) || !std::isfinite(kernel.bandwidth))
    throw std::invalid_argument(std::string(where) + ": expected a positive finite bandwidth, got " +
                                std::to_string(kernel.bandwidth));
}

void check_same_dimension(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::MatrixXd>& Z,
                          const char* where) {
  if (X.cols() != Z.cols())
    throw std::invalid_argument(std::string(where) + ": expected X and Z with the same number of columns, got " +
                                std::to_string(X.cols()) + " and " + std::to_string(Z.cols()));
}

// Turns the inner products a_i . b_j, i in [0, len), held in `column` into
// squared distances in place; `a_first` is the row of A that column[0] belongs to.
void inner_products_to_squared_distances(double* column, Index len, const Eigen::Ref<const Eigen::MatrixXd>& A,
                                         const double* a_norms, Index a_first,
                                         const Eigen::Ref<const Eigen::MatrixXd>& B, double b_norm, Index b_row,
                                         std::int64_t* recomputed) {
  Eigen::Map<Eigen::ArrayXd> value(column, len);
  Eigen::Map<const Eigen::ArrayXd> a_norm(a_norms, len);
  value = (a_norm + b_norm - 2.0 * value).max(0.0);
  // One vectorised reduction decides whether the scalar scan is needed at all.
  if (len > 0 && (value - kRecomputeFraction * (a_norm + b_norm)).minCoeff() < 0) {
    for (Index i = 0; i < len; ++i) {
      if (value(i) < kRecomputeFraction * (a_norm(i) + b_norm)) {
        value(i) = (A.row(a_first + i) - B.row(b_row)).squaredNorm();
        ++*recomputed;
      }
    }
  }
}

// k of `len` squared distances, in place (the second half of the fused pass).
void squared_distances_to_kernel(const Kernel& kernel, double* column, Index len) {
  Eigen::Map<Eigen::ArrayXd> value(column, len);
  if (kernel.kind == KernelKind::kLaplace) {
    value = (value.sqrt() * (-1.0 / kernel.bandwidth)).exp();
  } else {
    value = (value * (-0.5 / (kernel.bandwidth * kernel.bandwidth))).exp();
  }
}

// The fused pass: inner products to kernel values while the column is in cache.
// kernel == nullptr stops at the squared distances.
void inner_products_to_kernel(const Kernel* kernel, double* column, Index len,
                              const Eigen::Ref<const Eigen::MatrixXd>& A, const double* a_norms, Index a_first,
                              const Eigen::Ref<const Eigen::MatrixXd>& B, double b_norm, Index b_row,
                              std::int64_t* recomputed) {
  inner_products_to_squared_distances(column, len, A, a_norms, a_first, B, b_norm, b_row, recomputed);
  if (kernel) squared_distances_to_kernel(*kernel, column, len);
}

// out = K(A, B) given the row norms of both, through one GEMM; the squared
// distances when kernel == nullptr.
void fill_cross(const Kernel* kernel, const Eigen::Ref<const Eigen::MatrixXd>& A,
                const Eigen::Ref<const Eigen::VectorXd>& a_norms, const Eigen::Ref<const Eigen::MatrixXd>& B,
                const Eigen::Ref<const Eigen::VectorXd>& b_norms, Eigen::MatrixXd& out, KernelStats& stats) {
  out.resize(A.rows(), B.rows());
  auto start = Clock::now();
  out.noalias() = A * B.transpose();
  stats.blas_seconds += seconds_since(start);
  stats.blas_flops += 2.0 * A.rows() * B.rows() * A.cols();
  start = Clock::now();
  std::int64_t recomputed = 0;
#pragma omp parallel for schedule(static) reduction(+ : recomputed)
  for (Index j = 0; j < B.rows(); ++j)
    inner_products_to_kernel(kernel, out.col(j).data(), A.rows(), A, a_norms.data(), 0, B, b_norms(j), j,
                             &recomputed);
  stats.recomputed += recomputed;
  stats.elementwise_seconds += seconds_since(start);
  stats.evaluations += static_cast<std::int64_t>(A.rows()) * B.rows();
}

// Copies the strict lower part of columns [first, first + width) onto the
// matching rows of the upper triangle, while that panel is still in cache.
void mirror_panel(Eigen::MatrixXd& K, Index first, Index width) {
  for (Index j = first; j < first + width; ++j)
    for (Index i = j + 1; i < first + width; ++i) K(j, i) = K(i, j);
  const Index below = K.rows() - first - width;
  if (below > 0)
    K.block(first, first + width, width, below) = K.block(first + width, first, below, width).transpose();
}

// K(X, X) with both triangles filled; the squared distances when kernel == nullptr.
Eigen::MatrixXd fill_symmetric(const Kernel* kernel, const Eigen::Ref<const Eigen::MatrixXd>& X, KernelStats* stats) {
  KernelStats local;
  const Index n = X.rows();
  const Eigen::VectorXd norms = row_squared_norms(X);
  Eigen::MatrixXd K(n, n);

  // SYRK fills the lower triangle with X X^T (it accumulates, hence the zeroing).
  auto start = Clock::now();
#ifdef EIGEN_USE_BLAS
  // dsyrk with beta = 0 writes the lower triangle without reading it: no
  // zeroing pass, and K's first touch (~2 x 10^5 page faults at n = 10^4)
  // happens on the BLAS threads.
  {
    const int rows = static_cast<int>(n), depth = static_cast<int>(X.cols());
    // dsyrk rejects leading dimensions < max(1, n) (xerbla would exit), even when n = 0.
    const int lda = std::max<int>({1, rows, static_cast<int>(X.outerStride())});
    const int ldk = std::max<int>(1, static_cast<int>(K.outerStride()));
    const double one = 1.0, zero = 0.0;
    dsyrk_("L", "N", &rows, &depth, &one, X.data(), &lda, &zero, K.data(), &ldk);
  }
#else
  // Eigen's rankUpdate accumulates, hence the zeroing; it is also K's first
  // touch (page faults), so it is spread over the threads.
#pragma omp parallel for schedule(dynamic, 64)
  for (Index j = 0; j < n; ++j) K.col(j).tail(n - j).setZero();
  K.selfadjointView<Eigen::Lower>().rankUpdate(X);
#endif
  local.blas_seconds += seconds_since(start);
  local.blas_flops += static_cast<double>(n) * n * X.cols();

  // Column panels: the mirror reads each panel back from cache, not memory.
  // Panels touch disjoint entries (their own lower columns, their own upper
  // rows), so they run in parallel; the early panels are longer, hence dynamic.
  constexpr Index kPanel = 64;
  const Index panels = (n + kPanel - 1) / kPanel;
  std::int64_t recomputed = 0;
  start = Clock::now();
#pragma omp parallel for schedule(dynamic) reduction(+ : recomputed)
  for (Index p = 0; p < panels; ++p) {
    const Index first = p * kPanel, width = std::min(kPanel, n - first);
    for (Index j = first; j < first + width; ++j) {
      K(j, j) = kernel ? kernel->diagonal() : 0.0;  // exact, whatever the rounding of x.x
      if (j + 1 < n)
        inner_products_to_kernel(kernel, &K(j + 1, j), n - j - 1, X, norms.data() + j + 1, j + 1, X, norms(j), j,
                                 &recomputed);
    }
    mirror_panel(K, first, width);
  }
  local.recomputed += recomputed;
  local.elementwise_seconds += seconds_since(start);
  local.evaluations += static_cast<std::int64_t>(n) * (n + 1) / 2;
  if (stats) stats->add(local);
  return K;
}

}  // namespace

double Kernel::from_squared_distance(double squared_distance) const {
  const double r2 = std::max(0.0, squared_distance);
  if (kind == KernelKind::kLaplace) return std::exp(-std::sqrt(r2) / bandwidth);
  return std::exp(-r2 / (2.0 * bandwidth * bandwidth));
}

double Kernel::operator()(const Eigen::Ref<const Eigen::VectorXd>& x,
                          const Eigen::Ref<const Eigen::VectorXd>& z) const {
  return from_squared_distance((x - z).squaredNorm());
}

std::string Kernel::name() const { return kind == KernelKind::kLaplace ? "laplace" : "gaussian"; }

void KernelStats::add(const KernelStats& other) {
  blas_flops += other.blas_flops;
  blas_seconds += other.blas_seconds;
  elementwise_seconds += other.elementwise_seconds;
  evaluations += other.evaluations;
  recomputed += other.recomputed;
}

Eigen::VectorXd row_squared_norms(const Eigen::Ref<const Eigen::MatrixXd>& X) {
  return X.rowwise().squaredNorm();
}

Eigen::MatrixXd kernel_matrix(const Kernel& kernel, const Eigen::Ref<const Eigen::MatrixXd>& X,
                              KernelStats* stats) {
  check_bandwidth(kernel, "kernel_matrix");
  return fill_symmetric(&kernel, X, stats);
}

Eigen::MatrixXd squared_distance_matrix(const Eigen::Ref<const Eigen::MatrixXd>& X, KernelStats* stats) {
  return fill_symmetric(nullptr, X, stats);
}

Eigen::MatrixXd squared_distance_matrix(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                        const Eigen::Ref<const Eigen::MatrixXd>& Z, KernelStats* stats) {
  check_same_dimension(X, Z, "squared_distance_matrix");
  KernelStats local;
  Eigen::MatrixXd D;
  fill_cross(nullptr, X, row_squared_norms(X), Z, row_squared_norms(Z), D, local);
  if (stats) stats->add(local);
  return D;
}

Eigen::MatrixXd kernel_from_squared_distances(const Kernel& kernel, const Eigen::Ref<const Eigen::MatrixXd>& D,
                                              KernelStats* stats) {
  check_bandwidth(kernel, "kernel_from_squared_distances");
  const auto start = Clock::now();
  Eigen::MatrixXd K(D.rows(), D.cols());
  // Column by column on the threads: K's first touch (its page faults) is spread too.
#pragma omp parallel for schedule(static)
  for (Index j = 0; j < D.cols(); ++j) {
    K.col(j) = D.col(j);
    squared_distances_to_kernel(kernel, K.col(j).data(), K.rows());
  }
  if (stats) {
    stats->elementwise_seconds += seconds_since(start);
    stats->evaluations += static_cast<std::int64_t>(D.size());
  }
  return K;
}

Eigen::MatrixXd kernel_matrix(const Kernel& kernel, const Eigen::Ref<const Eigen::MatrixXd>& X,
                              const Eigen::Ref<const Eigen::MatrixXd>& Z, KernelStats* stats) {
  check_bandwidth(kernel, "kernel_matrix");
  check_same_dimension(X, Z, "kernel_matrix");
  KernelStats local;
  Eigen::MatrixXd K;
  fill_cross(&kernel, X, row_squared_norms(X), Z, row_squared_norms(Z), K, local);
  if (stats) stats->add(local);
  return K;
}

Eigen::MatrixXd kernel_predict(const Kernel& kernel, const Eigen::Ref<const Eigen::MatrixXd>& Z,
                               const Eigen::Ref<const Eigen::MatrixXd>& X,
                               const Eigen::Ref<const Eigen::MatrixXd>& alpha, Index block_rows,
                               KernelStats* stats) {
  check_bandwidth(kernel, "kernel_predict");
  check_same_dimension(Z, X, "kernel_predict");
  if (alpha.rows() != X.rows())
    throw std::invalid_argument("kernel_predict: expected one row of alpha per training point (" +
                                std::to_string(X.rows()) + "), got " + std::to_string(alpha.rows()));
  if (block_rows < 1)
    throw std::invalid_argument("kernel_predict: expected block_rows >= 1, got " + std::to_string(block_rows));
  KernelStats local;
  const Eigen::VectorXd x_norms = row_squared_norms(X);
  Eigen::MatrixXd F(Z.rows(), alpha.cols());
  Eigen::MatrixXd block;
  for (Index first = 0; first < Z.rows(); first += block_rows) {
    const Index rows = std::min(block_rows, Z.rows() - first);
    const auto Zb = Z.middleRows(first, rows);
    fill_cross(&kernel, Zb, row_squared_norms(Zb), X, x_norms, block, local);
    const auto start = Clock::now();
    F.middleRows(first, rows).noalias() = block * alpha;
    local.blas_seconds += seconds_since(start);
    local.blas_flops += 2.0 * rows * X.rows() * alpha.cols();
  }
  if (stats) stats->add(local);
  return F;
}

void KernelOp::init() {
  check_bandwidth(kernel_, "KernelOp");
  if (block_rows_ < 1)
    throw std::invalid_argument("KernelOp: expected block_rows >= 1, got " + std::to_string(block_rows_));
  norms_ = row_squared_norms(X_);
}

void KernelOp::perform_op(const double* x, double* y) const {
  const Index n = X_.rows();
  Eigen::Map<const Eigen::VectorXd> in(x, n);
  Eigen::Map<Eigen::VectorXd> out(y, n);
  KernelStats unused;
  for (Index first = 0; first < n; first += block_rows_) {
    const Index rows = std::min(block_rows_, n - first);
    const auto Xb = X_.middleRows(first, rows);
    fill_cross(&kernel_, Xb, norms_.segment(first, rows), X_, norms_, block_, unused);
    out.segment(first, rows).noalias() = scale_ * (block_ * in);
  }
}

}  // namespace prism::linalg
