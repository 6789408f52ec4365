// sgd-exponential: SGD with a fixed step converges exponentially under
// interpolation (Belkin 2021 §4.4; Ma, Bassily, Belkin 2018 Thm 1).
//
// Interpolating problems: over-parameterised least squares (d > n) and kernel
// regression on an MNIST subset. Mini-batch SGD with eta = m/(beta+(m-1)lambda_1)
// drives the loss to 1e-10 L(w0) along a straight line in log L. The control is
// an under-parameterised problem: same SGD, no interpolation, so the loss
// plateaus above the least-squares optimum by an amount proportional to eta.
#include <algorithm>
#include <cmath>
#include <memory>

#include "src/core/claim.h"
#include "src/core/stats.h"
#include "src/linalg/kernels.h"
#include "src/linalg/least_squares.h"
#include "src/models/kernel_problem.h"
#include "src/models/linear_problem.h"
#include "src/optim/sgd.h"

namespace prism::claims {
namespace {

constexpr double kTargetRatio = 1e-10;   // run to L <= 1e-10 L(w0) (docs/claims.md setting)
constexpr double kRateWindowTop = 1e-6;  // the asymptotic rate is read between these
constexpr double kNoiseVariance = 0.25;
constexpr double kKernelBandwidth = 5.0;

// Slope of log L per step between two loss levels (relative to L(w0)).
double tail_rate(const optim::SgdTrace& tr, double top, double bottom) {
  std::vector<double> t, logl;
  for (size_t i = 0; i < tr.losses.size(); ++i) {
    const double r = tr.losses[i] / tr.initial_loss;
    if (r > top || r < bottom * 0.999) continue;
    t.push_back(static_cast<double>(tr.steps[i]));
    logl.push_back(std::log(tr.losses[i]));
  }
  if (t.size() < 3) return 0.0;
  return -fit_line(t, logl).slope;
}

// The kernel curve is recorded 20 times an epoch and averaged in log over each
// epoch (docs/claims.md: "fit the epoch-averaged log L"): single steps fluctuate by
// a few tenths of a decade around the trend.
void record_epoch_averaged_curve(Measurement& m, const optim::SgdTrace& tr, std::int64_t epoch) {
  std::vector<double> t, l;
  double sum = 0;
  int count = 0;
  std::int64_t current = 0;
  for (size_t i = 0; i < tr.losses.size(); ++i) {
    const std::int64_t e = tr.steps[i] / epoch;
    if (e != current && count > 0) {
      t.push_back(static_cast<double>(current * epoch));
      l.push_back(std::exp(sum / count));
      sum = 0, count = 0;
    }
    current = e;
    sum += std::log(tr.losses[i] / tr.initial_loss);
    ++count;
  }
  if (count > 0) t.push_back(static_cast<double>(current * epoch)), l.push_back(std::exp(sum / count));
  m.add_series("loss", std::move(t), std::move(l));
}

void record_curve(Measurement& m, const optim::SgdTrace& tr) {
  std::vector<double> t, l;
  for (size_t i = 0; i < tr.losses.size(); ++i) {
    t.push_back(static_cast<double>(tr.steps[i]));
    l.push_back(tr.losses[i] / tr.initial_loss);
  }
  m.add_series("loss", std::move(t), std::move(l));
}

// The observed asymptotic rate against Thm 1's: E||w_t - w*||^2 contracts by
// (1 - eta mu / n) per step at least.
void record_interpolating_run(Measurement& m, const optim::SgdTrace& tr, double eta, double mu, double lambda_1,
                              double beta, double n) {
  const double bound_rate = -std::log(1 - eta * mu / n);
  const double rate = tail_rate(tr, kRateWindowTop, kTargetRatio);
  m.set("mu", mu);
  m.set("lambda_1", lambda_1);
  m.set("beta", beta);
  m.set("eta", eta);
  m.set("iterations", static_cast<double>(tr.iterations));
  m.set("reached_target", tr.reached_target() ? 1.0 : 0.0);
  m.set("final_loss_ratio", tr.final_loss / tr.initial_loss);
  m.set("rate", rate);
  m.set("bound_rate", bound_rate);
  m.set("rate_ratio", rate / bound_rate);
}

// The kernel problem (first n rows of MNIST train) and its spectrum depend on
// n only: shared by every seed and batch size.
struct KernelSetup {
  std::shared_ptr<const models::KernelProblem> problem;
  double mu = 0, lambda_1 = 0, beta = 1;
};

KernelSetup kernel_setup(const RunContext& ctx, int n) {
  const auto kernel = linalg::Kernel::Gaussian(kKernelBandwidth);
  KernelSetup s;
  s.problem = ctx.shared(models::kernel_problem_key("mnist", n, kernel),
                         [&] { return models::kernel_problem("mnist", n, kernel); });
  const auto ext = *ctx.shared("gram-extremes/mnist/" + std::to_string(n),
                               [&] { return linalg::gram_extremes(s.problem->K); });
  s.mu = ext.lambda_min;                          // lambda_min(K)
  s.lambda_1 = ext.lambda_max / n;                // lambda_max(K / n)
  s.beta = s.problem->K.diagonal().maxCoeff();   // max_i K_ii
  return s;
}

Measurement MeasureSgdExponential(const RunContext& ctx) {
  Measurement m;
  const std::string problem = ctx.str("problem");
  const auto batch = static_cast<Eigen::Index>(ctx.num("batch"));
  Rng batches = ctx.rng("batches");
  if (problem == "kernel") {
    const int n = static_cast<int>(ctx.num("n"));
    const KernelSetup s = kernel_setup(ctx, n);
    optim::SgdOptions o;
    o.batch = batch;
    o.step = optim::critical_step(batch, s.beta, s.lambda_1);
    o.target_ratio = kTargetRatio;
    o.max_iterations = static_cast<std::int64_t>(ctx.num("max_epochs") * n / batch);
    const std::int64_t epoch = std::max<std::int64_t>(1, n / batch);
    o.record_every = std::max<std::int64_t>(1, epoch / 20);
    Eigen::MatrixXd alpha;
    auto tr = optim::sgd_kernel(s.problem->K, s.problem->Y, alpha, o, batches);
    record_interpolating_run(m, tr, o.step, s.mu, s.lambda_1, s.beta, n);
    m.set("kernel_build_gflops", s.problem->build_gflops());
    record_epoch_averaged_curve(m, tr, epoch);
    return m;
  }
  const auto n = static_cast<Eigen::Index>(ctx.num("n"));
  const auto d = static_cast<Eigen::Index>(ctx.num("d"));
  Rng data_rng = ctx.rng("data");
  models::LinearProblem p = models::gaussian_regression(n, d, kNoiseVariance, data_rng);
  const double beta = p.X.rowwise().squaredNorm().maxCoeff();
  optim::SgdOptions o;
  o.batch = batch;
  Eigen::VectorXd w = Eigen::VectorXd::Zero(d);
  if (problem == "least-squares") {
    const auto ext = linalg::gram_extremes(p.X * p.X.transpose());  // X X^T: n x n, d > n
    const double lambda_1 = ext.lambda_max / n, mu = ext.lambda_min;
    o.step = optim::critical_step(batch, beta, lambda_1);
    o.target_ratio = kTargetRatio;
    o.max_iterations = static_cast<std::int64_t>(ctx.num("max_epochs") * n / batch);
    o.record_every = std::max<std::int64_t>(1, n / batch / 4);
    auto tr = optim::sgd_least_squares(p.X, p.y, w, o, batches);
    record_interpolating_run(m, tr, o.step, mu, lambda_1, beta, static_cast<double>(n));
    record_curve(m, tr);
    return m;
  }
  if (problem == "under-parameterised") {
    // n > d: H is full rank, the optimum has loss > 0 and SGD's noise never dies.
    const auto ext = linalg::gram_extremes(p.X.transpose() * p.X / static_cast<double>(n));  // H: d x d
    o.step = ctx.num("step_scale") * optim::critical_step(batch, beta, ext.lambda_max);
    o.max_iterations = static_cast<std::int64_t>(ctx.num("max_epochs") * n / batch);
    o.record_every = 10;
    auto tr = optim::sgd_least_squares(p.X, p.y, w, o, batches);
    const Eigen::VectorXd w_ls = linalg::least_squares_solution(p.X, p.y);
    const double l_star = (p.X * w_ls - p.y).squaredNorm() / (2.0 * n);
    // Stationary excess: the mean loss over the second half of the run.
    double sum = 0;
    int count = 0;
    for (size_t i = tr.losses.size() / 2; i < tr.losses.size(); ++i) sum += tr.losses[i], ++count;
    m.set("eta", o.step);
    m.set("optimum_loss", l_star);
    m.set("plateau_excess", sum / count - l_star);
    m.set("final_loss_ratio", tr.final_loss / tr.initial_loss);
    m.set("iterations", static_cast<double>(tr.iterations));
    record_curve(m, tr);
    return m;
  }
  throw std::invalid_argument("sgd-exponential: unknown problem " + problem);
}

std::vector<Json> sweep(int kernel_n) {
  std::vector<Json> pts;
  for (int b : {1, 8})
    pts.push_back({{"problem", "least-squares"}, {"regime", "interpolating"}, {"n", 200}, {"d", 1000},
                   {"batch", b}, {"max_epochs", 2000}});
  for (int b : {1, 8})
    pts.push_back({{"problem", "kernel"}, {"regime", "interpolating"}, {"dataset", "mnist"}, {"n", kernel_n},
                   {"batch", b}, {"max_epochs", 3000}});
  // The plateau's O(eta) law is first order: at eta = 1/beta the next term lifts
  // the excess by ~(1 - eta beta / 2)^-1, which put the log-log slope over
  // 1/8 .. 1 at 1.15 [1.11, 1.21] against [0.8, 1.2] (seed base 8000). The slope
  // is fitted over 1/32 .. 1/4 of 1/beta (first_order); the full step stays for
  // the control and the figure. Smaller steps relax more slowly: 5/s epochs.
  for (double s : {1.0, 0.25, 0.125, 0.0625, 0.03125}) {
    Json p = {{"problem", "under-parameterised"}, {"regime", "not-interpolating"}, {"n", 1000}, {"d", 50},
              {"batch", 1}, {"step_scale", s}, {"max_epochs", std::max(40.0, 5.0 / s)}};
    if (s <= 0.25) p["first_order"] = true;
    pts.push_back(p);
  }
  return pts;
}

PRISM_CLAIM("sgd-exponential", MeasureSgdExponential)
    ->Title("SGD with a fixed step converges exponentially under interpolation")
    ->Source("Belkin 2021 §4.4; Ma, Bassily, Belkin 2018 Thm 1")
    ->Statement("With interpolation, mini-batch SGD with the fixed step eta = m/(beta+(m-1) lambda_1) "
                "converges exponentially: E||w_t - w*||^2 <= (1 - eta mu/n)^t ||w_0 - w*||^2. Without "
                "interpolation the same SGD stalls at a loss floor proportional to eta.")
    ->Sweep("quick", sweep(1000))
    ->Sweep("full", sweep(2000))
    ->Seeds(5)
    ->ShareBy({"problem"})  // the kernel points share MNIST's kernel matrix and its extreme eigenvalues
    ->Plot(Figure("loss").Title("Training loss of fixed-step SGD").Axes("iteration t", "L(w_t) / L(w_0)").LogY()
          .Series("least squares d=1000 > n=200, m=1", "loss", {{"problem", "least-squares"}, {"batch", 1}})
          .Series("least squares, m=8", "loss", {{"problem", "least-squares"}, {"batch", 8}})
          .Series("under-parameterised n=1000 > d=50 (control)", "loss", {{"problem", "under-parameterised"}, {"step_scale", 1.0}})
          .Caption("Seed means of L(w_t)/L(w_0), iterations on a linear axis and the loss on a log axis: exponential "
                   "convergence is a straight line. The control problem cannot be interpolated and stalls."))
    ->Plot(Figure("kernel-loss").Title("Kernel regression on MNIST (Gaussian, s = 5)")
          .Axes("iteration t", "L(w_t) / L(w_0)").LogY()
          .Series("kernel, m=1", "loss", {{"problem", "kernel"}, {"batch", 1}})
          .Series("kernel, m=8", "loss", {{"problem", "kernel"}, {"batch", 8}})
          .Caption("The spread of the kernel's eigenvalues makes the first decades fall fast; the rate is read "
                   "between 1e-6 and 1e-10 of L(w0)."))
    ->Plot(Figure("plateau").Title("Control: loss floor against the step size")
          .Axes("step size / eta(1)", "mean L - L* over the second half").LogX().LogY()
          .Line("under-parameterised, m=1", "step_scale", "plateau_excess", {{"problem", "under-parameterised"}})
          .Band("plateau-proportional-to-step")
          .Caption("Without interpolation the stationary excess loss of constant-step SGD scales like eta."))
    ->Plot(Figure("rate").Title("Observed rate over the Thm 1 bound")
          .Axes("batch size m", "rate / (-log(1 - eta mu / n))").LogX()
          .Line("least squares", "batch", "rate_ratio", {{"problem", "least-squares"}})
          .Line("kernel (MNIST)", "batch", "rate_ratio", {{"problem", "kernel"}})
          .Band("rate-at-least-bound")
          .Caption("Values above 1 converge faster than the worst-case bound."));

}  // namespace
}  // namespace prism::claims
