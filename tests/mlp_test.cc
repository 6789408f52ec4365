// The MLP's gradient against central finite differences (in double), the
// single-precision network against the double one, and momentum SGD (both
// precisions) fitting a small separable problem and following the heavy-ball
// recursion written out.
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

TEST(Mlp, SinglePrecisionAgreesWithDouble) {
  // The same network and data in float: loss and gradient within float
  // roundoff of the double evaluation (sums over d = 50 inputs, 8 examples).
  Rng rng(6, "mlp-test");
  const Eigen::Index n = 8, d = 50, h = 20, k = 4;
  const Mlp net(d, h, k);
  const MlpFloat net_float(d, h, k);
  const Eigen::VectorXd theta = net.he_normal(rng) + 0.1 * rng.normal_vector(net.num_parameters());
  const Eigen::MatrixXd X = rng.normal_matrix(n, d);
  Eigen::VectorXi y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = static_cast<int>(i % k);
  Eigen::VectorXd g;
  Eigen::VectorXf g_float;
  const double loss = net.loss(theta, X, y, &g), loss_float = net_float.loss(theta.cast<float>(), X, y, &g_float);
  constexpr double kFloatRoundoff = 1e-5;  // ~100 float epsilons
  EXPECT_NEAR(loss_float, loss, kFloatRoundoff * loss);
  const double relative = (g_float.cast<double>() - g).norm() / g.norm();
  EXPECT_LE(relative, kFloatRoundoff) << "expected the float gradient within " << kFloatRoundoff << " of double's, got " << relative;
  const Eigen::MatrixXd S = net.scores(theta, X), S_float = net_float.scores(theta.cast<float>(), X).cast<double>();
  EXPECT_LE((S_float - S).norm(), kFloatRoundoff * S.norm());
  // He-normal: the same draws, rounded.
  Rng a(7, "init"), b(7, "init");
  EXPECT_EQ(net_float.he_normal(a), net.he_normal(b).cast<float>());
}

template <typename Scalar>
class MomentumSgdTest : public ::testing::Test {};
using Precisions = ::testing::Types<double, float>;
TYPED_TEST_SUITE(MomentumSgdTest, Precisions);

TYPED_TEST(MomentumSgdTest, FitsASeparableProblem) {
  // Four Gaussian blobs in 20 dimensions, well apart: 100 % training accuracy.
  Rng rng(3, "mlp-test");
  const Eigen::Index n = 400, d = 20, k = 4;
  Eigen::MatrixXd centres = 3 * rng.normal_matrix(k, d), X(n, d);
  Eigen::VectorXi y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = static_cast<int>(i % k), X.row(i) = centres.row(y(i)) + rng.normal_matrix(1, d);
  const BasicMlp<TypeParam> net(d, 32, k);
  typename BasicMlp<TypeParam>::Vector theta = net.he_normal(rng), velocity;
  const double before = net.loss(theta, X, y);
  BasicMomentumSgd<TypeParam> sgd(net, X, y);
  for (int epoch = 0; epoch < 20; ++epoch) sgd.epoch(theta, velocity, rng);
  EXPECT_LT(net.loss(theta, X, y), 0.05 * before);
  EXPECT_EQ(mlp_accuracy(net, theta, X, y), 1.0);
}

TYPED_TEST(MomentumSgdTest, EpochIsTheHeavyBallRecursionOnItsBatches) {
  using Vector = typename BasicMlp<TypeParam>::Vector;
  // The fused epoch against the update written out with loss() on each batch
  // gathered by rows, under the same permutation (the last batch a remainder).
  Rng data(4, "mlp-test");
  const Eigen::Index n = 70, d = 9, k = 3;
  const Eigen::MatrixXd X = data.normal_matrix(n, d);
  Eigen::VectorXi y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = static_cast<int>(data.index(k));
  const BasicMlp<TypeParam> net(d, 7, k);
  const MomentumSgdOptions options{0.05, 0.8, 16};
  const Vector start = net.he_normal(data);
  Vector theta = start, velocity;
  Rng fused(5, "epoch"), plain(5, "epoch");
  BasicMomentumSgd<TypeParam> sgd(net, X, y, options);
  for (int e = 0; e < 2; ++e) sgd.epoch(theta, velocity, fused);

  Vector expected = start, v = Vector::Zero(start.size()), g;
  const auto mu = static_cast<TypeParam>(options.momentum), step = static_cast<TypeParam>(options.step);
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
      v = mu * v + g;
      expected -= step * v;
    }
  }
  // The same operations in another order (contiguous columns against gathered rows).
  const double kRoundoff = 1e4 * Eigen::NumTraits<TypeParam>::epsilon();  // 2e-12 in double, 1e-3 in float
  EXPECT_LE((theta - expected).norm(), kRoundoff * expected.norm())
      << "fused " << theta.norm() << " against plain " << expected.norm();
  EXPECT_LE((velocity - v).norm(), kRoundoff * v.norm());
  PRISM_EXPECT_THROW_WITH(BasicMomentumSgd<TypeParam>(net, X.leftCols(4), y), std::invalid_argument, "X must be n x 9");
  PRISM_EXPECT_THROW_WITH(BasicMomentumSgd<TypeParam>(net, X, y, {0.1, 1.0, 16}), std::invalid_argument, "momentum < 1");
}

}  // namespace
}  // namespace prism::models
