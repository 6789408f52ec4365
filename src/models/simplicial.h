// Simplicial (Delaunay) interpolation, located by the lifting-map LP.
//
// For training points x_1..x_n in R^d and a query x, the LP
//   min sum_i lambda_i c_i  s.t.  sum_i lambda_i x_i = x,  sum_i lambda_i = 1,  lambda >= 0,
// with c_i = ||x_i - x||^2, has as optimal basis the vertices of the Delaunay
// simplex containing x and as solution its barycentric coordinates: the
// objective is the lifted paraboloid, whose lower hull projects to the
// Delaunay triangulation. A basis is optimal exactly when no training point
// lies inside the simplex's circumsphere (negative reduced cost).
//
// Solving over all n points is slow, so the LP is solved on the 10(d+1)
// nearest neighbours, every other point is priced with the duals (the
// empty-circumsphere test), violators are added and the LP re-solved from its
// last basis until none is left: the same optimum as the full LP. The simplex
// is read from the basis, not from lambda > tolerance, because barycentric
// coordinates of a few 1e-6 are routine.
#pragma once

#include <memory>
#include <vector>

#include <Eigen/Core>

namespace prism::models {

enum class SimplexStatus {
  kInside,         // vertices and lambda are valid
  kOutsideHull,    // the query is outside the convex hull of the training points (LP infeasible)
  kDegenerate,     // the points near the query do not span R^d: no full simplex exists
  kSolverFailure,  // Clp stopped without an optimal or infeasible verdict
};

const char* to_string(SimplexStatus status);

struct SimplexQuery {
  SimplexStatus status = SimplexStatus::kSolverFailure;
  Eigen::VectorXi vertices;  // d+1 training-row indices; empty unless kInside
  Eigen::VectorXd lambda;    // barycentric coordinates in the order of vertices

  // Diagnostics: how much work the query took.
  int lp_solves = 0;           // restricted LPs solved (phase 1 included)
  int simplex_iterations = 0;  // Clp iterations summed over those solves
  int lp_columns = 0;          // size of the last restricted LP
  int degenerate_pivots = 0;   // slack columns pivoted out of a degenerate optimal basis

  bool inside() const { return status == SimplexStatus::kInside; }
};

struct SimplicialOptions {
  // The first restricted LP holds seed_factor * (d+1) nearest neighbours.
  int seed_factor = 10;
  // A point whose reduced cost (in units of the squared seed radius) is below
  // -pricing_tolerance lies inside the circumsphere and joins the LP.
  double pricing_tolerance = 1e-10;
  // A phase-1 infeasibility (same units) above this means outside the hull.
  double hull_tolerance = 1e-9;
  // Start a query's first LP from the previous query's simplex (dual feasible
  // for every query, so the dual simplex applies) when all its vertices are
  // among the new seeds: 2x faster at d = 16 for nearby queries; independent
  // random queries skip it, as the long dual walk costs more than a cold solve.
  bool warm_start = true;
};

class SimplicialInterpolator {
 public:
  // X: n x d, one training point per row. Copied; requires n >= d+1 and d >= 1.
  explicit SimplicialInterpolator(const Eigen::MatrixXd& X, SimplicialOptions options = {});
  ~SimplicialInterpolator();
  SimplicialInterpolator(SimplicialInterpolator&&) noexcept;
  SimplicialInterpolator& operator=(SimplicialInterpolator&&) noexcept;

  // The Delaunay simplex containing x, seeded with its nearest neighbours.
  SimplexQuery locate(const Eigen::VectorXd& x);
  // Same, with the seed set supplied (e.g. from a batched k_nearest_neighbors).
  SimplexQuery locate(const Eigen::VectorXd& x, const std::vector<int>& seeds);
  // Every row of `queries`, seeds from one blocked GEMM k-NN pass.
  std::vector<SimplexQuery> locate_all(const Eigen::MatrixXd& queries);
  // One LP over all n points, no pricing: the reference for cross-checks.
  SimplexQuery locate_full_lp(const Eigen::VectorXd& x);

  int dimension() const;
  int size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// sum_i lambda_i y[vertex_i]: the simplicial interpolant of values y (one per training point).
double predict_regression(const SimplexQuery& q, const Eigen::VectorXd& y);

// sign(sum_i lambda_i y[vertex_i]) for labels y in {-1, +1}: +1, -1, or 0 on an
// exact tie. The sum runs in vertex order, as in prob_predict_minus.
int predict_sign(const SimplexQuery& q, const Eigen::VectorXd& y);

// Exact P(sign(sum_i lambda_i y_i) = -1), ties counted as 1/2, when every
// vertex label is +1 flipped to -1 independently with probability p: all
// 2^(d+1) label patterns, pruned where the sign is already decided.
double prob_predict_minus(const Eigen::VectorXd& lambda, double flip_probability);

// sum_i lambda_i^2: the variance factor of the interpolant under label noise.
double sum_squared_weights(const SimplexQuery& q);

}  // namespace prism::models
