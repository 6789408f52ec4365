#include "src/models/simplicial.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include <ClpSimplex.hpp>
#include <Eigen/LU>

#include "src/models/nearest_neighbor.h"

namespace prism::models {
namespace {

// Clp's feasibility and optimality tolerances, in the scaled units of the LP
// (coordinates divided by the seed radius, so entries are O(1)). Tighter than
// Clp's 1e-7 defaults so that Clp's "optimal" agrees with our own pricing.
constexpr double kClpPrimalTolerance = 1e-10;
constexpr double kClpDualTolerance = 1e-10;

// A column whose entry in the leaving row is below this is no pivot candidate
// when a slack is pivoted out of a degenerate basis.
constexpr double kPivotTolerance = 1e-9;

// Negative barycentric coordinates above this are rounding and are set to 0;
// below it the basis is not primal feasible and the query fails loudly.
constexpr double kLambdaRoundoff = 1e-9;

// Bounds the pricing rounds; each round adds at least one column, so it ends
// after at most n rounds anyway.
constexpr int kMaxRounds = 10000;

// A basic variable: a training point (>= 0) or the slack of row r, encoded -(r+1).
using BasisEntry = int;
inline bool is_slack(BasisEntry e) { return e < 0; }
inline int slack_row(BasisEntry e) { return -e - 1; }

}  // namespace

const char* to_string(SimplexStatus status) {
  switch (status) {
    case SimplexStatus::kInside: return "inside";
    case SimplexStatus::kOutsideHull: return "outside-hull";
    case SimplexStatus::kDegenerate: return "degenerate";
    case SimplexStatus::kSolverFailure: return "solver-failure";
  }
  return "unknown";
}

struct SimplicialInterpolator::Impl {
  Impl(const Eigen::MatrixXd& X, SimplicialOptions opts)
      : X(X), Xt(X.transpose()), d(static_cast<int>(X.cols())), n(static_cast<int>(X.rows())),
        options(opts), in_lp(n, 0) {
    model.setLogLevel(0);
    model.setPrimalTolerance(kClpPrimalTolerance);
    model.setDualTolerance(kClpDualTolerance);
  }

  Eigen::MatrixXd X;   // n x d, for the batched k-NN
  Eigen::MatrixXd Xt;  // d x n: one contiguous column per point
  int d;
  int n;
  SimplicialOptions options;
  ClpSimplex model;           // reused across rounds and queries
  std::vector<int> previous;  // last located simplex, the warm start
  std::vector<char> in_lp;    // membership of the current restricted LP
  std::vector<int> columns;   // LP column -> training point

  // The query's frame: u_i = (x_i - x) / scale, cost ||u_i||^2.
  Eigen::VectorXd x;
  double scale = 1.0;

  int seed_count() const { return std::min(n, options.seed_factor * (d + 1)); }

  Eigen::VectorXd column_of(int i) const {
    Eigen::VectorXd a(d + 1);
    a.head(d) = (Xt.col(i) - x) / scale;
    a(d) = 1.0;
    return a;
  }
  double cost_of(int i) const { return (Xt.col(i) - x).squaredNorm() / (scale * scale); }

  Eigen::VectorXd basis_column(BasisEntry e) const {
    if (!is_slack(e)) return column_of(e);
    Eigen::VectorXd a = Eigen::VectorXd::Zero(d + 1);
    a(slack_row(e)) = 1.0;
    return a;
  }
  double basis_cost(BasisEntry e) const { return is_slack(e) ? 0.0 : cost_of(e); }

  Eigen::MatrixXd basis_matrix(const std::vector<BasisEntry>& basis) const {
    Eigen::MatrixXd B(d + 1, d + 1);
    for (int k = 0; k <= d; ++k) B.col(k) = basis_column(basis[k]);
    return B;
  }

