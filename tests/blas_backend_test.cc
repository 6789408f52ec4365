// Numerical kernels through whichever BLAS/LAPACK this process loaded.
// ctest registers this binary once per backend (LD_LIBRARY_PATH set, and
// PRISM_EXPECT_BACKEND naming it), so the same residual-based tolerances are
// held against every implementation, as Ceres parameterises over its solvers.
// GoogleTest first: lapacke.h (through Eigen) defines the macro I.
#include <gtest/gtest.h>

#include <cmath>
#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <filesystem>
#include <set>
#include <string>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <Eigen/Eigenvalues>

#include "src/core/context.h"
#include "src/core/rng.h"
#include "src/linalg/blas_backend.h"

namespace prism {
namespace {

// Backward-error tolerances, in units of machine epsilon times the dimension:
// any correct BLAS meets them, whatever its summation order.
constexpr double kBackwardErrorPerDimension = 1e-15;

TEST(BlasBackend, LoadedLibraryIsTheRequestedOne) {
  const char* expected = std::getenv("PRISM_EXPECT_BACKEND");
  const Json info = blas_info();
  ASSERT_FALSE(info.value("library", "").empty()) << "no dgemm_ provider found in this process";
  if (!expected) GTEST_SKIP() << "loaded " << info.value("library", "?") << " (no backend requested)";
  EXPECT_EQ(info.value("backend", "?"), expected) << "dgemm_ comes from " << info.value("library", "?");
}

// Which of OpenBLAS's kernel sets ran (OPENBLAS_CORETYPE or its own CPU
// detection) changes the DGEMM rate twofold on one machine: the context says.
TEST(BlasBackend, OpenBlasNamesTheKernelsItRuns) {
  const Json info = blas_info();
  if (info.value("backend", "") != "openblas") GTEST_SKIP() << "loaded " << info.value("backend", "?");
  const std::string core = info.value("openblas_core", "");
  EXPECT_FALSE(core.empty()) << info.dump();
  if (const char* forced = std::getenv("OPENBLAS_CORETYPE"); forced && *forced) {
    std::string a = core, b = forced;
    for (auto* s : {&a, &b})
      for (char& c : *s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(a, b) << "OPENBLAS_CORETYPE=" << forced << " but OpenBLAS reports " << core;
  }
}

TEST(BlasBackend, KnownBackendsListEveryImplementation) {
  std::set<std::string> names;
  for (const auto& b : linalg::known_backends()) names.insert(b.name);
  for (const char* n : {"reference", "openblas", "blis", "atlas", "eigen"}) EXPECT_TRUE(names.count(n)) << n;
}

// compare-blas shards the serial backends by this flag; a threaded backend run
// as one-core shards would be timed and compared on the wrong thread count.
TEST(BlasBackend, OnlyOpenBlasAndBlisRunAThreadPool) {
  for (const auto& b : linalg::known_backends())
    EXPECT_EQ(b.threaded, b.name == "openblas" || b.name == "blis") << b.name;
  for (const auto& b : linalg::backends_json()) {
    ASSERT_TRUE(b.contains("threaded")) << "prism blas --json: " << b.dump();
    EXPECT_EQ(b["threaded"].get<bool>(), linalg::backend_runs_threads(b["name"].get<std::string>())) << b.dump();
  }
}

// Debian's pthreads BLIS starts its threads in every level-3 call; its OpenMP
// build keeps a pool, so it is the one `--blas blis` loads where installed.
TEST(BlasBackend, BlisIsTheOpenMpBuildWhereInstalled) {
  const bool openmp = std::filesystem::exists("/usr/lib/x86_64-linux-gnu/blis-openmp/libblas.so.3");
  if (!openmp && !std::filesystem::exists("/usr/lib/x86_64-linux-gnu/blis-pthread/libblas.so.3"))
    GTEST_SKIP() << "no BLIS installed";
  for (const auto& b : linalg::known_backends()) {
    if (b.name != "blis") continue;
    ASSERT_TRUE(b.available) << b.why_not;
    EXPECT_NE(b.blas_file.find(openmp ? "/blis-openmp/" : "/blis-pthread/"), std::string::npos) << b.blas_file;
  }
}

TEST(BlasBackend, GemmMatchesAnIndependentLoop) {
  Rng rng(7, "gemm");
  const int m = 67, k = 131, n = 45;  // odd sizes reach the edge cases of blocked kernels
  Eigen::MatrixXd A = rng.normal_matrix(m, k), B = rng.normal_matrix(k, n);
  Eigen::MatrixXd C = A * B;
  double worst = 0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      long double s = 0, scale = 0;
      for (int l = 0; l < k; ++l) s += static_cast<long double>(A(i, l)) * B(l, j), scale += std::abs(A(i, l) * B(l, j));
      worst = std::max(worst, static_cast<double>(std::abs(C(i, j) - s) / scale));
    }
  EXPECT_LE(worst, kBackwardErrorPerDimension * k) << "largest relative error of C = A B";
}

// C += alpha A^T A (dgemm "T", "N", beta = 1) at the tangent kernel's shapes:
// 16 inputs, widths 1000-2048. Debian's ATLAS 3.10.3 gets these wrong (errors
// ~0.09 where rounding is 1e-16; k = 512 and 4096 are right), so
// Network::tangent_kernel forms the product with beta = 0 and adds it. The
// test holds every other backend to rounding and fails if ATLAS stops being
// wrong, so the workaround's reason is checked, not remembered.
TEST(BlasBackend, AccumulatingTransposedGemmAtTheTangentKernelShapes) {
  const char* backend = std::getenv("PRISM_EXPECT_BACKEND");
  const bool atlas = backend && std::string(backend) == "atlas";
  Rng rng(11, "gemm-tn-beta-1");
  for (const int k : {1000, 1024, 2048}) {
    const Eigen::MatrixXd A = rng.normal_matrix(k, 16), C0 = rng.normal_matrix(16, 16);
    Eigen::MatrixXd C = C0;
    C.noalias() += (1.0 / k) * (A.transpose() * A);
    Eigen::MatrixXd want = C0;
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 16; ++j) {
        long double s = 0;
        for (int l = 0; l < k; ++l) s += static_cast<long double>(A(l, i)) * A(l, j);
        want(i, j) += static_cast<double>(s / k);
      }
    const double error = (C - want).cwiseAbs().maxCoeff();
    if (atlas)
      EXPECT_GT(error, 1e-6) << "k = " << k << ": ATLAS now accumulates correctly; the beta = 0 workaround in "
                             << "Network::tangent_kernel can go";
    else
      EXPECT_LE(error, kBackwardErrorPerDimension * k) << "k = " << k << ": max |C - (C0 + A^T A / k)|";
  }
}

TEST(BlasBackend, CholeskySolveHasSmallBackwardError) {
  Rng rng(8, "chol");
  const int n = 300;
  Eigen::MatrixXd G = rng.normal_matrix(n, n + 20);
  Eigen::MatrixXd K = G * G.transpose() / n;
  Eigen::MatrixXd Y = rng.normal_matrix(n, 7);
  Eigen::LLT<Eigen::MatrixXd> llt(K);
  ASSERT_EQ(llt.info(), Eigen::Success);
  Eigen::MatrixXd X = llt.solve(Y);
  const double backward = (K * X - Y).norm() / (K.norm() * X.norm());
  EXPECT_LE(backward, kBackwardErrorPerDimension * n) << "||K X - Y|| / (||K|| ||X||)";
}

TEST(BlasBackend, SymmetricEigenpairsHaveSmallResidual) {
  Rng rng(9, "eig");
  const int n = 200;
  Eigen::MatrixXd G = rng.normal_matrix(n, n);
  Eigen::MatrixXd A = (G + G.transpose()) / 2;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A);
  ASSERT_EQ(es.info(), Eigen::Success);
  const Eigen::MatrixXd& U = es.eigenvectors();
  const double residual = (A * U - U * es.eigenvalues().asDiagonal()).norm() / A.norm();
  const double orthogonality = (U.transpose() * U - Eigen::MatrixXd::Identity(n, n)).norm();
  EXPECT_LE(residual, kBackwardErrorPerDimension * n) << "||A U - U D|| / ||A||";
  EXPECT_LE(orthogonality, kBackwardErrorPerDimension * n) << "||U^T U - I||";
}


