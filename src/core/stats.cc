#include "src/core/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include <boost/math/distributions/students_t.hpp>

namespace prism {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::Pass: return "pass";
    case Verdict::Fail: return "fail";
    case Verdict::Inconclusive: return "inconclusive";
    case Verdict::NotEvaluated: return "not evaluated";
  }
  return "?";
}

double t_quantile(int dof, double level) {
  if (dof < 1) return std::numeric_limits<double>::infinity();
  boost::math::students_t dist(dof);
  return boost::math::quantile(dist, 0.5 + level / 2);
}

double median(std::vector<double> values) {
  if (values.empty()) throw std::invalid_argument("median: no values");
  for (double v : values)
    if (std::isnan(v)) throw std::invalid_argument("median: a NaN among the values");
  const size_t h = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + h, values.end());
  if (values.size() % 2) return values[h];
  return 0.5 * (*std::max_element(values.begin(), values.begin() + h) + values[h]);
}

Summary summarize(const std::vector<double>& values, double level) {
  if (values.empty()) throw std::invalid_argument("summarize: no values");
  Summary s;
  s.n = static_cast<int>(values.size());
  s.mean = std::accumulate(values.begin(), values.end(), 0.0) / s.n;
  if (s.n == 1) {
    s.ci_lo = -std::numeric_limits<double>::infinity();
    s.ci_hi = std::numeric_limits<double>::infinity();
    return s;
  }
  double ss = 0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(ss / (s.n - 1));
  s.se = s.sd / std::sqrt(static_cast<double>(s.n));
  const double h = t_quantile(s.n - 1, level) * s.se;
  s.ci_lo = s.mean - h;
  s.ci_hi = s.mean + h;
  return s;
}

Verdict interval_verdict(double ci_lo, double ci_hi, double lo, double hi) {
  if (std::isnan(ci_lo) || std::isnan(ci_hi)) return Verdict::Inconclusive;
  if (ci_lo >= lo && ci_hi <= hi) return Verdict::Pass;
  if (ci_hi < lo || ci_lo > hi) return Verdict::Fail;
  return Verdict::Inconclusive;
}

int seeds_needed(const Summary& s, double lo, double hi) {
  if (interval_verdict(s.ci_lo, s.ci_hi, lo, hi) != Verdict::Inconclusive) return 0;
  if (s.n < 2 || s.se == 0) return std::max(3, s.n + 1);
  // Distance from the mean to the boundary the interval crosses.
  double gap = std::numeric_limits<double>::infinity();
  if (s.ci_lo < lo && std::isfinite(lo)) gap = std::min(gap, std::abs(s.mean - lo));
  if (s.ci_hi > hi && std::isfinite(hi)) gap = std::min(gap, std::abs(s.mean - hi));
  if (!(gap > 0) || !std::isfinite(gap)) return -1;  // mean on the boundary: no count suffices
  const double half = s.ci_hi - s.mean;
  const double ratio = half / gap;
  return static_cast<int>(std::ceil(s.n * ratio * ratio)) + 1;
}

LinearFit fit_line(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size() || x.size() < 2) throw std::invalid_argument("fit_line: need >= 2 paired points");
  LinearFit f;
  f.n = static_cast<int>(x.size());
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / f.n;
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / f.n;
  double sxx = 0, sxy = 0, syy = 0;
  for (int i = 0; i < f.n; ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    sxy += (x[i] - mx) * (y[i] - my);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0) throw std::invalid_argument("fit_line: all x equal");
  f.slope = sxy / sxx;
  f.intercept = my - f.slope * mx;
  const double sse = std::max(0.0, syy - f.slope * sxy);
  f.r2 = syy > 0 ? 1 - sse / syy : 1.0;
  f.slope_se = f.n > 2 ? std::sqrt(sse / (f.n - 2) / sxx) : 0.0;
  return f;
}

namespace {
// Best offset and error for a fixed knee: y - shape(x) has mean c.
KneeFit knee_at(const std::vector<double>& x, const std::vector<double>& y, double s1, double s2, double k) {
  KneeFit f;
  f.knee = k;
  const int n = static_cast<int>(x.size());
  std::vector<double> r(n);
  for (int i = 0; i < n; ++i) r[i] = y[i] - (s1 * std::min(x[i], k) + s2 * std::max(x[i] - k, 0.0));
  f.offset = std::accumulate(r.begin(), r.end(), 0.0) / n;
  for (double v : r) f.sse += (v - f.offset) * (v - f.offset);
  return f;
}
}  // namespace

KneeFit fit_knee(const std::vector<double>& x, const std::vector<double>& y, double s1, double s2) {
  if (x.size() != y.size() || x.size() < 3) throw std::invalid_argument("fit_knee: need >= 3 paired points");
  const auto [xmin_it, xmax_it] = std::minmax_element(x.begin(), x.end());
  const double a = *xmin_it, b = *xmax_it;
  // The error is piecewise quadratic in k with breaks at the data: a dense grid
  // finds the right piece, golden-section search then polishes inside it.
  const int grid = 2000;
  KneeFit best = knee_at(x, y, s1, s2, a);
  int best_i = 0;
  for (int i = 1; i <= grid; ++i) {
    KneeFit f = knee_at(x, y, s1, s2, a + (b - a) * i / grid);
    if (f.sse < best.sse) best = f, best_i = i;
  }
  double lo = a + (b - a) * std::max(0, best_i - 1) / grid;
  double hi = a + (b - a) * std::min(grid, best_i + 1) / grid;
  const double phi = (std::sqrt(5.0) - 1) / 2;
  for (int it = 0; it < 80; ++it) {
    const double m1 = hi - phi * (hi - lo), m2 = lo + phi * (hi - lo);
    if (knee_at(x, y, s1, s2, m1).sse < knee_at(x, y, s1, s2, m2).sse) hi = m2; else lo = m1;
  }
  KneeFit polished = knee_at(x, y, s1, s2, (lo + hi) / 2);
  return polished.sse <= best.sse ? polished : best;
}

double RunningMean::se() const {
  if (n_ < 2) return std::numeric_limits<double>::infinity();
  return std::sqrt(m2_ / static_cast<double>(n_ - 1) / static_cast<double>(n_));
}

}  // namespace prism