  // Reduced cost of every point against duals y: (||x_i - c||^2 - R^2) / scale^2,
  // the circumsphere test, with centre c and radius R read off y.
  Eigen::VectorXd reduced_costs(const Eigen::VectorXd& y) const {
    const Eigen::VectorXd centre = x + 0.5 * scale * y.head(d);
    const double radius_sq = scale * scale * (y(d) + 0.25 * y.head(d).squaredNorm());
    return ((Xt.colwise() - centre).colwise().squaredNorm().transpose().array() - radius_sq) /
           (scale * scale);
  }

  void clear_lp() {
    for (int i : columns) in_lp[i] = 0;
    columns.clear();
  }

  // Appends points (not yet in the LP) as columns of `lp`, with costs `phase1 ? 0 : ||u||^2`.
  void append_columns(ClpSimplex& lp, const std::vector<int>& points, bool phase1) {
    const int m = d + 1;
    std::vector<CoinBigIndex> starts(points.size() + 1);
    std::vector<int> rows(points.size() * m);
    std::vector<double> values(points.size() * m), lower(points.size(), 0.0),
        upper(points.size(), COIN_DBL_MAX), cost(points.size());
    for (std::size_t k = 0; k < points.size(); ++k) {
      const Eigen::VectorXd a = column_of(points[k]);
      starts[k] = static_cast<CoinBigIndex>(k * m);
      for (int r = 0; r < m; ++r) {
        rows[k * m + r] = r;
        values[k * m + r] = a(r);
      }
      cost[k] = phase1 ? 0.0 : cost_of(points[k]);
    }
    starts[points.size()] = static_cast<CoinBigIndex>(points.size() * m);
    lp.addColumns(static_cast<int>(points.size()), lower.data(), upper.data(), cost.data(),
                  starts.data(), rows.data(), values.data());
  }

  // An empty LP with the d+1 equality rows sum lambda_i u_i = 0, sum lambda_i = 1.
  void load_empty(ClpSimplex& lp) const {
    const int m = d + 1;
    std::vector<double> rhs(m, 0.0);
    rhs[d] = 1.0;
    const CoinBigIndex start = 0;
    lp.loadProblem(0, m, &start, nullptr, nullptr, nullptr, nullptr, nullptr, rhs.data(),
                   rhs.data());
  }

  // Records points as LP members, skipping repeats; append_columns(columns) then loads them.
  void add_to_lp(const std::vector<int>& points) {
    for (int i : points) {
      if (in_lp[i]) continue;
      in_lp[i] = 1;
      columns.push_back(i);
    }
  }

  // The optimal basis of `lp` as basis entries (LP columns mapped through `cols`);
  // false unless exactly d+1 variables are basic.
  static bool read_basis(const ClpSimplex& lp, const std::vector<int>& cols, int m,
                         std::vector<BasisEntry>* basis) {
    basis->clear();
    for (int j = 0; j < lp.numberColumns(); ++j) {
      if (lp.getColumnStatus(j) == ClpSimplex::basic) basis->push_back(cols[j]);
    }
    for (int r = 0; r < lp.numberRows(); ++r) {
      if (lp.getRowStatus(r) == ClpSimplex::basic) basis->push_back(-(r + 1));
    }
    return static_cast<int>(basis->size()) == m;
  }

