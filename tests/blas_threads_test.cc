// The BLAS's thread count and tasks on a serial BLAS, through whichever BLAS
// this process loaded (registered once per backend, as blas_backend_test).
#include <gtest/gtest.h>

#include <omp.h>

#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "src/core/context.h"
#include "src/core/rng.h"
#include "src/linalg/blas_threads.h"
#include "src/linalg/spectral_least_squares.h"
#include "tests/support/test_support.h"

namespace prism::linalg {
namespace {

constexpr int kTasks = 9;

// The backend whose thread count prism sets (BLIS's is its environment's).
bool settable_backend() { return blas_info().value("backend", "") == "openblas"; }

// Restores the BLAS's and OpenMP's thread counts a test changes.
class BlasThreads : public ::testing::Test {
 protected:
  void TearDown() override {
    set_blas_threads(blas_threads_);
    omp_set_num_threads(omp_threads_);
  }
  const int blas_threads_ = blas_threads();
  const int omp_threads_ = omp_get_max_threads();
};

TEST_F(BlasThreads, ReportTheLoadedBlasSetting) {
  const std::string backend = blas_info().value("backend", "");
  const char* var = backend == "blis" ? "BLIS_NUM_THREADS" : "OPENBLAS_NUM_THREADS";
  const char* env = std::getenv(var);
  if (backend != "openblas" && backend != "blis") {
    EXPECT_EQ(blas_threads(), 1) << backend << " is serial";
    return;
  }
  if (env) {
    EXPECT_EQ(blas_threads(), std::atoi(env)) << var << "=" << env << " on " << backend;
  }
  if (!settable_backend()) return;
  set_blas_threads(3);
  EXPECT_EQ(blas_threads(), 3) << backend;
  set_blas_threads(1);
  EXPECT_EQ(blas_threads(), 1) << backend;
  EXPECT_THROW(set_blas_threads(0), std::invalid_argument);
}

TEST_F(BlasThreads, EveryTaskRunsOnceOnAOneThreadBlasAndTheCountComesBack) {
  if (settable_backend()) set_blas_threads(2);
  const int before = blas_threads();
  std::vector<std::atomic<int>> runs(kTasks);
  std::vector<int> seen(kTasks, -1);
  run_tasks_on_serial_blas(kTasks, [&](int i) {
    ++runs[static_cast<size_t>(i)];
    seen[static_cast<size_t>(i)] = blas_threads();
  });
  for (int i = 0; i < kTasks; ++i) {
    EXPECT_EQ(runs[static_cast<size_t>(i)].load(), 1) << "task " << i;
    EXPECT_EQ(seen[static_cast<size_t>(i)], 1) << "BLAS threads inside task " << i;
  }
  EXPECT_EQ(blas_threads(), before);
  int none = 0;
  run_tasks_on_serial_blas(0, [&](int) { ++none; });
  EXPECT_EQ(none, 0);
}

// Task i: a product large enough for the BLAS to thread it (m n k well above
// OpenBLAS's 2.6e5) and LAPACK's SVD of a wide matrix (double-descent's 1-D
// fits; OpenBLAS threads its level-2 steps, whose sums then split), from the
// task's own stream.
Eigen::MatrixXd task_result(int i) {
  Rng rng(static_cast<std::uint64_t>(i + 1), "blas-threads-test");
  const Eigen::MatrixXd A = rng.normal_matrix(240, 160), B = rng.normal_matrix(160, 200), W = rng.normal_matrix(10, 3000);
  const ThinSvd svd = thin_svd(W);
  Eigen::MatrixXd out(240, 200 + 10 + 1);
  out.leftCols(200).noalias() = A * B;
  out.middleCols(200, 10) = svd.U.replicate(24, 1);
  out.col(210).setZero();
  out.col(210).head(10) = svd.s;
  return out;
}

TEST_F(BlasThreads, ATasksBitsAreThoseOfAOneThreadRunForAnyThreadCount) {
  // The independent computation: every task in order, the BLAS on one thread.
  set_blas_threads(1);
  std::vector<Eigen::MatrixXd> serial;
  for (int i = 0; i < kTasks; ++i) serial.push_back(task_result(i));
  if (settable_backend()) set_blas_threads(2);
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    std::vector<Eigen::MatrixXd> got(kTasks);
    run_tasks_on_serial_blas(kTasks, [&](int i) { got[static_cast<size_t>(i)] = task_result(i); });
    for (int i = 0; i < kTasks; ++i)
      EXPECT_TRUE(got[static_cast<size_t>(i)] == serial[static_cast<size_t>(i)])
          << "task " << i << " on " << threads << " threads: largest difference "
          << (got[static_cast<size_t>(i)] - serial[static_cast<size_t>(i)]).cwiseAbs().maxCoeff();
  }
}

TEST_F(BlasThreads, TheLowestFailingTaskIsRethrownAfterEveryTaskHasRun) {
  if (settable_backend()) set_blas_threads(2);
  const int before = blas_threads();
  std::atomic<int> finished{0};
  PRISM_EXPECT_THROW_WITH(run_tasks_on_serial_blas(kTasks,
                                                   [&](int i) {
                                                     ++finished;
                                                     if (i == 3 || i == 6)
                                                       throw std::runtime_error("task " + std::to_string(i) + " failed");
                                                   }),
                          std::runtime_error, "task 3 failed");
  EXPECT_EQ(finished.load(), kTasks) << "tasks after a failure still run";
  EXPECT_EQ(blas_threads(), before) << "the BLAS's thread count after a throw";
}

}  // namespace
}  // namespace prism::linalg
