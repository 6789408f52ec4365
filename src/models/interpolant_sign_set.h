// The exact set where a 1-D nearest-neighbour rule predicts -1 (raisin-bread,
// Belkin 2021 §5.2, Fig. 11; algorithm and its validation in docs/claims.md).
//
// Points x_0 < x_1 < ... < x_(n-1) carry labels y_i in {-1, +1}. The k nearest
// of a point x form a window of consecutive points that changes only at the
// midpoints (x_l + x_(l+k)) / 2; on each piece between data points and these
// midpoints the rule's score is smooth:
//   wiNN:      F(x) = sum_{window} y_i |x - x_i|^-alpha (alpha > 0), +-inf of sign
//              y_i at a data point, so f(x_i) = y_i (interpolation);
//   majority:  F = sum_{window} y_i, constant on the piece (k odd: no ties).
// Each piece is split at its middle and each half scanned from its end in
// offsets delta (x = anchor +- delta, so basins as thin as 1e-11 stay
// resolvable where x itself could not), on a geometric grid 1e-15..1 and a
// uniform grid of the half, every sign change refined by 80 bisections.
// Sign changes closer together than the grid can be missed; the unit test
// compares with a dense brute-force grid.
#pragma once

#include <vector>

namespace prism::models {

// [lo, hi] with its length measured in offsets from its anchor: a basin of
// width 1e-11 around x ~ 0.5 has hi == lo in doubles but `length` 1e-11.
struct Interval {
  double lo, hi, length;
};

enum class NeighborRule { kWinn, kMajority };

struct SignSetOptions {
  NeighborRule rule = NeighborRule::kWinn;
  int k = 1;            // window size (the k nearest)
  double alpha = 0.25;  // wiNN exponent
  double lo = 0, hi = 1;  // the part of the line computed
};

// {x in [lo, hi] : F(x) < 0}, as disjoint intervals in increasing order.
// x must be sorted increasing (strictly), y in {-1, +1}, 1 <= k <= n.
std::vector<Interval> negative_set_1d(const std::vector<double>& x, const std::vector<int>& y,
                                      const SignSetOptions& options);

// The rule's score F at one point, summed directly (for tests and grids).
double neighbor_score_1d(const std::vector<double>& x, const std::vector<int>& y, const SignSetOptions& options,
                         double at);

// Total length of `set` inside [a, b] (exact lengths for intervals wholly inside).
double measure_within(const std::vector<Interval>& set, double a, double b);

// (1 / (b - a)) int_a^b dist(t, set) dt, exact (the distance is piecewise
// linear); `set` sorted and disjoint, possibly extending beyond [a, b]; +inf
// for an empty set.
double mean_distance(const std::vector<Interval>& set, double a, double b);

// True when v lies in a closed interval of `set` (sorted, disjoint).
bool contains(const std::vector<Interval>& set, double v);

}  // namespace prism::models