  // Phase 1 by column generation, when the seeds' hull misses x: minimise the
  // artificial infeasibility, pricing all points with its duals. True when a
  // feasible column set was found (it is left in `columns`), false when x is
  // outside the hull of all points.
  bool grow_to_feasible(SimplexQuery* q) {
    const int m = d + 1;
    ClpSimplex lp;
    lp.setLogLevel(0);
    lp.setPrimalTolerance(kClpPrimalTolerance);
    lp.setDualTolerance(kClpDualTolerance);
    load_empty(lp);
    // Artificial columns +e_r and -e_r at cost 1 come first; code them as -1 - k.
    std::vector<int> cols;
    {
      std::vector<CoinBigIndex> starts(2 * m + 1);
      std::vector<int> rows(2 * m);
      std::vector<double> values(2 * m), lower(2 * m, 0.0), upper(2 * m, COIN_DBL_MAX),
          cost(2 * m, 1.0);
      for (int k = 0; k < 2 * m; ++k) {
        starts[k] = k;
        rows[k] = k % m;
        values[k] = k < m ? 1.0 : -1.0;
        cols.push_back(-1 - k);
      }
      starts[2 * m] = 2 * m;
      lp.addColumns(2 * m, lower.data(), upper.data(), cost.data(), starts.data(), rows.data(),
                    values.data());
    }
    append_columns(lp, columns, /*phase1=*/true);
    cols.insert(cols.end(), columns.begin(), columns.end());

    for (int round = 0; round < kMaxRounds; ++round) {
      lp.primal();
      ++q->lp_solves;
      q->simplex_iterations += lp.numberIterations();
      if (!lp.isProvenOptimal()) return false;
      if (lp.objectiveValue() <= options.hull_tolerance) return true;
      // Duals from the basis: B^T y = c_B, artificial columns cost 1.
      Eigen::MatrixXd B = Eigen::MatrixXd::Zero(m, m);
      Eigen::VectorXd cB = Eigen::VectorXd::Zero(m);
      int k = 0;
      for (int j = 0; j < lp.numberColumns() && k < m; ++j) {
        if (lp.getColumnStatus(j) != ClpSimplex::basic) continue;
        if (cols[j] >= 0) {
          B.col(k) = column_of(cols[j]);
        } else {
          const int art = -1 - cols[j];
          B(art % m, k) = art < m ? 1.0 : -1.0;
          cB(k) = 1.0;
        }
        ++k;
      }
      for (int r = 0; r < m && k < m; ++r) {
        if (lp.getRowStatus(r) == ClpSimplex::basic) B(r, k++) = 1.0;
      }
      if (k != m) return false;
      const Eigen::VectorXd y = B.transpose().partialPivLu().solve(cB);
      // Reduced cost of point i in phase 1: 0 - y^T a_i.
      const Eigen::VectorXd y_head = y.head(d) / scale;
      const Eigen::VectorXd gain =
          (Xt.transpose() * y_head).array() - x.dot(y_head) + y(d);
      std::vector<int> violators;
      for (int i = 0; i < n; ++i) {
        if (!in_lp[i] && gain(i) > options.pricing_tolerance) violators.push_back(i);
      }
      if (violators.empty()) return false;
      append_columns(lp, violators, /*phase1=*/true);
      cols.insert(cols.end(), violators.begin(), violators.end());
      add_to_lp(violators);
    }
    return false;
  }

  // Replaces basic slacks (a query on a lower-dimensional face) by training
  // points with a dual ratio test over all points: a degenerate pivot that keeps
  // lambda and keeps every reduced cost >= 0, so the result is a Delaunay
  // simplex containing x. False if no point can enter (points do not span R^d).
  bool pivot_out_slacks(std::vector<BasisEntry>* basis, SimplexQuery* q) {
    const int m = d + 1;
    for (int pos = 0; pos < m; ++pos) {
      if (!is_slack((*basis)[pos])) continue;
      const Eigen::MatrixXd B = basis_matrix(*basis);
      Eigen::VectorXd cB(m);
      for (int k = 0; k < m; ++k) cB(k) = basis_cost((*basis)[k]);
      const Eigen::PartialPivLU<Eigen::MatrixXd> lu_t(B.transpose());
      const Eigen::VectorXd y = lu_t.solve(cB);
      const Eigen::VectorXd rc = reduced_costs(y).cwiseMax(0.0);
      // Row `pos` of B^-1: z with B^T z = e_pos; alpha_i = z^T a_i.
      const Eigen::VectorXd z = lu_t.solve(Eigen::VectorXd::Unit(m, pos));
      const Eigen::VectorXd z_head = z.head(d) / scale;
      const Eigen::VectorXd alpha = (Xt.transpose() * z_head).array() - x.dot(z_head) + z(d);
      // Either sign of alpha gives a valid pivot (the two simplices sharing the
      // face); take the smallest ratio, the largest |alpha| among ties.
      int best = -1;
      double best_ratio = std::numeric_limits<double>::infinity();
      for (int i = 0; i < n; ++i) {
        if (std::find(basis->begin(), basis->end(), i) != basis->end()) continue;
        const double a = std::abs(alpha(i));
        if (a <= kPivotTolerance) continue;
        const double ratio = rc(i) / a;
        if (ratio < best_ratio || (ratio == best_ratio && a > std::abs(alpha(best)))) {
          best_ratio = ratio;
          best = i;
        }
      }
      if (best < 0) return false;
      (*basis)[pos] = best;
      ++q->degenerate_pivots;
    }
    return true;
  }

