// One-hot blocks, argmax decoding and error rates; one factorisation solving
// several labelings at once equals solving them one by one.
#include "src/models/classification.h"

#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "datasets/label_noise.h"
#include "src/core/rng.h"
#include "src/linalg/dense_solve.h"
#include "src/linalg/kernels.h"

namespace prism::models {
namespace {

TEST(OneHot, EncodesEachLabelInItsBlock) {
  Eigen::VectorXi a(3), b(3);
  a << 0, 2, 1;
  b << 1, 1, 0;
  const Eigen::MatrixXd Y = one_hot_blocks({a, b}, 3);
  ASSERT_EQ(Y.rows(), 3);
  ASSERT_EQ(Y.cols(), 6);
  Eigen::MatrixXd expected(3, 6);
  expected << 1, 0, 0, 0, 1, 0,  //
      0, 0, 1, 0, 1, 0,          //
      0, 1, 0, 1, 0, 0;
  EXPECT_EQ(Y, expected);
  EXPECT_EQ(one_hot(a, 3), expected.leftCols(3));
  EXPECT_EQ(Y.rowwise().sum(), Eigen::VectorXd::Constant(3, 2.0));
}

TEST(OneHot, RejectsBadInput) {
  Eigen::VectorXi a(2), b(3);
  a << 0, 3;
  b << 0, 1, 2;
  EXPECT_THROW(one_hot(a, 3), std::invalid_argument);                // label out of range
  EXPECT_THROW(one_hot(b, 0), std::invalid_argument);                // no classes
  EXPECT_THROW(one_hot_blocks({b, a}, 4), std::invalid_argument);    // lengths differ
  EXPECT_THROW(one_hot_blocks({}, 2), std::invalid_argument);        // nothing to encode
  Eigen::VectorXi negative(1);
  negative << -1;
  EXPECT_THROW(one_hot(negative, 2), std::invalid_argument);
}

TEST(ArgmaxClasses, DecodesEachBlockAndBreaksTiesLow) {
  Eigen::MatrixXd F(3, 4);
  F << 0.1, 0.9, 0.5, 0.5,  //
      0.7, 0.2, -1.0, 2.0,  //
      0.3, 0.3, 0.0, 0.0;
  const Eigen::VectorXi first = argmax_classes(F, 2, 0), second = argmax_classes(F, 2, 1);
  EXPECT_EQ(first, (Eigen::VectorXi(3) << 1, 0, 0).finished());
  EXPECT_EQ(second, (Eigen::VectorXi(3) << 0, 1, 0).finished());
  EXPECT_THROW(argmax_classes(F, 2, 2), std::invalid_argument);
  EXPECT_THROW(argmax_classes(F, 3, 1), std::invalid_argument);
  EXPECT_THROW(argmax_classes(F, 0, 0), std::invalid_argument);
}

TEST(ErrorRate, CountsMismatches) {
  Eigen::VectorXi p(4), t(4);
  p << 0, 1, 2, 3;
  t << 0, 1, 0, 0;
  EXPECT_DOUBLE_EQ(error_rate(p, t), 0.5);
  EXPECT_DOUBLE_EQ(error_rate(t, t), 0.0);
  EXPECT_THROW(error_rate(p, Eigen::VectorXi(3)), std::invalid_argument);
  EXPECT_THROW(error_rate(Eigen::VectorXi(), Eigen::VectorXi()), std::invalid_argument);
}

// The bayes-tracking setting in miniature: noisy labelings at several q solved
// with one factorisation of a Laplace kernel matrix interpolate each labeling
// exactly (training error 0) and match one-by-one solves to rounding.
TEST(KernelInterpolation, OneFactorisationSolvesEveryLabeling) {
  const int n = 300, d = 5, k = 4;
  Rng rng(7, "classification-test");
  const Eigen::MatrixXd X = rng.normal_matrix(n, d);
  Eigen::VectorXi y(n);
  for (int i = 0; i < n; ++i) y(i) = static_cast<int>(rng.index(k));
  std::vector<Eigen::VectorXi> labelings;
  for (double q : {0.0, 0.3, 0.8}) {
    Rng noise(7, "labels");  // the same stream for every q: nested corruption
    labelings.push_back(data::corrupt_labels(y, k, q, noise));
  }
  const Eigen::MatrixXd K = linalg::kernel_matrix(linalg::Kernel::Laplace(2.0), X);
  const linalg::Cholesky chol(K);
  const Eigen::MatrixXd Y = one_hot_blocks(labelings, k);
  const Eigen::MatrixXd alpha = chol.solve(Y);
  const Eigen::MatrixXd F = K * alpha;
  EXPECT_LT((F - Y).cwiseAbs().maxCoeff(), 1e-9);
  for (size_t j = 0; j < labelings.size(); ++j) {
    EXPECT_EQ(error_rate(argmax_classes(F, k, static_cast<Eigen::Index>(j)), labelings[j]), 0.0);
    const Eigen::MatrixXd single = chol.solve(one_hot(labelings[j], k));
    EXPECT_LT((single - alpha.middleCols(static_cast<Eigen::Index>(j) * k, k)).cwiseAbs().maxCoeff(),
              1e-10 * (1.0 + single.cwiseAbs().maxCoeff()));
  }
}

}  // namespace
}  // namespace prism::models
