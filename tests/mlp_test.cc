// The MLP's gradient against central finite differences, and momentum SGD
// fitting a small separable problem.
#include "src/models/mlp.h"

#include <cmath>
#include <numeric>
#include <vector>

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
  MomentumSgd sgd(net, X, y);
  for (int epoch = 0; epoch < 20; ++epoch) sgd.epoch(theta, velocity, rng);
  EXPECT_LT(net.loss(theta, X, y), 0.05 * before);
  EXPECT_EQ(mlp_accuracy(net, theta, X, y), 1.0);
}

TEST(Mlp, MomentumSgdEpochIsTheHeavyBallRecursionOnItsBatches) {
  // The fused epoch against the update written out with loss() on each batch
  // gathered by rows, under the same permutation (the last batch a remainder).
  Rng data(4, "mlp-test");
  const Eigen::Index n = 70, d = 9, k = 3;
  const Eigen::MatrixXd X = data.normal_matrix(n, d);
  Eigen::VectorXi y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = static_cast<int>(data.index(k));
  const Mlp net(d, 7, k);
  const MomentumSgdOptions options{0.05, 0.8, 16};
  const Eigen::VectorXd start = net.he_normal(data);
  Eigen::VectorXd theta = start, velocity;
  Rng fused(5, "epoch"), plain(5, "epoch");
  MomentumSgd sgd(net, X, y, options);
  for (int e = 0; e < 2; ++e) sgd.epoch(theta, velocity, fused);

  Eigen::VectorXd expected = start, v = Eigen::VectorXd::Zero(start.size()), g;
  for (int e = 0; e < 2; ++e) {
    std::vector<Eigen::Index> order(n);
    std::iota(order.begin(), order.end(), 0);
    for (Eigen::Index i = n - 1; i > 0; --i) std::swap(order[i], order[plain.index(static_cast<std::size_t>(i + 1))]);
    for (Eigen::Index s = 0; s < n; s += options.batch) {
      const Eigen::Index m = std::min(options.batch, n - s);
      Eigen::MatrixXd Xb(m, d);
      Eigen::VectorXi yb(m);
      for (Eigen::Index i = 0; i < m; ++i) Xb.row(i) = X.row(order[s + i]), yb(i) = y(order[s + i]);
      net.loss(expected, Xb, yb, &g);
      v = options.momentum * v + g;
      expected -= options.step * v;
    }
  }
  constexpr double kRoundoff = 1e-12;
  EXPECT_LE((theta - expected).norm(), kRoundoff * expected.norm())
      << "fused " << theta.norm() << " against plain " << expected.norm();
  EXPECT_LE((velocity - v).norm(), kRoundoff * v.norm());
  PRISM_EXPECT_THROW_WITH(MomentumSgd(net, X.leftCols(4), y), std::invalid_argument, "X must be n x 9");
  PRISM_EXPECT_THROW_WITH(MomentumSgd(net, X, y, {0.1, 1.0, 16}), std::invalid_argument, "momentum < 1");
}

}  // namespace
}  // namespace prism::models
