// Radial kernels and kernel matrices built through BLAS.
//
// Data rows are samples: X is n x d (pixels scaled to [0,1] as in the papers).
// K(X, Z)_ij = k(||x_i - z_j||). The inner products come from one level-3 BLAS
// call (SYRK for K(X, X), GEMM otherwise); one fused pass then turns them into
// squared distances ||x||^2 + ||z||^2 - 2 x.z and kernel values. Pairs closer
// than the cancellation in that formula can resolve are recomputed directly, so
// the Laplace kernel (whose sqrt amplifies the cancellation) stays accurate for
// near-duplicate points; the diagonal of K(X, X) is exactly 1.
#pragma once

#include <cstdint>
#include <string>

#include <Eigen/Core>

namespace prism::linalg {

enum class KernelKind { kLaplace, kGaussian };

struct Kernel {
  KernelKind kind = KernelKind::kGaussian;
  double bandwidth = 1.0;  // s

  static Kernel Laplace(double s) { return {KernelKind::kLaplace, s}; }    // exp(-||x-z|| / s)
  static Kernel Gaussian(double s) { return {KernelKind::kGaussian, s}; }  // exp(-||x-z||^2 / (2 s^2))

  // k as a function of the squared distance.
  double from_squared_distance(double squared_distance) const;
  // Direct evaluation from two points (reference for tests; O(d)).
  double operator()(const Eigen::Ref<const Eigen::VectorXd>& x,
                    const Eigen::Ref<const Eigen::VectorXd>& z) const;
  // k(x, x); both kernels here give 1, which is beta = max_i K_ii.
  double diagonal() const { return 1.0; }
  std::string name() const;  // "laplace" or "gaussian"
};

// Work done by a kernel build or prediction, so callers can print GFLOP/s.
struct KernelStats {
  double blas_flops = 0;           // SYRK: n^2 d; GEMM: 2 n_x n_z d; prediction GEMM: 2 n_z n c
  double blas_seconds = 0;         // wall time inside those BLAS calls
  double elementwise_seconds = 0;  // wall time of the fused distance -> kernel pass (and the mirror)
  std::int64_t evaluations = 0;    // kernel values computed (one triangle for K(X, X))
  std::int64_t recomputed = 0;     // near-coincident pairs whose distance was recomputed directly

  void add(const KernelStats& other);
};

// Squared Euclidean norm of every row.
Eigen::VectorXd row_squared_norms(const Eigen::Ref<const Eigen::MatrixXd>& X);

// K(X, X), n x n, symmetric with both triangles filled (Cholesky reads one,
// SGD reads columns). The Gram matrix comes from SYRK: one triangle, n^2 d flops.
Eigen::MatrixXd kernel_matrix(const Kernel& kernel, const Eigen::Ref<const Eigen::MatrixXd>& X,
                              KernelStats* stats = nullptr);

// K(X, Z), n_x x n_z, through GEMM.
Eigen::MatrixXd kernel_matrix(const Kernel& kernel, const Eigen::Ref<const Eigen::MatrixXd>& X,
                              const Eigen::Ref<const Eigen::MatrixXd>& Z, KernelStats* stats = nullptr);

// Squared distances ||x_i - z_j||^2 through the same BLAS call and the same
// near-duplicate recomputation as the kernel matrices, for data sets that
// several radial kernels (and a nearest-neighbour search) share: one level-3
// call for all of them, then kernel_from_squared_distances per kernel.
// D(X, X): n x n, both triangles, zeros on the diagonal (SYRK).
Eigen::MatrixXd squared_distance_matrix(const Eigen::Ref<const Eigen::MatrixXd>& X, KernelStats* stats = nullptr);
// D(X, Z): n_x x n_z (GEMM).
Eigen::MatrixXd squared_distance_matrix(const Eigen::Ref<const Eigen::MatrixXd>& X,
                                        const Eigen::Ref<const Eigen::MatrixXd>& Z, KernelStats* stats = nullptr);
// k(D) entry by entry: kernel_matrix's values to rounding of the exponential
// (the same operations; only the vector/scalar split of a column may differ).
Eigen::MatrixXd kernel_from_squared_distances(const Kernel& kernel, const Eigen::Ref<const Eigen::MatrixXd>& D,
                                              KernelStats* stats = nullptr);

// f(Z) = K(Z, X) alpha, n_z x c, built `block_rows` rows of Z at a time so the
// memory held is block_rows x n_x whatever n_z is.
constexpr Eigen::Index kDefaultPredictBlockRows = 2048;
Eigen::MatrixXd kernel_predict(const Kernel& kernel, const Eigen::Ref<const Eigen::MatrixXd>& Z,
                               const Eigen::Ref<const Eigen::MatrixXd>& X,
                               const Eigen::Ref<const Eigen::MatrixXd>& alpha,
                               Eigen::Index block_rows = kDefaultPredictBlockRows,
                               KernelStats* stats = nullptr);

// Matrix-free y = scale * K(X, X) x (Spectra's Op concept), for data sets whose
// kernel matrix does not fit in memory; each product rebuilds K in row blocks
// (2 n^2 d flops), so prefer DenseSymmetricOp (spectrum.h) when K is at hand.
// Keeps a reference to X, which must outlive the op (an expression argument is
// evaluated into storage the op owns; hence no copies of the op).
class KernelOp {
 public:
  using Scalar = double;  // Spectra 1.x reads it from the Op
  template <typename Derived>
  KernelOp(const Kernel& kernel, const Eigen::MatrixBase<Derived>& X, double scale = 1.0,
           Eigen::Index block_rows = kDefaultPredictBlockRows)
      : kernel_(kernel), X_(X), scale_(scale), block_rows_(block_rows) {
    init();
  }
  KernelOp(const KernelOp&) = delete;
  KernelOp& operator=(const KernelOp&) = delete;

  Eigen::Index rows() const { return X_.rows(); }
  Eigen::Index cols() const { return X_.rows(); }
  void perform_op(const double* x, double* y) const;  // not thread-safe: reuses one block buffer

 private:
  void init();

  Kernel kernel_;
  Eigen::Ref<const Eigen::MatrixXd> X_;
  double scale_;
  Eigen::Index block_rows_;
  Eigen::VectorXd norms_;
  mutable Eigen::MatrixXd block_;
};

}  // namespace prism::linalg
