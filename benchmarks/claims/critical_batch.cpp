// critical-batch: the m* knee of mini-batch SGD under interpolation
// (Belkin 2021 §4.4, Fig. 10; Ma, Bassily, Belkin 2018, Eq. 24 and Thm 3).
//
// Quadratic models in the interpolation regime: Gaussian-kernel regression on
// MNIST (s = 5, one-hot targets) and synthetic data with a prescribed ratio
// beta / lambda_1 (src/models/spiked_spectrum.h). For every batch size m on a
// doubling grid, SGD with eta(m) = m / (beta + (m-1) lambda_1) runs until
// L <= 1e-3 L(w0); t(m) is the number of steps. The speed-up s(m) = t(1)/t(m)
// grows like m up to m* = beta / lambda_1 + 1 and saturates at 2 (m* - 1).
//
// Every point re-derives t(1) (and, at the grid's last point, t of the first
// m >= 4 m*) from the same seed's batch stream, so the per-point ratios are
// pure functions of (point, seed); the runs are memoised per process, so each
// (data set, seed, m) is run once whichever point asks first.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "datasets/mnist.h"
#include "src/core/claim.h"
#include "src/linalg/kernels.h"
#include "src/linalg/spectrum.h"
#include "src/models/spiked_spectrum.h"
#include "src/optim/sgd.h"
#include "src/optim/sgd_spiked.h"

namespace prism::claims {
namespace {

constexpr double kTargetRatio = 1e-3;     // t(m): first step with L <= 1e-3 L(w0) (docs/claims.md setting)
constexpr double kKernelBandwidth = 5.0;  // Gaussian kernel, s = 5 (pixels in [0,1])
constexpr double kSyntheticBeta = 1.0;    // ||x_i||^2 of the synthetic points
constexpr int kMaxBatch = 2048;           // m = 1, 2, 4, ..., 2048, capped at n
constexpr int kSgdThreads = 2;            // sgd_kernel's row split (same bits for any count; only n m c >= 2^20)

// beta, lambda_1 (Lanczos, with its residual), m*, tr(H)/lambda_1.
struct Spectrum {
  double beta = 0, lambda_1 = 0, lambda_1_residual = 0, m_star = 0, trace_ratio = 0;
};

Spectrum from_curvature(const linalg::Curvature& c) {
  return {c.beta, c.lambda_1, c.lambda_1_residual, c.m_star, c.trace_ratio};
}

// ---- data sets -------------------------------------------------------------

// MNIST: the first n training rows, K = Gaussian kernel matrix, one-hot Y.
// The SGD sizes keep K (shared by every seed and batch size); the sizes that
// only need m* (the n-scaling points) keep their spectrum and drop K.
struct MnistSetup {
  Eigen::MatrixXd K, Y;
  Spectrum spectrum;
};

std::mutex mnist_mutex;
std::map<int, std::shared_ptr<const MnistSetup>> mnist_setups;
std::map<int, Spectrum> mnist_spectra;

std::shared_ptr<MnistSetup> build_mnist(int n) {
  auto s = std::make_shared<MnistSetup>();
  data::Dataset d = data::load_mnist(data::Split::Train, static_cast<std::size_t>(n));
  s->K = linalg::kernel_matrix(linalg::Kernel::Gaussian(kKernelBandwidth), d.X);
  s->Y = Eigen::MatrixXd::Zero(n, d.num_classes);
  for (int i = 0; i < n; ++i) s->Y(i, d.y(i)) = 1.0;
  s->spectrum = from_curvature(linalg::kernel_curvature(s->K));  // H ~ K/n, beta = max K_ii
  return s;
}

std::shared_ptr<const MnistSetup> mnist_setup(int n) {
  std::lock_guard<std::mutex> lock(mnist_mutex);
  if (auto it = mnist_setups.find(n); it != mnist_setups.end()) return it->second;
  auto s = build_mnist(n);
  mnist_spectra[n] = s->spectrum;
  mnist_setups[n] = s;
  return s;
}

Spectrum mnist_spectrum(int n) {
  std::lock_guard<std::mutex> lock(mnist_mutex);
  if (auto it = mnist_spectra.find(n); it != mnist_spectra.end()) return it->second;
  const Spectrum s = build_mnist(n)->spectrum;  // K freed here
  mnist_spectra[n] = s;
  return s;
}

// Synthetic: the spiked construction with beta / lambda_1 = ratio; lambda_1 is
// measured by Lanczos on K/n (an O(n) operator), not read from the closed form.
Spectrum synthetic_spectrum(const models::SpikedSpectrum& s) {
  models::SpikedGramOp op(s, 1.0 / static_cast<double>(s.n));
  return from_curvature(linalg::curvature_from_op(op, s.beta, /*trace=*/s.beta));
}

// ---- iterations to the target, memoised -------------------------------------

struct Run {
  std::int64_t iterations = 0;
  bool reached = false;
  double step = 0, final_ratio = 0;
};

// One SGD run for (data set, seed, m), from the batch stream Rng(seed, "batches"),
// which is what ctx.rng("batches") gives the point of batch m itself.
class Runs {
 public:
  using Solve = std::function<Run(Eigen::Index m, Rng& rng)>;
  Run get(const std::string& set, std::uint64_t seed, Eigen::Index m, const Solve& solve) {
    const auto key = std::make_tuple(set, seed, m);
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = done_.find(key); it != done_.end()) return it->second;
    }
    Rng rng(seed, "batches");
    Run r = solve(m, rng);
    std::lock_guard<std::mutex> lock(mu_);
    done_[key] = r;
    return r;
  }

