// uniform-stability: SGD is uniformly stable for a reasonable number of steps
// (Hardt, Recht, Singer 2016, Thm 3.8, Lemma 3.7, Thm 2.2; the memorisation
// lecture of the course seeds).
//
// Two data sets S, S' that differ in their last example ("flip": (x_n, -y_n);
// "fresh": a new draw), SGD from w0 = 0 with a constant step alpha and the SAME
// sample path i_t (uniform, with replacement) on both. For a convex, L-Lipschitz,
// beta-smooth loss and alpha <= 2/beta the step is 1-expansive, so
// E||w_T - w'_T|| <= 2 L alpha T / n, the stability eps <= 2 L^2 alpha T / n
// bounds |f(w_T; z) - f(w'_T; z)| and the expected generalisation gap.
// Setting (docs/claims.md): d = 20, x uniform on the unit sphere (L = 1),
// y = sign(x_1) flipped with q = 0.1, n = 100; logistic loss (beta = 1/4) at
// alpha = 0.5..4; the linear loss, where the bound is attained exactly; and, as
// the control, a symmetric hilltop (non-convex) where the two runs roll into
// opposite wells and the divergence exceeds the bound many times.
// A seed is one data-set pair (and its own gap data sets); its paths share
// every checkpoint T, computed once per (loss, replacement, alpha, seed).
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/core/claim.h"
#include "src/core/stats.h"
#include "src/optim/stability.h"

