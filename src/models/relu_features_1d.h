// Random ReLU features in one dimension (docs/claims.md double-descent (b);
// Belkin 2021 Fig. 6): f(w, x) = sum_k w_k min(v_k x + b_k, 0), (v_k, b_k) iid
// N(0, 1), nested (the model with N features uses the first N draws).
// f is piecewise linear with a knot c_k = -b_k / v_k per feature, where f'
// jumps by w_k v_k, so the total variation of f' on an interval is exact:
// sum over the knots inside of |w_k v_k|.
#pragma once

#include <Eigen/Core>

#include "src/core/rng.h"

namespace prism::models {

struct ReluFeatures1d {
  Eigen::VectorXd v, b;  // slopes and offsets, one per feature

  Eigen::Index size() const { return v.size(); }
  // The m x N feature matrix min(v_k x_i + b_k, 0) of the first N features.
  Eigen::MatrixXd matrix(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Index N) const;
  // f(w, x) at every x, with w of the first w.size() features.
  Eigen::VectorXd evaluate(const Eigen::Ref<const Eigen::VectorXd>& w, const Eigen::Ref<const Eigen::VectorXd>& x) const;
  // TV(f') on [lo, hi]: sum over knots in (lo, hi) of |w_k v_k|.
  double derivative_total_variation(const Eigen::Ref<const Eigen::VectorXd>& w, double lo, double hi) const;
};

// N features, (v, b) drawn pairwise from rng (so a prefix is a smaller draw).
ReluFeatures1d draw_relu_features_1d(Eigen::Index N, Rng& rng);

// TV(f') of a function sampled on a uniform grid of spacing h, from its secant
// slopes: sum |s_{i+1} - s_i|. Exact for a piecewise-linear f whose knots are at
// least two cells apart (a cell holding one knot has a slope between its
// neighbours'), up to rounding of f / h: an independent check of the knot sum.
double grid_derivative_variation(const Eigen::Ref<const Eigen::VectorXd>& f, double h);

// The least TV(f') of ANY interpolant of the points (x sorted ascending):
// sum |s_{i+1} - s_i| over the secant slopes s_i, attained by the piecewise
// linear interpolant (a lower bound for every interpolant on [x_1, x_m]).
double min_interpolant_derivative_variation(const Eigen::Ref<const Eigen::VectorXd>& x,
                                            const Eigen::Ref<const Eigen::VectorXd>& y);

}  // namespace prism::models
