// The erf network of pl-star (src/models/erf_network.h) against independent
// computations: the tangent kernel against the explicit Jacobian product, the
// gradient against J^T r / n and finite differences, the infinite-width kernel
// against a Monte-Carlo mean over independent neurons, the Hessian bound
// against a dense central-difference Hessian, and the matrix-Chernoff width.
#include "src/models/erf_network.h"

#include <cmath>

#include <Eigen/Eigenvalues>
#include <gtest/gtest.h>

#include "src/core/rng.h"

namespace prism::models {
namespace {

constexpr int kN = 64, kD = 16;

struct Problem {
  Eigen::MatrixXd X, W;
  Eigen::VectorXd v, y;
};

Problem problem(int m, std::uint64_t seed) {
  Rng rng(seed, "erf-network-test");
  Problem p;
  p.X = uniform_sphere_rows(kN, kD, rng);
  p.W = rng.normal_matrix(m, kD);
  p.v.resize(m);
  for (int j = 0; j < m; ++j) p.v(j) = rng.uniform() < 0.5 ? -1.0 : 1.0;
  p.y = rng.normal_vector(kN);
  return p;
}

double loss(const Problem& p, const Eigen::MatrixXd& W) {
  return (erf_forward(p.X, W, p.v).F - p.y).squaredNorm() / (2.0 * kN);
}

TEST(ErfNetwork, SphereRowsHaveUnitNorm) {
  Rng rng(3, "sphere");
  const Eigen::MatrixXd X = uniform_sphere_rows(kN, kD, rng);
  for (int i = 0; i < kN; ++i) EXPECT_NEAR(X.row(i).norm(), 1.0, 1e-15);
}

TEST(ErfNetwork, OutputsMatchTheDefinition) {
  const Problem p = problem(5, 1);
  const ErfForward f = erf_forward(p.X, p.W, p.v);
  for (int i = 0; i < kN; ++i) {
    double s = 0;
    for (int j = 0; j < 5; ++j) s += p.v(j) * std::erf(p.X.row(i).dot(p.W.row(j)));
    EXPECT_NEAR(f.F(i), s / std::sqrt(5.0), 1e-14);
  }
}

TEST(ErfNetwork, TangentKernelEqualsTheJacobianProduct) {
  const Problem p = problem(3, 2);
  const ErfForward f = erf_forward(p.X, p.W, p.v);
  const Eigen::MatrixXd J = erf_jacobian(p.X, p.W, p.v);
  ASSERT_EQ(J.cols(), 3 * kD);
  const Eigen::MatrixXd K = erf_tangent_kernel(p.X, f.S);
  EXPECT_LE((K - J * J.transpose()).cwiseAbs().maxCoeff(), 1e-12);
  // M = 48 < n = 64: rank <= M, so lambda_min = 0 to rounding.
  const Eigen::VectorXd ev = symmetric_eigenvalues(K);
  EXPECT_LE(std::abs(ev(0)) / ev(kN - 1), 1e-12);
}

TEST(ErfNetwork, GradientIsJacobianTransposeResidualAndMatchesDifferences) {
  const Problem p = problem(4, 3);
  const ErfForward f = erf_forward(p.X, p.W, p.v);
  const Eigen::VectorXd r = f.F - p.y;
  const Eigen::MatrixXd G = erf_loss_gradient(p.X, f.S, p.v, r);
  const Eigen::VectorXd g = erf_jacobian(p.X, p.W, p.v).transpose() * r / kN;
  for (int j = 0; j < 4; ++j)
    for (int k = 0; k < kD; ++k) {
      EXPECT_NEAR(G(j, k), g(j * kD + k), 1e-14);
      Eigen::MatrixXd Wp = p.W, Wm = p.W;
      Wp(j, k) += 1e-6;
      Wm(j, k) -= 1e-6;
      EXPECT_NEAR(G(j, k), (loss(p, Wp) - loss(p, Wm)) / 2e-6, 1e-8);
    }
}

// Monte-Carlo mean of (x_i.x_l) erf'(w.x_i) erf'(w.x_l) over independent
// neurons w ~ N(0, I): every one of the n(n+1)/2 = 2080 distinct entries of
// Kinf within 5 standard errors (4 would fail ~13 % of the time by multiplicity).
TEST(ErfNetwork, InfiniteWidthKernelMatchesMonteCarlo) {
  constexpr int kNeurons = 1000000, kChunk = 50000;
  Rng rng(4, "erf-kinf");
  const Eigen::MatrixXd X = uniform_sphere_rows(kN, kD, rng);
  Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(kN, kN), sum2 = Eigen::MatrixXd::Zero(kN, kN);
  for (int c = 0; c < kNeurons / kChunk; ++c) {
    const Eigen::MatrixXd W = rng.normal_matrix(kChunk, kD);
    const ErfForward f = erf_forward(X, W, Eigen::VectorXd::Ones(kChunk));
    const Eigen::MatrixXd S2 = f.S.array().square().matrix();
    sum.selfadjointView<Eigen::Lower>().rankUpdate(f.S);
    sum2.selfadjointView<Eigen::Lower>().rankUpdate(S2);
  }
  const Eigen::MatrixXd G = X * X.transpose();
  const Eigen::MatrixXd Kinf = erf_infinite_width_kernel(X);
  double worst = 0;
  int entries = 0;
  for (int l = 0; l < kN; ++l)
    for (int i = l; i < kN; ++i) {
      const double mean = sum(i, l) / kNeurons;
      const double var = sum2(i, l) / kNeurons - mean * mean;
      const double se = std::abs(G(i, l)) * std::sqrt(var / kNeurons);
      const double z = (G(i, l) * mean - Kinf(i, l)) / se;
      worst = std::max(worst, std::abs(z));
      ++entries;
      EXPECT_LE(std::abs(z), 5.0) << "entry (" << i << ", " << l << "): MC " << G(i, l) * mean << ", closed form "
                                  << Kinf(i, l);
    }
  EXPECT_EQ(entries, 2080);
  RecordProperty("max_abs_z", std::to_string(worst));
  // Kinf is symmetric positive definite (unit inputs in general position).
  EXPECT_GT(symmetric_eigenvalues(Kinf)(0), 0.0);
}

// Hess L = (J^T J + blockdiag(B_j)) / n against central differences of the
// exact gradient at m = 8 (M = 128), and beta0 >= ||Hess L(w0)||.
TEST(ErfNetwork, HessianBoundBoundsTheCentralDifferenceHessian) {
  constexpr int m = 8, M = m * kD;
  constexpr double h = 1e-5;
  const Problem p = problem(m, 5);
  const auto grad_flat = [&](const Eigen::MatrixXd& W) {
    const ErfForward f = erf_forward(p.X, W, p.v);
    const Eigen::MatrixXd G = erf_loss_gradient(p.X, f.S, p.v, f.F - p.y);
    Eigen::VectorXd g(M);
    for (int j = 0; j < m; ++j)
      for (int k = 0; k < kD; ++k) g(j * kD + k) = G(j, k);
    return g;
  };
  Eigen::MatrixXd H(M, M);
  for (int c = 0; c < M; ++c) {
    Eigen::MatrixXd Wp = p.W, Wm = p.W;
    Wp(c / kD, c % kD) += h;
    Wm(c / kD, c % kD) -= h;
    H.col(c) = (grad_flat(Wp) - grad_flat(Wm)) / (2 * h);
  }
  H = (0.5 * (H + H.transpose())).eval();
  const double hess_norm = symmetric_eigenvalues(H).cwiseAbs().maxCoeff();

  // The exact Hessian from its formula: J^T J plus the per-neuron blocks.
  const ErfForward f = erf_forward(p.X, p.W, p.v);
  const Eigen::VectorXd r = f.F - p.y;
  const Eigen::MatrixXd J = erf_jacobian(p.X, p.W, p.v);
  Eigen::MatrixXd exact = J.transpose() * J;
  double block_max = 0;
  for (int j = 0; j < m; ++j) {
    Eigen::VectorXd c(kN);
    for (int i = 0; i < kN; ++i) c(i) = r(i) * erf_second_derivative(f.Z(i, j));
    const Eigen::MatrixXd B = p.v(j) / std::sqrt(double(m)) * p.X.transpose() * c.asDiagonal() * p.X;
    exact.block(j * kD, j * kD, kD, kD) += B;
    block_max = std::max(block_max, symmetric_eigenvalues(B).cwiseAbs().maxCoeff());
  }
  exact /= kN;
  EXPECT_LE((exact - H).cwiseAbs().maxCoeff(), 1e-8 * exact.cwiseAbs().maxCoeff());

  const ErfHessianBound b = erf_hessian_bound(p.X, f, p.v, p.y);
  EXPECT_NEAR(b.max_block_norm, block_max, 1e-12 * block_max);
  EXPECT_LE(hess_norm, b.beta);
  EXPECT_GT(hess_norm, 0.3 * b.beta);  // the bound is not vacuous
  RecordProperty("hess_norm", std::to_string(hess_norm));
  RecordProperty("beta0", std::to_string(b.beta));
}

TEST(ErfNetwork, ChernoffWidthMakesBothTailsAtMostP) {
  const double lam = 0.08, r1 = 11.5, p = 1e-3;
  for (double delta : {0.25, 0.5}) {
    const ChernoffWidth c = matrix_chernoff(1.0, lam, r1, kN, delta, p);
    const ChernoffWidth at = matrix_chernoff(c.m0, lam, r1, kN, delta, p);
    EXPECT_LE(at.lower_tail, p * (1 + 1e-12));
    EXPECT_LE(at.upper_tail, p * (1 + 1e-12));
    EXPECT_NEAR(std::max(at.lower_tail, at.upper_tail), p, 1e-12);  // m0 is the smallest such width
    const double h = delta + (1 - delta) * std::log(1 - delta);
    EXPECT_NEAR(at.lower_tail, kN * std::exp(-c.m0 * lam / r1 * h), 1e-15);
  }
  // docs/claims.md: m0(0.5) ~ 1e4 for lam_inf ~ 0.08 and ||X X^T|| ~ 9.
  EXPECT_GT(matrix_chernoff(1.0, lam, r1, kN, 0.5, p).m0, 8e3);
  EXPECT_LT(matrix_chernoff(1.0, lam, r1, kN, 0.5, p).m0, 1.2e4);
}

TEST(ErfNetwork, GradientDescentDecreasesTheLossAtStepOneOverBeta) {
  const Problem p = problem(64, 6);
  const ErfForward f = erf_forward(p.X, p.W, p.v);
  ErfGdOptions o;
  o.eta = 1.0 / erf_hessian_bound(p.X, f, p.v, p.y).beta;
  o.max_steps = 300;
  o.stop_ratio = 0;
  const ErfGdTrace tr = erf_gradient_descent(p.X, p.y, p.W, p.v, o);
  ASSERT_EQ(tr.loss.size(), 301u);
  EXPECT_EQ(tr.stop, 300);
  for (size_t t = 1; t < tr.loss.size(); ++t) EXPECT_LT(tr.loss[t], tr.loss[t - 1]) << "t = " << t;
  EXPECT_NEAR(tr.eta_beta.front(), 1.0, 1e-12);
  ASSERT_EQ(tr.kernel_t.size(), 31u);
  ASSERT_EQ(tr.beta_t.size(), 4u);
  EXPECT_NEAR(tr.loss.front(), (f.F - p.y).squaredNorm() / (2.0 * kN), 1e-15);
  EXPECT_LE((tr.K0 - erf_tangent_kernel(p.X, f.S)).cwiseAbs().maxCoeff(), 1e-15);
  // K_T and W_T are taken at the stop (here max_steps), the last iterate.
  EXPECT_EQ((tr.WT - tr.W).cwiseAbs().maxCoeff(), 0.0);
  const ErfForward fT = erf_forward(p.X, tr.WT, p.v);
  EXPECT_LE((tr.KT - erf_tangent_kernel(p.X, fT.S)).cwiseAbs().maxCoeff(), 1e-15);
  EXPECT_NEAR(tr.loss.back(), (fT.F - p.y).squaredNorm() / (2.0 * kN), 1e-15);
}

TEST(ErfNetwork, GradientDescentStopsAtTheRatioAndKeepsItsKernel) {
  const Problem p = problem(256, 7);
  ErfGdOptions o;
  o.eta = 1.0 / erf_hessian_bound(p.X, erf_forward(p.X, p.W, p.v), p.v, p.y).beta;
  o.stop_ratio = 1e-2;
  o.min_steps = 200;
  const ErfGdTrace tr = erf_gradient_descent(p.X, p.y, p.W, p.v, o);
  ASSERT_LT(tr.stop, 200);  // stops early, runs on to min_steps
  EXPECT_EQ(tr.loss.size(), 201u);
  EXPECT_LE(tr.loss[tr.stop], 1e-2 * tr.loss[0]);
  EXPECT_GT(tr.loss[tr.stop - 1], 1e-2 * tr.loss[0]);
  const ErfForward fT = erf_forward(p.X, tr.WT, p.v);
  EXPECT_NEAR((fT.F - p.y).squaredNorm() / (2.0 * kN), tr.loss[tr.stop], 1e-15);
  EXPECT_LE((tr.KT - erf_tangent_kernel(p.X, fT.S)).cwiseAbs().maxCoeff(), 1e-15);
}

}  // namespace
}  // namespace prism::models
