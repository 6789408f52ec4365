// Seed statistics and the fits the checks are made of.
//
// Every decision in prism is taken on a mean with a two-sided confidence
// interval (Student t, level kConfidence). A quantity measured on one seed
// only has an unbounded interval: it can never pass or fail by itself.
#pragma once

#include <string>
#include <vector>

namespace prism {

inline constexpr double kConfidence = 0.95;

// NotEvaluated: a check whose points did not run (a filter selected part of a claim).
enum class Verdict { Pass, Fail, Inconclusive, NotEvaluated };
const char* to_string(Verdict v);

struct Summary {
  int n = 0;
  double mean = 0, sd = 0, se = 0;
  double ci_lo = 0, ci_hi = 0;  // kConfidence interval of the mean
};

// Two-sided Student-t quantile t_{(1+level)/2, dof}.
double t_quantile(int dof, double level = kConfidence);

// Mean, standard deviation, standard error and confidence interval. With
// n == 1 the interval is (-inf, +inf); with n == 0 it throws.
Summary summarize(const std::vector<double>& values, double level = kConfidence);

// The median (the mean of the two middle values for an even count). Throws
// std::invalid_argument when `values` is empty or holds a NaN.
double median(std::vector<double> values);

// Mean and standard error of a stream of values that is not stored (Monte
// Carlo over millions of draws or paths): Welford's update, so the variance
// suffers no cancellation. se() is sqrt(unbiased variance / n), as in
// Summary; it is +inf with fewer than 2 values. Values must be finite: after
// one infinity every later mean is NaN (inf - inf in the update).
class RunningMean {
 public:
  void add(double x) {
    ++n_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
  }
  long count() const { return n_; }
  double mean() const { return mean_; }
  double se() const;

 private:
  long n_ = 0;
  double mean_ = 0, m2_ = 0;
};

// Decides whether [ci_lo, ci_hi] lies inside [lo, hi] (pass), entirely outside
// it (fail), or straddles a boundary (inconclusive).
Verdict interval_verdict(double ci_lo, double ci_hi, double lo, double hi);

// For an inconclusive interval: the number of seeds at which the interval
// would shrink (as 1/sqrt n) to clear the nearer boundary; 0 when decided.
int seeds_needed(const Summary& s, double lo, double hi);

// Ordinary least squares y = intercept + slope x.
struct LinearFit {
  double slope = 0, intercept = 0, r2 = 0;
  double slope_se = 0;  // standard error of the slope (0 with exactly 2 points)
  int n = 0;
};
LinearFit fit_line(const std::vector<double>& x, const std::vector<double>& y);

// Two-segment fit in the plane (already log-log if the caller wants): a line of
// slope s1 up to the knee k, then of slope s2, continuous at k:
//   y = c + s1 * min(x, k) + s2 * max(x - k, 0).
// Slopes are fixed (e.g. 1 then 0 for linear scaling then saturation); the knee
// and c minimise the squared error. The knee is searched on [min x, max x].
struct KneeFit {
  double knee = 0, offset = 0, sse = 0;
};
KneeFit fit_knee(const std::vector<double>& x, const std::vector<double>& y, double s1, double s2);

}  // namespace prism