  // The main loop. `price`: restricted LP with dual pricing (else the LP holds all points).
  // The LP starts with `seeds`; the first scale_count of them set the scale.
  SimplexQuery solve(const Eigen::VectorXd& query, const std::vector<int>& seeds, int scale_count,
                     bool price) {
    if (query.size() != d) {
      throw std::invalid_argument("SimplicialInterpolator: query has dimension " +
                                  std::to_string(query.size()) + ", expected " +
                                  std::to_string(d));
    }
    const int m = d + 1;
    SimplexQuery q;
    x = query;
    // Scale by the seed radius so LP entries and costs are O(1) at every n and d.
    double radius_sq = 0.0;
    for (int k = 0; k < scale_count; ++k) {
      radius_sq = std::max(radius_sq, (Xt.col(seeds[k]) - x).squaredNorm());
    }
    scale = radius_sq > 0.0 ? std::sqrt(radius_sq) : 1.0;

    clear_lp();
    add_to_lp(seeds);
    // The previous simplex is dual feasible for every query (dual feasibility
    // does not depend on x), so the dual simplex can start from it. It walks
    // across simplices towards x: worth it only when the previous simplex is
    // local, i.e. all its vertices are among this query's seeds.
    const bool warm = price && options.warm_start && static_cast<int>(previous.size()) == m &&
                      std::all_of(previous.begin(), previous.end(),
                                  [&](int i) { return in_lp[i] != 0; });
    load_empty(model);
    append_columns(model, columns, /*phase1=*/false);
    model.createStatus();  // all-slack basis unless the warm start replaces it
    if (warm) {
      for (int r = 0; r < m; ++r) model.setRowStatus(r, ClpSimplex::atLowerBound);
      for (int j = 0; j < static_cast<int>(columns.size()); ++j) {
        const bool basic =
            std::find(previous.begin(), previous.end(), columns[j]) != previous.end();
        model.setColumnStatus(j, basic ? ClpSimplex::basic : ClpSimplex::atLowerBound);
      }
    }

    std::vector<BasisEntry> basis;
    bool use_dual = warm;
    for (int round = 0;; ++round) {
      if (round == kMaxRounds) return q;  // kSolverFailure
      if (use_dual) {
        model.dual();
      } else {
        model.primal();
      }
      use_dual = false;  // later rounds only add columns: the basis stays primal feasible
      ++q.lp_solves;
      q.simplex_iterations += model.numberIterations();
      q.lp_columns = model.numberColumns();

      if (model.isProvenPrimalInfeasible()) {
        if (!price || !grow_to_feasible(&q)) {
          q.status = SimplexStatus::kOutsideHull;
          return q;
        }
        load_empty(model);
        append_columns(model, columns, /*phase1=*/false);
        model.createStatus();
        continue;
      }
      if (!model.isProvenOptimal() || !read_basis(model, columns, m, &basis)) return q;
      if (!price) break;

      Eigen::VectorXd cB(m);
      for (int k = 0; k < m; ++k) cB(k) = basis_cost(basis[k]);
      const Eigen::VectorXd y = basis_matrix(basis).transpose().partialPivLu().solve(cB);
      const Eigen::VectorXd rc = reduced_costs(y);
      std::vector<int> violators;
      for (int i = 0; i < n; ++i) {
        if (!in_lp[i] && rc(i) < -options.pricing_tolerance) violators.push_back(i);
      }
      if (violators.empty()) break;
      append_columns(model, violators, /*phase1=*/false);
      add_to_lp(violators);
    }

    if (std::any_of(basis.begin(), basis.end(), is_slack) && !pivot_out_slacks(&basis, &q)) {
      q.status = SimplexStatus::kDegenerate;
      return q;
    }
    // lambda from the basis itself (B lambda = e_{d+1}), not Clp's scaled iterate.
    Eigen::VectorXd lambda =
        basis_matrix(basis).partialPivLu().solve(Eigen::VectorXd::Unit(m, d));
    if (lambda.minCoeff() < -kLambdaRoundoff) return q;  // kSolverFailure
    lambda = lambda.cwiseMax(0.0);

    std::vector<int> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return basis[a] < basis[b]; });
    q.vertices.resize(m);
    q.lambda.resize(m);
    for (int k = 0; k < m; ++k) {
      q.vertices(k) = basis[order[k]];
      q.lambda(k) = lambda(order[k]);
    }
    q.status = SimplexStatus::kInside;
    previous.assign(q.vertices.data(), q.vertices.data() + m);
    return q;
  }

  std::vector<int> nearest_seeds(const Eigen::VectorXd& query) const {
    const Eigen::VectorXd dist = (Xt.colwise() - query).colwise().squaredNorm().transpose();
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    const int k = seed_count();
    std::nth_element(order.begin(), order.begin() + (k - 1), order.end(),
                     [&](int a, int b) { return dist(a) < dist(b); });
    order.resize(k);
    return order;
  }
};

