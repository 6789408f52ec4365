// Exact derivatives of the NTK-parameterised network against finite
// differences, the range-restricted Hessian against the full space, the
// one-hidden-layer closed form, and gradient descent.
#include "src/models/network.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <gtest/gtest.h>

#include "src/core/rng.h"

namespace prism::models {
namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;

// Central differences: truncation ~ h^2 |f'''|, rounding ~ eps |f| / h.
constexpr double kFdStep = 1e-5;
constexpr double kGradientFdTolerance = 1e-7;  // relative, on directional derivatives
constexpr double kHvpFdTolerance = 1e-6;       // relative, on ||H u||
constexpr double kSymmetryTolerance = 1e-12;   // relative to ||u|| ||H|| ||v||
constexpr double kClosedFormTolerance = 1e-8;  // relative (docs/claims.md hessian-decay)
constexpr double kRoundingTolerance = 1e-12;   // identities that hold to rounding

struct Case {
  std::string name;
  NetworkShape shape;
  OutputInit init = OutputInit::kGaussian;
};

std::vector<Case> derivative_cases() {
  return {
      {"depth1", {5, {7}, {}, OutputMap::kLinear}},
      {"depth1_signs", {5, {7}, {}, OutputMap::kLinear}, OutputInit::kSigns},
      {"depth2", {4, {6, 5}, {}, OutputMap::kLinear}},
      {"depth3", {3, {5, 4, 6}, {}, OutputMap::kLinear}},
      {"bottleneck", {4, {8, 2, 8}, {}, OutputMap::kLinear}},
      {"bottleneck_linear_after",
       {4, {8, 2, 8}, {Activation::kTanh, Activation::kIdentity, Activation::kIdentity}, OutputMap::kLinear}},
      {"softplus_depth2", {4, {6, 5}, {Activation::kSoftplus, Activation::kSoftplus}, OutputMap::kLinear}},
      {"phi_output_depth1", {5, {7}, {}, OutputMap::kQuadratic}},
      {"phi_output_depth3", {3, {5, 4, 6}, {}, OutputMap::kQuadratic}},
  };
}

VectorXd unit_input(int d, std::uint64_t seed) {
  Rng rng(seed, "test-input");
  const VectorXd x = rng.normal_vector(d);
  return x / x.norm();
}

double relative_error(const VectorXd& actual, const VectorXd& expected) {
  return (actual - expected).norm() / std::max(expected.norm(), 1e-300);
}

class NetworkDerivatives : public ::testing::TestWithParam<Case> {};

TEST_P(NetworkDerivatives, GradientMatchesCentralDifferences) {
  const Case& c = GetParam();
  const Network net(c.shape);
  const VectorXd w = net.initialize(11, c.init);
  const VectorXd x = unit_input(c.shape.input_dim, 3);
  double value = 0;
  const VectorXd grad = net.gradient(w, x, &value);
  EXPECT_NEAR(value, net.value(w, x), kRoundingTolerance * (1 + std::abs(value)));
  Rng rng(5, "directions");
  for (int trial = 0; trial < 5; ++trial) {
    const VectorXd u = rng.normal_vector(w.size());
    const double fd = (net.value(w + kFdStep * u, x) - net.value(w - kFdStep * u, x)) / (2 * kFdStep);
    const double exact = grad.dot(u);
    EXPECT_LT(std::abs(exact - fd), kGradientFdTolerance * std::max(1.0, std::abs(exact)))
        << c.name << ": grad.u = " << exact << ", central difference " << fd;
  }
}

TEST_P(NetworkDerivatives, HessianVectorProductMatchesDifferencesOfGradient) {
  const Case& c = GetParam();
  const Network net(c.shape);
  const VectorXd w = net.initialize(12, c.init);
  const VectorXd x = unit_input(c.shape.input_dim, 4);
  Rng rng(6, "directions");
  double worst = 0;
  for (int trial = 0; trial < 5; ++trial) {
    VectorXd u = rng.normal_vector(w.size());
    u /= u.norm();
    const VectorXd hu = net.hessian_vector_product(w, x, u);
    const VectorXd fd = (net.gradient(w + kFdStep * u, x) - net.gradient(w - kFdStep * u, x)) / (2 * kFdStep);
    worst = std::max(worst, relative_error(hu, fd));
  }
  EXPECT_LT(worst, kHvpFdTolerance) << c.name << ": largest relative ||Hu - FD|| / ||FD||";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2e", worst);
  RecordProperty("hvp_fd_relative_error", buffer);
}

// The helper the claim uses: small at the claim's step, and a second-order
// difference, so its error falls 100-fold when h falls 10-fold (until rounding).
TEST_P(NetworkDerivatives, CentralDifferenceErrorOfTheHvpIsSecondOrder) {
  const Case& c = GetParam();
  const Network net(c.shape);
  const VectorXd w = net.initialize(16, c.init);
  const VectorXd x = unit_input(c.shape.input_dim, 8);
  const VectorXd u = Rng(9, "directions").normal_vector(w.size()).normalized();
  EXPECT_LT(hvp_central_difference_error(net, w, x, u, 1e-4), kHvpFdTolerance) << c.name;
  const double coarse = hvp_central_difference_error(net, w, x, u, 1e-1);
  const double fine = hvp_central_difference_error(net, w, x, u, 1e-2);
  EXPECT_GT(coarse / fine, 30.0) << c.name << ": " << coarse << " at h = 0.1, " << fine << " at h = 0.01";
  EXPECT_LT(coarse / fine, 300.0) << c.name << ": " << coarse << " at h = 0.1, " << fine << " at h = 0.01";
}

TEST_P(NetworkDerivatives, HessianIsSymmetric) {
  const Case& c = GetParam();
  const Network net(c.shape);
  const VectorXd w = net.initialize(13, c.init);
  const VectorXd x = unit_input(c.shape.input_dim, 5);
  Rng rng(7, "directions");
  const VectorXd u = rng.normal_vector(w.size()), v = rng.normal_vector(w.size());
  const VectorXd hu = net.hessian_vector_product(w, x, u), hv = net.hessian_vector_product(w, x, v);
  const double scale = std::max(hu.norm() * v.norm(), hv.norm() * u.norm());
  EXPECT_NEAR(v.dot(hu), u.dot(hv), kSymmetryTolerance * scale) << c.name;
}

// Q is an isometry, H's range lies in S, and the factored product is Q^T H Q.
TEST_P(NetworkDerivatives, RangeOperatorIsTheRestrictionOfTheHessian) {
  const Case& c = GetParam();
  const Network net(c.shape);
  const VectorXd w = net.initialize(14, c.init);
  const VectorXd x = unit_input(c.shape.input_dim, 6);
  for (ParameterSet set : {ParameterSet::kAll, ParameterSet::kHidden}) {
    const RangeHessianOperator range(net, w, x, set);
    const HessianOperator full(net, w, x, set);
    Rng rng(8, "directions");
    const VectorXd cvec = rng.normal_vector(range.rows());
    const VectorXd lifted = range.lift(cvec);
    EXPECT_NEAR(lifted.norm(), cvec.norm(), kRoundingTolerance * cvec.norm()) << c.name;
    EXPECT_LT(relative_error(range.project(lifted), cvec), kRoundingTolerance) << c.name;

    const VectorXd u = rng.normal_vector(full.rows());
    VectorXd hu(full.rows());
    full.perform_op(u.data(), hu.data());
    EXPECT_LT(relative_error(range.lift(range.project(hu)), hu), 1e-11) << c.name << ": H u leaves S";

    VectorXd hq(full.rows()), restricted(range.rows());
    full.perform_op(lifted.data(), hq.data());
    range.perform_op(cvec.data(), restricted.data());
    EXPECT_LT(relative_error(restricted, range.project(hq)), 1e-11) << c.name;
  }
}

TEST_P(NetworkDerivatives, LanczosMatchesDenseEigensolver) {
  const Case& c = GetParam();
  const Network net(c.shape);
  const VectorXd w = net.initialize(15, c.init);
  const VectorXd x = unit_input(c.shape.input_dim, 7);
  const MatrixXd H = dense_hessian(net, w, x);
  EXPECT_LT((H - H.transpose()).norm(), kRoundingTolerance * H.norm()) << c.name;
  const Eigen::SelfAdjointEigenSolver<MatrixXd> eig(0.5 * (H + H.transpose()));
  const double dense = eig.eigenvalues().cwiseAbs().maxCoeff();
  for (HessianSpace space : {HessianSpace::kFull, HessianSpace::kRange}) {
    HessianNormOptions options;
    options.space = space;
    const HessianNorm lanczos = hessian_norm(net, w, x, options);
    EXPECT_NEAR(lanczos.norm, dense, kClosedFormTolerance * dense)
        << c.name << (space == HessianSpace::kFull ? " (full space)" : " (range)");
    EXPECT_LE(lanczos.residual, 1e-9 * dense) << c.name;
  }
}

TEST_P(NetworkDerivatives, JacobianKernelAndLossGradientAgree) {
  const Case& c = GetParam();
  const Network net(c.shape);
  const VectorXd w = net.initialize(16, c.init);
  Rng rng(9, "inputs");
  const MatrixXd X = rng.normal_matrix(6, c.shape.input_dim);
  const VectorXd y = rng.normal_vector(6);
  const MatrixXd J = net.jacobian(w, X);
  const VectorXd values = net.values(w, X);
  for (int i = 0; i < X.rows(); ++i) {
    double value = 0;
    const VectorXd grad = net.gradient(w, X.row(i).transpose(), &value);
    EXPECT_LT(relative_error(J.row(i).transpose(), grad), kRoundingTolerance) << c.name << " row " << i;
    EXPECT_NEAR(values(i), value, kRoundingTolerance * (1 + std::abs(value))) << c.name;
  }
  const MatrixXd K = net.tangent_kernel(w, X);
  EXPECT_LT((K - J * J.transpose()).norm(), kRoundingTolerance * K.norm()) << c.name;
  const MatrixXd JW = net.jacobian(w, X, ParameterSet::kHidden);
  EXPECT_EQ(JW.cols(), net.output_offset());
  EXPECT_LT((JW - J.leftCols(net.output_offset())).norm(), kRoundingTolerance * J.norm()) << c.name;
  const MatrixXd KW = net.tangent_kernel(w, X, ParameterSet::kHidden);
  EXPECT_LT((KW - JW * JW.transpose()).norm(), kRoundingTolerance * KW.norm()) << c.name;

  double loss = 0;
  const VectorXd grad = square_loss_gradient(net, w, X, y, ParameterSet::kAll, &loss);
  const VectorXd r = values - y;
  EXPECT_NEAR(loss, r.squaredNorm() / (2.0 * X.rows()), kRoundingTolerance * loss);
  EXPECT_LT(relative_error(grad, J.transpose() * r / X.rows()), kRoundingTolerance) << c.name;
}

INSTANTIATE_TEST_SUITE_P(Shapes, NetworkDerivatives, ::testing::ValuesIn(derivative_cases()),
                         [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(Network, ParameterLayoutAndInitialisation) {
  const Network net({3, {4, 2}, {}, OutputMap::kLinear});
  EXPECT_EQ(net.num_parameters(), 3 * 4 + 4 * 2 + 2);
  EXPECT_EQ(net.num_parameters(ParameterSet::kHidden), 3 * 4 + 4 * 2);
  EXPECT_EQ(net.weight_offset(2), 12);
  EXPECT_EQ(net.output_offset(), 20);
  const VectorXd gaussian = net.initialize(1), signs = net.initialize(1, OutputInit::kSigns);
  EXPECT_EQ(gaussian.head(20), signs.head(20)) << "the output init must not move W";
  for (int i = 20; i < 22; ++i) EXPECT_EQ(std::abs(signs(i)), 1.0);
  EXPECT_NE(net.initialize(2), gaussian);
  EXPECT_THROW(Network({3, {}, {}, OutputMap::kLinear}), std::invalid_argument);
  EXPECT_THROW(Network({3, {4, 0}, {}, OutputMap::kLinear}), std::invalid_argument);
  EXPECT_THROW(Network({3, {4, 2}, {Activation::kTanh}, OutputMap::kLinear}), std::invalid_argument);
  EXPECT_THROW(net.value(VectorXd::Zero(5), VectorXd::Zero(3)), std::invalid_argument);
}

TEST(Network, ActivationDerivativesMatchDifferences) {
  for (Activation a : {Activation::kTanh, Activation::kIdentity, Activation::kSoftplus}) {
    for (double z : {-30.0, -2.0, -0.3, 0.0, 0.7, 3.0, 30.0}) {
      const double h = 1e-5;
      const double d1 = (activation(a, z + h) - activation(a, z - h)) / (2 * h);
      const double d2 = (activation_derivative(a, z + h) - activation_derivative(a, z - h)) / (2 * h);
      EXPECT_NEAR(activation_derivative(a, z), d1, 1e-8) << to_string(a) << " at " << z;
      EXPECT_NEAR(activation_second_derivative(a, z), d2, 1e-8) << to_string(a) << " at " << z;
    }
  }
  EXPECT_NEAR(activation(Activation::kSoftplus, 800.0), 800.0, 1e-12);  // no overflow
}

// ||H_W|| of the one-hidden-layer net with v_i = +-1 against
// ||x||^2 / (d sqrt m) max_i |sigma''(z_i)| (and ||H|| for W and v together
// against its 2 x 2-block form): Lanczos in the range and in the full space,
// and a dense eigensolver of the assembled Hessian.
TEST(Network, OneHiddenLayerClosedForm) {
  const int d = 10;
  for (int m : {16, 32, 128}) {
    for (std::uint64_t seed : {1, 2, 3}) {
      const Network net({d, {m}, {}, OutputMap::kLinear});
      const VectorXd w = net.initialize(seed, OutputInit::kSigns);
      const VectorXd x = unit_input(d, seed);
      for (ParameterSet set : {ParameterSet::kHidden, ParameterSet::kAll}) {
        const std::string where = "m = " + std::to_string(m) + ", seed " + std::to_string(seed) +
                                  (set == ParameterSet::kAll ? ", W and v" : ", W only");
        const double closed = one_hidden_layer_hessian_norm(net, w, x, set);
        if (m <= 32) {  // the dense eigensolver is O(P^3), P = m (d + 1)
          const MatrixXd H = dense_hessian(net, w, x, set);
          const Eigen::SelfAdjointEigenSolver<MatrixXd> eig(H);
          EXPECT_NEAR(eig.eigenvalues().cwiseAbs().maxCoeff(), closed, kClosedFormTolerance * closed)
              << where << " (dense)";
        }
        HessianNormOptions options;
        options.parameters = set;
        for (HessianSpace space : {HessianSpace::kRange, HessianSpace::kFull}) {
          options.space = space;
          const HessianNorm lanczos = hessian_norm(net, w, x, options);
          EXPECT_NEAR(lanczos.norm, closed, kClosedFormTolerance * closed)
              << where << (space == HessianSpace::kFull ? " (full)" : " (range)");
          const int range_dim = set == ParameterSet::kAll ? 2 * m : m;
          EXPECT_EQ(lanczos.dimension, space == HessianSpace::kRange ? range_dim : net.num_parameters(set));
        }
      }
    }
  }
  // Wider, range only: H_W's clustered top needs a larger Krylov space (see HessianNormOptions).
  const int m = 1024;
  const Network wide({d, {m}, {}, OutputMap::kLinear});
  const VectorXd w = wide.initialize(4, OutputInit::kSigns);
  const VectorXd x = unit_input(d, 4);
  HessianNormOptions options;
  options.parameters = ParameterSet::kHidden;
  options.lanczos.ncv = 100;
  const double closed = one_hidden_layer_hessian_norm(wide, w, x);
  EXPECT_NEAR(hessian_norm(wide, w, x, options).norm, closed, kClosedFormTolerance * closed);

  // At width 2^14, inputs of norm sqrt(d) bring the closed form to the limit
  // sqrt(m) ||H_W|| -> max |tanh''| = 4 / (3 sqrt 3) = 0.7698 (docs/claims.md:
  // 0.07698 for the claim's ||x|| = 1, d = 10).
  const int huge = 1 << 14;
  const Network widest({d, {huge}, {}, OutputMap::kLinear});
  const double limit = std::sqrt(double(huge)) *
                       one_hidden_layer_hessian_norm(widest, widest.initialize(5, OutputInit::kSigns),
                                                     std::sqrt(double(d)) * unit_input(d, 5));
  EXPECT_NEAR(limit, 4.0 / (3.0 * std::sqrt(3.0)), 1e-3);

  EXPECT_THROW(one_hidden_layer_hessian_norm(Network({d, {4, 4}, {}, OutputMap::kLinear}),
                                             VectorXd::Zero(10 * 4 + 16 + 4), x),
               std::invalid_argument);
  EXPECT_THROW(one_hidden_layer_hessian_norm(Network({d, {4}, {}, OutputMap::kQuadratic}), VectorXd::Zero(44), x),
               std::invalid_argument);
}

// Eq. 16: H_g = phi'(f) H_f + phi''(f) grad f grad f^T with phi(f) = f + f^2.
TEST(Network, QuadraticOutputHessianIsTheChainRule) {
  NetworkShape shape{4, {6, 5}, {}, OutputMap::kLinear};
  const Network linear(shape);
  shape.output = OutputMap::kQuadratic;
  const Network quadratic(shape);
  const VectorXd w = linear.initialize(21);
  const VectorXd x = unit_input(4, 21);
  double f = 0;
  const VectorXd grad = linear.gradient(w, x, &f);
  const MatrixXd expected = (1 + 2 * f) * dense_hessian(linear, w, x) + 2.0 * grad * grad.transpose();
  const MatrixXd actual = dense_hessian(quadratic, w, x);
  EXPECT_LT((actual - expected).norm(), kRoundingTolerance * expected.norm());
  EXPECT_NEAR(quadratic.value(w, x), f + f * f, kRoundingTolerance);
}

TEST(Network, GradientDescentDecreasesTheLossMonotonically) {
  const Network net({3, {32}, {}, OutputMap::kLinear});
  Rng rng(31, "gd-data");
  const MatrixXd X = rng.normal_matrix(4, 3);
  const VectorXd y = rng.normal_vector(4);
  GradientDescentOptions options;
  options.step = 0.05;
  options.max_steps = 500;
  int observed = 0;
  options.observer = [&](int, const VectorXd&) { ++observed; };
  options.observe_every = 100;
  const GradientDescentResult result = gradient_descent(net, net.initialize(31), X, y, options);
  ASSERT_EQ(result.losses.size(), static_cast<size_t>(result.steps + 1));
  EXPECT_EQ(result.steps, 500);
  EXPECT_EQ(observed, 6);  // t = 0, 100, ..., 500
  for (size_t t = 1; t < result.losses.size(); ++t)
    ASSERT_LE(result.losses[t], result.losses[t - 1]) << "loss rose at step " << t;
  EXPECT_LT(result.losses.back(), 0.1 * result.losses.front());
  EXPECT_NEAR(result.losses.back(), square_loss(net, result.w, X, y), kRoundingTolerance);

  // Stopping on the relative tolerance, with v held fixed.
  options.parameters = ParameterSet::kHidden;
  options.relative_tolerance = 0.5;
  options.max_steps = 100000;
  const VectorXd w0 = net.initialize(32);
  const GradientDescentResult stopped = gradient_descent(net, w0, X, y, options);
  EXPECT_TRUE(stopped.converged);
  EXPECT_LE(stopped.losses.back(), 0.5 * stopped.losses.front());
  EXPECT_GT(stopped.losses[stopped.losses.size() - 2], 0.5 * stopped.losses.front());
  EXPECT_EQ(stopped.w.tail(32), w0.tail(32)) << "kHidden must not move v";
}

}  // namespace
}  // namespace prism::models
