// raisin-bread: adversarial examples are unavoidable for interpolation
// (Belkin 2021 §5.2, Fig. 11; Belkin, Hsu, Mitra 2018, Thm 5.1).
//
// In 1-D, where it can be computed exactly: x ~ U[0,1], f* = +1, each label
// -1 ("noisy") with probability p = 0.2. The wiNN interpolant (alpha = 1/4,
// k = sqrt n, n = 4^j) predicts -1 on S_n, a union of basins around the noisy
// points (src/models/interpolant_sign_set.h): its measure tends to 0
// (consistency) while S_n stays dense (every noisy training point lies in it,
// so the distance from any x to S_n falls like 1/n). Measured per data set on
// Omega = [0.25, 0.75]: the measure of S_n, the mean distance to S_n, the same
// to the nearest noisy point, and whether every noisy point lies in S_n.
// The reference P_k = P(sum e_i U_i^-1/4 < 0) = E measure (interior, exact) is
// a simulation independent of the geometry (src/models/signed_pareto_sum.h),
// run once per k with its own seed and recorded with its standard error.
// Controls: 1-NN (interpolating, not consistent: measure p) and the majority of
// k + 1 neighbours (consistent, not interpolating: noisy points not in S_n).
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/core/claim.h"
#include "src/models/interpolant_sign_set.h"
#include "src/models/signed_pareto_sum.h"

