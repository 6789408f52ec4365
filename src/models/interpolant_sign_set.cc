#include "src/models/interpolant_sign_set.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace prism::models {
namespace {

constexpr int kGeometricGrid = 28;  // offsets 1e-15 .. 1
constexpr int kUniformGrid = 16;    // plus 16 evenly spaced offsets of the half
constexpr int kBisections = 80;
constexpr double kSmallestOffset = 1e-15;

struct Cut {
  double at;
  int data = -1;  // index of the data point at this cut, or -1 (a midpoint or an end)
};

class Scorer {
 public:
  Scorer(const std::vector<double>& x, const std::vector<int>& y, const SignSetOptions& o) : x_(x), y_(y), o_(o) {}

  // Score at anchor + direction * delta for the window [l, l + k), measuring
  // each distance as (anchor - x_i) + direction * delta; the anchor's own data
  // point (index `self`) is exactly delta away.
  double score(int l, double anchor, int self, double direction, double delta) const {
    double f = 0;
    for (int i = l; i < l + o_.k; ++i) {
      if (o_.rule == NeighborRule::kMajority) {
        f += y_[i];
        continue;
      }
      const double dist = i == self ? delta : std::abs((anchor - x_[i]) + direction * delta);
      f += y_[i] * std::pow(dist, -o_.alpha);
    }
    return f;
  }

 private:
  const std::vector<double>& x_;
  const std::vector<int>& y_;
  const SignSetOptions& o_;
};

// The window start for points of the open piece around `inside`: the number of
// midpoints (x_l + x_(l+k)) / 2 below it.
int window_start(const std::vector<double>& midpoints, double inside) {
  return static_cast<int>(std::lower_bound(midpoints.begin(), midpoints.end(), inside) - midpoints.begin());
}

// Negative sub-intervals of one half piece, in offsets from its anchor: the
// sign at offset 0+ is `sign0`; the grid and bisection find where it flips.
std::vector<std::pair<double, double>> negative_offsets(const Scorer& s, int l, double anchor, int self,
                                                        double direction, double half, double sign0) {
  std::vector<double> grid;
  for (int j = 0; j < kGeometricGrid; ++j) {
    const double d = kSmallestOffset * std::pow(1.0 / kSmallestOffset, j / (kGeometricGrid - 1.0));
    if (d < half) grid.push_back(d);
  }
  for (int j = 1; j <= kUniformGrid; ++j) grid.push_back(half * j / kUniformGrid);
  std::sort(grid.begin(), grid.end());
  std::vector<std::pair<double, double>> out;
  double prev = 0, prev_sign = sign0, start = sign0 < 0 ? 0.0 : -1.0;
  for (double d : grid) {
    const double sg = s.score(l, anchor, self, direction, d) < 0 ? -1.0 : 1.0;
    if (sg != prev_sign) {
      double a = prev, b = d;  // sign(a) = prev_sign, sign(b) = sg
      for (int it = 0; it < kBisections; ++it) {
        const double m = 0.5 * (a + b);
        ((s.score(l, anchor, self, direction, m) < 0 ? -1.0 : 1.0) == prev_sign ? a : b) = m;
      }
      const double root = 0.5 * (a + b);
      if (sg < 0) start = root;
      else out.emplace_back(start, root), start = -1.0;
    }
    prev = d, prev_sign = sg;
  }
  if (prev_sign < 0) out.emplace_back(start, half);
  return out;
}

}  // namespace

double neighbor_score_1d(const std::vector<double>& x, const std::vector<int>& y, const SignSetOptions& o, double at) {
  // The k nearest by distance (the window), then the score at `at` directly.
  const int n = static_cast<int>(x.size());
  int l = static_cast<int>(std::lower_bound(x.begin(), x.end(), at) - x.begin());
  int r = l;  // window [l, r)
  while (r - l < o.k) {
    if (l == 0) ++r;
    else if (r == n) --l;
    else if (at - x[l - 1] <= x[r] - at) --l;
    else ++r;
  }
  double f = 0;
  for (int i = l; i < r; ++i) {
    if (o.rule == NeighborRule::kMajority) f += y[i];
    else if (x[i] == at) return y[i] * std::numeric_limits<double>::infinity();
    else f += y[i] * std::pow(std::abs(at - x[i]), -o.alpha);
  }
  return f;
}

