#include "src/models/signed_pareto_sum.h"

#include "src/core/stats.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace prism::models {
namespace {

void check(int k, double p, double a, long draws) {
  if (k < 1 || !(p >= 0 && p <= 1) || !(a > 0) || draws < 2)
    throw std::invalid_argument("signed_pareto_sum: need k >= 1, p in [0, 1], a > 0, draws >= 2 (k = " +
                                std::to_string(k) + ")");
}

// One summand Z = -e U^-a: +U^-a with probability p (a noisy label), else -U^-a.
double draw(double p, double a, Rng& rng) {
  const double v = std::pow(1.0 - rng.uniform(), -a);  // U in (0, 1]
  return rng.uniform() < p ? v : -v;
}

Estimate estimate_of(const RunningMean& r) { return {r.mean(), r.se()}; }

}  // namespace

double signed_pareto_tail(double t, double p, double a) {
  // V = U^-a >= 1 with P(V > v) = v^(-1/a). Z > t: for t >= 1 a positive V > t;
  // for |t| < 1 any positive draw; for t <= -1 also the negative ones with V < -t.
  if (t >= 1) return p * std::pow(t, -1.0 / a);
  if (t > -1) return p;
  return p + (1 - p) * (1 - std::pow(-t, -1.0 / a));
}

Estimate signed_pareto_sum_crude(int k, double p, double a, long draws, Rng& rng) {
  check(k, p, a, draws);
  RunningMean below;
  for (long r = 0; r < draws; ++r) {
    double s = 0;
    for (int i = 0; i < k; ++i) s -= draw(p, a, rng);  // sum of e_i U^-a = -sum Z
    below.add(s < 0 ? 1.0 : 0.0);
  }
  return estimate_of(below);
}

Estimate signed_pareto_sum_conditional(int k, double p, double a, long draws, Rng& rng) {
  check(k, p, a, draws);
  RunningMean estimate;
  for (long r = 0; r < draws; ++r) {
    double s = 0, m = -std::numeric_limits<double>::infinity();
    for (int i = 0; i + 1 < k; ++i) {
      const double z = draw(p, a, rng);
      s += z;
      m = std::max(m, z);
    }
    estimate.add(k * signed_pareto_tail(k == 1 ? 0.0 : std::max(m, -s), p, a));
  }
  return estimate_of(estimate);
}

}  // namespace prism::models
