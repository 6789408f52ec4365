// Mini-batch SGD under docs/claims.md's conventions: the exact Thm 3 identity of
// Ma, Bassily, Belkin 2018, the kernel (sample-space) form against the feature
// form, and the doubled-step mistake.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

// gtest first: <Eigen/Eigenvalues> under EIGEN_USE_LAPACKE includes C's
// <complex.h>, whose macro `I` breaks gtest's templates.
#include <gtest/gtest.h>
#include <Eigen/Eigenvalues>

#include "src/core/rng.h"
#include "src/linalg/kernels.h"
#include "src/optim/sgd.h"
#include "tests/support/tolerances.h"

namespace prism::optim {
namespace {

using namespace ::prism::testing::tolerances;

struct MonteCarlo {
  double mean = 0;
  double standard_error = 0;
};

MonteCarlo summarise(const std::vector<double>& samples) {
  double sum = 0, sum_sq = 0;
  for (double s : samples) sum += s;
  const double mean = sum / samples.size();
  for (double s : samples) sum_sq += (s - mean) * (s - mean);
  return {mean, std::sqrt(sum_sq / (samples.size() - 1) / samples.size())};
}

// Thm 3 with orthogonal x_i = sqrt(beta) e_i, n = d: H = (beta / n) I, so every
// direction has lambda = beta / n and E||w_t - w*||^2 = g^t ||w_0 - w*||^2 exactly with
// g = (1 - eta lambda)^2 + (eta^2 lambda / m)(beta - lambda).
void check_theorem3(Eigen::Index m) {
  const Eigen::Index n = 8;
  const double beta = 2.0;
  const double lambda = beta / n;
  const double eta = critical_step(m, beta, lambda);
  const double g = std::pow(1 - eta * lambda, 2) + (eta * eta * lambda / m) * (beta - lambda);
  const double g_without_noise = std::pow(1 - eta * lambda, 2);  // full-batch GD's factor: must be rejected

  const Eigen::MatrixXd X = std::sqrt(beta) * Eigen::MatrixXd::Identity(n, n);
  Rng rng(2018, "thm3-problem");
  const Eigen::VectorXd w_star = rng.normal_vector(n);  // uneven, so the test sees which coordinates move
  const Eigen::VectorXd y = X * w_star;
  const double e0 = w_star.squaredNorm();

  constexpr int kRuns = 200000;
  constexpr int kLaterT = 10;
  std::vector<double> at_1(kRuns), at_later(kRuns);
  Rng batches(3, "thm3-batches-m" + std::to_string(m));
  SgdOptions options;
  options.batch = m;
  options.step = eta;
  for (int run = 0; run < kRuns; ++run) {
    Eigen::VectorXd w = Eigen::VectorXd::Zero(n);
    options.max_iterations = 1;
    sgd_least_squares(X, y, w, options, batches);
    at_1[run] = (w - w_star).squaredNorm() / e0;
    options.max_iterations = kLaterT - 1;  // resuming from w_1 with the same stream is the same run
    sgd_least_squares(X, y, w, options, batches);
    at_later[run] = (w - w_star).squaredNorm() / e0;
  }
  for (auto [t, samples] : {std::pair<int, const std::vector<double>*>{1, &at_1}, {kLaterT, &at_later}}) {
    const MonteCarlo mc = summarise(*samples);
    const double expected = std::pow(g, t);
    EXPECT_LE(std::abs(mc.mean - expected), kStandardErrors * mc.standard_error)
        << "m = " << m << ", t = " << t << ": expected g^t = " << expected << ", Monte Carlo mean " << mc.mean
        << " +- " << mc.standard_error;
    // The same test rejects the factor without the SGD noise term: it has power.
    EXPECT_GT(std::abs(mc.mean - std::pow(g_without_noise, t)), kStandardErrors * mc.standard_error)
        << "m = " << m << ", t = " << t;
  }
}

TEST(Sgd, Theorem3IdentityBatchOne) { check_theorem3(1); }
TEST(Sgd, Theorem3IdentityBatchFour) { check_theorem3(4); }

TEST(Sgd, CriticalStep) {
  EXPECT_DOUBLE_EQ(critical_step(1, 2.0, 0.5), 0.5);                     // 1 / beta
  EXPECT_DOUBLE_EQ(critical_step(4, 2.0, 0.5), 4.0 / 3.5);
  EXPECT_NEAR(critical_step(1 << 30, 2.0, 0.5), 2.0, 1e-8);              // -> 1 / lambda_1
  EXPECT_DOUBLE_EQ(critical_batch_size(1.0, 0.125), 9.0);
  EXPECT_THROW(critical_step(0, 1.0, 0.1), std::invalid_argument);
  EXPECT_THROW(critical_step(2, 1.0, 2.0), std::invalid_argument);
}

struct KernelProblem {
  Eigen::MatrixXd K;
  Eigen::MatrixXd features;  // K^(1/2), symmetric: its rows are the features
  Eigen::VectorXd y;
};

KernelProblem kernel_problem(Eigen::Index n, double bandwidth, std::uint64_t seed, bool with_features = true) {
  Rng rng(seed, "sgd-kernel-problem");
  Eigen::MatrixXd X(n, 5);
  for (Eigen::Index j = 0; j < X.cols(); ++j)
    for (Eigen::Index i = 0; i < n; ++i) X(i, j) = rng.uniform();
  KernelProblem p;
  p.K = linalg::kernel_matrix(linalg::Kernel::Gaussian(bandwidth), X);
  p.y = rng.normal_vector(n);
  if (with_features) {
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(p.K);
    const Eigen::VectorXd root = eig.eigenvalues().cwiseMax(0.0).cwiseSqrt();
    p.features = eig.eigenvectors() * root.asDiagonal() * eig.eigenvectors().transpose();
  }
  return p;
}

TEST(Sgd, KernelFormEqualsFeatureForm) {
  const KernelProblem p = kernel_problem(40, 0.3, 41);
  const Eigen::Index n = p.K.rows();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(p.K / static_cast<double>(n), Eigen::EigenvaluesOnly);
  SgdOptions options;
  options.batch = 3;
  options.step = critical_step(3, 1.0, eig.eigenvalues().maxCoeff());
  options.max_iterations = 60;
  options.record_every = 1;

  Eigen::MatrixXd alpha;  // empty: start at 0
  Rng kernel_rng(7, "same-batches");
  const SgdTrace kernel_trace = sgd_kernel(p.K, p.y, alpha, options, kernel_rng);
  Eigen::VectorXd w;
  Rng feature_rng(7, "same-batches");
  const SgdTrace feature_trace = sgd_least_squares(p.features, p.y, w, options, feature_rng);

  ASSERT_EQ(kernel_trace.losses.size(), feature_trace.losses.size());
  for (std::size_t t = 0; t < kernel_trace.losses.size(); ++t)
    EXPECT_NEAR(kernel_trace.losses[t], feature_trace.losses[t], kSameIterateTolerance * feature_trace.losses[0])
        << "loss at step " << t;
  // w = K^(1/2) alpha, and the loss did move (the comparison is not vacuous).
  EXPECT_LE((p.features * alpha - w).norm(), kSameIterateTolerance * w.norm());
  EXPECT_LT(kernel_trace.final_loss, 0.5 * kernel_trace.initial_loss);
}

TEST(Sgd, KernelRunResumesExactly) {
  const KernelProblem p = kernel_problem(30, 0.7, 42);
  SgdOptions options;
  options.batch = 4;
  options.step = 1.0;
  options.max_iterations = 25;
  Eigen::MatrixXd Y(30, 2);
  Y << p.y, p.y.reverse();  // two outputs, losses summed

  Eigen::MatrixXd whole;
  Rng rng_whole(9, "resume");
  const SgdTrace one_go = sgd_kernel(p.K, Y, whole, options, rng_whole);

  Eigen::MatrixXd split;
  Rng rng_split(9, "resume");
  options.max_iterations = 10;
  sgd_kernel(p.K, Y, split, options, rng_split);
  options.max_iterations = 15;
  const SgdTrace second = sgd_kernel(p.K, Y, split, options, rng_split);  // starts from alpha != 0
  EXPECT_LE((whole - split).norm(), kSameIterateTolerance * whole.norm());
  EXPECT_NEAR(second.final_loss, one_go.final_loss, kSameIterateTolerance * one_go.initial_loss);
}

TEST(Sgd, DeterministicGivenSeed) {
  const KernelProblem p = kernel_problem(30, 0.7, 43);
  SgdOptions options;
  options.batch = 2;
  options.step = 1.0;
  options.max_iterations = 50;
  options.record_every = 5;
  auto run = [&](std::uint64_t seed) {
    Eigen::MatrixXd alpha;
    Rng rng(seed, "determinism");
    return sgd_kernel(p.K, p.y, alpha, options, rng).losses;
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
}

// sgd_kernel on K in double, or on its float32 copy (the form critical-batch
// runs at n = 10^4): the same contract, the same tests.
enum class KernelPrecision { kDouble, kFloat };

std::string precision_name(const ::testing::TestParamInfo<KernelPrecision>& info) {
  return info.param == KernelPrecision::kDouble ? "Double" : "Float";
}

class SgdKernelPrecision : public ::testing::TestWithParam<KernelPrecision> {
 protected:
  SgdTrace run(const Eigen::MatrixXd& K, const Eigen::MatrixXd& Y, Eigen::MatrixXd& alpha, const SgdOptions& options,
               Rng& rng) {
    if (GetParam() == KernelPrecision::kDouble) return sgd_kernel(K, Y, alpha, options, rng);
    const Eigen::MatrixXf K32 = K.cast<float>();
    return sgd_kernel(K32, Y, alpha, options, rng);
  }
  // The matrix the iteration runs on, in double: K itself, or its float copy.
  Eigen::MatrixXd effective(const Eigen::MatrixXd& K) {
    return GetParam() == KernelPrecision::kDouble ? K : Eigen::MatrixXd(K.cast<float>().cast<double>());
  }
  // r against K alpha - Y afresh, relative to L(w0): rounding of the double
  // update, or float rounding of each group's sum of <= 8 products (unit
  // roundoff 6e-8 times the few terms, over the steps taken) for the float copy.
  double residual_tolerance() const {
    return GetParam() == KernelPrecision::kDouble ? kSameIterateTolerance : kFloatKernelUpdateTolerance;
  }
};

// Large steps (n m >= 2^20) split the update over row ranges; the iterates
// must not depend on the thread count, to the bit.
TEST_P(SgdKernelPrecision, ThreadCountDoesNotChangeTheBits) {
  const KernelProblem p = kernel_problem(1001, 0.3, 46, /*with_features=*/false);  // n not a multiple of 8
  Eigen::MatrixXd Y(1001, 2);
  Y << p.y, p.y.cwiseAbs();
  SgdOptions options;
  options.batch = 2048;
  options.step = 1.0;
  options.max_iterations = 5;
  options.record_every = 1;
  auto losses = [&](int threads, Eigen::MatrixXd& alpha) {
    options.threads = threads;
    Rng rng(8, "threads");
    return run(p.K, Y, alpha, options, rng).losses;
  };
  Eigen::MatrixXd one, two, three;
  const auto expected = losses(1, one);
  EXPECT_EQ(losses(2, two), expected);
  EXPECT_EQ(losses(3, three), expected);
  EXPECT_TRUE(one == two) << "alpha differs between 1 and 2 threads";
  EXPECT_TRUE(one == three) << "alpha differs between 1 and 3 threads";
}

// The residual kept up to date step by step (column groups per pass, rows
// split over threads) must equal K alpha - Y formed afresh: n = 1003 (not a
// multiple of 8), c = 14 outputs, batches of 300 (not a multiple of 4 or 8).
TEST_P(SgdKernelPrecision, ResidualMatchesAFreshProduct) {
  const KernelProblem p = kernel_problem(1003, 0.3, 47, /*with_features=*/false);
  Rng targets(3, "targets");
  // Targets in the range of K (smooth in x), so a few steps visibly lower the loss.
  const Eigen::MatrixXd Y = p.K * targets.normal_matrix(1003, 14) / 1003.0;
  const Eigen::MatrixXd K = effective(p.K);
  for (int threads : {1, 2}) {
    SgdOptions options;
    options.batch = 300;
    options.step = 1.0;
    options.max_iterations = 6;
    options.threads = threads;
    Eigen::MatrixXd alpha;
    Rng rng(10, "fresh-product");
    const SgdTrace trace = run(p.K, Y, alpha, options, rng);
    const double fresh = (K * alpha - Y).squaredNorm() / (2.0 * 1003);
    EXPECT_NEAR(trace.final_loss, fresh, residual_tolerance() * trace.initial_loss) << threads << " thread(s)";
    EXPECT_LT(trace.final_loss, 0.9 * trace.initial_loss) << "the loss did not move: the comparison is vacuous";
  }
}

// A start alpha != 0 enters through K alpha (in double panels for the float copy).
TEST_P(SgdKernelPrecision, StartsFromTheGivenAlpha) {
  const KernelProblem p = kernel_problem(300, 0.3, 48, /*with_features=*/false);
  Rng start(4, "start");
  Eigen::MatrixXd alpha = start.normal_matrix(300, 3);
  const Eigen::MatrixXd Y = start.normal_matrix(300, 3);
  const double expected = (effective(p.K) * alpha - Y).squaredNorm() / 600.0;
  SgdOptions options;
  options.step = 1.0;
  options.max_iterations = 1;
  Rng rng(11, "start");
  EXPECT_NEAR(run(p.K, Y, alpha, options, rng).initial_loss, expected, kSameIterateTolerance * expected);
}

INSTANTIATE_TEST_SUITE_P(Sgd, SgdKernelPrecision,
                         ::testing::Values(KernelPrecision::kDouble, KernelPrecision::kFloat), precision_name);

// The float copy changes K by one rounding per entry: run to 1e-3 L(w0) as
// critical-batch does, the float run's iteration count and iterate stay where
// the double run's are (n = 500, c = 10, m = 1, 64, 500).
TEST(Sgd, FloatCopyFollowsTheDoubleIteration) {
  const KernelProblem p = kernel_problem(500, 0.3, 49, /*with_features=*/false);
  Rng targets(5, "float-copy");
  // Targets in the range of K, so 1e-3 L(w0) is reached in a test's time.
  const Eigen::MatrixXd Y = p.K * targets.normal_matrix(500, 10) / 500.0;
  const Eigen::MatrixXf K32 = p.K.cast<float>();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(p.K / 500.0, Eigen::EigenvaluesOnly);
  for (Eigen::Index m : {1, 64, 500}) {
    SgdOptions options;
    options.batch = m;
    options.step = critical_step(m, 1.0, eig.eigenvalues().maxCoeff());
    options.max_iterations = 2000000;
    options.target_ratio = 1e-3;
    options.threads = 2;
    Eigen::MatrixXd alpha64, alpha32;
    Rng rng64(12, "float-copy"), rng32(12, "float-copy");
    const SgdTrace t64 = sgd_kernel(p.K, Y, alpha64, options, rng64);
    const SgdTrace t32 = sgd_kernel(K32, Y, alpha32, options, rng32);
    ASSERT_TRUE(t64.reached_target() && t32.reached_target()) << "m = " << m;
    EXPECT_LE(std::abs(t32.iterations_to_target - t64.iterations_to_target), kFloatKernelIterationSlack)
        << "m = " << m << ": double " << t64.iterations_to_target << ", float " << t32.iterations_to_target;
    EXPECT_LE((alpha32 - alpha64).norm(), kFloatKernelIterateTolerance * alpha64.norm())
        << "m = " << m << ": relative difference " << (alpha32 - alpha64).norm() / alpha64.norm();
  }
}

// docs/claims.md: with L = ||r||^2 / n instead of / (2n) but eta = 1/beta kept, the
// step is doubled; every K_ii = beta, so each step maps r_i to -r_i: a
// reflection of w - w*, whose length never shrinks, and the loss stalls.
TEST(Sgd, DoubledStepStallsOnAKernel) {
  const KernelProblem p = kernel_problem(100, 0.3, 44);
  const double beta = p.K.diagonal().maxCoeff();
  ASSERT_EQ(beta, 1.0);
  SgdOptions options;
  options.batch = 1;
  options.max_iterations = 6000;
  options.record_every = 100;

  options.step = 1.0 / beta;
  Eigen::MatrixXd alpha;
  Rng rng_right(5, "doubled-step");
  const SgdTrace right = sgd_kernel(p.K, p.y, alpha, options, rng_right);
  EXPECT_LE(right.final_loss, 0.01 * right.initial_loss)
      << "eta = 1/beta: expected the loss to fall 100x in " << options.max_iterations << " steps";

  options.step = 2.0 / beta;
  Eigen::MatrixXd alpha_doubled;
  Rng rng_doubled(5, "doubled-step");
  const SgdTrace doubled = sgd_kernel(p.K, p.y, alpha_doubled, options, rng_doubled);
  const double lowest = *std::min_element(doubled.losses.begin(), doubled.losses.end());
  EXPECT_GT(lowest, 0.1 * doubled.initial_loss)
      << "eta = 2/beta: expected the loss never to fall 10x; lowest recorded " << lowest << " from "
      << doubled.initial_loss;
}

TEST(Sgd, StopsAtTargetAndCountsIterations) {
  const KernelProblem p = kernel_problem(50, 0.7, 45);
  SgdOptions options;
  options.batch = 2;
  options.step = critical_step(2, 1.0, 0.5);
  options.max_iterations = 100000;
  options.target_ratio = 1e-2;
  Eigen::MatrixXd alpha;
  Rng rng(6, "target");
  const SgdTrace trace = sgd_kernel(p.K, p.y, alpha, options, rng);
  ASSERT_TRUE(trace.reached_target());
  EXPECT_EQ(trace.iterations, trace.iterations_to_target);
  EXPECT_LE(trace.final_loss, 1e-2 * trace.initial_loss);
  EXPECT_EQ(trace.steps.back(), trace.iterations_to_target);
  EXPECT_EQ(trace.losses.back(), trace.final_loss);
  // One step earlier the target was not met: rerun to t - 1 with the same stream.
  options.target_ratio = 0;
  options.max_iterations = trace.iterations_to_target - 1;
  Eigen::MatrixXd alpha_before;
  Rng rng_before(6, "target");
  const SgdTrace before = sgd_kernel(p.K, p.y, alpha_before, options, rng_before);
  EXPECT_GT(before.final_loss, 1e-2 * before.initial_loss);
}

TEST(Gd, ConvergesMonotonicallyOnOverparameterisedLeastSquares) {
  Rng rng(51, "gd");
  const Eigen::MatrixXd X = rng.normal_matrix(30, 100);
  const Eigen::VectorXd y = rng.normal_vector(30);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(X.transpose() * X / 30.0, Eigen::EigenvaluesOnly);
  GdOptions options;
  options.step = 1.0 / eig.eigenvalues().maxCoeff();
  options.max_iterations = 20000;
  options.target_ratio = 1e-10;
  options.record_every = 1;
  Eigen::VectorXd w;
  const SgdTrace trace = gd_least_squares(X, y, w, options);
  ASSERT_TRUE(trace.reached_target()) << "final loss ratio " << trace.final_loss / trace.initial_loss;
  for (std::size_t t = 1; t < trace.losses.size(); ++t)
    EXPECT_LE(trace.losses[t], trace.losses[t - 1]) << "step " << t;
  EXPECT_LE((X * w - y).squaredNorm() / 60.0, 1e-10 * trace.initial_loss);
}

TEST(Sgd, RejectsBadOptions) {
  const Eigen::MatrixXd X = Eigen::MatrixXd::Identity(4, 4);
  const Eigen::VectorXd y = Eigen::VectorXd::Ones(4);
  Eigen::VectorXd w;
  Rng rng(1);
  SgdOptions options;
  options.max_iterations = 1;
  EXPECT_THROW(sgd_least_squares(X, y, w, options, rng), std::invalid_argument);  // step 0
  options.step = 1;
  options.batch = 0;
  EXPECT_THROW(sgd_least_squares(X, y, w, options, rng), std::invalid_argument);
  options.batch = 1;
  EXPECT_THROW(sgd_least_squares(X, Eigen::VectorXd::Ones(3), w, options, rng), std::invalid_argument);
  Eigen::MatrixXd alpha = Eigen::MatrixXd::Zero(3, 1);
  EXPECT_THROW(sgd_kernel(X, y, alpha, options, rng), std::invalid_argument);
  Eigen::MatrixXd empty;
  options.threads = 0;
  EXPECT_THROW(sgd_kernel(X, y, empty, options, rng), std::invalid_argument);
}

}  // namespace
}  // namespace prism::optim