std::vector<Interval> negative_set_1d(const std::vector<double>& x, const std::vector<int>& y,
                                      const SignSetOptions& o) {
  const int n = static_cast<int>(x.size());
  if (n == 0 || static_cast<int>(y.size()) != n) throw std::invalid_argument("negative_set_1d: x and y must match, n >= 1");
  if (o.k < 1 || o.k > n) throw std::invalid_argument("negative_set_1d: k = " + std::to_string(o.k) + " outside 1.." + std::to_string(n));
  if (o.rule == NeighborRule::kWinn && !(o.alpha > 0)) throw std::invalid_argument("negative_set_1d: alpha must be positive");
  if (!(o.lo < o.hi)) throw std::invalid_argument("negative_set_1d: empty range");
  for (int i = 0; i < n; ++i) {
    if (i > 0 && !(x[i] > x[i - 1])) throw std::invalid_argument("negative_set_1d: x must be strictly increasing");
    if (y[i] != 1 && y[i] != -1) throw std::invalid_argument("negative_set_1d: labels must be -1 or +1");
  }
  std::vector<double> midpoints;
  for (int l = 0; l + o.k < n; ++l) midpoints.push_back(0.5 * (x[l] + x[l + o.k]));
  std::vector<Cut> cuts = {{o.lo}, {o.hi}};
  for (int i = 0; i < n; ++i)
    if (x[i] > o.lo && x[i] < o.hi) cuts.push_back({x[i], i});
  for (double m : midpoints)
    if (m > o.lo && m < o.hi) cuts.push_back({m});
  std::sort(cuts.begin(), cuts.end(), [](const Cut& a, const Cut& b) { return a.at < b.at || (a.at == b.at && a.data > b.data); });

  const Scorer scorer(x, y, o);
  std::vector<Interval> out;
  auto add = [&](double lo, double hi, double length) {
    if (!out.empty() && out.back().hi >= lo) {
      out.back().hi = std::max(out.back().hi, hi);
      out.back().length += length;
    } else {
      out.push_back({lo, hi, length});
    }
  };
  for (size_t c = 0; c + 1 < cuts.size(); ++c) {
    const Cut &left = cuts[c], &right = cuts[c + 1];
    if (!(right.at > left.at)) continue;
    const double half = 0.5 * (right.at - left.at), middle = left.at + half;
    const int l = std::min(window_start(midpoints, middle), n - o.k);
    // The sign just inside a piece end: the end's own label at a data point
    // (its term is unbounded there), else the score at the end itself.
    const auto sign_at = [&](const Cut& end) {
      if (o.rule == NeighborRule::kWinn && end.data >= 0) return static_cast<double>(y[end.data]);
      return scorer.score(l, end.at, end.data, 0.0, 0.0) < 0 ? -1.0 : 1.0;
    };
    for (const auto& [a, b] : negative_offsets(scorer, l, left.at, left.data, +1.0, half, sign_at(left)))
      add(left.at + a, left.at + b, b - a);
    const auto from_right = negative_offsets(scorer, l, right.at, right.data, -1.0, half, sign_at(right));
    for (auto it = from_right.rbegin(); it != from_right.rend(); ++it) add(right.at - it->second, right.at - it->first, it->second - it->first);
  }
  return out;
}

double measure_within(const std::vector<Interval>& set, double a, double b) {
  double total = 0;
  for (const auto& i : set) {
    if (i.lo >= a && i.hi <= b) total += i.length;  // wholly inside: the exact length, however thin
    else total += std::max(0.0, std::min(i.hi, b) - std::max(i.lo, a));
  }
  return total;
}

double mean_distance(const std::vector<Interval>& set, double a, double b) {
  if (set.empty()) return std::numeric_limits<double>::infinity();
  // Integrals of t - L over [u, v] and of R - t over [u, v].
  const auto rising = [](double L, double u, double v) { return 0.5 * ((v - L) * (v - L) - (u - L) * (u - L)); };
  const auto falling = [](double R, double u, double v) { return 0.5 * ((R - u) * (R - u) - (R - v) * (R - v)); };
  double total = 0;
  // Gaps: (-inf, lo_0), (hi_i, lo_(i+1)), (hi_last, inf), clipped to [a, b].
  for (size_t g = 0; g <= set.size(); ++g) {
    const double L = g == 0 ? -std::numeric_limits<double>::infinity() : set[g - 1].hi;
    const double R = g == set.size() ? std::numeric_limits<double>::infinity() : set[g].lo;
    const double u = std::max(a, L), v = std::min(b, R);
    if (!(v > u)) continue;
    if (std::isinf(L)) total += falling(R, u, v);
    else if (std::isinf(R)) total += rising(L, u, v);
    else {
      const double m = 0.5 * (L + R);
      if (v <= m) total += rising(L, u, v);
      else if (u >= m) total += falling(R, u, v);
      else total += rising(L, u, m) + falling(R, m, v);
    }
  }
  return total / (b - a);
}

bool contains(const std::vector<Interval>& set, double v) {
  auto it = std::upper_bound(set.begin(), set.end(), v, [](double t, const Interval& i) { return t < i.lo; });
  if (it == set.begin()) return false;
  --it;
  return v >= it->lo && v <= it->hi;
}

}  // namespace prism::models
