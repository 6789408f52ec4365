#include "src/optim/sgd_spiked.h"
#include "src/optim/sgd_loop.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace prism::optim {
namespace {

using Eigen::Index;

[[noreturn]] void fail(const std::string& expected, const std::string& actual) {
  throw std::invalid_argument("sgd_spiked_gram: expected " + expected + ", got " + actual);
}

}  // namespace

SgdTrace sgd_spiked_gram(const models::SpikedSpectrum& s, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                         Eigen::MatrixXd& alpha, const SgdOptions& options, Rng& rng) {
  detail::check_loop("sgd_spiked_gram", options.step, options.max_iterations, options.target_ratio,
                     options.record_every);
  const Index n = s.n, c = Y.cols();
  if (n < 1) fail("a spiked spectrum with n >= 1", std::to_string(n));
  if (Y.rows() != n) fail(std::to_string(n) + " rows of targets", std::to_string(Y.rows()));
  if (alpha.size() == 0) alpha = Eigen::MatrixXd::Zero(n, c);
  if (alpha.rows() != n || alpha.cols() != c)
    fail("alpha of shape " + std::to_string(n) + " x " + std::to_string(c),
         std::to_string(alpha.rows()) + " x " + std::to_string(alpha.cols()));

  // r = K alpha - Y with K alpha = a 1 (1^T alpha) + b alpha.
  Eigen::MatrixXd r = s.own * alpha - Y;
  r.rowwise() += s.shared * alpha.colwise().sum();
  const double two_n = 2.0 * static_cast<double>(n);
  double L = r.squaredNorm() / two_n;

  detail::MergedBatches batches(n, options.batch, options.step, c);
  Eigen::RowVectorXd total(c);

  auto step = [&] {
    batches.next(rng, r);
    const Index used = batches.used();
    const auto& columns = batches.columns();
    const Eigen::MatrixXd& coef = batches.coef();
    total = coef.topRows(used).colwise().sum();
    for (Index v = 0; v < used; ++v) {
      alpha.row(columns[v]) -= coef.row(v);
      r.row(columns[v]) -= s.own * coef.row(v);  // the b I part of K[:, B]
    }
    // The a 1 1^T part shifts every residual; the loss comes in the same pass.
    double sum_sq = 0;
    for (Index o = 0; o < c; ++o) {
      const double shift = s.shared * total(o);
      double* col = r.col(o).data();
      for (Index i = 0; i < n; ++i) {
        col[i] -= shift;
        sum_sq += col[i] * col[i];
      }
    }
    L = sum_sq / two_n;
  };
  return detail::run_loop({options.max_iterations, options.target_ratio, options.record_every}, true, step,
                          [&] { return L; });
}

}  // namespace prism::optim