TEST(BlasBackend, OversubscriptionNoteOnlyWhenThreadsExceedFreeCores) {
  EXPECT_EQ(linalg::oversubscription_note(0.1, 2, 2), "");   // quiet machine
  EXPECT_EQ(linalg::oversubscription_note(3.0, 1, 2), "");   // one thread never spins at a barrier
  EXPECT_EQ(linalg::oversubscription_note(1.4, 2, 4), "");   // enough free cores
  const std::string note = linalg::oversubscription_note(1.0, 2, 2);
  EXPECT_NE(note.find("1 other runnable thread(s) on 2 cores with 2 BLAS threads"), std::string::npos) << note;
}

// The DGEMM rate a claim reports beside its own GFLOP/s: a positive finite
// number on every backend (its size is the machine's, never asserted), and a
// clear error for a size or repetition count that measures nothing.
TEST(BlasBackend, DgemmRateIsPositiveAndFinite) {
  const double rate = linalg::measure_dgemm_gflops(96, 2);
  EXPECT_GT(rate, 0.0);
  EXPECT_TRUE(std::isfinite(rate)) << rate;
  EXPECT_THROW(linalg::measure_dgemm_gflops(0, 1), std::invalid_argument);
  EXPECT_THROW(linalg::measure_dgemm_gflops(10, 0), std::invalid_argument);
}

}  // namespace
}  // namespace prism
