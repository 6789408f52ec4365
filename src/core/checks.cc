#include "src/core/checks.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>

#include "src/core/error.h"

namespace prism {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Combines per-part verdicts: any fail fails, else any inconclusive, else pass.
Verdict combine(const std::vector<Verdict>& vs) {
  bool inconclusive = false;
  for (Verdict v : vs) {
    if (v == Verdict::Fail) return Verdict::Fail;
    if (v == Verdict::Inconclusive) inconclusive = true;
  }
  return inconclusive ? Verdict::Inconclusive : Verdict::Pass;
}

// x of a point: a numeric sweep parameter, else the seed-mean of a scalar.
double x_of(const PointRuns& p, const std::string& x, const std::string& loc) {
  if (p.params.contains(x)) {
    if (!p.params[x].is_number()) throw ReferenceError(loc, "x = '" + x + "' is not a numeric parameter");
    return p.params[x].get<double>();
  }
  return summarize(p.values(x, loc)).mean;
}

// Seeds present at every selected point, so per-seed fits pair like with like.
std::vector<std::uint64_t> common_seeds(const std::vector<const PointRuns*>& pts) {
  std::set<std::uint64_t> common(pts.front()->seeds.begin(), pts.front()->seeds.end());
  for (const auto* p : pts) {
    std::set<std::uint64_t> s(p->seeds.begin(), p->seeds.end()), keep;
    for (auto v : common)
      if (s.count(v)) keep.insert(v);
    common = keep;
  }
  return {common.begin(), common.end()};
}

double value_at_seed(const PointRuns& p, const std::string& name, std::uint64_t seed, const std::string& loc) {
  for (size_t i = 0; i < p.seeds.size(); ++i)
    if (p.seeds[i] == seed) {
      auto it = p.runs[i].scalars.find(name);
      if (it == p.runs[i].scalars.end()) throw ReferenceError(loc, "the claim does not measure '" + name + "'");
      return it->second;
    }
  throw std::logic_error("seed not found");
}

std::vector<const PointRuns*> sorted_by_x(std::vector<const PointRuns*> pts, const std::string& x,
                                          const std::string& loc) {
  std::stable_sort(pts.begin(), pts.end(),
                   [&](auto* a, auto* b) { return x_of(*a, x, loc) < x_of(*b, x, loc); });
  return pts;
}

void fill_interval(CheckResult& r, const Summary& s, double lo, double hi) {
  r.value = s.mean;
  r.ci_lo = s.ci_lo;
  r.ci_hi = s.ci_hi;
  r.ref_lo = lo;
  r.ref_hi = hi;
  r.seeds = s.n;
  r.verdict = interval_verdict(s.ci_lo, s.ci_hi, lo, hi);
  r.seeds_needed = seeds_needed(s, lo, hi);
}

std::string fmt_interval(double lo, double hi) {
  auto f = [](double v) { return std::isinf(v) ? std::string(v < 0 ? "-inf" : "inf") : fmt::format("{:.4g}", v); };
  return "[" + f(lo) + ", " + f(hi) + "]";
}

// bound / band / close: every selected point's mean must lie in [lo, hi].
CheckResult eval_interval_each(const CheckSpec& c, const std::vector<const PointRuns*>& pts, double lo, double hi) {
  CheckResult r;
  const std::string& y = c.params.measured;
  r.quantity = y;
  std::vector<Verdict> vs;
  double worst_margin = kInf;
  for (const auto* p : pts) {
    Summary s = summarize(p->values(y, c.location));
    Verdict v = interval_verdict(s.ci_lo, s.ci_hi, lo, hi);
    vs.push_back(v);
    r.per_point.push_back({{"params", p->params}, {"mean", s.mean}, {"ci", {s.ci_lo, s.ci_hi}},
                           {"n", s.n}, {"verdict", to_string(v)}});
    // Report the point closest to (or furthest beyond) a boundary.
    const double margin = std::min(s.mean - lo, hi - s.mean);
    if (margin < worst_margin) {
      worst_margin = margin;
      fill_interval(r, s, lo, hi);
    }
  }
  r.verdict = combine(vs);
  r.detail = fmt::format("{} at {} point(s); worst mean {:.4g} CI {} against {}", y, pts.size(), r.value,
                         fmt_interval(r.ci_lo, r.ci_hi), fmt_interval(lo, hi));
  return r;
}

CheckResult eval_slope(const CheckSpec& c, const std::vector<const PointRuns*>& in) {
  const std::string &x = c.params.x, &y = c.params.y;
  const bool logx = c.params.logx.value_or(true), logy = c.params.logy.value_or(true);
  auto pts = sorted_by_x(in, x, c.location);
  if (pts.size() < 2) throw ReferenceError(c.location, "slope check '" + c.name + "' selects fewer than 2 points");
  auto tr = [](bool lg, double v) { return lg ? std::log(v) : v; };
  // One fit per seed; the spread of the slopes across seeds gives the interval.
  std::vector<double> slopes;
  for (auto seed : common_seeds(pts)) {
    std::vector<double> xs, ys;
    for (const auto* p : pts) {
      xs.push_back(tr(logx, x_of(*p, x, c.location)));
      ys.push_back(tr(logy, value_at_seed(*p, y, seed, c.location)));
    }
    slopes.push_back(fit_line(xs, ys).slope);
  }
  if (slopes.empty()) throw ReferenceError(c.location, "slope check '" + c.name + "': no seed is common to its points");
  CheckResult r;
  r.quantity = fmt::format("slope of {}{} against {}{}", logy ? "log " : "", y, logx ? "log " : "", x);
  fill_interval(r, summarize(slopes), *c.params.min, *c.params.max);
  // Also the fit of the seed means, for the report.
  std::vector<double> xs, ys;
  for (const auto* p : pts) {
    xs.push_back(tr(logx, x_of(*p, x, c.location)));
    ys.push_back(tr(logy, summarize(p->values(y, c.location)).mean));
    r.per_point.push_back({{"x", x_of(*p, x, c.location)}, {"y", summarize(p->values(y, c.location)).mean}});
  }
  LinearFit mean_fit = fit_line(xs, ys);
  r.detail = fmt::format("per-seed slopes over {} points: mean {:.4f} CI {} (fit of means {:.4f}, R^2 {:.3f}) against {}",
                         pts.size(), r.value, fmt_interval(r.ci_lo, r.ci_hi), mean_fit.slope, mean_fit.r2,
                         fmt_interval(r.ref_lo, r.ref_hi));
  return r;
}

// Knee of y (or of y(first)/y when y_ratio_to_first) against x on a log-log
// two-segment fit, divided by the expected location.
CheckResult eval_knee(const CheckSpec& c, const std::vector<const PointRuns*>& in) {
  const std::string &x = c.params.x, &y = c.params.y;
  const bool ratio = c.params.y_ratio_to_first.value_or(false);
  double s1 = 1, s2 = 0;
  if (c.params.slopes) s1 = (*c.params.slopes)[0], s2 = (*c.params.slopes)[1];
  auto pts = sorted_by_x(in, x, c.location);
  if (pts.size() < 3) throw ReferenceError(c.location, "knee check '" + c.name + "' selects fewer than 3 points");
  const auto seeds = common_seeds(pts);
  double expected = 0;
  std::string expected_name = "a number";
  if (c.params.expected->name.empty()) {
    expected = c.params.expected->number;
  } else {
    expected_name = c.params.expected->name;
    std::vector<double> all;
    for (const auto* p : pts)
      for (double v : p->values(expected_name, c.location)) all.push_back(v);
    expected = summarize(all).mean;
  }
  // Seeds are averaged before any ratio is taken (small counts are noisy).
  auto knee_ratio = [&](const std::vector<std::uint64_t>& use) {
    std::vector<double> xs, means;
    for (const auto* p : pts) {
      double m = 0;
      for (auto s : use) m += value_at_seed(*p, y, s, c.location);
      means.push_back(m / use.size());
      xs.push_back(std::log(x_of(*p, x, c.location)));
    }
    std::vector<double> ys;
    for (double m : means) ys.push_back(std::log(ratio ? means.front() / m : m));
    return std::exp(fit_knee(xs, ys, s1, s2).knee) / expected;
  };
  CheckResult r;
  r.quantity = fmt::format("knee of {} against {} / {}", ratio ? "speed-up" : y, x, expected_name);
  const double full = knee_ratio(seeds);
  // Jackknife over seeds for the interval.
  std::vector<double> loo;
  if (seeds.size() >= 2)
    for (size_t i = 0; i < seeds.size(); ++i) {
      std::vector<std::uint64_t> use;
      for (size_t j = 0; j < seeds.size(); ++j)
        if (j != i) use.push_back(seeds[j]);
      loo.push_back(knee_ratio(use));
    }
  Summary s;
  s.n = static_cast<int>(seeds.size());
  s.mean = full;
  if (loo.size() >= 2) {
    double mb = 0;
    for (double v : loo) mb += v;
    mb /= loo.size();
    double ss = 0;
    for (double v : loo) ss += (v - mb) * (v - mb);
    s.se = std::sqrt(ss * (loo.size() - 1) / loo.size());
    s.sd = s.se * std::sqrt(static_cast<double>(s.n));
    const double h = t_quantile(s.n - 1) * s.se;
    s.ci_lo = full - h;
    s.ci_hi = full + h;
  } else {
    s.ci_lo = -kInf;
    s.ci_hi = kInf;
  }
  const double lo = (*c.params.window)[0], hi = (*c.params.window)[1];
  fill_interval(r, s, lo, hi);
  r.detail = fmt::format("knee at {} = {:.4g} = {:.3f} x {} ({:.4g}); jackknife CI {} against window {}",
                         x, full * expected, full, expected_name, expected, fmt_interval(s.ci_lo, s.ci_hi),
                         fmt_interval(lo, hi));
  r.per_point = {{"knee", full * expected}, {"expected", expected}};
  return r;
}

CheckResult eval_argmax(const CheckSpec& c, const std::vector<const PointRuns*>& in) {
  const std::string &x = c.params.x, &y = c.params.y;
  auto pts = sorted_by_x(in, x, c.location);
  double rel = 1;
  std::string rel_name = "1";
  if (c.params.relative_to) {
    const NameOrNumber& rt = *c.params.relative_to;
    if (rt.name.empty()) {
      rel = rt.number;
      rel_name = fmt::format("{:g}", rel);
    } else {
      rel_name = rt.name;
      std::vector<double> all;
      for (const auto* p : pts) {
        if (p->params.contains(rel_name)) all.push_back(p->params[rel_name].get<double>());
        else for (double v : p->values(rel_name, c.location)) all.push_back(v);
      }
      rel = summarize(all).mean;
    }
  }
  auto argmax_over = [&](auto value_of) {
    size_t best = 0;
    for (size_t i = 1; i < pts.size(); ++i)
      if (value_of(*pts[i]) > value_of(*pts[best])) best = i;
    return x_of(*pts[best], x, c.location) / rel;
  };
  const double lo = (*c.params.window)[0], hi = (*c.params.window)[1];
  const double at_mean = argmax_over([&](const PointRuns& p) { return summarize(p.values(y, c.location)).mean; });
  std::vector<double> per_seed;
  for (auto seed : common_seeds(pts))
    per_seed.push_back(argmax_over([&](const PointRuns& p) { return value_at_seed(p, y, seed, c.location); }));
  if (per_seed.empty()) throw ReferenceError(c.location, "argmax check '" + c.name + "': no seed is common to its points");
  CheckResult r;
  r.quantity = fmt::format("argmax of {} over {} / {}", y, x, rel_name);
  r.value = at_mean;
  r.ref_lo = lo;
  r.ref_hi = hi;
  r.ci_lo = *std::min_element(per_seed.begin(), per_seed.end());
  r.ci_hi = *std::max_element(per_seed.begin(), per_seed.end());
  r.seeds = static_cast<int>(per_seed.size());
  int inside = 0;
  for (double v : per_seed) inside += (v >= lo && v <= hi);
  const bool mean_inside = at_mean >= lo && at_mean <= hi;
  if (mean_inside && inside == static_cast<int>(per_seed.size())) r.verdict = Verdict::Pass;
  else if (!mean_inside && 2 * inside < static_cast<int>(per_seed.size())) r.verdict = Verdict::Fail;
  else r.verdict = Verdict::Inconclusive;
  r.detail = fmt::format("argmax of the seed means at {:.4g}; per-seed argmax range {} ({} of {} inside) against {}",
                         at_mean, fmt_interval(r.ci_lo, r.ci_hi), inside, per_seed.size(), fmt_interval(lo, hi));
  return r;
}

CheckResult eval_monotone(const CheckSpec& c, const std::vector<const PointRuns*>& in) {
  const std::string &x = c.params.x, &y = c.params.y;
  const bool increasing = c.params.direction == "increasing";
  const double slack = c.params.slack.value_or(0.0);
  // logy: steps of log y, for a positive, heavy-tailed y (the same order, lighter tails).
  const bool logy = c.params.logy.value_or(false);
  const auto value = [&](const PointRuns& p, std::uint64_t seed) {
    const double v = value_at_seed(p, y, seed, c.location);
    if (logy && !(v > 0))
      throw MeasurementError(c.location, fmt::format("monotone check '{}' with logy: {} = {} at {} is not positive",
                                                     c.name, y, v, point_label(p.params)));
    return logy ? std::log(v) : v;
  };
  auto pts = sorted_by_x(in, x, c.location);
  if (c.params.from) {
    const double from = *c.params.from;
    pts.erase(std::remove_if(pts.begin(), pts.end(), [&](auto* p) { return x_of(*p, x, c.location) < from; }),
              pts.end());
  }
  if (pts.size() < 2) throw ReferenceError(c.location, "monotone check '" + c.name + "' selects fewer than 2 points");
  const auto seeds = common_seeds(pts);
  // every_seed: the claim holds exactly in each draw (an inclusion theorem, say),
  // so a step passes when every seed moves in the claimed direction and fails
  // when one does not; otherwise the t-interval of the paired steps decides.
  const bool every_seed = c.params.every_seed.value_or(false);
  CheckResult r;
  r.quantity = fmt::format("steps of {}{} along {} ({}{})", logy ? "log " : "", y, x, increasing ? "increasing" : "decreasing",
                           every_seed ? ", in every seed" : "");
  std::vector<Verdict> vs;
  // The deciding step: the worst verdict, and among equals the least margin
  // (the interval's or the smallest seed's distance from the allowed bound).
  int decide = -1;
  Verdict decide_verdict = Verdict::Pass;
  double decide_margin = kInf, decide_from = 0, decide_to = 0;
  const auto rank = [](Verdict v) { return v == Verdict::Fail ? 2 : v == Verdict::Inconclusive ? 1 : 0; };
  for (size_t i = 0; i + 1 < pts.size(); ++i) {
    // Paired differences in the claimed direction: positive means "as claimed".
    std::vector<double> d;
    for (auto s : seeds) {
      const double a = value(*pts[i], s), b = value(*pts[i + 1], s);
      d.push_back(increasing ? b - a : a - b);
    }
    std::vector<double> at = pts[i]->values(y, c.location);
    if (logy)
      for (auto& v : at) v = std::log(v);  // positive: value() has checked the common seeds
    const double base = std::abs(summarize(at).mean);
    Summary sd = summarize(d);
    const double lo = -slack * base;
    const double smallest = *std::min_element(d.begin(), d.end());
    Verdict v;
    double margin;
    if (every_seed) {
      v = smallest >= lo ? Verdict::Pass : Verdict::Fail;
      margin = smallest - lo;
    } else {
      v = interval_verdict(sd.ci_lo, sd.ci_hi, lo, kInf);
      margin = sd.ci_lo - lo;
    }
    vs.push_back(v);
    const double from = x_of(*pts[i], x, c.location), to = x_of(*pts[i + 1], x, c.location);
    r.per_point.push_back({{"from", from}, {"to", to}, {"step", sd.mean}, {"ci", {sd.ci_lo, sd.ci_hi}},
                           {"smallest_seed_step", smallest}, {"verdict", to_string(v)}});
    if (decide < 0 || rank(v) > rank(decide_verdict) || (rank(v) == rank(decide_verdict) && margin < decide_margin)) {
      decide = static_cast<int>(i);
      decide_verdict = v;
      decide_margin = margin;
      decide_from = from;
      decide_to = to;
      if (every_seed) {
        // The per-seed range, as argmax reports it: the verdict reads its bottom.
        Summary range = sd;
        range.ci_lo = smallest;
        range.ci_hi = *std::max_element(d.begin(), d.end());
        fill_interval(r, range, lo, kInf);
      } else {
        fill_interval(r, sd, lo, kInf);
      }
    }
  }
  r.verdict = combine(vs);
  r.detail = every_seed
                 ? fmt::format("{} steps; deciding step {:.4g} -> {:.4g}: mean {:.4g}, per-seed range {} (every seed "
                               "must be >= {:.4g}; {} of {} steps as claimed in every seed)",
                               vs.size(), decide_from, decide_to, r.value, fmt_interval(r.ci_lo, r.ci_hi), r.ref_lo,
                               std::count(vs.begin(), vs.end(), Verdict::Pass), vs.size())
                 : fmt::format("{} steps; deciding step {:.4g} -> {:.4g}: mean {:.4g} CI {} (allowed >= {:.4g}; {} "
                               "of {} steps pass)",
                               vs.size(), decide_from, decide_to, r.value, fmt_interval(r.ci_lo, r.ci_hi), r.ref_lo,
                               std::count(vs.begin(), vs.end(), Verdict::Pass), vs.size());
  return r;
}

CheckResult eval_linear_fit(const CheckSpec& c, const std::vector<const PointRuns*>& pts) {
  const std::string& series = c.params.series;
  const bool log_y = c.params.transform.empty() || c.params.transform == "log";
  const double from = c.params.fit_from.value_or(1.0), to = c.params.fit_to.value_or(0.0);
  const double min_r2 = *c.params.min_r2;
  const bool negative = c.params.slope == "negative";
  CheckResult r;
  r.quantity = fmt::format("R^2 of {}{} against its x", log_y ? "log " : "", series);
  std::vector<Verdict> vs;
  double worst = kInf;
  for (const auto* p : pts) {
    std::vector<double> r2s, slopes;
    for (size_t k = 0; k < p->runs.size(); ++k) {
      auto it = p->runs[k].series.find(series);
      if (it == p->runs[k].series.end()) throw ReferenceError(c.location, "the claim records no series '" + series + "'");
      const Series& s = it->second;
      if (s.y.empty()) throw MeasurementError(c.location, "series '" + series + "' is empty");
      // Fit window in units of the first value: from * y0 down to to * y0.
      const double y0 = s.y.front();
      std::vector<double> xs, ys;
      for (size_t i = 0; i < s.y.size(); ++i) {
        if (s.y[i] > from * y0) continue;
        if (s.y[i] < to * y0) break;
        xs.push_back(s.x[i]);
        ys.push_back(log_y ? std::log(s.y[i]) : s.y[i]);
      }
      if (xs.size() < 3) {
        // Too few samples in the window: the curve never entered it. That is a
        // property of the measurement, so the fit counts as R^2 = 0.
        r2s.push_back(0.0);
        slopes.push_back(0.0);
        continue;
      }
      LinearFit f = fit_line(xs, ys);
      r2s.push_back(f.r2);
      slopes.push_back(f.slope);
    }
    Summary sr = summarize(r2s), ss = summarize(slopes);
    Verdict v_r2 = interval_verdict(sr.ci_lo, sr.ci_hi, min_r2, kInf);
    Verdict v_slope = negative ? interval_verdict(ss.ci_lo, ss.ci_hi, -kInf, 0.0)
                               : interval_verdict(ss.ci_lo, ss.ci_hi, 0.0, kInf);
    // A zero slope sits on the boundary: a flat curve is a failure, not a doubt.
    if (ss.mean == 0 && ss.sd == 0) v_slope = Verdict::Fail;
    Verdict v = combine({v_r2, v_slope});
    vs.push_back(v);
    r.per_point.push_back({{"params", p->params}, {"r2", sr.mean}, {"r2_ci", {sr.ci_lo, sr.ci_hi}},
                           {"slope", ss.mean}, {"verdict", to_string(v)}});
    if (sr.mean - min_r2 < worst) {
      worst = sr.mean - min_r2;
      fill_interval(r, sr, min_r2, kInf);
      r.verdict = v;
      r.detail = fmt::format("R^2 {:.4f} CI {} (>= {:.3g} required), slope {:.4g} per unit x", sr.mean,
                             fmt_interval(sr.ci_lo, sr.ci_hi), min_r2, ss.mean);
    }
  }
  r.verdict = combine(vs);
  return r;
}

// bound / band / close differ only in how the reference interval is formed.
CheckResult eval_bound(const CheckSpec& c, const std::vector<const PointRuns*>& pts) {
  return eval_interval_each(c, pts, c.params.min.value_or(-kInf), c.params.max.value_or(kInf));
}

CheckResult eval_close(const CheckSpec& c, const std::vector<const PointRuns*>& pts) {
  const double v = *c.params.value;
  const double tol = c.params.rtol.value_or(0.0) * std::abs(v) + c.params.atol.value_or(0.0);
  return eval_interval_each(c, pts, v - tol, v + tol);
}

// agrees: at every selected point the seed-paired difference `measured` -
// `expected` (a quantity the claim computes from a closed form of the same
// point) is either within `sigmas` standard errors of 0 (a z-test: pass or
// fail, undecidable with one seed), or has its CI inside [-tol, tol],
// tol = atol + rtol |mean expected| (the usual interval verdict). When the
// closed form is itself a simulation, `expected_se` names the quantity holding
// its standard error, which the z-test adds in quadrature.
CheckResult eval_agrees(const CheckSpec& c, const std::vector<const PointRuns*>& pts) {
  const std::string &y = c.params.measured, &ref = c.params.expected->name;
  CheckResult r;
  r.quantity = y + " - " + ref;
  std::vector<Verdict> vs;
  double worst = -kInf;
  for (const auto* p : pts) {
    const std::vector<double> a = p->values(y, c.location), b = p->values(ref, c.location);
    std::vector<double> diff(a.size());
    for (size_t s = 0; s < a.size(); ++s) diff[s] = a[s] - b[s];
    const Summary d = summarize(diff);
    const double expected = summarize(b).mean;
    Verdict v;
    double badness;
    Json row = {{"params", p->params}, {"measured", summarize(a).mean}, {"expected", expected}, {"difference", d.mean}};
    if (c.params.sigmas) {
      const double se_expected = c.params.expected_se.empty() ? 0.0 : summarize(p->values(c.params.expected_se, c.location)).mean;
      const double se = std::sqrt(d.se * d.se + se_expected * se_expected);
      const double z = d.mean == 0 ? 0.0 : d.mean / se;  // se = 0 with a difference: infinitely many SE
      // The SE is estimated from the seeds, so z is Student-t with n - 1 degrees
      // of freedom, not normal: `sigmas` sets the two-sided tail probability of a
      // normal z (4: 6.3e-5), and the threshold is the t quantile of that
      // probability (8 seeds: 8.6), so a true closed form fails as rarely as
      // the reference file says (with a normal threshold, 1 point in 200 at 8 seeds).
      const double tail = std::erfc(*c.params.sigmas / std::sqrt(2.0));
      const double limit = d.n < 2 ? kInf : t_quantile(d.n - 1, 1.0 - tail);
      v = d.n < 2 ? Verdict::Inconclusive : std::abs(z) <= limit ? Verdict::Pass : Verdict::Fail;
      row["z"] = z;
      row["limit"] = limit;
      badness = std::abs(z) - limit;
      if (badness > worst) {
        worst = badness;
        r.value = z, r.ci_lo = z, r.ci_hi = z, r.ref_lo = -limit, r.ref_hi = limit;
        r.seeds = d.n;
        r.verdict = v;
        r.detail = fmt::format("{} at {} point(s); worst z = {:.3g} ({:.4g} against {:.4g}, SE {:.2g}) against +-{:.3g} "
                               "(the {:g}-sigma tail of a t with {} dof)",
                               r.quantity, pts.size(), z, d.mean + expected, expected, se, limit, *c.params.sigmas, d.n - 1);
      }
    } else {
      const double tol = c.params.atol.value_or(0.0) + c.params.rtol.value_or(0.0) * std::abs(expected);
      v = interval_verdict(d.ci_lo, d.ci_hi, -tol, tol);
      badness = std::max(std::abs(d.ci_lo), std::abs(d.ci_hi)) - tol;
      if (badness > worst) {
        worst = badness;
        fill_interval(r, d, -tol, tol);
        r.detail = fmt::format("{} at {} point(s); worst difference {:.4g} CI {} against {}", r.quantity, pts.size(),
                               d.mean, fmt_interval(d.ci_lo, d.ci_hi), fmt_interval(-tol, tol));
      }
    }
    row["verdict"] = to_string(v);
    r.per_point.push_back(row);
    vs.push_back(v);
  }
  r.verdict = combine(vs);
  return r;
}

[[noreturn]] void reject(const CheckSpec& c, const std::string& what) {
  throw ReferenceError(c.location, "check '" + c.name + "': " + what);
}

}  // namespace

