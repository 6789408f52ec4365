// Kernel matrices, blocked prediction, the Cholesky solver and the curvature
// (Lanczos) estimates, each against a direct or dense computation.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

// gtest first: <Eigen/Eigenvalues> under EIGEN_USE_LAPACKE includes C's
// <complex.h>, whose macro `I` breaks gtest's templates.
#include <gtest/gtest.h>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>

#include "src/core/rng.h"
#include "src/linalg/dense_solve.h"
#include "src/linalg/kernels.h"
#include "src/linalg/spectrum.h"
#include "tests/support/test_support.h"

namespace prism::linalg {
namespace {

constexpr double kEntryTolerance = 1e-12;
constexpr double kInterpolationTolerance = 1e-8;
constexpr double kEigenTolerance = 1e-10;
constexpr double kDenseSolverError = 1e-13;

// Points in [0,1]^d, like scaled pixels.
Eigen::MatrixXd uniform_points(Rng& rng, Eigen::Index n, Eigen::Index d) {
  Eigen::MatrixXd X(n, d);
  for (Eigen::Index j = 0; j < d; ++j)
    for (Eigen::Index i = 0; i < n; ++i) X(i, j) = rng.uniform();
  return X;
}

std::vector<Kernel> test_kernels() { return {Kernel::Laplace(2.0), Kernel::Gaussian(1.5)}; }

TEST(Kernels, SymmetricMatrixMatchesDirectEvaluation) {
  Rng rng(11, "kernels-sym");
  const Eigen::MatrixXd X = uniform_points(rng, 70, 20);
  for (const Kernel& kernel : test_kernels()) {
    KernelStats stats;
    const Eigen::MatrixXd K = kernel_matrix(kernel, X, &stats);
    ASSERT_EQ(K.rows(), 70);
    ASSERT_EQ(K.cols(), 70);
    double worst = 0;
    for (Eigen::Index i = 0; i < K.rows(); ++i)
      for (Eigen::Index j = 0; j < K.cols(); ++j) {
        worst = std::max(worst, std::abs(K(i, j) - kernel(X.row(i).transpose(), X.row(j).transpose())));
        EXPECT_EQ(K(i, j), K(j, i)) << kernel.name() << " at (" << i << ", " << j << ")";
      }
    EXPECT_LE(worst, kEntryTolerance) << kernel.name();
    for (Eigen::Index i = 0; i < K.rows(); ++i) EXPECT_EQ(K(i, i), 1.0) << kernel.name() << " diagonal " << i;
    EXPECT_DOUBLE_EQ(stats.blas_flops, 70.0 * 70.0 * 20.0);
    EXPECT_EQ(stats.evaluations, 70 * 71 / 2);
  }
}

// Several column panels (run in parallel) on a strided view of a larger matrix
// (leading dimension > rows, as dsyrk sees it), and the empty case.
TEST(Kernels, StridedViewAndManyPanelsMatchDirectEvaluation) {
  Rng rng(13, "kernels-strided");
  const Eigen::MatrixXd big = uniform_points(rng, 400, 9);
  const auto X = big.topRows(300);  // outer stride 400
  const Kernel kernel = Kernel::Gaussian(0.7);
  const Eigen::MatrixXd K = kernel_matrix(kernel, X);
  double worst = 0;
  for (Eigen::Index i = 0; i < K.rows(); ++i)
    for (Eigen::Index j = 0; j < K.cols(); ++j) {
      worst = std::max(worst, std::abs(K(i, j) - kernel(X.row(i).transpose(), X.row(j).transpose())));
      ASSERT_EQ(K(i, j), K(j, i)) << "at (" << i << ", " << j << ")";
    }
  EXPECT_LE(worst, kEntryTolerance);
  EXPECT_EQ(kernel_matrix(kernel, Eigen::MatrixXd(0, 9)).size(), 0);
}

TEST(Kernels, CrossMatrixMatchesDirectEvaluation) {
  Rng rng(12, "kernels-cross");
  const Eigen::MatrixXd X = uniform_points(rng, 45, 13);
  const Eigen::MatrixXd Z = uniform_points(rng, 31, 13);
  for (const Kernel& kernel : test_kernels()) {
    KernelStats stats;
    const Eigen::MatrixXd K = kernel_matrix(kernel, X, Z, &stats);
    ASSERT_EQ(K.rows(), 45);
    ASSERT_EQ(K.cols(), 31);
    double worst = 0;
    for (Eigen::Index i = 0; i < K.rows(); ++i)
      for (Eigen::Index j = 0; j < K.cols(); ++j)
        worst = std::max(worst, std::abs(K(i, j) - kernel(X.row(i).transpose(), Z.row(j).transpose())));
    EXPECT_LE(worst, kEntryTolerance) << kernel.name();
    EXPECT_DOUBLE_EQ(stats.blas_flops, 2.0 * 45 * 31 * 13);
  }
}

// ||x||^2 + ||z||^2 - 2 x.z cancels for near-duplicates; the Laplace kernel's
// sqrt would turn a 1e-13 error in the squared distance into 3e-7 in K.
TEST(Kernels, NearDuplicatesAreRecomputedDirectly) {
  Rng rng(13, "kernels-dup");
  const Eigen::MatrixXd X = uniform_points(rng, 20, 784);
  Eigen::MatrixXd Z = X;
  for (Eigen::Index i = 0; i < Z.rows(); ++i) Z(i, i) += 1e-9 * (i + 1);
  const Kernel kernel = Kernel::Laplace(10.0);
  KernelStats stats;
  const Eigen::MatrixXd K = kernel_matrix(kernel, X, Z, &stats);
  double worst = 0;
  for (Eigen::Index i = 0; i < K.rows(); ++i)
    for (Eigen::Index j = 0; j < K.cols(); ++j)
      worst = std::max(worst, std::abs(K(i, j) - kernel(X.row(i).transpose(), Z.row(j).transpose())));
  EXPECT_LE(worst, kEntryTolerance);
  EXPECT_EQ(stats.recomputed, 20) << "expected exactly the 20 near-duplicate pairs to be recomputed";
  // An exact duplicate gives exactly 1, as the diagonal of K(X, X) does.
  const Eigen::MatrixXd Kxx = kernel_matrix(kernel, X, X);
  for (Eigen::Index i = 0; i < X.rows(); ++i) EXPECT_EQ(Kxx(i, i), 1.0);
}

// The distances behind a shared build, and the kernels made from them: the
// fused builders' values, up to the rounding of exp for K(X, X) (the same
// operations, but a column's split between vector and scalar code may differ:
// the fused pass starts below the diagonal) and bit for bit for K(X, Z) (the
// same operations on columns of the same layout; inverse-vs-direct relies on it).
constexpr double kFromDistancesTolerance = 4 * std::numeric_limits<double>::epsilon();

TEST(Kernels, SquaredDistancesMatchDirectEvaluationAndGiveTheKernels) {
  Rng rng(15, "kernels-distances");
  const Eigen::MatrixXd X = uniform_points(rng, 150, 30), Z = uniform_points(rng, 37, 30);
  KernelStats stats;
  const Eigen::MatrixXd D = squared_distance_matrix(X, &stats), C = squared_distance_matrix(X, Z, &stats);
  ASSERT_EQ(D.rows(), 150);
  ASSERT_EQ(D.cols(), 150);
  ASSERT_EQ(C.rows(), 150);
  ASSERT_EQ(C.cols(), 37);
  EXPECT_DOUBLE_EQ(stats.blas_flops, 150.0 * 150 * 30 + 2.0 * 150 * 37 * 30);
  double worst = 0;
  for (Eigen::Index i = 0; i < 150; ++i) {
    EXPECT_EQ(D(i, i), 0.0) << "diagonal " << i;
    for (Eigen::Index j = 0; j < 150; ++j) {
      ASSERT_EQ(D(i, j), D(j, i)) << "at (" << i << ", " << j << ")";
      worst = std::max(worst, std::abs(D(i, j) - (X.row(i) - X.row(j)).squaredNorm()));
    }
    for (Eigen::Index j = 0; j < 37; ++j) worst = std::max(worst, std::abs(C(i, j) - (X.row(i) - Z.row(j)).squaredNorm()));
  }
  EXPECT_LE(worst, kEntryTolerance);
  for (const Kernel& kernel : test_kernels()) {
    const Eigen::MatrixXd K = kernel_from_squared_distances(kernel, D), Kc = kernel_from_squared_distances(kernel, C);
    const double sym = (K - kernel_matrix(kernel, X)).cwiseAbs().maxCoeff();
    const double cross = (Kc - kernel_matrix(kernel, X, Z)).cwiseAbs().maxCoeff();
    EXPECT_LE(sym, kFromDistancesTolerance) << kernel.name() << ": expected K(X, X) from distances to rounding, got "
                                            << sym;
    EXPECT_EQ(cross, 0.0) << kernel.name() << ": expected K(X, Z) from distances bit for bit, got a difference of "
                          << cross;
  }
  EXPECT_THROW(squared_distance_matrix(X, Eigen::MatrixXd::Zero(2, 3)), std::invalid_argument);
  EXPECT_THROW(kernel_from_squared_distances(Kernel::Laplace(0.0), D), std::invalid_argument);
}

TEST(Kernels, BlockedPredictionEqualsUnblocked) {
  Rng rng(14, "kernels-predict");
  const Eigen::MatrixXd X = uniform_points(rng, 60, 9);
  const Eigen::MatrixXd Z = uniform_points(rng, 101, 9);
  const Eigen::MatrixXd alpha = rng.normal_matrix(60, 3);
  for (const Kernel& kernel : test_kernels()) {
    const Eigen::MatrixXd direct = kernel_matrix(kernel, Z, X) * alpha;
    for (Eigen::Index block : {1, 7, 100, 101, 5000}) {
      KernelStats stats;
      const Eigen::MatrixXd F = kernel_predict(kernel, Z, X, alpha, block, &stats);
      EXPECT_LE((F - direct).cwiseAbs().maxCoeff(), kEntryTolerance * direct.cwiseAbs().maxCoeff())
          << kernel.name() << " with blocks of " << block << " rows";
      EXPECT_DOUBLE_EQ(stats.blas_flops, 2.0 * 101 * 60 * 9 + 2.0 * 101 * 60 * 3);
    }
  }
}

TEST(Kernels, MatrixFreeOpMatchesDenseProduct) {
  Rng rng(15, "kernels-op");
  const Eigen::MatrixXd X = uniform_points(rng, 50, 6);
  const Kernel kernel = Kernel::Gaussian(0.8);
  const Eigen::MatrixXd K = kernel_matrix(kernel, X);
  const Eigen::VectorXd v = rng.normal_vector(50);
  KernelOp op(kernel, X, 0.5, /*block_rows=*/16);
  Eigen::VectorXd y(50);
  op.perform_op(v.data(), y.data());
  EXPECT_LE((y - 0.5 * K * v).cwiseAbs().maxCoeff(), kEntryTolerance * (0.5 * K * v).cwiseAbs().maxCoeff());
}

TEST(Kernels, RejectsBadInput) {
  const Eigen::MatrixXd X = Eigen::MatrixXd::Zero(4, 3);
  EXPECT_THROW(kernel_matrix(Kernel::Gaussian(0.0), X), std::invalid_argument);
  EXPECT_THROW(kernel_matrix(Kernel::Laplace(1.0), X, Eigen::MatrixXd::Zero(2, 4)), std::invalid_argument);
  EXPECT_THROW(kernel_predict(Kernel::Laplace(1.0), X, X, Eigen::MatrixXd::Zero(3, 1)), std::invalid_argument);
}

TEST(Cholesky, InterpolatesAndReusesTheFactor) {
  Rng rng(21, "cholesky");
  const Eigen::Index n = 300;
  const Eigen::MatrixXd X = uniform_points(rng, n, 10);
  const Eigen::MatrixXd K = kernel_matrix(Kernel::Laplace(2.0), X);
  const Cholesky cholesky(K);
  EXPECT_EQ(cholesky.attempts(), 1);
  EXPECT_EQ(cholesky.jitter(), 0.0);
  EXPECT_DOUBLE_EQ(cholesky.factorization_flops(), n * n * static_cast<double>(n) / 3.0);

  // One factor, many right-hand sides: a block of 10, then 20 single columns.
  const Eigen::MatrixXd Y = rng.normal_matrix(n, 10);
  const Eigen::MatrixXd alpha = cholesky.solve(Y);
  const InterpolationResidual res = interpolation_residual(K, alpha, Y);
  EXPECT_LE(res.relative_fro, kInterpolationTolerance);
  EXPECT_LE(res.max_abs, kInterpolationTolerance * Y.cwiseAbs().maxCoeff());
  for (int trial = 0; trial < 20; ++trial) {
    const Eigen::VectorXd y = rng.normal_vector(n);
    const Eigen::MatrixXd a = cholesky.solve(y);
    EXPECT_LE(interpolation_residual(K, a, y).relative_fro, kInterpolationTolerance) << "right-hand side " << trial;
  }
  // The block solve equals column-by-column solves.
  for (Eigen::Index j = 0; j < Y.cols(); ++j)
    EXPECT_LE((cholesky.solve(Y.col(j)) - alpha.col(j)).norm(), 1e-12 * alpha.col(j).norm());
}

// K X from the factor's array (K's strict upper triangle, K's own diagonal):
// K moved in, no copy kept, and the product is still K's, also after a jitter.
// n = 257 is one panel of the product; 2500 is two (2048 columns, then a
// ragged 452), so the panels' dgemm pairs are exercised.
TEST(Cholesky, MultipliesByTheMatrixItFactorised) {
  Rng rng(23, "cholesky-multiply");
  for (Eigen::Index n : {257, 2500}) {
    Eigen::MatrixXd K = kernel_matrix(Kernel::Gaussian(1.5), uniform_points(rng, n, 6));
    K.diagonal().array() += rng.normal_vector(n).array().abs();  // unequal diagonal entries
    const Eigen::MatrixXd X = rng.normal_matrix(n, 7), expected = K * X;
    const Cholesky moved_in{Eigen::MatrixXd(K)};
    EXPECT_LE((moved_in.multiply(X) - expected).cwiseAbs().maxCoeff(), kDenseSolverError * expected.cwiseAbs().maxCoeff())
        << "n = " << n;
    const Eigen::MatrixXd alpha = moved_in.solve(X);
    EXPECT_LE((moved_in.multiply(alpha) - X).cwiseAbs().maxCoeff(), kInterpolationTolerance) << "n = " << n;
    EXPECT_THROW(moved_in.multiply(Eigen::MatrixXd::Zero(n - 1, 2)), std::invalid_argument);
  }
}

// A Gaussian kernel far wider than the data is numerically rank 2 or 3.
Eigen::MatrixXd numerically_singular_kernel() {
  Rng rng(22, "cholesky-singular");
  return kernel_matrix(Kernel::Gaussian(1e4), uniform_points(rng, 40, 5));
}

TEST(Cholesky, SingularMatrixIsAClearError) {
  const Eigen::MatrixXd K = numerically_singular_kernel();
  PRISM_EXPECT_THROW_WITH(Cholesky cholesky(K), NotPositiveDefinite, "max_relative_jitter")
      << "a numerically singular kernel matrix";
}

TEST(Cholesky, JitterIsOptionalAndReported) {
  const Eigen::MatrixXd K = numerically_singular_kernel();
  CholeskyOptions options;
  options.max_relative_jitter = 1e-6;
  const Cholesky cholesky(K, options);
  EXPECT_GT(cholesky.jitter(), 0.0);
  EXPECT_LE(cholesky.jitter(), 1e-6 * K.diagonal().mean() * (1 + 1e-12));
  EXPECT_GT(cholesky.attempts(), 1);
  // The factor is of the shifted matrix it reports, K + jitter I, to rounding.
  // (Its residual on a solve says little: K + jitter I still has condition ~1e14.)
  const Eigen::Index n = K.rows();
  const Eigen::MatrixXd L = cholesky.factor().triangularView<Eigen::Lower>();
  const Eigen::MatrixXd shifted = K + cholesky.jitter() * Eigen::MatrixXd::Identity(n, n);
  EXPECT_LE((L * L.transpose() - shifted).cwiseAbs().maxCoeff(), 1e-14 * n);
  // multiply() is by K itself, not by the shifted matrix.
  const Eigen::MatrixXd X = Eigen::MatrixXd::Ones(n, 2), expected = K * X;
  EXPECT_LE((cholesky.multiply(X) - expected).cwiseAbs().maxCoeff(), kDenseSolverError * expected.cwiseAbs().maxCoeff());
}

// Lanczos against Eigen's dense solver; `values` is ascending (Eigen's order).
void expect_matches_dense(const Curvature& c, const Eigen::VectorXd& values, const char* what) {
  const Eigen::Index n = values.size();
  for (Eigen::Index j = 0; j < c.top.size(); ++j) {
    const double exact = values(n - 1 - j);
    EXPECT_LE(std::abs(c.top(j) - exact), kEigenTolerance * std::abs(values(n - 1)))
        << what << ": eigenvalue " << j << " expected " << exact << ", got " << c.top(j);
    // The residual bound: some eigenvalue lies within the residual of each Ritz
    // value, up to the dense solver's own error (~ n eps ||H||).
    const double nearest = (values.array() - c.top(j)).abs().minCoeff();
    EXPECT_LE(nearest, c.top_residuals(j) + kDenseSolverError * std::abs(values(n - 1)))
        << what << ": Ritz value " << j << " is " << nearest << " from the spectrum, residual " << c.top_residuals(j);
  }
}

TEST(Curvature, KernelTopEigenvaluesMatchDenseSolver) {
  Rng rng(31, "curvature-kernel");
  const Eigen::Index n = 200;
  const Eigen::MatrixXd X = uniform_points(rng, n, 8);
  for (const Kernel& kernel : test_kernels()) {
    const Eigen::MatrixXd K = kernel_matrix(kernel, X);
    const Curvature c = kernel_curvature(K, 5);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> dense(K / static_cast<double>(n), Eigen::EigenvaluesOnly);
    expect_matches_dense(c, dense.eigenvalues(), kernel.name().c_str());
    EXPECT_EQ(c.beta, 1.0) << "beta = max_i K_ii";
    EXPECT_DOUBLE_EQ(c.trace, 1.0) << "tr(K/n) with a unit diagonal";
    EXPECT_DOUBLE_EQ(c.m_star, 1.0 / c.lambda_1 + 1.0);
    EXPECT_DOUBLE_EQ(c.trace_ratio, 1.0 / c.lambda_1);
    EXPECT_GT(c.matrix_products, 0);

    // The matrix-free operator gives the same lambda_1.
    KernelOp op(kernel, X, 1.0 / n, 64);
    const Curvature free = curvature_from_op(op, 1.0, 1.0, 1);
    EXPECT_LE(std::abs(free.lambda_1 - c.lambda_1), kEigenTolerance * c.lambda_1);
  }
}

TEST(Curvature, FeatureTopEigenvaluesMatchDenseSolver) {
  Rng rng(32, "curvature-features");
  for (auto [n, d] : {std::pair<Eigen::Index, Eigen::Index>{150, 40}, {40, 150}}) {
    const Eigen::MatrixXd X = rng.normal_matrix(n, d);
    const Curvature c = feature_curvature(X, 4);
    const Eigen::MatrixXd H = X.transpose() * X / static_cast<double>(n);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> dense(H, Eigen::EigenvaluesOnly);
    expect_matches_dense(c, dense.eigenvalues(), n > d ? "n > d" : "n < d");
    EXPECT_DOUBLE_EQ(c.beta, X.rowwise().squaredNorm().maxCoeff());
    EXPECT_NEAR(c.trace, H.trace(), 1e-12 * H.trace());
  }
}

TEST(Curvature, TinyOperatorsFallBackToDenseSolver) {
  Eigen::MatrixXd A(3, 3);
  A << 2, 1, 0, 1, 2, 1, 0, 1, 2;  // eigenvalues 2 - sqrt 2, 2, 2 + sqrt 2
  DenseSymmetricOp op(A);
  const EigenEstimate est = top_eigenpairs_any_size(op, 3);
  EXPECT_NEAR(est.values(0), 2 + std::sqrt(2.0), 1e-14);
  EXPECT_NEAR(est.values(2), 2 - std::sqrt(2.0), 1e-14);
  EXPECT_LE(est.residuals.maxCoeff(), 1e-14);
}

// Eigenvectors are defined up to sign: whatever the Lanczos start (or the dense
// route), each column comes back with its largest-magnitude entry positive, so
// a backend whose rounding lands on -v reports the same vector as the others.
TEST(Eigenvectors, SignIsFixedWhateverTheStart) {
  Rng rng(33, "oriented-eigenvectors");
  const Eigen::Index n = 60;
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(rng.normal_matrix(n, n));
  const Eigen::MatrixXd Q = qr.householderQ();
  Eigen::VectorXd lambda = Eigen::VectorXd::LinSpaced(n, 0.0, 1.0);
  lambda(0) = 5, lambda(1) = 3;  // well separated top pair
  const Eigen::MatrixXd A = Q * lambda.asDiagonal() * Q.transpose();
  Eigen::MatrixXd expected = Q.leftCols(2);  // the top two, oriented here by hand
  for (Eigen::Index j = 0; j < 2; ++j) {
    Eigen::Index largest = 0;
    expected.col(j).cwiseAbs().maxCoeff(&largest);
    if (expected(largest, j) < 0) expected.col(j) *= -1;
  }
  constexpr double kVectorTolerance = 1e-9;  // Lanczos at its 1e-10 relative tolerance, gaps >= 2
  DenseSymmetricOp op(A);
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    LanczosOptions o;
    o.seed = seed;
    const EigenEstimate est = top_eigenpairs(op, 2, o);
    for (Eigen::Index j = 0; j < 2; ++j)
      EXPECT_LE((est.vectors.col(j) - expected.col(j)).norm(), kVectorTolerance)
          << "Lanczos start seed " << seed << ", eigenvector " << j << ": got\n"
          << est.vectors.col(j).head(4).transpose() << " ..., expected\n" << expected.col(j).head(4).transpose() << " ...";
  }
  const EigenEstimate dense = dense_top_eigenpairs(A, 2);
  EXPECT_LE((dense.vectors - expected).norm(), 1e-12) << "the dense route";
}

}  // namespace
}  // namespace prism::linalg