 private:
  std::mutex mu_;
  std::map<std::tuple<std::string, std::uint64_t, Eigen::Index>, Run> done_;
};

Runs& runs() {
  static Runs r;
  return r;
}

Run to_run(const optim::SgdTrace& tr, double step) {
  Run r;
  r.reached = tr.reached_target();
  r.iterations = r.reached ? tr.iterations_to_target : tr.iterations;
  r.step = step;
  r.final_ratio = tr.final_loss / tr.initial_loss;
  return r;
}

// ---- the measurement --------------------------------------------------------

// Thm 3's per-step factor in a direction with lambda << lambda_1:
// g = 1 - lambda (2 eta - eta^2 beta / m) + O(lambda^2), so with eta(m) the
// speed-up over m = 1 is m (1 + 2k) / (1 + k)^2, k = (m - 1) lambda_1 / beta;
// it tends to 2 beta / lambda_1 = 2 (m* - 1). Plotted, never checked.
double thm3_speedup(double m, const Spectrum& s) {
  const double k = (m - 1) * s.lambda_1 / s.beta;
  return m * (1 + 2 * k) / ((1 + k) * (1 + k));
}

Eigen::Index largest_batch(Eigen::Index n) {
  Eigen::Index m = 1;
  while (2 * m <= std::min<Eigen::Index>(n, kMaxBatch)) m *= 2;
  return m;
}