std::vector<double> PointRuns::values(const std::string& name, const std::string& location) const {
  std::vector<double> out;
  for (const auto& m : runs) {
    auto it = m.scalars.find(name);
    if (it == m.scalars.end())
      throw ReferenceError(location, "the claim does not measure '" + name + "' at " + params.dump(),
                           "measured quantities: " + fmt::format("{}", fmt::join(scalar_names(), ", ")));
    out.push_back(it->second);
  }
  return out;
}

std::vector<std::string> PointRuns::scalar_names() const {
  std::vector<std::string> out;
  if (!runs.empty())
    for (const auto& [k, v] : runs.front().scalars) out.push_back(k);
  return out;
}

std::vector<const PointRuns*> select_points(const CheckSpec& check, const std::vector<PointRuns>& data) {
  std::vector<const PointRuns*> out;
  for (const auto& p : data)
    if (p.matches(check.where) && !p.runs.empty()) out.push_back(&p);
  if (out.empty())
    throw ReferenceError(check.location, "check '" + check.name + "': where = " + check.where.dump() +
                                             " selects no sweep point of this run",
                         "fix the where table, or restrict the check with presets = [...]");
  return out;
}

const std::vector<CheckKind>& check_kinds() {
  static const std::vector<CheckKind> kinds = {
      {"bound", {"measured"}, {"min", "max", "residual"},
       [](const CheckSpec& c) {
         if (c.params.min.has_value() == c.params.max.has_value())
           reject(c, "a bound has exactly one of min, max (use kind band for both)");
         if (c.params.residual.value_or(false) && !c.params.max)
           reject(c, "residual = true holds a residual below a max (a rounding residual has no lower bound)");
       },
       eval_bound, Overlay::Levels},
      {"band", {"measured", "min", "max"}, {},
       [](const CheckSpec& c) {
         if (*c.params.min > *c.params.max) reject(c, "min > max");
       },
       eval_bound, Overlay::Levels},
      {"close", {"measured", "value"}, {"rtol", "atol"},
       [](const CheckSpec& c) {
         if (!c.params.rtol && !c.params.atol) reject(c, "close needs rtol or atol");
       },
       eval_close, Overlay::Levels},
      {"slope", {"x", "y", "min", "max"}, {"logx", "logy"},
       [](const CheckSpec& c) {
         if (*c.params.min > *c.params.max) reject(c, "min > max");
       },
       eval_slope, Overlay::SlopeWedge},
      {"knee", {"x", "y", "expected", "window"}, {"slopes", "y_ratio_to_first"}, nullptr, eval_knee, Overlay::None},
      {"argmax", {"x", "y", "window"}, {"relative_to"}, nullptr, eval_argmax, Overlay::None},
      {"monotone", {"x", "y", "direction"}, {"slack", "from", "logy", "every_seed"}, nullptr, eval_monotone, Overlay::None},
      {"linear_fit", {"series", "min_r2", "slope"}, {"transform", "fit_from", "fit_to"}, nullptr, eval_linear_fit,
       Overlay::None},
      {"agrees", {"measured", "expected"}, {"sigmas", "atol", "rtol", "expected_se"},
       [](const CheckSpec& c) {
         if (c.params.expected->name.empty()) reject(c, "expected must name the closed-form quantity of the point");
         if (c.params.sigmas.has_value() == (c.params.atol.has_value() || c.params.rtol.has_value()))
           reject(c, "agrees takes either sigmas or a tolerance (atol, rtol)");
         if (c.params.sigmas && !(*c.params.sigmas > 0)) reject(c, "sigmas must be positive");
         if (!c.params.expected_se.empty() && !c.params.sigmas) reject(c, "expected_se goes with sigmas");
       },
       eval_agrees, Overlay::None},
  };
  return kinds;
}

const CheckKind* find_check_kind(const std::string& name) {
  for (const auto& k : check_kinds())
    if (k.name == name) return &k;
  return nullptr;
}

CheckResult evaluate_check(const CheckSpec& c, const std::vector<PointRuns>& data) {
  const CheckKind* kind = find_check_kind(c.kind);
  if (!kind) throw ReferenceError(c.location, "unknown check kind '" + c.kind + "'");
  CheckResult r = kind->evaluate(c, select_points(c, data));
  r.name = c.name;
  r.kind = c.kind;
  r.source = c.source;
  r.location = c.location;
  r.residual = c.params.residual.value_or(false);
  if (r.verdict != Verdict::Inconclusive) r.seeds_needed = 0;
  return r;
}

}  // namespace prism
