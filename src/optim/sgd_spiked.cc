#include "src/optim/sgd_spiked.h"
#include "src/optim/sgd_loop.h"

#include <omp.h>

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

// One run's state: the iterate alpha, its residual r = K alpha - Y and L.
class SpikedStream {
 public:
  // alpha: the start (n x c), moved in.
  SpikedStream(const models::SpikedSpectrum& s, const Eigen::Ref<const Eigen::MatrixXd>& Y, Eigen::MatrixXd alpha,
               const SgdOptions& options)
      : s_(s), alpha_(std::move(alpha)), batches_(s.n, options.batch, options.step, Y.cols()), total_(Y.cols()) {
    // r = K alpha - Y with K alpha = a 1 (1^T alpha) + b alpha.
    r_ = s.own * alpha_ - Y;
    r_.rowwise() += s.shared * alpha_.colwise().sum();
    loss_ = r_.squaredNorm() / two_n();
  }

  void step(Rng& rng) {
    batches_.next(rng, r_);
    const Index used = batches_.used(), n = s_.n;
    const auto& columns = batches_.columns();
    const Eigen::MatrixXd& coef = batches_.coef();
    total_ = coef.topRows(used).colwise().sum();
    for (Index v = 0; v < used; ++v) {
      alpha_.row(columns[v]) -= coef.row(v);
      r_.row(columns[v]) -= s_.own * coef.row(v);  // the b I part of K[:, B]
    }
    // The a 1 1^T part shifts every residual; the loss comes in the same pass.
    double sum_sq = 0;
    for (Index o = 0; o < r_.cols(); ++o) {
      const double shift = s_.shared * total_(o);
      double* col = r_.col(o).data();
      for (Index i = 0; i < n; ++i) {
        col[i] -= shift;
        sum_sq += col[i] * col[i];
      }
    }
    loss_ = sum_sq / two_n();
  }

  double loss() const { return loss_; }
  Eigen::MatrixXd& alpha() { return alpha_; }

 private:
  double two_n() const { return 2.0 * static_cast<double>(s_.n); }

  const models::SpikedSpectrum& s_;
  Eigen::MatrixXd alpha_, r_;
  detail::MergedBatches batches_;
  Eigen::RowVectorXd total_;
  double loss_ = 0;
};

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
  SpikedStream run(s, Y, std::move(alpha), options);
  const SgdTrace trace = detail::run_loop({options.max_iterations, options.target_ratio, options.record_every}, true,
                                          [&] { run.step(rng); }, [&] { return run.loss(); });
  alpha = std::move(run.alpha());
  return trace;
}

SgdTrace sgd_spiked_gram_mean_loss(const models::SpikedSpectrum& s, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                                   const SgdOptions& options, std::vector<Rng>& streams) {
  check_inputs(s, Y, options);
  if (streams.empty()) fail("at least one batch stream", "none");
  const int R = static_cast<int>(streams.size());
  std::vector<SpikedStream> runs;
  runs.reserve(streams.size());
  for (int k = 0; k < R; ++k) runs.emplace_back(s, Y, Eigen::MatrixXd::Zero(s.n, Y.cols()), options);
  const int threads = std::clamp(std::min(options.threads, omp_get_max_threads()), 1, R);
  auto mean_loss = [&] {
    double sum = 0;
    for (const auto& run : runs) sum += run.loss();
    return sum / R;
  };
  auto step = [&] {
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int k = 0; k < R; ++k) runs[static_cast<std::size_t>(k)].step(streams[static_cast<std::size_t>(k)]);
  };
  return detail::run_loop({options.max_iterations, options.target_ratio, options.record_every}, true, step, mean_loss);
}

}  // namespace prism::optim
