// simplicial-excess-risk: the blessing of dimensionality of simplicial
// interpolation (Belkin 2021 §3.5.2, Fig. 3; Belkin, Hsu, Mitra 2018 Thm 3.4).
//
// Part A ("geometry"): the paper's example. The standard d-simplex with
// vertices e_1..e_d labelled +1 and the origin labelled -1 (the noisy vertex),
// x uniform in the simplex. The simplicial interpolant sum_i lambda_i y_i
// equals 2 sum_j x_j - 1, so it disagrees with f* = +1 on {sum_j x_j < 1/2},
// a copy of the simplex scaled by 1/2 and of volume fraction 2^-d. Measured by
// Monte Carlo with Dirichlet(1,...,1) barycentric coordinates, the sign taken
// by the library's own predict_sign.
//
// Part B ("interpolation"): real Delaunay interpolation (lifting-map LP, Clp)
// of n points uniform in [0,1]^d with labels +1 flipped with probability p,
// evaluated at test points uniform in the inner cube [0.25,0.75]^d. The labels
// are independent of the geometry, so they are averaged out exactly: for each
// test point, P(f_simp(x) = -1) over the 2^(d+1) label patterns of its
// simplex's vertices (prob_predict_minus), and the regression noise variance
// sigma^2 sum lambda_i^2. The control is 1-NN on the same training and test
// points, measured through the same functions with the one-vertex weight
// vector (1): its excess stays at (1-2p) p and sigma^2 whatever d is.
#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

#include "src/core/claim.h"
#include "src/core/timing.h"
#include "src/models/nearest_neighbor.h"
#include "src/models/simplicial.h"

