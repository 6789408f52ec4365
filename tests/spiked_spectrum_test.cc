// The synthetic data of critical-batch (src/models/spiked_spectrum.h): the
// prescribed ratio beta / lambda_1 is exact, and the structured SGD
// (src/optim/sgd_spiked.h) follows sgd_kernel's trajectory on the dense Gram.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

// gtest first: <Eigen/Eigenvalues> under EIGEN_USE_LAPACKE includes C's <complex.h>.
#include <gtest/gtest.h>
#include <Eigen/Eigenvalues>

#include "src/core/rng.h"
#include "src/linalg/spectrum.h"
#include "src/models/spiked_spectrum.h"
#include "src/optim/sgd.h"
#include "src/optim/sgd_spiked.h"
#include "tests/support/tolerances.h"

namespace prism::models {
namespace {

using namespace ::prism::testing::tolerances;

constexpr double kExact = 1e-12;     // relative: rounding only
constexpr double kLanczos = 1e-9;    // relative: Lanczos' tolerance is 1e-10

struct Case {
  Eigen::Index n;
  double beta, ratio;
};

class SpikedRatio : public ::testing::TestWithParam<Case> {};

// Dense eigenvalues of the explicit features' H = X^T X / n: every point has
// norm sqrt(beta), beta / lambda_1 = R, the rest of the spectrum is b / n.
TEST_P(SpikedRatio, RatioIsExactOnTheExplicitFeatures) {
  const Case c = GetParam();
  const SpikedSpectrum s = spiked_spectrum(c.n, c.beta, c.ratio);
  const Eigen::MatrixXd X = s.features();
  ASSERT_EQ(X.rows(), c.n);
  ASSERT_EQ(X.cols(), c.n + 1);
  const Eigen::VectorXd norms = X.rowwise().squaredNorm();
  EXPECT_NEAR(norms.maxCoeff(), c.beta, kExact * c.beta);
  EXPECT_NEAR(norms.minCoeff(), c.beta, kExact * c.beta);  // all equal: beta = max_i ||x_i||^2 = K_ii

  const Eigen::MatrixXd H = X.transpose() * X / static_cast<double>(c.n);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(H, Eigen::EigenvaluesOnly);
  const Eigen::VectorXd ev = eig.eigenvalues();  // increasing; d = n + 1, so one is 0
  const double lambda_1 = ev(ev.size() - 1);
  EXPECT_NEAR(c.beta / lambda_1, c.ratio, kExact * c.ratio);
  EXPECT_NEAR(lambda_1, s.lambda_1(), kExact * lambda_1);
  EXPECT_NEAR(ev(ev.size() - 2), s.lambda_rest(), kExact * lambda_1);
  EXPECT_NEAR(ev(1), s.lambda_rest(), kExact * lambda_1);
  EXPECT_NEAR(ev(0), 0.0, kExact * lambda_1);
  EXPECT_NEAR(H.trace() / lambda_1, c.ratio, kExact * c.ratio);  // tr(H) = beta
}

// The library's Lanczos path (feature_curvature) and the O(n) Gram operator
// the claim measures with agree with the construction: m* = R + 1.
TEST_P(SpikedRatio, LanczosGivesMStarOfTheConstruction) {
  const Case c = GetParam();
  const SpikedSpectrum s = spiked_spectrum(c.n, c.beta, c.ratio);
  const linalg::Curvature features = linalg::feature_curvature(s.features());
  EXPECT_NEAR(features.m_star, c.ratio + 1, kLanczos * c.ratio);
  EXPECT_NEAR(features.trace_ratio, c.ratio, kLanczos * c.ratio);
  EXPECT_NEAR(features.beta, c.beta, kExact * c.beta);

  SpikedGramOp op(s, 1.0 / static_cast<double>(c.n));
  const linalg::Curvature gram = linalg::curvature_from_op(op, s.beta, s.beta);
  EXPECT_NEAR(gram.m_star, c.ratio + 1, kLanczos * c.ratio);
  EXPECT_LE(gram.lambda_1_residual, kLanczos * gram.lambda_1);

  // The operator is K = X X^T.
  const Eigen::MatrixXd K = s.features() * s.features().transpose();
  EXPECT_LE((K - s.gram()).cwiseAbs().maxCoeff(), kExact * c.beta);
  Rng rng(3, "spiked-op");
  const Eigen::VectorXd x = rng.normal_vector(c.n);
  Eigen::VectorXd y(c.n);
  SpikedGramOp unscaled(s);
  unscaled.perform_op(x.data(), y.data());
  EXPECT_LE((y - K * x).norm(), kExact * (K * x).norm());
}

INSTANTIATE_TEST_SUITE_P(Ratios, SpikedRatio,
                         ::testing::Values(Case{64, 1.0, 4}, Case{200, 1.0, 16}, Case{300, 1.0, 64},
                                           Case{257, 2.5, 64}, Case{100, 1.0, 100}, Case{50, 0.5, 1.0},
                                           Case{129, 1.0, 7.3}));

// At the claim's scale (n = 8192) the closed form is still exact to rounding;
// the dense check above covers the construction, this covers large n.
TEST(Spiked, ClaimScaleRatios) {
  for (double ratio : {4.0, 16.0, 64.0, 256.0}) {
    const SpikedSpectrum s = spiked_spectrum(8192, 1.0, ratio);
    EXPECT_NEAR(s.ratio(), ratio, kExact * ratio);
    SpikedGramOp op(s, 1.0 / 8192.0);
    EXPECT_NEAR(linalg::curvature_from_op(op, s.beta, s.beta).m_star, ratio + 1, kLanczos * ratio);
  }
}

TEST(Spiked, RejectsImpossibleRatios) {
  EXPECT_THROW(spiked_spectrum(10, 1.0, 11.0), std::invalid_argument);  // lambda_1 >= beta / n
  EXPECT_THROW(spiked_spectrum(10, 1.0, 0.5), std::invalid_argument);   // lambda_1 <= beta
  EXPECT_THROW(spiked_spectrum(1, 1.0, 1.0), std::invalid_argument);
  EXPECT_THROW(spiked_spectrum(10, 0.0, 2.0), std::invalid_argument);
}

// sgd_spiked_gram against sgd_kernel on the dense Gram, same batch stream:
// the same iterates up to rounding, the same stop step. Batches larger than
// n force repeated indices (merged into one weighted column in both).
void same_trajectory(Eigen::Index n, double ratio, Eigen::Index m, bool warm_start) {
  const SpikedSpectrum s = spiked_spectrum(n, 1.0, ratio);
  const Eigen::MatrixXd K = s.gram();
  Rng data(11, "spiked-sgd");
  Eigen::MatrixXd Y(n, 2);
  Y << data.normal_vector(n), data.normal_vector(n).cwiseAbs();
  optim::SgdOptions o;
  o.batch = m;
  o.step = optim::critical_step(m, s.beta, s.lambda_1());
  o.max_iterations = 100000;
  o.target_ratio = 1e-3;
  o.record_every = 7;
  Eigen::MatrixXd start = warm_start ? Eigen::MatrixXd(0.1 * data.normal_matrix(n, 2)) : Eigen::MatrixXd();

  Eigen::MatrixXd a_dense = start, a_spiked = start;
  Rng r1(5, "batches"), r2(5, "batches");
  const optim::SgdTrace dense = optim::sgd_kernel(K, Y, a_dense, o, r1);
  const optim::SgdTrace spiked = optim::sgd_spiked_gram(s, Y, a_spiked, o, r2);
  const std::string where = "n = " + std::to_string(n) + ", R = " + std::to_string(ratio) + ", m = " + std::to_string(m);
  ASSERT_TRUE(dense.reached_target()) << where;
  EXPECT_EQ(spiked.iterations_to_target, dense.iterations_to_target) << where;
  EXPECT_EQ(spiked.steps, dense.steps) << where;
  ASSERT_EQ(spiked.losses.size(), dense.losses.size()) << where;
  for (std::size_t t = 0; t < dense.losses.size(); ++t)
    EXPECT_NEAR(spiked.losses[t], dense.losses[t], kSameIterateTolerance * dense.initial_loss)
        << where << ", record " << t;
  EXPECT_LE((a_spiked - a_dense).norm(), kSameIterateTolerance * a_dense.norm()) << where;
  EXPECT_GT(dense.iterations_to_target, 10) << where;  // not a vacuous comparison
}

TEST(SpikedSgd, SameTrajectoryAsDenseKernelSgd) {
  for (Eigen::Index m : {1, 3, 16, 64, 300}) same_trajectory(200, 16, m, false);
  same_trajectory(150, 4, 8, true);
  same_trajectory(257, 64, 128, true);
}

// sgd_spiked_gram_expected_loss against two independent computations: the
// exact average over every batch sequence (small n, m, t: all n^(m t) index
// tuples are equally likely), and the Monte-Carlo mean of sgd_spiked_gram's
// own runs (within 4.5 standard errors).
optim::SgdOptions expected_loss_options(const SpikedSpectrum& s, Eigen::Index m, std::int64_t steps) {
  optim::SgdOptions o;
  o.batch = m;
  o.step = optim::critical_step(m, s.beta, s.lambda_1());
  o.max_iterations = steps;
  o.record_every = 1;
  return o;
}

// E[L(w_t)], t = 0 .. steps, by enumerating every sequence of batches.
std::vector<double> enumerated_expected_loss(const SpikedSpectrum& s, const Eigen::MatrixXd& Y, Eigen::Index m,
                                             double eta, int steps) {
  const Eigen::MatrixXd K = s.gram();
  const Eigen::Index n = s.n;
  std::vector<double> mean(static_cast<std::size_t>(steps) + 1, 0.0);
  const Eigen::Index draws = m * steps;
  Eigen::Index sequences = 1;
  for (Eigen::Index k = 0; k < draws; ++k) sequences *= n;
  std::vector<Eigen::Index> index(static_cast<std::size_t>(draws), 0);
  for (Eigen::Index q = 0; q < sequences; ++q) {
    Eigen::Index code = q;
    for (auto& i : index) i = code % n, code /= n;
    Eigen::MatrixXd r = -Y;
    mean[0] += r.squaredNorm() / (2.0 * n) / static_cast<double>(sequences);
    for (int t = 0; t < steps; ++t) {
      Eigen::MatrixXd Sr = Eigen::MatrixXd::Zero(n, Y.cols());
      for (Eigen::Index j = 0; j < m; ++j) {
        const Eigen::Index i = index[static_cast<std::size_t>(t * m + j)];
        Sr.row(i) += (eta / static_cast<double>(m)) * r.row(i);
      }
      r -= K * Sr;
      mean[static_cast<std::size_t>(t) + 1] += r.squaredNorm() / (2.0 * n) / static_cast<double>(sequences);
    }
  }
  return mean;
}

TEST(SpikedSgdExpectedLoss, EqualsTheAverageOverEveryBatchSequence) {
  struct Case { Eigen::Index n, m; double ratio; int steps; };
  for (const Case c : {Case{3, 1, 2.5, 4}, Case{3, 2, 2.5, 3}, Case{4, 3, 3.0, 2}, Case{5, 2, 4.0, 3}}) {
    const SpikedSpectrum s = spiked_spectrum(c.n, 1.0, c.ratio);
    const Eigen::MatrixXd Y = Rng(9, "targets").normal_matrix(c.n, 2);
    const optim::SgdOptions o = expected_loss_options(s, c.m, c.steps);
    const optim::SgdTrace e = optim::sgd_spiked_gram_expected_loss(s, Y, o);
    const std::vector<double> exact = enumerated_expected_loss(s, Y, c.m, o.step, c.steps);
    const std::string where = "n = " + std::to_string(c.n) + ", m = " + std::to_string(c.m);
    ASSERT_EQ(e.losses.size(), exact.size()) << where;
    for (std::size_t t = 0; t < exact.size(); ++t)
      EXPECT_NEAR(e.losses[t], exact[t], kExact * exact[0]) << where << ", t = " << t;
    EXPECT_LT(exact.back(), 0.9 * exact[0]) << where;  // the loss moved: not a vacuous comparison
  }
}

TEST(SpikedSgdExpectedLoss, MatchesTheMeanOfSgdSpikedGramRuns) {
  const SpikedSpectrum s = spiked_spectrum(40, 1.0, 16);
  const Eigen::MatrixXd Y = Rng(4, "targets").normal_matrix(40, 1);
  constexpr int kSteps = 60, kRuns = 4000;
  for (Eigen::Index m : {1, 4, 32}) {
    const optim::SgdOptions o = expected_loss_options(s, m, kSteps);
    const optim::SgdTrace e = optim::sgd_spiked_gram_expected_loss(s, Y, o);
    std::vector<double> sum(kSteps + 1, 0.0), sum_sq(kSteps + 1, 0.0);
    Rng batches(12, "batches-m" + std::to_string(m));
    for (int k = 0; k < kRuns; ++k) {
      Eigen::MatrixXd alpha;
      const optim::SgdTrace run = optim::sgd_spiked_gram(s, Y, alpha, o, batches);
      for (int t = 0; t <= kSteps; ++t) sum[t] += run.losses[t], sum_sq[t] += run.losses[t] * run.losses[t];
    }
    for (int t : {1, 10, 30, 60}) {
      const double mean = sum[t] / kRuns, se = std::sqrt((sum_sq[t] / kRuns - mean * mean) / (kRuns - 1));
      EXPECT_NEAR(mean, e.losses[static_cast<std::size_t>(t)], 4.5 * se)
          << "m = " << m << ", t = " << t << ": Monte-Carlo " << mean << " +- " << se << ", expected "
          << e.losses[static_cast<std::size_t>(t)];
    }
  }
}

TEST(SpikedSgdExpectedLoss, StopsAtTheFirstStepReachingTheTarget) {
  const SpikedSpectrum s = spiked_spectrum(300, 1.0, 16);
  const Eigen::MatrixXd Y = Rng(5, "targets").normal_matrix(300, 1);
  optim::SgdOptions o = expected_loss_options(s, 8, 100000);
  o.target_ratio = 1e-3;
  const optim::SgdTrace e = optim::sgd_spiked_gram_expected_loss(s, Y, o);
  ASSERT_TRUE(e.reached_target());
  ASSERT_GT(e.iterations_to_target, 10);
  ASSERT_EQ(e.losses.size(), static_cast<std::size_t>(e.iterations_to_target) + 1);
  EXPECT_LE(e.losses.back(), 1e-3 * e.initial_loss);
  EXPECT_GT(e.losses[e.losses.size() - 2], 1e-3 * e.initial_loss);
}

TEST(SpikedSgdExpectedLoss, RejectsBadInput) {
  const SpikedSpectrum s = spiked_spectrum(10, 1.0, 4);
  optim::SgdOptions o;
  o.max_iterations = 1;
  EXPECT_THROW(optim::sgd_spiked_gram_expected_loss(s, Eigen::MatrixXd::Ones(10, 1), o), std::invalid_argument);
  o.step = 1;
  EXPECT_THROW(optim::sgd_spiked_gram_expected_loss(s, Eigen::MatrixXd::Ones(9, 1), o), std::invalid_argument);
  o.batch = 0;
  EXPECT_THROW(optim::sgd_spiked_gram_expected_loss(s, Eigen::MatrixXd::Ones(10, 1), o), std::invalid_argument);
}

TEST(SpikedSgd, RejectsBadInput) {
  const SpikedSpectrum s = spiked_spectrum(10, 1.0, 4);
  Eigen::MatrixXd alpha;
  Rng rng(1);
  optim::SgdOptions o;
  o.max_iterations = 1;
  EXPECT_THROW(optim::sgd_spiked_gram(s, Eigen::MatrixXd::Ones(10, 1), alpha, o, rng), std::invalid_argument);
  o.step = 1;
  EXPECT_THROW(optim::sgd_spiked_gram(s, Eigen::MatrixXd::Ones(9, 1), alpha, o, rng), std::invalid_argument);
  Eigen::MatrixXd wrong = Eigen::MatrixXd::Zero(10, 2);
  EXPECT_THROW(optim::sgd_spiked_gram(s, Eigen::MatrixXd::Ones(10, 1), wrong, o, rng), std::invalid_argument);
}

}  // namespace
}  // namespace prism::models
