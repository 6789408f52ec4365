#include "src/optim/sgd.h"
#include "src/optim/sgd_loop.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace prism::optim {
namespace {

using Eigen::Index;

using detail::fail;
using detail::check_loop;
using detail::run_loop;

// Rows [first, first + len) of r -= sum_u K[:, columns[u]] coef(u, :), four
// columns per pass so the residual (in cache) is read and written a quarter as
// often as K is streamed. Element-wise only: any row split gives the same bits.
void subtract_columns(const Eigen::Ref<const Eigen::MatrixXd>& K, const std::vector<Index>& columns,
                      const Eigen::MatrixXd& coef, Eigen::MatrixXd& r, Index first, Index len) {
  const Index count = static_cast<Index>(columns.size());
  Index u = 0;
  for (; u + 4 <= count; u += 4) {
    const auto k0 = K.col(columns[u]).segment(first, len), k1 = K.col(columns[u + 1]).segment(first, len);
    const auto k2 = K.col(columns[u + 2]).segment(first, len), k3 = K.col(columns[u + 3]).segment(first, len);
    for (Index o = 0; o < r.cols(); ++o)
      r.col(o).segment(first, len).noalias() -=
          coef(u, o) * k0 + coef(u + 1, o) * k1 + coef(u + 2, o) * k2 + coef(u + 3, o) * k3;
  }
  for (; u < count; ++u) {
    const auto k0 = K.col(columns[u]).segment(first, len);
    for (Index o = 0; o < r.cols(); ++o) r.col(o).segment(first, len).noalias() -= coef(u, o) * k0;
  }
}

// Below this many K entries per step a thread costs more than it saves.
constexpr double kParallelEntries = 1 << 20;

// The same update split over `threads` row ranges of the first n rows of r.
// Range boundaries are multiples of 8 rows and r's columns are aligned, so each
// range is vectorised as that part of the whole column would be: the result is
// bitwise the same for any thread count.
void subtract_columns_parallel(const Eigen::Ref<const Eigen::MatrixXd>& K, const std::vector<Index>& columns,
                               const Eigen::MatrixXd& coef, Eigen::MatrixXd& r, Index n, int threads) {
  const double entries = static_cast<double>(n) * static_cast<double>(columns.size()) * static_cast<double>(r.cols());
  if (threads <= 1 || entries < kParallelEntries) {
    subtract_columns(K, columns, coef, r, 0, n);
    return;
  }
  const Index chunk = ((n + threads - 1) / threads + 7) / 8 * 8;
  std::vector<std::thread> workers;
  for (int t = 1; t < threads && t * chunk < n; ++t) {
    const Index first = t * chunk;
    workers.emplace_back([&, first] { subtract_columns(K, columns, coef, r, first, std::min(chunk, n - first)); });
  }
  subtract_columns(K, columns, coef, r, 0, std::min(chunk, n));
  for (auto& w : workers) w.join();
}

}  // namespace

double critical_step(Index m, double beta, double lambda_1) {
  if (m < 1) fail("critical_step", "a batch size m >= 1", std::to_string(m));
  if (!(beta > 0) || !(lambda_1 > 0) || lambda_1 > beta * (1 + 1e-12))
    fail("critical_step", "0 < lambda_1 <= beta", "beta = " + std::to_string(beta) + ", lambda_1 = " + std::to_string(lambda_1));
  return static_cast<double>(m) / (beta + static_cast<double>(m - 1) * lambda_1);
}

double critical_batch_size(double beta, double lambda_1) {
  if (!(beta > 0) || !(lambda_1 > 0))
    fail("critical_batch_size", "beta > 0 and lambda_1 > 0", "beta = " + std::to_string(beta) + ", lambda_1 = " + std::to_string(lambda_1));
  return beta / lambda_1 + 1.0;
}

BatchSampler::BatchSampler(Index n, Index m) : n_(n) {
  if (n < 1) fail("BatchSampler", "n >= 1", std::to_string(n));
  if (m < 1) fail("BatchSampler", "a batch size m >= 1", std::to_string(m));
  batch_.resize(static_cast<std::size_t>(m));
}

const std::vector<Index>& BatchSampler::next(Rng& rng) {
  for (auto& i : batch_) i = static_cast<Index>(rng.index(static_cast<std::size_t>(n_)));
  return batch_;
}