namespace prism::claims {
namespace {

constexpr double kNoiseSigma = 1.0;  // regression noise N(0, sigma^2) (docs/claims.md)

// ---------------------------------------------------------------- Part A

Measurement MeasureGeometry(const RunContext& ctx) {
  const int d = static_cast<int>(ctx.num("d"));
  const auto samples = static_cast<std::int64_t>(ctx.num("samples"));
  Rng rng = ctx.rng("simplex");
  std::exponential_distribution<double> expo(1.0);
  // Vertices 0..d-1 are e_1..e_d (label +1), vertex d is the origin (label -1).
  Eigen::VectorXd y = Eigen::VectorXd::Ones(d + 1);
  y(d) = -1.0;
  models::SimplexQuery q;
  q.status = models::SimplexStatus::kInside;
  q.vertices = Eigen::VectorXi::LinSpaced(d + 1, 0, d);
  q.lambda.resize(d + 1);
  std::int64_t hits = 0, ties = 0;
  for (std::int64_t s = 0; s < samples; ++s) {
    // Normalised exponentials are Dirichlet(1,...,1): uniform in the simplex.
    double total = 0;
    for (int i = 0; i <= d; ++i) total += (q.lambda(i) = expo(rng.engine()));
    q.lambda /= total;
    const int sign = models::predict_sign(q, y);  // f_simp(x) = sign(sum_i lambda_i y_i)
    hits += sign < 0;
    ties += sign == 0;
  }
  const double estimate = (static_cast<double>(hits) + 0.5 * static_cast<double>(ties)) / samples;
  // The volume of {f_simp != f*} is 2^-d of the simplex (paper §3.5.2: the set is
  // the simplex scaled by 1/2). The z-score measures the distance in binomial
  // standard errors computed from that fraction, not from the estimate, so that
  // an estimate with no hits is not given a zero standard error (docs/claims.md).
  const double scaled = std::ldexp(estimate, d);  // estimate * 2^d
  const double target_fraction = std::ldexp(1.0, -d);
  const double se_scaled = std::sqrt((1.0 - target_fraction) / target_fraction / samples);
  Measurement m;
  m.set("samples", static_cast<double>(samples));
  m.set("hits", static_cast<double>(hits));
  m.set("estimate", estimate);
  m.set("estimate_times_2_pow_d", scaled);
  m.set("z", (scaled - 1.0) / se_scaled);
  return m;
}

// ---------------------------------------------------------------- Part B

// Training points, test points and their Delaunay simplices for one (d, n,
// test count, seed): the simplicial and the 1-NN point of the same seed see
// the same data and the same test points.
struct Located {
  Eigen::MatrixXd train, test;
  std::vector<models::SimplexQuery> queries;
  double locate_seconds = 0;
};

// Shared by the simplicial and 1-NN points of the same d (ShareBy part and d).
std::shared_ptr<const Located> located(const RunContext& ctx) {
  const int d = static_cast<int>(ctx.num("d"));
  const int n = static_cast<int>(ctx.num("n"));
  const int test = static_cast<int>(ctx.num("test"));
  return ctx.shared(fmt::format("located/d={}/n={}/test={}/seed={}", d, n, test, ctx.seed()), [&] {
    Located l;
    Rng train_rng = ctx.rng("train"), test_rng = ctx.rng("test");
    l.train.resize(n, d);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < d; ++j) l.train(i, j) = train_rng.uniform();
    l.test.resize(test, d);
    for (int i = 0; i < test; ++i)
      for (int j = 0; j < d; ++j) l.test(i, j) = test_rng.uniform(0.25, 0.75);
    const auto t0 = std::chrono::steady_clock::now();
    models::SimplicialInterpolator interp(l.train);
    l.queries = interp.locate_all(l.test);
    l.locate_seconds = seconds_since(t0);
    return l;
  });
}

// g(x) = 1 + sum_j x_j / sqrt(d): linear, so the simplicial interpolant of its
// values reproduces it exactly and its regression excess is pure variance.
double linear_target(const Eigen::VectorXd& x) {
  return 1.0 + x.sum() / std::sqrt(static_cast<double>(x.size()));
}

Measurement MeasureInterpolation(const RunContext& ctx) {
  const std::string method = ctx.str("method");
  const double p = ctx.num("p");
  const int d = static_cast<int>(ctx.num("d"));
  if (method != "simplicial" && method != "1nn")
    throw std::invalid_argument("simplicial-excess-risk: unknown method " + method);
  auto l = located(ctx);
  const auto rows = static_cast<int>(l->test.rows());
  Eigen::VectorXd g_train(l->train.rows());
  for (Eigen::Index i = 0; i < l->train.rows(); ++i) g_train(i) = linear_target(l->train.row(i).transpose());

  // Test points outside the hull of the training data have no simplex: both
  // methods drop them, so both are measured on the same points.
  std::vector<int> kept;
  int outside = 0, degenerate = 0, failed = 0;
  for (int j = 0; j < rows; ++j) {
    switch (l->queries[j].status) {
      case models::SimplexStatus::kInside: kept.push_back(j); break;
      case models::SimplexStatus::kOutsideHull: ++outside; break;
      case models::SimplexStatus::kDegenerate: ++degenerate; break;
      case models::SimplexStatus::kSolverFailure: ++failed; break;
    }
  }
  if (kept.empty()) throw std::runtime_error("simplicial-excess-risk: no test point inside the hull");

  // The weights of each predictor at each kept test point: the simplex's
  // barycentric coordinates, or the single weight 1 on the nearest neighbour.
  std::vector<models::SimplexQuery> weights;
  weights.reserve(kept.size());
  if (method == "simplicial") {
    for (int j : kept) weights.push_back(l->queries[j]);
  } else {
    Eigen::MatrixXd q(kept.size(), d);
    for (size_t k = 0; k < kept.size(); ++k) q.row(k) = l->test.row(kept[k]);
    const Eigen::VectorXi nn = models::nearest_neighbor(l->train, q);
    for (size_t k = 0; k < kept.size(); ++k) {
      models::SimplexQuery w;
      w.status = models::SimplexStatus::kInside;
      w.vertices = Eigen::VectorXi::Constant(1, nn(k));
      w.lambda = Eigen::VectorXd::Ones(1);
      weights.push_back(std::move(w));
    }
  }

  // Exact over the labels, Monte Carlo over the test points.
  double prob_minus = 0, sum_sq = 0, bias_sq = 0, max_reproduction_error = 0, min_lambda = 1;
  for (size_t k = 0; k < kept.size(); ++k) {
    const models::SimplexQuery& w = weights[k];
    prob_minus += models::prob_predict_minus(w.lambda, p);
    sum_sq += models::sum_squared_weights(w);
    const double err = models::predict_regression(w, g_train) - linear_target(l->test.row(kept[k]).transpose());
    bias_sq += err * err;
    max_reproduction_error = std::max(max_reproduction_error, std::abs(err));
    min_lambda = std::min(min_lambda, w.lambda.minCoeff());
  }
  const double count = static_cast<double>(kept.size());
  prob_minus /= count, sum_sq /= count, bias_sq /= count;
  const double excess = (1.0 - 2.0 * p) * prob_minus;  // R(f) - R* with f* = +1, R* = p
  const double variance = kNoiseSigma * kNoiseSigma * sum_sq;

  Measurement m;
  m.set("test_points", count);
  m.set("outside_hull", outside);
  m.set("degenerate", degenerate + failed);
  m.set("prob_predict_minus", prob_minus);
  m.set("excess_risk", excess);
  m.set("sqrt_d_excess_risk", std::sqrt(static_cast<double>(d)) * excess);
  m.set("mean_sum_lambda_sq", sum_sq);
  // mean sum lambda^2 / (2/(d+2)): in units of its Dirichlet(1,...,1) value (docs/claims.md check 4).
  m.set("sum_lambda_sq_ratio", sum_sq * (d + 2) / 2.0);
  m.set("regression_variance", variance);
  m.set("regression_bias_sq", bias_sq);
  m.set("regression_excess", variance + bias_sq);
  m.set("linear_reproduction_error", max_reproduction_error);
  m.set("min_weight", min_lambda);
  if (method == "simplicial") {
    m.set("locate_seconds", l->locate_seconds);
    double iterations = 0;
    for (int j : kept) iterations += l->queries[j].simplex_iterations;
    m.set("lp_iterations_per_query", iterations / count);
  }
  return m;
}

Measurement MeasureSimplicial(const RunContext& ctx) {
  const std::string part = ctx.str("part");
  if (part == "geometry") return MeasureGeometry(ctx);
  if (part == "interpolation") return MeasureInterpolation(ctx);
  throw std::invalid_argument("simplicial-excess-risk: unknown part " + part);
}

constexpr double kFlip = 0.2;
const std::vector<int> kDims = {2, 3, 4, 6, 8, 12, 16};

std::vector<Json> sweep(int n, int test) {
  std::vector<Json> pts;
  for (int d = 1; d <= 16; ++d)
    pts.push_back({{"part", "geometry"}, {"d", d}, {"samples", 100 * (std::int64_t{1} << d)}});
  // The simplicial point of each d runs first and leaves its simplices for the 1-NN point.
  for (int d : kDims)
    for (const char* method : {"simplicial", "1nn"})
      pts.push_back({{"part", "interpolation"}, {"method", method}, {"d", d}, {"n", n}, {"test", test}, {"p", kFlip}});
  return pts;
}

// Part B's excess risk `y` of the simplicial interpolant and of 1-NN against d, log-log.
Figure against_dimension(const std::string& id, const std::string& title, const std::string& ylabel,
                         const std::string& y) {
  return Figure(id)
      .Title(title)
      .Axes("dimension d", ylabel)
      .LogX()
      .LogY()
      .Line("simplicial interpolation", "d", y, {{"part", "interpolation"}, {"method", "simplicial"}})
      .Line("1-NN (control)", "d", y, {{"part", "interpolation"}, {"method", "1nn"}});
}

PRISM_CLAIM("simplicial-excess-risk", MeasureSimplicial)
    ->Title("Simplicial interpolation: the excess risk falls with the dimension")
    ->Source("Belkin 2021 §3.5.2, Fig. 3; Belkin, Hsu, Mitra 2018 Thm 3.4")
    ->Statement("The simplicial (Delaunay) interpolant fits noisy labels exactly, yet its wrong predictions are "
                "confined near the noisy points, in a region whose share of each simplex shrinks with d: in the "
                "standard simplex with one noisy vertex it is exactly 2^-d, and on sampled data the excess risk "
                "R(f_simp) - R(f*) falls with d (O(1/sqrt d)), for classification and regression alike, while the "
                "1-NN interpolator stays at (1-2p) p and sigma^2.")
    // Quick: n = 2000 (docs/claims.md) with 2000 test points instead of 500. With few
    // training points the simplices are large, most straddle the boundary of the test
    // cube and mean sum lambda^2 (d+2)/2 sits at about 0.962 at d = 16 (0.98 at n = 10^4),
    // near the 0.95 edge of check (4): 500 test points leave it inconclusive in about
    // one run of five (8 seeds), 2000 decide it. The LP costs ~2 ms a query at d = 16,
    // whether n is 2000 or 10^4.
    ->Sweep("quick", sweep(2000, 2000))
    ->Sweep("full", sweep(10000, 500))
    // More seeds than docs/claims.md's 3: the checks decide on t intervals over seeds. With 3
    // seeds (t = 4.30) the Part A band on z is inconclusive at one d or more in about 9
    // runs of 10 (simulated, z ~ N(0,1)); with 5 in about 1 of 2000. Full runs 8 to give
    // check (4) at d = 16 its margin with 500 test points.
    ->Seeds("quick", 5)
    ->Seeds("full", 8)
    ->ShareBy({"part", "d"})
    ->Note("At a fixed noise level the excess falls faster than 1/sqrt d (exponentially, as the paper says under a "
           "margin condition); the 1/sqrt d rate is the worst case over the noise level.")
    ->Plot(against_dimension("excess", "Classification excess risk against the dimension (p = 0.2)",
                             "excess risk (1-2p) P(f(x) = -1)", "excess_risk")
               .Band("classification-slope")
               .Caption("Seed means with 95% intervals; labels averaged out exactly over each simplex's 2^(d+1) "
                        "label patterns. The check asks for a fitted log-log slope <= -0.4 (1/sqrt d is -0.5); the "
                        "curve bends down, faster than 1/sqrt d at this fixed noise level (see the note). 1-NN copies "
                        "one label and stays at (1-2p) p = 0.12."))
    ->Plot(against_dimension("regression", "Regression excess risk against the dimension (sigma = 1, linear g)",
                             "E[(f(x) - g(x))^2]", "regression_excess")
               .Band("regression-slope")
               .Caption("Simplicial interpolation reproduces a linear g exactly, so its excess is the noise variance "
                        "sigma^2 E[sum lambda_i^2], close to 2/(d+2); 1-NN's is sigma^2 plus a small bias."))
    ->Plot(Figure("geometry").Title("Standard simplex: volume where f_simp != f*, times 2^d")
          .Axes("dimension d", "Monte Carlo estimate x 2^d")
          .Line("100 x 2^d samples per seed", "d", "estimate_times_2_pow_d", {{"part", "geometry"}})
          .Caption("The exact value is 1 at every d (the set is the simplex scaled by 1/2); one binomial standard "
                   "error is sqrt((1 - 2^-d) / 100) of it per seed, about 0.1."))
    ->Plot(Figure("geometry-z").Title("Standard simplex: Monte Carlo error in standard errors")
          .Axes("dimension d", "z = (estimate - 2^-d) / SE")
          .Line("z-score", "d", "z", {{"part", "geometry"}})
          .Band("volume-fraction-2-pow-minus-d")
          .Caption("Standard errors from the exact fraction 2^-d; the dashed lines are the +-4 band of the check."));

}  // namespace
}  // namespace prism::claims