Measurement MeasureCriticalBatch(const RunContext& ctx) {
  Measurement out;
  const std::string problem = ctx.str("problem");
  const auto n = static_cast<Eigen::Index>(ctx.num("n"));

  if (problem == "mnist-spectrum") {  // m* against n: Lanczos only
    const Spectrum s = mnist_spectrum(static_cast<int>(n));
    out.set("beta", s.beta);
    out.set("lambda_1", s.lambda_1);
    out.set("lambda_1_residual", s.lambda_1_residual);
    out.set("m_star", s.m_star);
    out.set("trace_ratio", s.trace_ratio);
    if (ctx.has("compare_n")) {  // the spread of m* over this n and the others named
      double lo = s.m_star, hi = s.m_star;
      for (const auto& other : ctx.point()["compare_n"]) {
        const double v = mnist_spectrum(other.get<int>()).m_star;
        lo = std::min(lo, v), hi = std::max(hi, v);
      }
      out.set("m_star_spread", hi / lo);
    }
    return out;
  }

  const auto m = static_cast<Eigen::Index>(ctx.num("batch"));
  const auto max_iterations = static_cast<std::int64_t>(ctx.num("max_epochs") * static_cast<double>(n));
  std::string set;
  Spectrum spec;
  Runs::Solve solve;
  std::shared_ptr<const MnistSetup> mnist;
  if (problem == "mnist") {
    mnist = mnist_setup(static_cast<int>(n));
    spec = mnist->spectrum;
    set = "mnist/n=" + std::to_string(n) + "/cap=" + std::to_string(max_iterations);
    solve = [&](Eigen::Index batch, Rng& rng) {
      optim::SgdOptions o;
      o.batch = batch;
      o.step = optim::critical_step(batch, spec.beta, spec.lambda_1);
      o.target_ratio = kTargetRatio;
      o.max_iterations = max_iterations;
      o.threads = kSgdThreads;
      Eigen::MatrixXd alpha;
      return to_run(optim::sgd_kernel(mnist->K, mnist->Y, alpha, o, rng), o.step);
    };
  } else if (problem == "synthetic") {
    const double ratio = ctx.num("ratio");
    const models::SpikedSpectrum data = models::spiked_spectrum(n, kSyntheticBeta, ratio);
    spec = synthetic_spectrum(data);
    // The m* of the same construction with 4x and 1/4 the ratio (the controls'
    // "other data set"), measured the same way.
    out.set("m_star_of_4x_set", synthetic_spectrum(models::spiked_spectrum(n, kSyntheticBeta, 4 * ratio)).m_star);
    out.set("m_star_of_quarter_set",
            synthetic_spectrum(models::spiked_spectrum(n, kSyntheticBeta, std::max(1.0, ratio / 4))).m_star);
    set = "synthetic/ratio=" + std::to_string(ratio) + "/n=" + std::to_string(n) + "/cap=" + std::to_string(max_iterations);
    // Targets: N(0, 1) per point, from the seed's own stream (the same at every m).
    const Eigen::MatrixXd Y = ctx.rng("targets").normal_matrix(n, 1);
    solve = [&, data, Y](Eigen::Index batch, Rng& rng) {
      optim::SgdOptions o;
      o.batch = batch;
      o.step = optim::critical_step(batch, spec.beta, spec.lambda_1);
      o.target_ratio = kTargetRatio;
      o.max_iterations = max_iterations;
      Eigen::MatrixXd alpha;
      return to_run(optim::sgd_spiked_gram(data, Y, alpha, o, rng), o.step);
    };
  } else {
    throw std::invalid_argument("critical-batch: unknown problem " + problem);
  }

  const std::uint64_t seed = ctx.seed();
  const Run here = runs().get(set, seed, m, solve);
  const Run first = runs().get(set, seed, 1, solve);
  const double speedup = static_cast<double>(first.iterations) / static_cast<double>(here.iterations);

  out.set("beta", spec.beta);
  out.set("lambda_1", spec.lambda_1);
  out.set("lambda_1_residual", spec.lambda_1_residual);
  out.set("m_star", spec.m_star);
  out.set("trace_ratio", spec.trace_ratio);
  out.set("eta", here.step);
  out.set("iterations", static_cast<double>(here.iterations));
  out.set("iterations_batch_1", static_cast<double>(first.iterations));
  out.set("reached_target", here.reached && first.reached ? 1.0 : 0.0);
  out.set("final_loss_ratio", here.final_ratio);
  out.set("speedup", speedup);
  out.set("batch_over_m_star", static_cast<double>(m) / spec.m_star);
  // s(m) / min(m, m*): the linear-scaling ratio s(m)/m below m*, s(m)/m* above.
  out.set("speedup_over_linear", speedup / std::min(static_cast<double>(m), spec.m_star));
  out.set("plateau", 2 * (spec.m_star - 1));
  out.set("speedup_over_plateau", speedup / (2 * (spec.m_star - 1)));
  out.set("thm3_speedup", thm3_speedup(static_cast<double>(m), spec));
  if (m == largest_batch(n)) {
    // Saturation: s(m_max) / s(first grid m >= 4 m*).
    Eigen::Index from = 1;
    while (static_cast<double>(from) < 4 * spec.m_star) from *= 2;
    if (from > m) throw std::invalid_argument("critical-batch: the grid ends below 4 m* at " + set);
    const Run at = runs().get(set, seed, from, solve);
    out.set("saturation_from_batch", static_cast<double>(from));
    out.set("saturation_ratio", static_cast<double>(at.iterations) / static_cast<double>(here.iterations));
  }
  return out;
}

