// one-nn: the peculiar case of 1-NN (Belkin 2021 §3.5.1; Cover & Hart 1967).
//
// x uniform in [0,1]^d, P(y = +1 | x) = eta(x) = x_1: R* = 1/4, the 1-NN limit
// R_inf = 1/3 and the Cover-Hart bound 2 R*(1 - R*) = 3/8. 1-NN interpolates
// (R_emp = 0: each training point is its own nearest neighbour) and its risk
// R_n, exact over every label (the pair error e(x) = eta(x)(1 - eta(x')) +
// eta(x')(1 - eta(x)), x' the nearest training input) and averaged over a
// jittered test grid (plain uniform points in d = 5), approaches the derived
// finite-n value R_pred(n, d) = 1/3 + 3/(2n^2) (d = 1), 1/3 + 1/(pi n) (d = 2).
//
// Controls, sweep points of their own: (a) rule = "knn", the majority vote of
// k = 2 floor(sqrt(n)/2) + 1 neighbours (consistent, not interpolating); its
// risk is exact over the test label given the drawn training labels. (b) eta =
// "stripes": eta = 0.1 / 0.9 on alternating stripes of x_1 of width 1/500,
// where n = 10^3 .. 10^5 points do not resolve the stripes.
//
// Each (seed, d, n) draws its training inputs and labels from streams named by
// d and n, so the 1-NN and k-NN points of one (d, n) see the same training set.
// docs/claims.md one-nn gives the derivations and the decisions.
#include <chrono>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "src/core/claim.h"
#include "src/core/timing.h"
#include "src/models/cover_hart.h"
#include "src/models/kd_tree.h"
#include "src/models/neighbor_rules.h"