namespace prism::claims {
namespace {

using optim::StabilityLoss;

constexpr int kDim = 20, kExamples = 100;
constexpr double kFlip = 0.1;
constexpr double kLipschitz = 1.0;  // ||x|| = 1
const std::vector<double> kEpochs = {0.25, 0.5, 1, 2, 5, 10};
constexpr int kStabilityPoints = 1000;  // fresh z, besides the training points and the replaced one
constexpr int kTestPoints = 2000;       // per gap data set: R(w) unbiased
// The control's hilltop: s = 5, c = 5 (L = 10, beta = 1/2), alpha = 0.02, n = 4000.
constexpr double kHillScale = 5, kHillPull = 5, kHillStep = 0.02;
constexpr int kHillExamples = 4000;
const std::vector<double> kHillEpochs = {0.125, 0.25, 0.5, 1, 2};

struct Scale {
  int paths, gap_sets, gap_paths;
};
Scale scale_of(const std::string& preset) { return preset == "full" ? Scale{2000, 40, 20} : Scale{500, 25, 10}; }

struct Labelled {
  std::vector<Eigen::VectorXd> x;
  std::vector<double> y;
};

void draw_examples(Labelled& s, int count, Rng& rng) {
  for (int i = 0; i < count; ++i) {
    Eigen::VectorXd x = rng.normal_vector(kDim);
    x /= x.norm();
    double y = x(0) >= 0 ? 1 : -1;
    if (rng.uniform() < kFlip) y = -y;
    s.x.push_back(std::move(x));
    s.y.push_back(y);
  }
}

double mean_loss(StabilityLoss loss, const Eigen::VectorXd& w, const Labelled& s) {
  double total = 0;
  for (size_t i = 0; i < s.x.size(); ++i) total += optim::stability_loss(loss, w, s.x[i], s.y[i]);
  return total / s.x.size();
}

// Per checkpoint: the mean and SE over paths of ||w_T - w'_T||, the stability
// max_z |E f(w_T; z) - E f(w'_T; z)|, and the gap E[R(w_T) - R_S(w_T)].
struct Coupled {
  std::vector<double> div, div_se, stab, gap;
};

Coupled run_coupled(StabilityLoss loss, const std::string& replacement, double alpha, std::uint64_t seed,
                    const Scale& sc) {
  Rng data(seed, "pair");
  Labelled S;
  draw_examples(S, kExamples, data);
  Labelled S2 = S;
  if (replacement == "flip") S2.y.back() = -S2.y.back();
  else {
    Labelled fresh;
    draw_examples(fresh, 1, data);
    S2.x.back() = fresh.x[0], S2.y.back() = fresh.y[0];
  }
  Labelled probes;  // fresh points, every training point, the replaced one
  Rng probe_rng(seed, "stability-points");
  draw_examples(probes, kStabilityPoints, probe_rng);
  for (int i = 0; i < kExamples; ++i) probes.x.push_back(S.x[i]), probes.y.push_back(S.y[i]);
  probes.x.push_back(S2.x.back()), probes.y.push_back(S2.y.back());

  const size_t C = kEpochs.size(), P = probes.x.size();
  std::vector<RunningMean> divergence(C);
  std::vector<Eigen::VectorXd> f_sum(C, Eigen::VectorXd::Zero(P)), g_sum(C, Eigen::VectorXd::Zero(P));
  Rng paths(seed, "paths/" + replacement + fmt::format("/{:g}", alpha));
  for (int r = 0; r < sc.paths; ++r) {
    Eigen::VectorXd w = Eigen::VectorXd::Zero(kDim), v = w;
    long t = 0;
    for (size_t c = 0; c < C; ++c) {
      for (const long T = std::lround(kEpochs[c] * kExamples); t < T; ++t) {
        const size_t i = paths.index(kExamples);
        optim::stability_step(loss, w, S.x[i], S.y[i], alpha);
        optim::stability_step(loss, v, S2.x[i], S2.y[i], alpha);
      }
      divergence[c].add((w - v).norm());
      for (size_t z = 0; z < P; ++z) {
        f_sum[c](z) += optim::stability_loss(loss, w, probes.x[z], probes.y[z]);
        g_sum[c](z) += optim::stability_loss(loss, v, probes.x[z], probes.y[z]);
      }
    }
  }
  Coupled out;
  for (size_t c = 0; c < C; ++c) {
    out.div.push_back(divergence[c].mean());
    out.div_se.push_back(divergence[c].se());
    out.stab.push_back((f_sum[c] - g_sum[c]).cwiseAbs().maxCoeff() / sc.paths);
  }
  if (replacement != "flip") return out;
  // The gap on data sets of this seed's own, fresh test points for R.
  out.gap.assign(C, 0.0);
  Rng gap_rng(seed, "gap-data"), gap_paths(seed, fmt::format("gap-paths/{:g}", alpha));
  for (int g = 0; g < sc.gap_sets; ++g) {
    Labelled train, test;
    draw_examples(train, kExamples, gap_rng);
    draw_examples(test, kTestPoints, gap_rng);
    for (int r = 0; r < sc.gap_paths; ++r) {
      Eigen::VectorXd w = Eigen::VectorXd::Zero(kDim);
      long t = 0;
      for (size_t c = 0; c < C; ++c) {
        for (const long T = std::lround(kEpochs[c] * kExamples); t < T; ++t) {
          const size_t i = gap_paths.index(kExamples);
          optim::stability_step(loss, w, train.x[i], train.y[i], alpha);
        }
        out.gap[c] += (mean_loss(loss, w, test) - mean_loss(loss, w, train)) / (sc.gap_sets * sc.gap_paths);
      }
    }
  }
  return out;
}

// The control: one scalar parameter on the hilltop, n = 4000 examples with
// z = 0 but the last (z = +1 in S, -1 in S'); both runs stay on the top until
// that example is drawn, then roll into opposite wells.
Coupled run_hilltop(std::uint64_t seed, const Scale& sc) {
  const size_t C = kHillEpochs.size();
  std::vector<RunningMean> divergence(C);
  std::vector<double> f(C, 0), g(C, 0);
  Rng paths(seed, "hilltop-paths");
  for (int r = 0; r < sc.paths; ++r) {
    double w = 0, v = 0;
    long t = 0;
    for (size_t c = 0; c < C; ++c) {
      for (const long T = std::lround(kHillEpochs[c] * kHillExamples); t < T; ++t) {
        const bool last = paths.index(kHillExamples) == kHillExamples - 1;
        w -= kHillStep * optim::hilltop_gradient(w, last ? 1.0 : 0.0, kHillScale, kHillPull);
        v -= kHillStep * optim::hilltop_gradient(v, last ? -1.0 : 0.0, kHillScale, kHillPull);
      }
      divergence[c].add(std::abs(w - v));
      f[c] += optim::hilltop_loss(w, 1.0, kHillScale, kHillPull), g[c] += optim::hilltop_loss(v, 1.0, kHillScale, kHillPull);
    }
  }
  Coupled out;
  for (size_t c = 0; c < C; ++c) {
    out.div.push_back(divergence[c].mean());
    out.div_se.push_back(divergence[c].se());
    out.stab.push_back(std::abs(f[c] - g[c]) / sc.paths);  // at the test point z = +1
  }
  return out;
}

Measurement MeasureStability(const RunContext& ctx) {
  const std::string loss_name = ctx.str("loss");
  const double alpha = ctx.num("alpha"), epochs = ctx.num("epochs");
  const Scale sc = scale_of(ctx.preset());
  const bool hill = loss_name == "hilltop";
  const int n = hill ? kHillExamples : kExamples;
  const double L = hill ? kHillScale + kHillPull : kLipschitz;
  const std::string replacement = hill ? "flip" : ctx.str("replacement");
  const auto runs = ctx.shared(fmt::format("{}/{}/{:g}/seed={}", loss_name, replacement, alpha, ctx.seed()), [&] {
    if (hill) return run_hilltop(ctx.seed(), sc);
    return run_coupled(loss_name == "logistic" ? StabilityLoss::kLogistic : StabilityLoss::kLinear, replacement, alpha,
                       ctx.seed(), sc);
  });
  const auto& grid = hill ? kHillEpochs : kEpochs;
  const size_t c = std::find(grid.begin(), grid.end(), epochs) - grid.begin();
  if (c == grid.size()) throw std::invalid_argument("uniform-stability: no checkpoint at " + std::to_string(epochs) + " epochs");
  const double steps = epochs * n, sum_alpha = alpha * steps;
  const double div_bound = 2 * L * sum_alpha / n, stab_bound = 2 * L * L * sum_alpha / n;
  Measurement m;
  m.set("sum_alpha", sum_alpha);
  m.set("divergence", runs->div[c]);
  m.set("divergence_se", runs->div_se[c]);
  m.set("divergence_bound", div_bound);
  // The lemma per pair: the path mean plus 4 of its standard errors under the bound.
  m.set("divergence_ratio", (runs->div[c] + 4 * runs->div_se[c]) / div_bound);
  m.set("stability", runs->stab[c]);
  m.set("stability_ratio", runs->stab[c] / stab_bound);
  if (!runs->gap.empty()) {
    m.set("gap", runs->gap[c]);
    m.set("gap_over_bound", runs->gap[c] / stab_bound);
  }
  if (loss_name == "linear") {  // exact: the bound is attained (mathematics of the point)
    m.set("divergence_closed_form", optim::linear_expected_divergence(alpha, steps, n));
    m.set("gap_closed_form", optim::linear_expected_gap(alpha, steps, n, kDim, kFlip));
  }
  return m;
}

// The worst pair of every point (the lemma and the stability bound hold pair
// by pair), and the effect of halving alpha: the ratio to the point with
// alpha / 2, seed by seed, beside the same ratio of the closed forms.
void DeriveStability(std::vector<PointRuns>& points) {
  for (auto& p : points)
    for (const std::string q : {"divergence_ratio", "stability_ratio"})
      record_worst_over_seeds(p, q, Worst::kLargest, q + "_worst_pair");
  for (auto& p : points) {
    if (!p.params.value("has_half", false)) continue;
    Json half = p.params;
    half["alpha"] = p.params["alpha"].get<double>() / 2;
    half.erase("has_half");
    const PointRuns* h = nullptr;
    for (const auto& q : points)
      if (where_matches(q.params, half)) h = &q;
    if (!h) throw std::logic_error("uniform-stability: no alpha/2 point for " + point_label(p.params));
    for (size_t s = 0; s < p.runs.size(); ++s)
      for (const char* q : {"divergence", "gap", "divergence_closed_form", "gap_closed_form"}) {
        auto& sc = p.runs[s].scalars;
        if (sc.count(q)) sc[std::string(q) + "_halving_ratio"] = sc.at(q) / h->runs[s].scalars.at(q);
      }
  }
}

std::vector<Json> sweep() {
  std::vector<Json> pts;
  for (const char* loss : {"logistic", "linear"})
    for (const char* replacement : {"flip", "fresh"}) {
      if (std::string(loss) == "linear" && std::string(replacement) == "fresh") continue;
      for (double alpha : {0.5, 1.0, 2.0, 4.0})
        for (double epochs : kEpochs)
          pts.push_back({{"loss", loss}, {"replacement", replacement}, {"alpha", alpha}, {"epochs", epochs},
                         {"has_half", alpha > 0.5}});
    }
  for (double epochs : kHillEpochs) pts.push_back({{"loss", "hilltop"}, {"alpha", kHillStep}, {"epochs", epochs}});
  return pts;
}

Json arm(const char* loss, double alpha) { return {{"loss", loss}, {"replacement", "flip"}, {"alpha", alpha}}; }

Figure against_sum_alpha(const std::string& id, const std::string& title, const std::string& ylabel, const std::string& y) {
  Figure f = Figure(id).Title(title).Axes("sum of steps alpha T", ylabel).LogX().LogY().Legend("north west");
  for (double alpha : {0.5, 1.0, 2.0, 4.0}) f.Line(fmt::format("logistic, alpha = {:g}", alpha), "sum_alpha", y, arm("logistic", alpha));
  return f.Line("linear loss (exact case), alpha = 1", "sum_alpha", y, arm("linear", 1.0));
}

PRISM_CLAIM("uniform-stability", MeasureStability)
    ->Title("SGD is uniformly stable: divergence and gap at most 2 L^2 sum alpha_t / n")
    ->Source("Hardt, Recht, Singer 2016, Thm 3.8, Lemma 3.7, Thm 2.2; the memorisation lecture (course seeds)")
    ->Statement("On two data sets that differ in one example, SGD with a shared sample path and a constant step "
                "alpha <= 2/beta on a convex, L-Lipschitz, beta-smooth loss diverges by at most 2 L alpha T / n in "
                "expectation, so it is 2 L^2 alpha T / n uniformly stable and its expected generalisation gap is "
                "at most that; halving the step size roughly halves both. A non-convex hilltop breaks the bound.")
    ->Sweep("quick", sweep())
    ->Sweep("full", sweep())
    ->Seeds("quick", 8)
    ->Seeds("full", 20)
    ->ShareBy({"loss", "replacement", "alpha"})
    ->Derive(DeriveStability)
    ->Note("A seed is one data-set pair: 500 shared sample paths (full 2000) give the divergence and the stability "
           "at every checkpoint T = n/4 .. 10 n; the gap comes from 25 data sets x 10 paths per seed (full 40 x 20), "
           "with 2000 fresh test points per data set. 'Worst pair' quantities are the maximum over the seeds' "
           "pairs, the bound holding pair by pair.")
    ->Plot(against_sum_alpha("divergence", "E||w_T - w'_T|| against sum alpha_t (flipped example)",
                             "divergence", "divergence")
               .Line("bound 2 L sum alpha_t / n", "sum_alpha", "divergence_bound", arm("linear", 1.0))
               .Caption("Shared sample paths. The linear loss attains the bound exactly; the logistic loss stays "
                        "below it and bends as its gradients saturate."))
    ->Plot(against_sum_alpha("gap", "Generalisation gap E[R(w_T) - R_S(w_T)] against sum alpha_t", "gap", "gap")
               .Caption("Each logistic curve stays below 2 L^2 sum alpha_t / n (check gap-within-bound); the linear "
                        "loss follows alpha T (1 - ||m||^2) / n, 0.49 of the bound."))
    ->Plot(Figure("hilltop")
               .Title("Control: a non-convex hilltop, divergence over the bound")
               .Axes("epochs T / n", "(divergence + 4 SE) / (2 L alpha T / n)")
               .LogX()
               .LogY()
               .Line("hilltop, worst pair", "epochs", "divergence_ratio_worst_pair", {{"loss", "hilltop"}})
               .Line("logistic alpha = 4, worst pair", "epochs", "divergence_ratio_worst_pair", arm("logistic", 4.0))
               .Band("divergence-within-bound")
               .Caption("On the hilltop both runs stay at the top until the differing example is drawn, then roll "
                        "into opposite wells: the divergence exceeds the convex bound many times."));

}  // namespace
}  // namespace prism::claims