// ---- sweep ------------------------------------------------------------------

std::vector<Json> batch_points(Json base, Eigen::Index n) {
  std::vector<Json> pts;
  const Eigen::Index last = largest_batch(n);
  for (Eigen::Index m = 1; m <= last; m *= 2) {
    Json p = base;
    p["n"] = n;
    p["batch"] = m;
    if (m == last) p["grid_end"] = true;
    pts.push_back(p);
  }
  return pts;
}

std::vector<Json> sweep(int mnist_n, int synthetic_n, double max_epochs) {
  std::vector<Json> pts;
  for (auto& p : batch_points({{"problem", "mnist"}, {"max_epochs", max_epochs}}, mnist_n)) pts.push_back(p);
  // m* at n/2, n and 2n: a factor 4 in n (the middle one is the SGD n, whose K is shared).
  for (double scale : {0.5, 1.0, 2.0}) {
    Json p = {{"problem", "mnist-spectrum"}, {"scale", scale}, {"n", static_cast<int>(scale * mnist_n)}};
    if (scale == 2.0) p["compare_n"] = {mnist_n / 2, mnist_n};
    pts.push_back(p);
  }
  for (double ratio : {4.0, 16.0, 64.0})
    for (auto& p : batch_points({{"problem", "synthetic"}, {"ratio", ratio}, {"max_epochs", max_epochs}}, synthetic_n))
      pts.push_back(p);
  return pts;
}

Figure speedup_figure(const std::string& id, const std::string& title, const std::vector<FigureLine>& lines,
                      const std::string& caption) {
  return {id, title, "batch size m", "speed-up t(1) / t(m)", true, true, lines, {}, caption};
}

