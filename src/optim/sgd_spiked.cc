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

// The inputs both forms share: the loop's options, a spectrum, n rows of targets.
void check_inputs(const models::SpikedSpectrum& s, const Eigen::Ref<const Eigen::MatrixXd>& Y, const SgdOptions& o) {
  detail::check_loop("sgd_spiked_gram", o.step, o.max_iterations, o.target_ratio, o.record_every);
  if (s.n < 1) fail("a spiked spectrum with n >= 1", std::to_string(s.n));
  if (Y.rows() != s.n) fail(std::to_string(s.n) + " rows of targets", std::to_string(Y.rows()));
}

}  // namespace

SgdTrace sgd_spiked_gram(const models::SpikedSpectrum& s, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                         Eigen::MatrixXd& alpha, const SgdOptions& options, Rng& rng) {
  check_inputs(s, Y, options);
  const Index n = s.n, c = Y.cols();
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

SgdTrace sgd_spiked_gram_expected_loss(const models::SpikedSpectrum& s, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                                       const SgdOptions& options) {
  check_inputs(s, Y, options);
  if (options.batch < 1) fail("a batch size m >= 1", std::to_string(options.batch));
  const double n = static_cast<double>(s.n), m = static_cast<double>(options.batch), eta = options.step;
  const double a = s.shared, b = s.own, row = a * n + b;  // K 1 = (a n + b) 1
  const double c0 = eta / n, c1 = eta * eta / (m * n), c2 = eta * eta * (m - 1) / (m * n * n);
  // M_0 = Y Y^T per column (r_0 = -Y): d = Y^2, u = Y (1^T Y), s = (1^T Y)^2.
  const Eigen::RowVectorXd sums = Y.colwise().sum();
  Eigen::MatrixXd d = Y.array().square().matrix(), u = Y * sums.asDiagonal();
  Eigen::RowVectorXd total = sums.array().square().matrix();  // s = 1^T M 1
  Eigen::RowVectorXd sigma = d.colwise().sum();                // 1^T d = tr M
  auto step = [&] {
    // With K M = a 1 u^T + b M, K M K = a^2 s 1 1^T + a b (1 u^T + u 1^T) + b^2 M and
    // K D K = a^2 sigma 1 1^T + a b (1 d^T + d 1^T) + b^2 D (D = Diag(d), sigma = 1^T d):
    //   d' = d - 2 c0 (a u + b d) + c1 (a^2 sigma + (2 a b + b^2) d) + c2 (a^2 s + 2 a b u + b^2 d)
    //   u' = u - c0 (a s + (b + a n + b) u) + c1 (a n + b)(a sigma + b d) + c2 (a n + b)(a s + b u)
    //   s' = s - 2 c0 (a n + b) s + (a n + b)^2 (c1 sigma + c2 s)
    const Eigen::RowVectorXd d_shift = c1 * a * a * sigma + c2 * a * a * total;
    const Eigen::RowVectorXd u_shift = -c0 * a * total + c1 * row * a * sigma + c2 * row * a * total;
    const double dd = 1 - 2 * c0 * b + c1 * (2 * a * b + b * b) + c2 * b * b, du = -2 * c0 * a + 2 * c2 * a * b;
    const double uu = 1 - c0 * (b + row) + c2 * row * b, ud = c1 * row * b;
    for (Index o = 0; o < d.cols(); ++o) {
      double* dc = d.col(o).data();
      double* uc = u.col(o).data();
      double sum = 0;
      for (Index i = 0; i < s.n; ++i) {
        const double di = dc[i], ui = uc[i];
        dc[i] = dd * di + du * ui + d_shift(o);
        uc[i] = uu * ui + ud * di + u_shift(o);
        sum += dc[i];
      }
      const double next_total = total(o) * (1 - 2 * c0 * row) + row * row * (c1 * sigma(o) + c2 * total(o));
      sigma(o) = sum;
      total(o) = next_total;
    }
  };
  return detail::run_loop({options.max_iterations, options.target_ratio, options.record_every}, true, step,
                          [&] { return sigma.sum() / (2.0 * n); });
}

}  // namespace prism::optim