SimplicialInterpolator::SimplicialInterpolator(const Eigen::MatrixXd& X,
                                               SimplicialOptions options) {
  if (X.cols() < 1 || X.rows() < X.cols() + 1) {
    throw std::invalid_argument("SimplicialInterpolator: X is " + std::to_string(X.rows()) +
                                " x " + std::to_string(X.cols()) +
                                ", expected d >= 1 and at least d+1 points");
  }
  if (options.seed_factor < 1) {
    throw std::invalid_argument("SimplicialInterpolator: seed_factor " +
                                std::to_string(options.seed_factor) + ", expected >= 1");
  }
  impl_ = std::make_unique<Impl>(X, options);
}

SimplicialInterpolator::~SimplicialInterpolator() = default;
SimplicialInterpolator::SimplicialInterpolator(SimplicialInterpolator&&) noexcept = default;
SimplicialInterpolator& SimplicialInterpolator::operator=(SimplicialInterpolator&&) noexcept =
    default;

SimplexQuery SimplicialInterpolator::locate(const Eigen::VectorXd& x) {
  if (x.size() != impl_->d) return impl_->solve(x, {}, 0, true);  // throws the shape error
  const std::vector<int> seeds = impl_->nearest_seeds(x);
  return impl_->solve(x, seeds, static_cast<int>(seeds.size()), /*price=*/true);
}

SimplexQuery SimplicialInterpolator::locate(const Eigen::VectorXd& x,
                                            const std::vector<int>& seeds) {
  for (int i : seeds) {
    if (i < 0 || i >= impl_->n) {
      throw std::invalid_argument("SimplicialInterpolator::locate: seed " + std::to_string(i) +
                                  ", expected an index in [0, " + std::to_string(impl_->n) + ")");
    }
  }
  return impl_->solve(x, seeds, static_cast<int>(seeds.size()), /*price=*/true);
}

std::vector<SimplexQuery> SimplicialInterpolator::locate_all(const Eigen::MatrixXd& queries) {
  const NeighborList seeds = k_nearest_neighbors(impl_->X, queries, impl_->seed_count());
  std::vector<SimplexQuery> out;
  out.reserve(queries.rows());
  std::vector<int> row(seeds.index.cols());
  for (Eigen::Index j = 0; j < queries.rows(); ++j) {
    for (Eigen::Index k = 0; k < seeds.index.cols(); ++k) row[k] = seeds.index(j, k);
    out.push_back(impl_->solve(queries.row(j).transpose(), row, static_cast<int>(row.size()),
                               /*price=*/true));
  }
  return out;
}