namespace prism::claims {
namespace {

constexpr double kStripeWidth = 1.0 / 500;  // control (b)
constexpr double kStripeLow = 0.1, kStripeHigh = 0.9;

models::Eta eta_of(const std::string& name) {
  if (name == "linear") return models::Eta::linear();
  if (name == "stripes") return models::Eta::striped(kStripeWidth, kStripeLow, kStripeHigh);
  throw std::invalid_argument("one-nn: unknown eta '" + name + "'");
}

// k = 2 floor(sqrt(n)/2) + 1: odd, so the vote has no ties.
int vote_size(std::int64_t n) { return 2 * static_cast<int>(std::floor(std::sqrt(static_cast<double>(n)) / 2)) + 1; }

Measurement MeasureOneNn(const RunContext& ctx) {
  const std::string rule = ctx.str("rule");
  if (rule != "1nn" && rule != "knn") throw std::invalid_argument("one-nn: unknown rule '" + rule + "'");
  const models::Eta eta = eta_of(ctx.str("eta"));
  const int d = static_cast<int>(ctx.num("d"));
  const auto n = static_cast<std::int64_t>(ctx.num("n"));
  const auto m = static_cast<Eigen::Index>(ctx.num("test"));
  const std::string set = fmt::format("/d={}/n={}", d, n);

  // The training set of (seed, d, n): inputs, then labels y_i ~ eta(x_i).
  Rng inputs = ctx.rng("train-inputs" + set), labels = ctx.rng("train-labels" + set);
  Eigen::MatrixXd train(n, d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (int j = 0; j < d; ++j) train(i, j) = inputs.uniform();
  Eigen::VectorXd eta_train(n);
  std::vector<int> y(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    eta_train(i) = eta(train(i, 0));
    y[static_cast<size_t>(i)] = labels.uniform() < eta_train(i) ? 1 : -1;
  }
  // Test points: the jittered grid where m is a d-th power (d <= 2 here), else uniform.
  Rng test_rng = ctx.rng("test-points" + set), test_labels = ctx.rng("test-labels" + set);
  Eigen::MatrixXd test;
  if (d <= 2) {
    test = models::jittered_grid(m, d, test_rng);
  } else {
    test.resize(m, d);
    for (Eigen::Index i = 0; i < m; ++i)
      for (int j = 0; j < d; ++j) test(i, j) = test_rng.uniform();
  }

  auto t0 = std::chrono::steady_clock::now();
  const models::KdTree tree(train);
  const double build_seconds = seconds_since(t0);
  const int k = rule == "1nn" ? 1 : vote_size(n);
  std::vector<int> index(static_cast<size_t>(k)), votes(static_cast<size_t>(k));
  std::vector<double> d2(static_cast<size_t>(k));
  auto predict = [&](const double* x) {
    tree.nearest(x, k, index.data(), d2.data());
    for (int r = 0; r < k; ++r) votes[static_cast<size_t>(r)] = y[static_cast<size_t>(index[static_cast<size_t>(r)])];
    return models::majority_vote(votes.data(), k);  // k = 1: the nearest label
  };

  // Risk: exact over every label for 1-NN (pair error), exact over the test
  // label given the training labels for the vote; realised: one test label each.
  t0 = std::chrono::steady_clock::now();
  Eigen::VectorXd x(d);
  double risk = 0, realised = 0;
  for (Eigen::Index j = 0; j < m; ++j) {
    x = test.row(j).transpose();
    const int f = predict(x.data());
    const double eta_x = eta(x(0));
    risk += rule == "1nn" ? models::pair_error(eta_x, eta_train(index[0])) : models::prediction_error(eta_x, f);
    const int y_test = test_labels.uniform() < eta_x ? 1 : -1;
    realised += y_test != f;
  }
  const double query_seconds = seconds_since(t0);
  risk /= static_cast<double>(m), realised /= static_cast<double>(m);

  // Empirical risk on the drawn training labels, every training point queried.
  double wrong = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    x = train.row(i).transpose();
    wrong += predict(x.data()) != y[static_cast<size_t>(i)];
  }

  Measurement out;
  out.set("r_n", risk);
  out.set("realised_error", realised);
  out.set("r_emp", wrong / static_cast<double>(n));
  out.set("k", k);
  // Closed forms of the setting (mathematics, docs/claims.md one-nn), recorded
  // so the figures can draw them and check 3 can compare R_n with R_pred.
  out.set("r_star", eta.bayes_risk());
  out.set("r_limit", eta.nn_limit_risk());
  out.set("cover_hart_bound", models::cover_hart_bound(eta.bayes_risk()));
  out.set("r_n_minus_limit", risk - eta.nn_limit_risk());
  if (eta.kind == models::Eta::Kind::kLinear && d <= 2) {
    out.set("r_pred", models::finite_n_nn_risk(n, d));
    out.set("r_pred_minus_limit", models::finite_n_nn_risk(n, d) - eta.nn_limit_risk());
  }
  out.set("build_seconds", build_seconds);
  out.set("query_seconds", query_seconds);
  out.set("seconds_per_query", query_seconds / static_cast<double>(m));
  return out;
}

// z-scores of the seed mean of R_n against R_pred and against the limit
// 1/3, in standard errors over the training sets (reported, not a verdict:
// docs/claims.md one-nn traps). Written to every seed of the point.
void DeriveOneNn(std::vector<PointRuns>& points) {
  for (PointRuns& p : points) {
    if (p.runs.size() < 2) continue;
    for (const auto& [ref, z_name] : {std::pair{"r_pred", "z_pred"}, std::pair{"r_limit", "z_limit"}}) {
      if (!p.runs.front().scalars.count(ref)) continue;
      std::vector<double> diff;
      for (const Measurement& r : p.runs) diff.push_back(r.scalars.at("r_n") - r.scalars.at(ref));
      double mean = 0, sq = 0;
      for (double v : diff) mean += v;
      mean /= static_cast<double>(diff.size());
      for (double v : diff) sq += (v - mean) * (v - mean);
      const double se = std::sqrt(sq / static_cast<double>(diff.size() - 1) / static_cast<double>(diff.size()));
      const double z = se > 0 ? mean / se : 0.0;
      for (Measurement& r : p.runs) r.set(z_name, z);
    }
  }
}

Json point(const std::string& rule, const std::string& eta, int d, std::int64_t n, int test) {
  // checked: inside the range of checks 2 and 3 (n >= 1000, d in {1, 2}); the
  // control points are placed in it.
  const bool checked = n >= 1000 && d <= 2;
  return {{"rule", rule}, {"eta", eta}, {"d", d}, {"n", n}, {"test", test}, {"checked", checked}};
}

std::vector<Json> sweep(const std::vector<std::int64_t>& ns, int test) {
  std::vector<Json> pts;
  for (int d : {1, 2, 5})
    for (auto n : ns) pts.push_back(point("1nn", "linear", d, n, test));
  for (std::int64_t n : {1000, 10000}) pts.push_back(point("knn", "linear", 2, n, test));
  for (auto n : ns)
    if (n >= 1000 && n <= 100000) pts.push_back(point("1nn", "stripes", 2, n, test));
  return pts;
}

Json one_nn_at(int d) { return {{"rule", "1nn"}, {"eta", "linear"}, {"d", d}}; }

Figure against_n(const std::string& id, const std::string& title, const std::string& ylabel) {
  return Figure(id).Title(title).Axes("training points n", ylabel).LogX();
}

// 1-NN's scalar y in d = 2, 1 and 5, then the majority vote's (control a).
Figure per_dimension(Figure f, const std::string& y, const std::string& vote_label) {
  for (int d : {2, 1, 5}) f.Line(fmt::format("1-NN, d = {}", d), "n", y, one_nn_at(d));
  return f.Line(vote_label, "n", y, {{"rule", "knn"}});
}

Figure risk_figure() {
  return per_dimension(against_n("risk", "1-NN risk against n (eta = x_1): between R* and the Cover-Hart bound",
                                 "risk R_n"),
                       "r_n", "majority vote, k = 2 floor(sqrt(n)/2) + 1 (control a)")
      .Line("limit R_inf = 1/3", "n", "r_limit", one_nn_at(2))
      .Band("cover-hart-bound")
      .Caption("Seed means over 10 training sets with 95% intervals; R_n exact over the labels on a jittered test "
               "grid (uniform points in d = 5). The dashed levels are check 2's band: R* = 1/4 below, the "
               "Cover-Hart bound 2R*(1-R*) = 3/8 above. 1-NN sits at 1/3 + O(1/n) in d = 1, 2 and approaches 1/3 "
               "like n^(-2/5) in d = 5; the majority vote is consistent and falls to R* = 1/4.");
}

Figure finite_n_figure() {
  return against_n("finite-n", "Distance to the limit: measured R_n - 1/3 and the derived corrections", "R_n - 1/3")
      .Line("measured, d = 2", "n", "r_n_minus_limit", one_nn_at(2))
      .Line("derived 1/(pi n), d = 2", "n", "r_pred_minus_limit", one_nn_at(2))
      .Line("measured, d = 1", "n", "r_n_minus_limit", one_nn_at(1))
      .Line("derived 3/(2n^2), d = 1", "n", "r_pred_minus_limit", one_nn_at(1))
      .Caption("The wall correction: near x_1 = 0 and 1 the nearest neighbour lies inward on average. Check 3 "
               "asks |R_n - R_pred| <= 0.002 at n >= 1000, far wider than these corrections (<= 3.2e-4 there).");
}

Figure interpolation_figure() {
  return per_dimension(against_n("interpolation", "Empirical risk on the training labels", "R_emp"), "r_emp",
                       "majority vote (control a)")
      .Band("interpolation")
      .Legend("south east")
      .Caption("1-NN copies each training point's own label (distance 0): R_emp = 0 exactly. The majority vote "
               "does not interpolate: a point's own label is one vote of k, R_emp is near R* = 1/4.");
}

Figure z_figure() {
  return against_n("z", "R_n against the derived finite-n value, in standard errors over training sets",
                   "z = (mean R_n - R_pred) / SE")
      .Line("d = 1, against 1/3 + 3/(2n^2)", "n", "z_pred", one_nn_at(1))
      .Line("d = 2, against 1/3 + 1/(pi n)", "n", "z_pred", one_nn_at(2))
      .Line("d = 5, against the limit 1/3", "n", "z_limit", one_nn_at(5))
      .Caption("Reported, not a verdict (check 3 is |R_n - R_pred| <= 0.002): at n = 100 in d = 1, 2 the per-set "
               "values are heavy-tailed and 10 sets understate the standard error; in d = 5 the wall correction "
               "decays like n^(-2/5) and stays many standard errors above 1/3 at every n run.");
}

Figure stripes_figure() {
  const Json stripes = {{"rule", "1nn"}, {"eta", "stripes"}};
  return against_n("stripes", "Control (b): eta = 0.1 / 0.9 on stripes of width 1/500 (d = 2)", "risk R_n")
      .Line("1-NN R_n", "n", "r_n", stripes)
      .Band("stripes-not-resolved")
      .Legend("south west")
      .Caption("The dashed levels are the striped setting's R* = 0.1 and Cover-Hart bound 0.18 (= R_inf, since "
               "min(eta, 1 - eta) is constant). The neighbours do not resolve the stripes, so the nearest label is a coin toss between the "
               "stripes and R_n is near 0.5, far above the bound: the Cover-Hart bound is a statement about "
               "n -> inf.");
}

PRISM_CLAIM("one-nn", MeasureOneNn)
    ->Title("The peculiar case of 1-NN: interpolating, yet within twice the Bayes risk")
    ->Source("Belkin 2021 §3.5.1; Cover & Hart 1967")
    ->Statement("1-NN fits every training label (R_emp = 0), yet its risk tends to E 2 eta (1 - eta), between R* "
                "and the Cover-Hart bound 2R*(1 - R*): for eta(x) = x_1, 1/3 between 1/4 and 3/8, reached at "
                "n >= 1000 in d = 1, 2 within the derived finite-n corrections 3/(2n^2) and 1/(pi n).")
    ->Sweep("quick", sweep({100, 1000, 10000}, 40000))
    ->Sweep("full", sweep({100, 1000, 10000, 100000, 1000000}, 160000))
    // 10 training sets per (d, n), as specified: the checks are absolute bands
    // far from the means, and 10 sets give the z-scores their standard errors.
    ->Seeds(10)
    ->Derive(DeriveOneNn)
    ->Note("R_n is measured exactly over the labels (Rao-Blackwellised): e(x) = eta(x)(1 - eta(x')) + eta(x')(1 - "
           "eta(x)) averaged over a jittered grid of test points; drawn labels give the realised error "
           "(reported). R_pred is derived (docs/claims.md one-nn): the corrections come from the walls x_1 = 0, 1, "
           "where the nearest neighbour lies inward on average.")
    ->Plot(risk_figure())
    ->Plot(finite_n_figure())
    ->Plot(z_figure())
    ->Plot(interpolation_figure())
    ->Plot(stripes_figure());

}  // namespace
}  // namespace prism::claims
