// Simplicial interpolation: the LP's simplex against Qhull's Delaunay
// triangulation, the priced LP against the full LP, degenerate and outside
// queries, exact label averaging and the Dirichlet identity.
#include "src/models/simplicial.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>
#include <Eigen/LU>
#include <libqhull_r/qhull_ra.h>

#include "src/core/rng.h"
#include "tests/support/tolerances.h"

namespace prism::models {
namespace {

using namespace ::prism::testing::tolerances;

// Barycentric coordinates from an independent dense solve agree to this.
constexpr double kLambdaTolerance = 1e-10;
// sum lambda_i x_i reproduces the query to this.
constexpr double kResidualTolerance = 1e-10;
// A Qhull simplex contains a query when no barycentric coordinate is below this.
constexpr double kContainsTolerance = 1e-12;

Eigen::MatrixXd uniform_points(Rng& rng, int n, int d, double lo, double hi) {
  Eigen::MatrixXd X(n, d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) X(i, j) = rng.uniform(lo, hi);
  return X;
}

// Barycentric coordinates of x in the simplex with the given vertex rows.
Eigen::VectorXd barycentric(const Eigen::MatrixXd& X, const std::vector<int>& vertices,
                            const Eigen::VectorXd& x) {
  const int m = static_cast<int>(vertices.size());
  Eigen::MatrixXd A(m, m);
  for (int k = 0; k < m; ++k) {
    A.col(k).head(m - 1) = X.row(vertices[k]).transpose();
    A(m - 1, k) = 1.0;
  }
  Eigen::VectorXd b(m);
  b.head(m - 1) = x;
  b(m - 1) = 1.0;
  return A.partialPivLu().solve(b);
}

// Qhull's Delaunay triangulation, as sorted vertex lists of its simplices.
std::vector<std::vector<int>> qhull_delaunay(const Eigen::MatrixXd& X) {
  const int n = static_cast<int>(X.rows());
  const int d = static_cast<int>(X.cols());
  std::vector<coordT> points(static_cast<std::size_t>(n) * d);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) points[static_cast<std::size_t>(i) * d + j] = X(i, j);
  qhT qh_storage;
  qhT* qh = &qh_storage;
  qh_zero(qh, stderr);
  char flags[] = "qhull d Qt Qbb Qz";
  const int exit_code = qh_new_qhull(qh, d, n, points.data(), False, flags, nullptr, stderr);
  std::vector<std::vector<int>> simplices;
  if (exit_code == 0) {
    facetT* facet;
    vertexT *vertex, **vertexp;
    FORALLfacets {
      if (facet->upperdelaunay) continue;
      std::vector<int> ids;
      FOREACHvertex_(facet->vertices) ids.push_back(qh_pointid(qh, vertex->point));
      std::sort(ids.begin(), ids.end());
      simplices.push_back(ids);
    }
  }
  qh_freeqhull(qh, !qh_ALL);
  int curlong = 0, totlong = 0;
  qh_memfreeshort(qh, &curlong, &totlong);
  EXPECT_EQ(exit_code, 0) << "qhull failed";
  return simplices;
}

// Every Qhull simplex that contains x.
std::vector<std::vector<int>> containing(const Eigen::MatrixXd& X,
                                         const std::vector<std::vector<int>>& simplices,
                                         const Eigen::VectorXd& x) {
  std::vector<std::vector<int>> out;
  for (const auto& s : simplices) {
    // Bounding-box test first: the dense solve for every simplex is the slow part.
    bool in_box = true;
    for (Eigen::Index j = 0; j < x.size() && in_box; ++j) {
      double lo = X(s[0], j), hi = lo;
      for (int v : s) {
        lo = std::min(lo, X(v, j));
        hi = std::max(hi, X(v, j));
      }
      in_box = x(j) >= lo - kContainsTolerance && x(j) <= hi + kContainsTolerance;
    }
    if (in_box && barycentric(X, s, x).minCoeff() >= -kContainsTolerance) out.push_back(s);
  }
  return out;
}

std::vector<int> as_vector(const Eigen::VectorXi& v) { return {v.data(), v.data() + v.size()}; }

// The contract of an inside answer: d+1 distinct sorted vertices, lambda >= 0,
// sum lambda = 1, sum lambda_i x_i = x.
void expect_valid(const Eigen::MatrixXd& X, const Eigen::VectorXd& x, const SimplexQuery& q) {
  ASSERT_TRUE(q.inside()) << "status " << to_string(q.status) << ", expected inside";
  const int d = static_cast<int>(X.cols());
  ASSERT_EQ(q.vertices.size(), d + 1);
  ASSERT_EQ(q.lambda.size(), d + 1);
  for (int k = 1; k <= d; ++k) EXPECT_LT(q.vertices(k - 1), q.vertices(k));
  EXPECT_GE(q.lambda.minCoeff(), 0.0);
  EXPECT_NEAR(q.lambda.sum(), 1.0, kResidualTolerance);
  Eigen::VectorXd reproduced = Eigen::VectorXd::Zero(d);
  for (int k = 0; k <= d; ++k) reproduced += q.lambda(k) * X.row(q.vertices(k)).transpose();
  EXPECT_LE((reproduced - x).lpNorm<Eigen::Infinity>(), kResidualTolerance)
      << "sum lambda_i x_i misses the query";
}

class QhullCrossCheck : public ::testing::TestWithParam<int> {};

TEST_P(QhullCrossCheck, SameSimplexAndCoordinates) {
  const int d = GetParam();
  constexpr int kPoints = 200;
  constexpr int kQueries = 100;
  Rng rng(20180611, "simplicial-qhull-" + std::to_string(d));
  const Eigen::MatrixXd X = uniform_points(rng, kPoints, d, 0.0, 1.0);
  const Eigen::MatrixXd Q = uniform_points(rng, kQueries, d, 0.25, 0.75);
  const auto simplices = qhull_delaunay(X);
  ASSERT_FALSE(simplices.empty());

  SimplicialInterpolator interp(X);
  int compared = 0;
  for (int j = 0; j < kQueries; ++j) {
    const Eigen::VectorXd x = Q.row(j).transpose();
    const SimplexQuery q = interp.locate(x);
    const auto expected = containing(X, simplices, x);
    if (expected.empty()) {
      EXPECT_EQ(q.status, SimplexStatus::kOutsideHull) << "query " << j;
      continue;
    }
    // Random points: the containing simplex is unique.
    ASSERT_EQ(expected.size(), 1u) << "query " << j << " lies on a shared face";
    expect_valid(X, x, q);
    ASSERT_EQ(as_vector(q.vertices), expected[0]) << "query " << j;
    const Eigen::VectorXd lambda = barycentric(X, expected[0], x);
    EXPECT_LE((q.lambda - lambda).lpNorm<Eigen::Infinity>(), kLambdaTolerance) << "query " << j;
    ++compared;
  }
  // The inner cube is inside the hull of 200 points for nearly every query.
  EXPECT_GE(compared, kQueries * 9 / 10);
}

INSTANTIATE_TEST_SUITE_P(Dimensions, QhullCrossCheck, ::testing::Values(2, 3, 4));

TEST(Simplicial, PricedLpEqualsFullLp) {
  // Small seed sets force pricing rounds (and phase 1 when the seeds' hull
  // misses the query); the answer must not depend on them.
  for (int d : {3, 5}) {
    Rng rng(31, "simplicial-pricing-" + std::to_string(d));
    const Eigen::MatrixXd X = uniform_points(rng, 400, d, 0.0, 1.0);
    const Eigen::MatrixXd Q = uniform_points(rng, 40, d, 0.25, 0.75);
    for (int seed_factor : {1, 2, 10}) {
      SimplicialOptions options;
      options.seed_factor = seed_factor;
      SimplicialInterpolator interp(X, options);
      int extra_rounds = 0;
      for (int j = 0; j < Q.rows(); ++j) {
        const Eigen::VectorXd x = Q.row(j).transpose();
        const SimplexQuery priced = interp.locate(x);
        const SimplexQuery full = interp.locate_full_lp(x);
        ASSERT_EQ(priced.status, full.status) << "d " << d << " query " << j;
        if (!full.inside()) continue;
        expect_valid(X, x, priced);
        EXPECT_EQ(as_vector(priced.vertices), as_vector(full.vertices))
            << "d " << d << " seed factor " << seed_factor << " query " << j;
        EXPECT_LE((priced.lambda - full.lambda).lpNorm<Eigen::Infinity>(), kLambdaTolerance);
        extra_rounds += priced.lp_solves - 1;
      }
      if (seed_factor == 1) {
        EXPECT_GT(extra_rounds, 0) << "pricing never added a column";
      }
    }
  }
}

TEST(Simplicial, BatchedSeedsGiveTheSameAnswers) {
  Rng rng(5, "simplicial-batch");
  const Eigen::MatrixXd X = uniform_points(rng, 500, 4, 0.0, 1.0);
  const Eigen::MatrixXd Q = uniform_points(rng, 30, 4, 0.25, 0.75);
  SimplicialInterpolator batch(X), single(X);
  const std::vector<SimplexQuery> all = batch.locate_all(Q);
  ASSERT_EQ(all.size(), 30u);
  for (int j = 0; j < Q.rows(); ++j) {
    const SimplexQuery q = single.locate(Q.row(j).transpose());
    ASSERT_EQ(all[j].status, q.status);
    if (!q.inside()) continue;
    EXPECT_EQ(as_vector(all[j].vertices), as_vector(q.vertices)) << "query " << j;
  }
}

TEST(Simplicial, PhaseOneRecoversFromSeedsMissingTheQuery) {
  constexpr int d = 3;
  Rng rng(8, "simplicial-phase1");
  const Eigen::MatrixXd X = uniform_points(rng, 300, d, 0.0, 1.0);
  const Eigen::VectorXd x = Eigen::VectorXd::Constant(d, 0.5);
  // Seeds all on one side of x: their hull cannot contain it.
  std::vector<int> seeds;
  for (int i = 0; i < X.rows() && seeds.size() < 40; ++i) {
    if (X(i, 0) > 0.6) seeds.push_back(i);
  }
  SimplicialInterpolator interp(X);
  const SimplexQuery q = interp.locate(x, seeds);
  expect_valid(X, x, q);
  const SimplexQuery full = interp.locate_full_lp(x);
  ASSERT_TRUE(full.inside());
  EXPECT_EQ(as_vector(q.vertices), as_vector(full.vertices));
  EXPECT_GT(q.lp_solves, 2) << "expected phase-1 solves before the final LP";
}

TEST(Simplicial, QueryAtTrainingPointIsThatVertex) {
  for (int d : {2, 4}) {
    Rng rng(9, "simplicial-vertex-" + std::to_string(d));
    const Eigen::MatrixXd X = uniform_points(rng, 200, d, 0.0, 1.0);
    // A point near the centre and a hull point (the one with the largest first coordinate).
    Eigen::Index centre = 0, corner = 0;
    (X.rowwise() - Eigen::RowVectorXd::Constant(d, 0.5)).rowwise().squaredNorm().minCoeff(&centre);
    X.col(0).maxCoeff(&corner);
    const auto simplices = qhull_delaunay(X);
    SimplicialInterpolator interp(X);
    for (Eigen::Index k : {centre, corner}) {
      const Eigen::VectorXd x = X.row(k).transpose();
      const SimplexQuery q = interp.locate(x);
      expect_valid(X, x, q);
      // Any Delaunay simplex incident to the vertex is right; it must be one.
      const auto candidates = containing(X, simplices, x);
      EXPECT_NE(std::find(candidates.begin(), candidates.end(), as_vector(q.vertices)),
                candidates.end())
          << "vertex " << k << ": the located simplex is not a Delaunay simplex";
      const auto it = std::find(q.vertices.data(), q.vertices.data() + d + 1, k);
      ASSERT_NE(it, q.vertices.data() + d + 1) << "vertex " << k << " not in the simplex";
      EXPECT_NEAR(q.lambda(it - q.vertices.data()), 1.0, kLambdaTolerance);
      EXPECT_NEAR(q.lambda.sum(), 1.0, kLambdaTolerance);
    }
  }
}

TEST(Simplicial, QueryOnSharedFaceGivesADelaunaySimplex) {
  constexpr int d = 3;
  Rng rng(10, "simplicial-face");
  const Eigen::MatrixXd X = uniform_points(rng, 200, d, 0.0, 1.0);
  const auto simplices = qhull_delaunay(X);
  SimplicialInterpolator interp(X);
  const SimplexQuery inner = interp.locate(Eigen::VectorXd::Constant(d, 0.5));
  ASSERT_TRUE(inner.inside());
  // Centroid of the facet opposite vertex 0: shared by two Delaunay simplices.
  Eigen::VectorXd x = Eigen::VectorXd::Zero(d);
  for (int k = 1; k <= d; ++k) x += X.row(inner.vertices(k)).transpose() / d;
  const SimplexQuery q = interp.locate(x);
  expect_valid(X, x, q);
  const auto candidates = containing(X, simplices, x);
  EXPECT_EQ(candidates.size(), 2u);
  EXPECT_NE(std::find(candidates.begin(), candidates.end(), as_vector(q.vertices)),
            candidates.end())
      << "the located simplex is not a Delaunay simplex containing the face";
}

TEST(Simplicial, OutsideHullIsAStatus) {
  Rng rng(11, "simplicial-outside");
  const Eigen::MatrixXd X = uniform_points(rng, 100, 3, 0.0, 1.0);
  SimplicialInterpolator interp(X);
  const Eigen::VectorXd far = Eigen::VectorXd::Constant(3, 2.0);
  EXPECT_EQ(interp.locate(far).status, SimplexStatus::kOutsideHull);
  EXPECT_EQ(interp.locate_full_lp(far).status, SimplexStatus::kOutsideHull);
  // Just outside a face of the cube, still outside every training point's hull.
  Eigen::VectorXd near(3);
  near << 0.5, 0.5, X.col(2).maxCoeff() + 1e-6;
  EXPECT_EQ(interp.locate(near).status, SimplexStatus::kOutsideHull);
  // The solver object keeps working afterwards.
  EXPECT_TRUE(interp.locate(Eigen::VectorXd::Constant(3, 0.5)).inside());
}

TEST(Simplicial, RegressionReproducesLinearFunctions) {
  constexpr int d = 4;
  Rng rng(12, "simplicial-linear");
  const Eigen::MatrixXd X = uniform_points(rng, 300, d, 0.0, 1.0);
  const Eigen::VectorXd w = rng.normal_vector(d);
  const Eigen::VectorXd y = (X * w).array() + 0.7;
  SimplicialInterpolator interp(X);
  for (int j = 0; j < 20; ++j) {
    const Eigen::VectorXd x = uniform_points(rng, 1, d, 0.25, 0.75).row(0).transpose();
    const SimplexQuery q = interp.locate(x);
    ASSERT_TRUE(q.inside());
    EXPECT_NEAR(predict_regression(q, y), w.dot(x) + 0.7, 1e-10);
  }
}

// Exact probability by plain enumeration of all 2^m label patterns.
double enumerate_prob_minus(const Eigen::VectorXd& lambda, double p) {
  const int m = static_cast<int>(lambda.size());
  double total = 0.0;
  for (std::uint32_t mask = 0; mask < (1u << m); ++mask) {
    double weight = 1.0, s = 0.0;
    for (int i = 0; i < m; ++i) {
      const bool flipped = (mask >> i) & 1u;
      weight *= flipped ? p : 1.0 - p;
      s += flipped ? -lambda(i) : lambda(i);
    }
    total += s < 0.0 ? weight : (s == 0.0 ? 0.5 * weight : 0.0);
  }
  return total;
}

Eigen::VectorXd dirichlet(Rng& rng, int m) {
  Eigen::VectorXd w(m);
  for (int i = 0; i < m; ++i) w(i) = -std::log(1.0 - rng.uniform());
  return w / w.sum();
}

TEST(Simplicial, LabelAveragingIsExact) {
  // The two sums add up to 2^17 products in different orders.
  constexpr double kReorderedSumsTolerance = 1e-12;
  Rng rng(13, "simplicial-labels");
  for (int m : {1, 2, 4, 9, 17}) {
    for (double p : {0.0, 0.2, 0.5, 0.9}) {
      const Eigen::VectorXd lambda = dirichlet(rng, m);
      EXPECT_NEAR(prob_predict_minus(lambda, p), enumerate_prob_minus(lambda, p), kReorderedSumsTolerance)
          << "m " << m << " p " << p;
    }
  }
  // A vertex query copies one label, like 1-NN: probability p.
  EXPECT_NEAR(prob_predict_minus(Eigen::VectorXd::Unit(4, 2), 0.2), 0.2, kReorderedSumsTolerance);
  // Ties count half: (1/2, 1/4, 1/4) is negative when vertex 0 and another flip,
  // tied when vertex 0 alone, or 1 and 2 together, flip.
  Eigen::VectorXd tied(3);
  tied << 0.5, 0.25, 0.25;
  const double p = 0.2, q = 0.8;
  const double expected = p * (1 - q * q) + 0.5 * (p * q * q + q * p * p);
  EXPECT_NEAR(prob_predict_minus(tied, p), expected, kReorderedSumsTolerance);
  EXPECT_NEAR(prob_predict_minus(tied, p), enumerate_prob_minus(tied, p), kReorderedSumsTolerance);
}

TEST(Simplicial, LabelAveragingMatchesMonteCarlo) {
  constexpr int d = 3;
  constexpr int kDraws = 200000;
  constexpr double p = 0.2;
  Rng rng(14, "simplicial-label-mc");
  const Eigen::MatrixXd X = uniform_points(rng, 200, d, 0.0, 1.0);
  SimplicialInterpolator interp(X);
  // A query whose simplex has a vertex weight above 1/2 makes P(-1) far from 0 and 1.
  SimplexQuery q;
  for (int tries = 0; tries < 1000; ++tries) {
    q = interp.locate(uniform_points(rng, 1, d, 0.25, 0.75).row(0).transpose());
    if (q.inside() && q.lambda.maxCoeff() > 0.3 && q.lambda.maxCoeff() < 0.5) break;
  }
  ASSERT_TRUE(q.inside());
  const double exact = prob_predict_minus(q.lambda, p);
  Eigen::VectorXd y = Eigen::VectorXd::Ones(X.rows());
  double hits = 0.0;
  for (int t = 0; t < kDraws; ++t) {
    for (int k = 0; k <= d; ++k) y(q.vertices(k)) = rng.uniform() < p ? -1.0 : 1.0;
    const int sign = predict_sign(q, y);
    hits += sign < 0 ? 1.0 : (sign == 0 ? 0.5 : 0.0);
  }
  const double estimate = hits / kDraws;
  const double se = std::sqrt(exact * (1.0 - exact) / kDraws);
  EXPECT_GT(exact, 0.01);
  EXPECT_LE(std::abs(estimate - exact), kStandardErrors * se)
      << "Monte Carlo " << estimate << ", exact " << exact << ", SE " << se;
}

TEST(Simplicial, DirichletIdentityForSumOfSquaredWeights) {
  // x uniform in a fixed simplex has Dirichlet(1,...,1) coordinates, and then
  // E[sum lambda_i^2] = (d+1) * 2 / ((d+1)(d+2)) = 2/(d+2).
  constexpr int kSamples = 4000;
  for (int d : {2, 4, 8}) {
    Rng rng(15, "simplicial-dirichlet-" + std::to_string(d));
    const Eigen::MatrixXd V = rng.normal_matrix(d + 1, d);  // the simplex's vertices
    SimplicialInterpolator interp(V);
    double sum = 0.0, sum_sq = 0.0;
    for (int t = 0; t < kSamples; ++t) {
      const Eigen::VectorXd w = dirichlet(rng, d + 1);
      const Eigen::VectorXd x = V.transpose() * w;
      const SimplexQuery q = interp.locate(x);
      ASSERT_TRUE(q.inside()) << "d " << d << " sample " << t;
      ASSERT_LE((q.lambda - w).lpNorm<Eigen::Infinity>(), 1e-9) << "coordinates not recovered";
      const double s = sum_squared_weights(q);
      sum += s;
      sum_sq += s * s;
    }
    const double mean = sum / kSamples;
    const double se = std::sqrt((sum_sq / kSamples - mean * mean) / (kSamples - 1));
    EXPECT_LE(std::abs(mean - 2.0 / (d + 2)), kStandardErrors * se)
        << "d " << d << ": mean " << mean << ", expected " << 2.0 / (d + 2) << ", SE " << se;
  }
}

TEST(Simplicial, RejectsBadInput) {
  EXPECT_THROW(SimplicialInterpolator(Eigen::MatrixXd::Zero(2, 3)), std::invalid_argument);
  Rng rng(16, "simplicial-bad");
  SimplicialInterpolator interp(uniform_points(rng, 20, 2, 0.0, 1.0));
  EXPECT_THROW(interp.locate(Eigen::VectorXd::Zero(3)), std::invalid_argument);
  EXPECT_THROW(interp.locate(Eigen::VectorXd::Zero(2), {0, 20}), std::invalid_argument);
  EXPECT_THROW(prob_predict_minus(Eigen::VectorXd::Ones(1), 1.5), std::invalid_argument);
  SimplexQuery outside;
  outside.status = SimplexStatus::kOutsideHull;
  EXPECT_THROW(predict_regression(outside, Eigen::VectorXd::Ones(20)), std::invalid_argument);
}

}  // namespace
}  // namespace prism::models