SgdTrace sgd_least_squares(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& y,
                           Eigen::VectorXd& w, const SgdOptions& options, Rng& rng) {
  check_loop("sgd_least_squares", options.step, options.max_iterations, options.target_ratio, options.record_every);
  const Index n = X.rows(), d = X.cols();
  if (y.size() != n) fail("sgd_least_squares", std::to_string(n) + " targets (one per row of X)", std::to_string(y.size()));
  if (w.size() == 0) w = Eigen::VectorXd::Zero(d);
  if (w.size() != d) fail("sgd_least_squares", "w of size d = " + std::to_string(d), std::to_string(w.size()));

  const Eigen::MatrixXd Xt = X.transpose();  // samples as contiguous columns
  BatchSampler sampler(n, options.batch);
  const double scale = options.step / static_cast<double>(options.batch);
  Eigen::VectorXd batch_residual(options.batch);
  Eigen::VectorXd r(n);

  auto step = [&] {
    const auto& batch = sampler.next(rng);
    // Every residual is taken at the same w before any update: the mean batch gradient.
    for (Index j = 0; j < options.batch; ++j) batch_residual(j) = Xt.col(batch[j]).dot(w) - y(batch[j]);
    for (Index j = 0; j < options.batch; ++j) w.noalias() -= (scale * batch_residual(j)) * Xt.col(batch[j]);
  };
  auto loss = [&] {
    r.noalias() = X * w;
    r -= y;
    return r.squaredNorm() / (2.0 * n);
  };
  return run_loop({options.max_iterations, options.target_ratio, options.record_every}, false, step, loss);
}

SgdTrace gd_least_squares(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& y,
                          Eigen::VectorXd& w, const GdOptions& options) {
  check_loop("gd_least_squares", options.step, options.max_iterations, options.target_ratio, options.record_every);
  const Index n = X.rows(), d = X.cols();
  if (y.size() != n) fail("gd_least_squares", std::to_string(n) + " targets (one per row of X)", std::to_string(y.size()));
  if (w.size() == 0) w = Eigen::VectorXd::Zero(d);
  if (w.size() != d) fail("gd_least_squares", "w of size d = " + std::to_string(d), std::to_string(w.size()));

  // The gradient needs the residual anyway, so L comes with every step.
  Eigen::VectorXd r(n);
  double L = 0;
  auto refresh = [&] {
    r.noalias() = X * w;
    r -= y;
    L = r.squaredNorm() / (2.0 * n);
  };
  refresh();
  auto step = [&] {
    w.noalias() -= (options.step / static_cast<double>(n)) * (X.transpose() * r);
    refresh();
  };
  return run_loop({options.max_iterations, options.target_ratio, options.record_every}, true, step, [&] { return L; });
}

SgdTrace sgd_kernel(const Eigen::Ref<const Eigen::MatrixXd>& K, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                    Eigen::MatrixXd& alpha, const SgdOptions& options, Rng& rng) {
  check_loop("sgd_kernel", options.step, options.max_iterations, options.target_ratio, options.record_every);
  if (options.threads < 1) fail("sgd_kernel", "threads >= 1", std::to_string(options.threads));
  const Index n = K.rows(), c = Y.cols();
  if (K.cols() != n) fail("sgd_kernel", "a square kernel matrix", std::to_string(n) + " x " + std::to_string(K.cols()));
  if (Y.rows() != n) fail("sgd_kernel", std::to_string(n) + " rows of targets", std::to_string(Y.rows()));
  if (alpha.size() == 0) alpha = Eigen::MatrixXd::Zero(n, c);
  if (alpha.rows() != n || alpha.cols() != c)
    fail("sgd_kernel", "alpha of shape " + std::to_string(n) + " x " + std::to_string(c),
         std::to_string(alpha.rows()) + " x " + std::to_string(alpha.cols()));

  // The residual's columns are padded to a multiple of 8 rows (zeros, never
  // touched), so each starts 32-byte aligned and a row split at multiples of 8
  // keeps the packet grouping of the whole column.
  Eigen::MatrixXd r = Eigen::MatrixXd::Zero((n + 7) / 8 * 8, c);
  r.topRows(n) = -Y;
  if (!alpha.isZero(0)) r.topRows(n).noalias() += K * alpha;
  double L = r.squaredNorm() / (2.0 * n);

  BatchSampler sampler(n, options.batch);
  const double scale = options.step / static_cast<double>(options.batch);
  std::vector<Index> sorted(static_cast<std::size_t>(options.batch));
  std::vector<Index> columns;
  columns.reserve(sorted.size());
  Eigen::MatrixXd coef(options.batch, c);

  auto step = [&] {
    const auto& batch = sampler.next(rng);
    detail::merge_batch(batch, scale, r, sorted, columns, coef);
    for (std::size_t v = 0; v < columns.size(); ++v) alpha.row(columns[v]) -= coef.row(static_cast<Index>(v));
    subtract_columns_parallel(K, columns, coef, r, n, options.threads);
    L = r.squaredNorm() / (2.0 * n);
  };
  return run_loop({options.max_iterations, options.target_ratio, options.record_every}, true, step, [&] { return L; });
}

}  // namespace prism::optim
