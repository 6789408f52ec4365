// Nadaraya-Watson classes from kernel exponents against the formula written
// out, the ladder of scales against one exponential per scale, the shift that keeps small bandwidths from underflowing, 1-NN as its
// limit, and McNemar's paired comparison by hand.
#include "src/models/nadaraya_watson.h"

#include <cmath>

#include <gtest/gtest.h>

#include "src/core/rng.h"
#include "src/models/classification.h"
#include "tests/support/test_support.h"

namespace prism::models {
namespace {

TEST(NadarayaWatson, MatchesTheWeightedVoteWrittenOut) {
  Rng rng(1, "nw");
  const int q = 600, n = 40, k = 3;  // q spans several row blocks, the last one partial
  Eigen::MatrixXd K0(q, n);
  for (int i = 0; i < q; ++i)
    for (int j = 0; j < n; ++j) K0(i, j) = std::exp(-3 * rng.uniform());
  Eigen::VectorXi labels(n);
  for (int j = 0; j < n; ++j) labels(j) = static_cast<int>(rng.index(k));
  const Eigen::MatrixXd L = kernel_exponents(K0);
  for (double scale : {1.0, 4.0}) {
    const Eigen::VectorXi got = nadaraya_watson_classes(L, labels, k, scale);
    for (int i = 0; i < q; ++i) {
      Eigen::VectorXd score = Eigen::VectorXd::Zero(k);
      for (int j = 0; j < n; ++j) score(labels(j)) += std::pow(K0(i, j), scale);  // exp(-scale L)
      Eigen::Index best;
      score.maxCoeff(&best);
      EXPECT_EQ(got(i), best) << "query " << i << ", scale " << scale;
    }
  }
}

TEST(NadarayaWatson, SmallBandwidthsDoNotUnderflow) {
  // exp(-scale L) underflows for every entry at scale 1e4 (L >= 0.1), yet the
  // class of the nearest point must win, as 1-NN says.
  Eigen::MatrixXd L(1, 3);
  L << 0.5, 0.1, 0.3;
  const Eigen::VectorXi labels = (Eigen::VectorXi(3) << 2, 1, 0).finished();
  EXPECT_EQ(nadaraya_watson_classes(L, labels, 3, 1e4)(0), 1);
  EXPECT_EQ(nearest_classes(L, labels)(0), 1);
  PRISM_EXPECT_THROW_WITH(kernel_exponents(Eigen::MatrixXd::Zero(1, 1)), std::invalid_argument, "(0, 1]");
  PRISM_EXPECT_THROW_WITH(nadaraya_watson_classes(L, (Eigen::VectorXi(3) << 2, 3, 0).finished(), 3, 1.0),
                          std::invalid_argument, "a label outside 0..2");
}

TEST(NadarayaWatson, LadderOfScalesMatchesOneExponentialPerScale) {
  // Each rung (squared weights) against its scale's own exponential, on
  // exponents spread over [0, 30] so that the upper rungs' far weights fall
  // below the 1e-150 cutoff (and exp's own underflow) before they vanish.
  Rng rng(3, "nw-ladder");
  const int q = 300, n = 50, k = 4, steps = 7;
  Eigen::MatrixXd L(q, n);
  for (int i = 0; i < q; ++i)
    for (int j = 0; j < n; ++j) L(i, j) = 30 * rng.uniform();
  Eigen::VectorXi labels(n);
  for (int j = 0; j < n; ++j) labels(j) = static_cast<int>(rng.index(k));
  for (int doublings : {1, 2}) {
    const Eigen::MatrixXi ladder = nadaraya_watson_ladder(L, labels, k, 0.25, doublings, steps);
    ASSERT_EQ(ladder.cols(), steps);
    for (int j = 0; j < steps; ++j) {
      const double scale = 0.25 * std::pow(2.0, doublings * j);
      const Eigen::VectorXi direct = nadaraya_watson_classes(L, labels, k, scale);
      EXPECT_EQ((ladder.col(j).array() != direct.array()).count(), 0)
          << "rung " << j << " (scale " << scale << ", doublings " << doublings << ") against its own exponential";
    }
  }
  PRISM_EXPECT_THROW_WITH(nadaraya_watson_ladder(L, labels, k, 1.0, 1, 0), std::invalid_argument, "steps >= 1");
  PRISM_EXPECT_THROW_WITH(nadaraya_watson_ladder(L, labels, k, 1.0, -1, 2), std::invalid_argument, "doublings >= 0");
}

TEST(NadarayaWatson, TiesOfTheNearestAcrossClassesAreFlagged) {
  Eigen::MatrixXd L(3, 4);
  L << 0.2, 0.2, 0.5, 0.9,  // tied between classes 0 and 1
      0.7, 0.3, 0.3, 0.8,   // tied within class 1 only
      0.1, 0.4, 0.4, 0.4;   // no tie at the minimum
  const Eigen::VectorXi labels = (Eigen::VectorXi(4) << 0, 1, 1, 2).finished();
  const auto tied = nearest_is_tied(L, labels);
  EXPECT_TRUE(tied(0));
  EXPECT_FALSE(tied(1));
  EXPECT_FALSE(tied(2));
}

TEST(PairedErrors, McNemarByHand) {
  // 10 points: D wrong on 0-3, I wrong on 3-4: b = 3 (only D), c = 1 (only I).
  const Eigen::VectorXi truth = Eigen::VectorXi::Zero(10);
  Eigen::VectorXi d = truth, i = truth;
  d.head(4).setOnes();
  i.segment(3, 2).setOnes();
  const PairedErrors p = paired_errors(d, i, truth);
  EXPECT_DOUBLE_EQ(p.error_direct, 0.4);
  EXPECT_DOUBLE_EQ(p.error_inverse, 0.2);
  EXPECT_DOUBLE_EQ(p.difference, 0.2);
  EXPECT_DOUBLE_EQ(p.se, std::sqrt(4 - 4.0 / 10) / 10);
  EXPECT_DOUBLE_EQ(p.z, 0.2 / p.se);
  EXPECT_DOUBLE_EQ(p.reduction, 0.5);
  const PairedErrors same = paired_errors(d, d, truth);
  EXPECT_EQ(same.z, 0.0) << "b + c = 0";
  PRISM_EXPECT_THROW_WITH(paired_errors(d, Eigen::VectorXi::Zero(3), truth), std::invalid_argument, "equal");
}

}  // namespace
}  // namespace prism::models