PRISM_CLAIM("critical-batch", MeasureCriticalBatch)
    ->Title("The critical batch size m*: linear scaling, then saturation")
    ->Source("Belkin 2021 §4.4, Fig. 10; Ma, Bassily, Belkin 2018 Eq. 24, Thm 3")
    ->Statement("Mini-batch SGD with eta(m) = m/(beta+(m-1) lambda_1) on an interpolating quadratic: one step with "
                "batch m <= m* = beta/lambda_1 + 1 is worth about m steps with batch 1; above m* the speed-up "
                "saturates (at 2(m*-1) for this step rule). m* is essentially independent of n.")
    ->Sweep("quick", sweep(2000, 4096, 400))
    ->Sweep("full", sweep(10000, 8192, 400))
    ->Seeds(4)
    ->Note("t(m): steps to L <= 1e-3 L(w0). Each point's speed-up pairs t(m) with t(1) of the same seed; the "
           "knee checks average t over seeds first. The synthetic data have beta/lambda_1 = 4, 16, 64 by "
           "construction (m* = 5, 17, 65); lambda_1 is measured by Lanczos.")
    ->Plot(speedup_figure(
        "mnist", "MNIST, Gaussian kernel (s = 5)",
        {{"measured s(m)", "batch", "speedup", "", {{"problem", "mnist"}}},
         {"Thm 3 slow-direction prediction", "batch", "thm3_speedup", "", {{"problem", "mnist"}}},
         {"plateau 2(m*-1)", "batch", "plateau", "", {{"problem", "mnist"}}},
         {"m* (measured spectrum)", "m_star", "speedup", "", {{"problem", "mnist"}}}},
        "Seed means with 95% intervals. Linear scaling below m*, saturation above (Fig. 10 of the paper, after "
        "MBB 2018). The vertical line marks m* = beta/lambda_1 + 1 from the Lanczos estimate of lambda_1."))
    ->Plot(speedup_figure(
        "synthetic", "Synthetic data, beta/lambda_1 = 4, 16, 64",
        {{"beta/lambda_1 = 4", "batch", "speedup", "", {{"problem", "synthetic"}, {"ratio", 4.0}}},
         {"its plateau 2(m*-1) = 8", "batch", "plateau", "", {{"problem", "synthetic"}, {"ratio", 4.0}}},
         {"beta/lambda_1 = 16", "batch", "speedup", "", {{"problem", "synthetic"}, {"ratio", 16.0}}},
         {"its plateau 2(m*-1) = 32", "batch", "plateau", "", {{"problem", "synthetic"}, {"ratio", 16.0}}},
         {"beta/lambda_1 = 64", "batch", "speedup", "", {{"problem", "synthetic"}, {"ratio", 64.0}}},
         {"its plateau 2(m*-1) = 128", "batch", "plateau", "", {{"problem", "synthetic"}, {"ratio", 64.0}}}},
        "Each data set saturates below its own plateau 2(m*-1) and bends near its own m* = 5, 17, 65 "
        "(beta/lambda_1 exact by construction, lambda_1 measured by Lanczos)."))
    ->Plot({"plateau-fraction", "Speed-up over the plateau 2(m*-1), against m/m*", "m / m*",
            "s(m) / (2 (m* - 1))", true, true,
            {{"MNIST", "batch_over_m_star", "speedup_over_plateau", "", {{"problem", "mnist"}}},
             {"synthetic 4", "batch_over_m_star", "speedup_over_plateau", "", {{"problem", "synthetic"}, {"ratio", 4.0}}},
             {"synthetic 16", "batch_over_m_star", "speedup_over_plateau", "", {{"problem", "synthetic"}, {"ratio", 16.0}}},
             {"synthetic 64", "batch_over_m_star", "speedup_over_plateau", "", {{"problem", "synthetic"}, {"ratio", 64.0}}}},
            {"mnist-plateau-bound"},
            "In units of m* and of the Thm 3 plateau the four data sets bend at m/m* ~ 1; the dashed line is the "
            "bound s(m) <= 1.15 x 2(m*-1) (checks mnist-plateau-bound, synthetic-plateau-bound)."})
    ->Plot({"linear-scaling", "Linear scaling: s(m) / min(m, m*)", "m / m*", "s(m) / min(m, m*)", true, false,
            {{"MNIST", "batch_over_m_star", "speedup_over_linear", "", {{"problem", "mnist"}}},
             {"synthetic 4", "batch_over_m_star", "speedup_over_linear", "", {{"problem", "synthetic"}, {"ratio", 4.0}}},
             {"synthetic 16", "batch_over_m_star", "speedup_over_linear", "", {{"problem", "synthetic"}, {"ratio", 16.0}}},
             {"synthetic 64", "batch_over_m_star", "speedup_over_linear", "", {{"problem", "synthetic"}, {"ratio", 64.0}}}},
            {"mnist-linear-scaling"},
            "Left of m/m* = 1 this is s(m)/m, the linear-scaling ratio; the dashed line is its lower bound 0.5. "
            "Right of 1 it is s(m)/m*, which the same bound also covers (see the reference file)."})
    ->Plot({"m-star-vs-n", "m* against n (MNIST, Gaussian s = 5)", "n", "m* = beta / lambda_1 + 1", true, false,
            {{"m*", "n", "m_star", "", {{"problem", "mnist-spectrum"}}},
             {"tr(H) / lambda_1", "n", "trace_ratio", "", {{"problem", "mnist-spectrum"}}}},
            {"m-star-flat-in-n", "mnist-m-star"},
            "m* at n/2, n and 2n of the SGD n stays flat (Belkin 2021 §4.4: m* is essentially independent of n). "
            "Dashed: the log-log slopes +-0.035 (5 % over the factor 4) from the first point and, in the full "
            "preset, the band m* in [7, 9] at n = 10^4. tr(H)/lambda_1 = m* - 1 here since every K_ii = beta = 1."});

}  // namespace
}  // namespace prism::claims