SimplexQuery SimplicialInterpolator::locate_full_lp(const Eigen::VectorXd& x) {
  if (x.size() != impl_->d) return impl_->solve(x, {}, 0, false);  // throws the shape error
  // Every point is a column; the nearest seeds come first to set the same scale as locate.
  std::vector<int> columns = impl_->nearest_seeds(x);
  const int scale_count = static_cast<int>(columns.size());
  std::vector<char> seen(impl_->n, 0);
  for (int i : columns) seen[i] = 1;
  for (int i = 0; i < impl_->n; ++i) {
    if (!seen[i]) columns.push_back(i);
  }
  return impl_->solve(x, columns, scale_count, /*price=*/false);
}

int SimplicialInterpolator::dimension() const { return impl_->d; }
int SimplicialInterpolator::size() const { return impl_->n; }

namespace {
void require_inside(const SimplexQuery& q, const char* who) {
  if (!q.inside()) {
    throw std::invalid_argument(std::string(who) + ": query status is " + to_string(q.status) +
                                ", expected inside");
  }
}
}  // namespace

double predict_regression(const SimplexQuery& q, const Eigen::VectorXd& y) {
  require_inside(q, "predict_regression");
  double s = 0.0;
  for (Eigen::Index k = 0; k < q.vertices.size(); ++k) s += q.lambda(k) * y(q.vertices(k));
  return s;
}

int predict_sign(const SimplexQuery& q, const Eigen::VectorXd& y) {
  require_inside(q, "predict_sign");
  double s = 0.0;
  for (Eigen::Index k = 0; k < q.vertices.size(); ++k) {
    s += y(q.vertices(k)) > 0.0 ? q.lambda(k) : -q.lambda(k);
  }
  return (s > 0.0) - (s < 0.0);
}

double prob_predict_minus(const Eigen::VectorXd& lambda, double flip_probability) {
  const double p = flip_probability;
  if (!(p >= 0.0 && p <= 1.0)) {
    throw std::invalid_argument("prob_predict_minus: flip probability " + std::to_string(p) +
                                ", expected it in [0, 1]");
  }
  const int m = static_cast<int>(lambda.size());
  if (m == 0 || m > 40) {
    throw std::invalid_argument("prob_predict_minus: " + std::to_string(m) +
                                " weights, expected 1 to 40");
  }
  // suffix(i): the most the remaining terms can move the running sum.
  Eigen::VectorXd suffix = Eigen::VectorXd::Zero(m + 1);
  for (int i = m - 1; i >= 0; --i) suffix(i) = suffix(i + 1) + std::abs(lambda(i));
  // The running sum below repeats predict_sign's additions exactly; the bound
  // on its rounding keeps pruning from deciding a sign the leaf would not.
  const double rounding = 4.0 * m * std::numeric_limits<double>::epsilon() * suffix(0);
  std::function<double(int, double, double)> walk = [&](int i, double partial,
                                                        double weight) -> double {
    if (weight == 0.0) return 0.0;
    if (i == m) return partial < 0.0 ? weight : (partial == 0.0 ? 0.5 * weight : 0.0);
    if (partial - suffix(i) > rounding) return 0.0;     // positive whatever follows
    if (partial + suffix(i) < -rounding) return weight;  // negative whatever follows
    return walk(i + 1, partial + lambda(i), weight * (1.0 - p)) +
           walk(i + 1, partial - lambda(i), weight * p);
  };
  return walk(0, 0.0, 1.0);
}

double sum_squared_weights(const SimplexQuery& q) {
  require_inside(q, "sum_squared_weights");
  return q.lambda.squaredNorm();
}

}  // namespace prism::models