namespace prism::claims {
namespace {

constexpr double kNoise = 0.2;                 // p
constexpr double kAlpha = 0.25;                // alpha / d < 1/2
constexpr double kOmegaLo = 0.25, kOmegaHi = 0.75;
constexpr int kSeeds = 10;                     // the data sets of a point are split over the seeds
constexpr int kWholeLineUpTo = 4096;           // larger n: S_n on [0.15, 0.85] only (cost)
constexpr long kCrudeDraws = 2000000;          // P_k for k <= 16: crude Monte Carlo
constexpr long kConditionalDraws = 2000000;    // k >= 32: Asmussen-Kroese conditional Monte Carlo

// P_k with its standard error, computed once per k (seed-independent, own stream).
models::Estimate probability_in_set(const RunContext& ctx, int k) {
  return *ctx.shared("p_k/" + std::to_string(k), [k] {
    Rng rng(static_cast<std::uint64_t>(k), "raisin-bread-p-k");
    return k <= 16 ? models::signed_pareto_sum_crude(k, kNoise, kAlpha, kCrudeDraws, rng)
                   : models::signed_pareto_sum_conditional(k, kNoise, kAlpha, kConditionalDraws, rng);
  });
}

// The strip of Fig. 11: S_n on [0, 1] for ONE fixed data set (the same for
// every seed, so the report's seed mean is the strip itself), drawn on a grid
// of cells as 1 where the cell meets S_n (exact, from the intervals: the
// thinnest raisin still marks its cell).
Measurement MeasureStrip(int n) {
  constexpr int kCells = 400;  // the report draws at most 400 rows of a series
  Rng data(1, "raisin-bread-strip");
  std::vector<double> x(n);
  std::vector<int> y(n);
  for (auto& v : x) v = data.uniform();
  std::sort(x.begin(), x.end());
  for (auto& v : y) v = data.uniform() < kNoise ? -1 : 1;
  models::SignSetOptions o;
  o.k = static_cast<int>(std::lround(std::sqrt(n)));
  o.alpha = kAlpha;
  const auto S = models::negative_set_1d(x, y, o);
  std::vector<double> at(kCells), in_set(kCells, 0.0);
  size_t i = 0;
  for (int c = 0; c < kCells; ++c) {
    const double lo = static_cast<double>(c) / kCells, hi = static_cast<double>(c + 1) / kCells;
    at[c] = 0.5 * (lo + hi);
    while (i < S.size() && S[i].hi < lo) ++i;
    in_set[c] = i < S.size() && S[i].lo <= hi ? 1.0 : 0.0;
  }
  Measurement m;
  m.set("strip_measure", models::measure_within(S, 0, 1));
  m.set("strip_noisy_points", static_cast<double>(std::count(y.begin(), y.end(), -1)));
  m.add_series("strip", std::move(at), std::move(in_set));
  return m;
}

Measurement MeasureRaisinBread(const RunContext& ctx) {
  const std::string rule = ctx.str("rule");
  if (rule == "strip") return MeasureStrip(static_cast<int>(ctx.num("n")));
  const int n = static_cast<int>(ctx.num("n")), sets = static_cast<int>(ctx.num("data_sets")) / kSeeds;
  const int k = static_cast<int>(std::lround(std::sqrt(n)));
  models::SignSetOptions o;
  o.rule = rule == "majority" ? models::NeighborRule::kMajority : models::NeighborRule::kWinn;
  o.k = rule == "1nn" ? 1 : rule == "majority" ? k + 1 : k;
  o.alpha = kAlpha;
  if (n > kWholeLineUpTo) o.lo = 0.15, o.hi = 0.85;
  Rng data = ctx.rng("data");
  double meas = 0, dist = 0, dist_noisy = 0, empty = 0, in_s_min = 1, dist_excess_max = -1;
  std::vector<double> x(n);
  std::vector<int> y(n);
  for (int s = 0; s < sets; ++s) {
    for (auto& v : x) v = data.uniform();
    std::sort(x.begin(), x.end());
    for (auto& v : y) v = data.uniform() < kNoise ? -1 : 1;
    const std::vector<models::Interval> S = models::negative_set_1d(x, y, o);
    std::vector<models::Interval> noisy;
    int inside = 0;
    for (int i = 0; i < n; ++i) {
      if (y[i] > 0 || x[i] < o.lo || x[i] > o.hi) continue;
      noisy.push_back({x[i], x[i], 0.0});
      inside += models::contains(S, x[i]);
    }
    // An empty S_n has no distance; the length of the line stands in, so a
    // rule that leaves S_n empty can never look dense.
    const double d = S.empty() ? 1.0 : models::mean_distance(S, kOmegaLo, kOmegaHi);
    const double dn = models::mean_distance(noisy, kOmegaLo, kOmegaHi);
    meas += models::measure_within(S, kOmegaLo, kOmegaHi) / (kOmegaHi - kOmegaLo);
    dist += d;
    dist_noisy += dn;
    empty += S.empty();
    in_s_min = std::min(in_s_min, noisy.empty() ? 1.0 : static_cast<double>(inside) / noisy.size());
    dist_excess_max = std::max(dist_excess_max, d - dn);
  }
  const models::Estimate pk = probability_in_set(ctx, k);
  const double dist_noisy_closed = 1.0 / (2 * kNoise * (n + 1));  // E dist to the nearest noisy point, interior x
  Measurement m;
  m.set("k", o.k);
  m.set("measure", meas / sets);
  m.set("distance", dist / sets);
  m.set("distance_noisy", dist_noisy / sets);
  m.set("empty_fraction", empty / sets);
  m.set("noisy_in_set_min", in_s_min);
  m.set("distance_minus_noisy_max", dist_excess_max);
  m.set("p_k", pk.mean);
  m.set("p_k_se", pk.se);
  m.set("distance_noisy_closed_form", dist_noisy_closed);
  m.set("distance_over_closed_form", dist / sets / dist_noisy_closed);
  return m;
}

// Data sets per n (docs/claims.md: the measure is heavy-tailed across data
// sets, so small n need many), split evenly over the seeds.
std::vector<Json> sweep(const std::map<int, int>& sets) {
  std::vector<Json> pts;
  for (const char* rule : {"winn", "1nn", "majority"})
    for (const auto& [n, count] : sets) pts.push_back({{"rule", rule}, {"n", n}, {"data_sets", count}});
  pts.push_back({{"rule", "strip"}, {"n", 64}});  // the figure's strip; no check reads it
  return pts;
}

Json of(const char* rule) { return {{"rule", rule}}; }

// A log-log figure against n whose first line is the wiNN rule's `y`.
Figure against_n(const std::string& id, const std::string& title, const std::string& ylabel, const std::string& y) {
  return Figure(id).Title(title).Axes("n", ylabel).LogX().LogY().Legend("south west").Line(
      "wiNN (alpha = 1/4, k = sqrt n)", "n", y, of("winn"));
}

PRISM_CLAIM("raisin-bread", MeasureRaisinBread)
    ->Title("Raisin bread: the interpolant's wrong set has measure -> 0 yet stays dense")
    ->Source("Belkin 2021 §5.2, Fig. 11; Belkin, Hsu, Mitra 2018, Thm 5.1")
    ->Statement("An interpolating, consistent rule (wiNN, alpha = 1/4, k = sqrt n) predicts the wrong label on a "
                "set S_n whose measure tends to 0, yet S_n contains every noisy training point, so it is dense: "
                "every x has a point of S_n within about 1/n, an adversarial example for any interpolant.")
    ->Sweep("quick", sweep({{64, 400}, {256, 400}, {1024, 200}, {4096, 20}}))
    ->Sweep("full", sweep({{64, 400}, {256, 400}, {1024, 200}, {4096, 40}, {16384, 10}}))
    ->Seeds(kSeeds)
    ->ShareBy({"n"})  // P_k, k = sqrt n, is shared by the rules at one n
    ->Note("Each point's data sets are split over the 10 seeds; a seed's value is the mean over its data sets, "
           "so the intervals cover the data-set randomness. S_n is computed exactly (offsets from anchors, "
           "80 bisections; for n > 4096 on [0.15, 0.85]); P_k is simulated once per k with its own seed and its "
           "standard error enters the measure check in quadrature. An empty S_n (majority control) counts "
           "distance 1, the length of the line.")
    ->Plot(against_n("measure", "Measure of S_n within [0.25, 0.75] against n", "|S_n| / |Omega|", "measure")
               .Line("P_k by simulation (reference)", "n", "p_k", of("winn"))
               .Line("1-NN (control)", "n", "measure", of("1nn"))
               .Band("measure-slope")
               .Caption("The wrong set of the consistent interpolant shrinks faster than 1/n; 1-NN's stays at "
                        "p = 0.2. Dashed: slope <= -1 from the first point."))
    ->Plot(against_n("distance", "Mean distance from x in [0.25, 0.75] to S_n against n", "mean dist(x, S_n)", "distance")
               .Line("wiNN: to the nearest noisy point", "n", "distance_noisy", of("winn"))
               .Line("1 / (2 p (n + 1)) (closed form)", "n", "distance_noisy_closed_form", of("winn"))
               .Line("majority of k + 1 (control; empty = 1)", "n", "distance", of("majority"))
               .Band("distance-slope")
               .Caption("S_n contains every noisy point, so the distance to it is below the distance to the "
                        "nearest noisy point and falls like 1/n: S_n is dense while its measure vanishes (Fig. 11)."))
    ->Plot(Figure("strip")
               .Title("The raisins: S_64 on [0, 1] for one data set (k = 8)")
               .Axes("x", "1 where the interpolant predicts -1")
               .Series("S_n (cells of width 1/400 meeting it)", "strip", {{"rule", "strip"}})
               .Caption("Like Fig. 11: bulk regions where the noisy labels cluster, and a thin basin around every "
                        "other noisy point; as n grows only the basins remain and their total measure vanishes."));

}  // namespace
}  // namespace prism::claims
