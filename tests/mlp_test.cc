// The MLP's gradient against central finite differences, and momentum SGD
// fitting a small separable problem.
#include "src/models/mlp.h"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace prism::models {
namespace {

constexpr double kGradientRelativeError = 1e-6;  // the spec's bound; central differences at h = 1e-5 give ~1e-9

TEST(Mlp, GradientMatchesCentralDifferences) {
  Rng rng(1, "mlp-test");
  const Mlp net(6, 5, 3);
  const Eigen::VectorXd theta = net.he_normal(rng) + 0.1 * rng.normal_vector(net.num_parameters());  // nonzero biases
  const Eigen::MatrixXd X = rng.normal_matrix(7, 6);
  Eigen::VectorXi y(7);
  for (int i = 0; i < 7; ++i) y(i) = i % 3;
  Eigen::VectorXd g;
  net.loss(theta, X, y, &g);
  ASSERT_EQ(g.size(), net.num_parameters());
  const double h = 1e-5;
  Eigen::VectorXd fd(g.size());
  for (Eigen::Index j = 0; j < g.size(); ++j) {
    Eigen::VectorXd plus = theta, minus = theta;
    plus(j) += h, minus(j) -= h;
    fd(j) = (net.loss(plus, X, y) - net.loss(minus, X, y)) / (2 * h);
  }
  const double relative = (g - fd).norm() / fd.norm();
  EXPECT_LE(relative, kGradientRelativeError) << "expected the analytic gradient within " << kGradientRelativeError
                                              << " of central differences, got relative error " << relative;
}

TEST(Mlp, HeNormalInitHasZeroBiasesAndTheRightScale) {
  Rng rng(2, "mlp-test");
  const Mlp net(400, 300, 10);
  const Eigen::VectorXd theta = net.he_normal(rng);
  const Eigen::Index d = 400, h = 300;
  EXPECT_EQ(theta.segment(d * h, h).norm(), 0.0);
  EXPECT_EQ(theta.tail(10).norm(), 0.0);
  const double var1 = theta.head(d * h).squaredNorm() / (d * h);
  EXPECT_NEAR(var1, 2.0 / d, 4 * std::sqrt(2.0 / (d * h)) * 2.0 / d) << "W1 ~ N(0, 2/d)";
  PRISM_EXPECT_THROW_WITH(net.scores(theta.head(10), Eigen::MatrixXd::Zero(1, 400)), std::invalid_argument,
                          "theta has 10 entries");
}

TEST(Mlp, MomentumSgdFitsASeparableProblem) {
  // Four Gaussian blobs in 20 dimensions, well apart: 100 % training accuracy.
  Rng rng(3, "mlp-test");
  const Eigen::Index n = 400, d = 20, k = 4;
  Eigen::MatrixXd centres = 3 * rng.normal_matrix(k, d), X(n, d);
  Eigen::VectorXi y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = static_cast<int>(i % k), X.row(i) = centres.row(y(i)) + rng.normal_matrix(1, d);
  const Mlp net(d, 32, k);
  Eigen::VectorXd theta = net.he_normal(rng), velocity;
  const double before = net.loss(theta, X, y);
  for (int epoch = 0; epoch < 20; ++epoch) momentum_sgd_epoch(net, theta, velocity, X, y, {}, rng);
  EXPECT_LT(net.loss(theta, X, y), 0.05 * before);
  EXPECT_EQ(mlp_accuracy(net, theta, X, y), 1.0);
}

}  // namespace
}  // namespace prism::models
