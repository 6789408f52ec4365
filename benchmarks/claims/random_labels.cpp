// random-labels: over-parameterised models fit random labels, and take longer
// to fit them than the true ones (memorisation; Zhang et al. 2017 Fig. 1;
// Belkin, Ma, Mandal 2018 Tables 1-2, quoted).
//
// MNIST, the first n training images, the official 10,000 test images. Per
// seed three labellings of the same images: the true labels, uniform random
// labels (draw A) and a second, independent uniform draw (draw B, the
// control's "other random labelling"). Models: Laplace and Gauss kernel
// machines and random Fourier features by full-batch functional GD, in closed
// form from one eigendecomposition (src/models/kernel_gd_path.h); an MLP
// 784-512-10 by momentum SGD (src/models/mlp.h). T99 = the first step (epoch)
// with >= 99 % training accuracy (src/models/stopping_time.h). rho =
// T99(random)/T99(true), checked on the seed mean of log rho; the control
// ratio is T99(A)/T99(B). An under-parameterised RFF model (N = n/10 real
// features) is the memorisation check's control.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "src/core/claim.h"
#include "src/linalg/blas_threads.h"
#include "src/linalg/kernels.h"
#include "src/models/classification.h"
#include "src/models/kernel_gd_path.h"
#include "src/models/kernel_problem.h"
#include "src/models/mlp.h"
#include "src/models/fourier_features.h"
#include "src/models/stopping_time.h"

namespace prism::claims {
namespace {

constexpr int kClasses = 10;
constexpr double kFitTarget = 0.99;                            // T99 (docs/claims.md: not T100, an extreme-value statistic)
constexpr double kLaplaceBandwidth = 10, kGaussBandwidth = 5;  // BMM: exp(-||x-z||/10), exp(-||x-z||^2/50)
constexpr std::int64_t kStepCap = 100000000;                   // GD scan cap; any t costs one GEMM in closed form
constexpr int kEigenProK = 10;                                 // the spec's optional EigenPro variant, recorded only
constexpr int kMlpHidden = 512;                                // Zhang's "MLP 1x512"
constexpr int kMlpEpochCap = 3000;
constexpr Eigen::Index kTestBlock = 2000;                      // RFF test features per block (bounds memory at full)
constexpr double kCurveRatio = 1.25, kCurveEnd = 1e6;          // the training-accuracy curve's t grid

struct Images {
  data::Dataset train, test;
};

std::shared_ptr<const Images> images(const RunContext& ctx, int n) {
  return ctx.shared(fmt::format("images/mnist/first={}", n), [&] {
    return Images{models::load_image_subset("mnist", data::Split::Train, static_cast<std::size_t>(n)),
                  models::load_image_subset("mnist", data::Split::Test, 0)};
  });
}

// A model whose training predictions follow kernel GD on a Gram matrix: the
// path in its eigenbasis and the test scores of any coefficient matrix A.
struct GramModel {
  std::shared_ptr<const Images> data;
  std::shared_ptr<const models::KernelGdPath> path;
  Eigen::MatrixXd test_kernel;  // kernels: K(test, train)
  Eigen::MatrixXd V, Phi;       // RFF: frequencies (N/2 x d) and scaled training features (n x N)

  Eigen::MatrixXd test_scores(const Eigen::MatrixXd& A) const {
    if (V.size() == 0) return test_kernel * A;
    const Eigen::MatrixXd W = Phi.transpose() * A;  // f = W^T phi(x)
    return models::fourier_feature_scores(data->test.X, V, W, models::fourier_scale(Phi.cols()), kTestBlock);
  }
};

GramModel kernel_model(const RunContext& ctx, const std::string& name, int n) {
  GramModel m;
  m.data = images(ctx, n);
  const auto kernel = name == "laplace" ? linalg::Kernel::Laplace(kLaplaceBandwidth) : linalg::Kernel::Gaussian(kGaussBandwidth);
  m.path = std::make_shared<const models::KernelGdPath>(linalg::kernel_matrix(kernel, m.data->train.X));
  m.test_kernel = linalg::kernel_matrix(kernel, m.data->test.X, m.data->train.X);
  return m;
}

// N real features (N/2 frequencies) from the seed's own stream; G = Phi Phi^T.
GramModel rff_model(const RunContext& ctx, int n, Eigen::Index num_features) {
  GramModel m;
  m.data = images(ctx, n);
  Rng rng = ctx.rng("features");
  m.V = models::fourier_frequencies(num_features / 2, m.data->train.X.cols(), kGaussBandwidth, rng);
  m.Phi = models::fourier_scale(num_features) * models::fourier_features(m.data->train.X, m.V);
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(n, n);
  G.selfadjointView<Eigen::Lower>().rankUpdate(m.Phi);  // one SYRK
  G.triangularView<Eigen::StrictlyUpper>() = G.transpose();
  m.path = std::make_shared<const models::KernelGdPath>(G);
  return m;
}

Eigen::VectorXi uniform_labels(Rng rng, Eigen::Index n) {
  Eigen::VectorXi y(n);
  for (Eigen::Index i = 0; i < n; ++i) y(i) = static_cast<int>(rng.index(kClasses));
  return y;
}

struct Labellings {
  Eigen::VectorXi truth, random, second;  // true labels, draw A, draw B
};

Labellings labellings(const RunContext& ctx, const data::Dataset& train) {
  const Eigen::Index n = train.y.size();
  return {train.y, uniform_labels(ctx.rng("random-labels"), n), uniform_labels(ctx.rng("random-labels-second"), n)};
}

double accuracy(const Eigen::Ref<const Eigen::MatrixXd>& scores, const Eigen::VectorXi& labels, Eigen::Index block = 0) {
  return 1 - models::error_rate(models::argmax_classes(scores, kClasses, block), labels);
}

// ---- kernel GD and RFF: the path in closed form ------------------------------

struct PathFit {
  models::StoppingTime t99, t100, t99_eigenpro;
  double accuracy_at_2t = 0;      // training accuracy at 2 T99 (2 x the cap if never reached)
  Eigen::MatrixXd at_t99, limit;  // coefficients (n x c)
  double limit_train_accuracy = 0;
  std::vector<double> curve;      // training accuracy on curve_times()
};

std::vector<double> curve_times() {
  std::vector<double> t;
  for (double v = 1; v <= kCurveEnd; v *= kCurveRatio)
    if (t.empty() || std::round(v) > t.back()) t.push_back(std::round(v));
  return t;
}

// One labelling on a model's path: U^T Y, and the training accuracy at any t.
struct PathLabelling {
  const models::KernelGdPath& path;
  const Eigen::VectorXi& labels;
  Eigen::MatrixXd UtY, LUtY;  // K a_t = U diag(phi_t) diag(lambda) U^T Y

  PathLabelling(const models::KernelGdPath& p, const Eigen::VectorXi& y)
      : path(p), labels(y), UtY(p.eigenvectors().transpose() * models::one_hot(y, kClasses)),
        LUtY(p.eigenvalues().asDiagonal() * UtY) {}

  models::AccuracyAt train_accuracy(int eigenpro_k) const {
    return [this, eigenpro_k](const std::vector<std::int64_t>& ts) {
      const std::vector<double> t(ts.begin(), ts.end());
      const Eigen::MatrixXd F = path.predict(path.eigenvectors(), LUtY, t, eigenpro_k);
      std::vector<double> a;
      for (size_t j = 0; j < ts.size(); ++j) a.push_back(accuracy(F, labels, static_cast<Eigen::Index>(j)));
      return a;
    };
  }
};

models::StoppingTimeOptions t99_options() {
  models::StoppingTimeOptions o;
  o.target = kFitTarget;
  o.cap = kStepCap;
  return o;
}

PathFit fit_path(const models::KernelGdPath& path, const Eigen::VectorXi& labels) {
  const Eigen::MatrixXd& U = path.eigenvectors();
  const PathLabelling on(path, labels);
  const Eigen::MatrixXd& UtY = on.UtY;
  models::StoppingTimeOptions o = t99_options();
  PathFit f;
  f.t99 = models::first_time_reaching(on.train_accuracy(0), o);
  f.accuracy_at_2t = on.train_accuracy(0)({2 * f.t99.t}).front();
  if (f.t99.reached) {  // otherwise neither is reached either (T100 >= T99; EigenPro has the same limit)
    f.t99_eigenpro = models::first_time_reaching(on.train_accuracy(kEigenProK), o);
    o.target = 1.0;
    o.start = f.t99.t;  // every grid time before T99 is below 99 %: the scan from 1 would find the same T100
    f.t100 = models::first_time_reaching(on.train_accuracy(0), o);
  } else {
    f.t99_eigenpro = f.t100 = f.t99;
  }
  f.at_t99 = U * (path.filter(static_cast<double>(f.t99.t)).asDiagonal() * UtY);
  const Eigen::VectorXd limit = path.limit_filter();
  f.limit = U * (limit.asDiagonal() * UtY);
  f.limit_train_accuracy = accuracy(U * ((limit.array() * path.eigenvalues().array()).matrix().asDiagonal() * UtY), labels);
  const Eigen::MatrixXd curve = path.predict(U, on.LUtY, curve_times());
  for (Eigen::Index j = 0; j < curve.cols() / kClasses; ++j) f.curve.push_back(accuracy(curve, labels, j));
  return f;
}

void record_stop(Measurement& m, const std::string& labelling, const models::StoppingTime& t99) {
  m.set("t99_" + labelling, static_cast<double>(t99.t));
  m.set("train_accuracy_" + labelling, t99.accuracy);
  m.set("reached_" + labelling, t99.reached ? 1.0 : 0.0);
}

// The chance check's value: the mean of the test accuracies of the seed's two
// independent random draws, A and B, each at its own T99 (each has expectation
// exactly 1/10; the pair halves the label-draw variance at no extra training).
void record_random_test_accuracy(Measurement& m, double draw_a, double draw_b) {
  m.set("test_accuracy_random", 0.5 * (draw_a + draw_b));
  m.set("test_accuracy_random_a", draw_a);
  m.set("test_accuracy_random_b", draw_b);
}

// rho and the control's rho' as logs (each a mean over the seed's label pairs),
// and their geometric means.
void record_ratios(Measurement& m, double log_rho, double log_rho_control) {
  m.set("log_rho", log_rho);
  m.set("rho", std::exp(log_rho));
  m.set("log_rho_control", log_rho_control);
  m.set("rho_control", std::exp(log_rho_control));
}

// A point's `label_pairs` R (default 1): the seed's log rho and log rho' are
// means over R pairs of random draws (A_r, B_r) on its one feature draw, pair 0
// being draws A and B. The expectations are the spec's; the label-draw part of
// the seed's variance falls by R, at the cost of 2 (R - 1) T99 scans and no
// further eigendecomposition (docs/claims.md, random-labels, seeds).
// `truth` is fit_path on the true labels (a kernel's is shared by its seeds).
Measurement measure_path_model(const RunContext& ctx, const GramModel& model, const PathFit& truth) {
  const Labellings L = labellings(ctx, model.data->train);
  const PathFit random = fit_path(*model.path, L.random), second = fit_path(*model.path, L.second);
  Measurement m;
  record_stop(m, "true", truth.t99);
  record_stop(m, "random", random.t99);
  record_stop(m, "random_b", second.t99);
  const double log_t_true = std::log(static_cast<double>(truth.t99.t));
  const int pairs = ctx.has("label_pairs") ? static_cast<int>(ctx.num("label_pairs")) : 1;
  if (pairs < 1) throw std::invalid_argument("random-labels: label_pairs must be >= 1");
  double log_random = std::log(static_cast<double>(random.t99.t)), log_second = std::log(static_cast<double>(second.t99.t));
  for (int r = 1; r < pairs; ++r) {
    const Eigen::Index n = L.truth.size();
    const Eigen::VectorXi a = uniform_labels(ctx.rng(fmt::format("random-labels-{}", r)), n),
                          b = uniform_labels(ctx.rng(fmt::format("random-labels-second-{}", r)), n);
    const PathLabelling on_a(*model.path, a), on_b(*model.path, b);
    log_random += std::log(static_cast<double>(models::first_time_reaching(on_a.train_accuracy(0), t99_options()).t));
    log_second += std::log(static_cast<double>(models::first_time_reaching(on_b.train_accuracy(0), t99_options()).t));
  }
  record_ratios(m, log_random / pairs - log_t_true, (log_random - log_second) / pairs);
  m.set("label_pairs", pairs);
  m.set("train_accuracy_random_at_2t", random.accuracy_at_2t);
  // Recorded, not checked: T100, EigenPro-10's ratio, the accuracy after T99, the limit.
  m.set("t100_true", static_cast<double>(truth.t100.t));
  m.set("t100_random", static_cast<double>(random.t100.t));
  m.set("log_rho_t100", std::log(static_cast<double>(random.t100.t) / static_cast<double>(truth.t100.t)));
  m.set("log_rho_eigenpro10", std::log(static_cast<double>(random.t99_eigenpro.t) / static_cast<double>(truth.t99_eigenpro.t)));
  m.set("t99_eigenpro10_random", static_cast<double>(random.t99_eigenpro.t));
  m.set("stays_fitted_random", random.t99.stays_reached ? 1.0 : 0.0);
  m.set("stays_fitted_true", truth.t99.stays_reached ? 1.0 : 0.0);
  m.set("limit_train_accuracy_random", random.limit_train_accuracy);
  // Test accuracy against the TRUE test labels, at T99 and in the limit.
  Eigen::MatrixXd A(truth.at_t99.rows(), 5 * kClasses);
  A << truth.at_t99, truth.limit, random.at_t99, random.limit, second.at_t99;
  const Eigen::MatrixXd scores = model.test_scores(A);
  const Eigen::VectorXi& test = model.data->test.y;
  m.set("test_accuracy_true", accuracy(scores, test, 0));
  m.set("test_accuracy_true_limit", accuracy(scores, test, 1));
  record_random_test_accuracy(m, accuracy(scores, test, 2), accuracy(scores, test, 4));
  m.set("test_accuracy_random_limit", accuracy(scores, test, 3));
  const std::vector<double> ts = curve_times();
  m.add_series("train_accuracy_true", ts, truth.curve);
  m.add_series("train_accuracy_random", ts, random.curve);
  m.add_series("train_accuracy_random_b", ts, second.curve);
  return m;
}

// ---- the MLP: momentum SGD, epochs until 99 % ---------------------------------

struct MlpFit {
  int epochs = 0;  // T99, or the cap
  bool reached = false;
  double train_accuracy = 0;      // at T99
  double accuracy_at_2t = 0;      // after training on to 2 T99 (if asked; else at T99)
  Eigen::VectorXf theta;          // at T99
};

// From the seed's init, with the seed's batch order: the three labellings
// start from the same weights and see the same permutations (paired).
MlpFit fit_mlp(const RunContext& ctx, const models::MlpFloat& net, const data::Dataset& train, const Eigen::VectorXi& labels,
               bool train_on_to_2t = false) {
  Rng init = ctx.rng("mlp-init"), batches = ctx.rng("mlp-batches");
  MlpFit f;
  f.theta = net.he_normal(init);
  Eigen::VectorXf velocity;
  models::MomentumSgdFloat sgd(net, train.X, labels);
  while (f.epochs < kMlpEpochCap && !f.reached) {
    sgd.epoch(f.theta, velocity, batches);
    ++f.epochs;
    f.train_accuracy = models::mlp_accuracy(net, f.theta, train.X, labels);
    f.reached = f.train_accuracy >= kFitTarget;
  }
  f.accuracy_at_2t = f.train_accuracy;
  if (train_on_to_2t && f.reached) {  // a copy: theta stays the T99 model
    Eigen::VectorXf theta = f.theta;
    for (int e = 0; e < f.epochs; ++e) sgd.epoch(theta, velocity, batches);
    f.accuracy_at_2t = models::mlp_accuracy(net, theta, train.X, labels);
  }
  return f;
}

Measurement measure_mlp(const RunContext& ctx, int n) {
  const auto data = images(ctx, n);
  const Labellings L = labellings(ctx, data->train);
  const models::MlpFloat net(data->train.X.cols(), kMlpHidden, kClasses);  // single precision, as Zhang et al. train
  // The three labellings train side by side on a serial BLAS: batch-64 SGEMMs
  // gain nothing from the BLAS's threads (an epoch 20.9 ms on two OpenBLAS
  // threads, 19.4 on one), and each fit's bits are then a one-thread run's for
  // any thread count (on the BLAS's threads they followed its partition).
  MlpFit truth, random, second;
  linalg::run_tasks_on_serial_blas(3, [&](int i) {
    if (i == 0) random = fit_mlp(ctx, net, data->train, L.random, /*train_on_to_2t=*/true);  // the longest first
    if (i == 1) second = fit_mlp(ctx, net, data->train, L.second);
    if (i == 2) truth = fit_mlp(ctx, net, data->train, L.truth);
  });
  Measurement m;
  const auto record = [&](const std::string& labelling, const MlpFit& f) {
    m.set("t99_" + labelling, f.epochs);
    m.set("train_accuracy_" + labelling, f.train_accuracy);
    m.set("reached_" + labelling, f.reached ? 1.0 : 0.0);
  };
  record("true", truth);
  record("random", random);
  record("random_b", second);
  record_ratios(m, std::log(static_cast<double>(random.epochs) / truth.epochs),
                std::log(static_cast<double>(random.epochs) / second.epochs));
  m.set("train_accuracy_random_at_2t", random.accuracy_at_2t);
  m.set("test_accuracy_true", models::mlp_accuracy(net, truth.theta, data->test.X, data->test.y));
  record_random_test_accuracy(m, models::mlp_accuracy(net, random.theta, data->test.X, data->test.y),
                              models::mlp_accuracy(net, second.theta, data->test.X, data->test.y));
  return m;
}

Measurement MeasureRandomLabels(const RunContext& ctx) {
  const std::string model = ctx.str("model");
  const int n = static_cast<int>(ctx.num("n"));
  if (model == "mlp") return measure_mlp(ctx, n);
  if (model == "rff") {
    const GramModel rff = rff_model(ctx, n, static_cast<Eigen::Index>(std::lround(ctx.num("features_per_n") * n)));
    return measure_path_model(ctx, rff, fit_path(*rff.path, rff.data->train.y));
  }
  if (model != "laplace" && model != "gauss") throw std::invalid_argument("random-labels: unknown model " + model);
  const std::string key = fmt::format("random-labels/{}/n={}", model, n);
  const auto basis = ctx.shared(key, [&] { return kernel_model(ctx, model, n); });
  const auto truth = ctx.shared(key + "/true-labels", [&] { return fit_path(*basis->path, basis->data->train.y); });
  return measure_path_model(ctx, *basis, *truth);
}

// ---- across points: rho_Gauss / rho_Laplace per label draw ------------------

// The two kernels see the same label draws (seed s: the same streams), so the
// ratio of their ratios is paired by seed: log rho_G(s) - log rho_L(s).
void DeriveKernelOrdering(std::vector<PointRuns>& points) {
  std::vector<PointRuns> derived;
  for (const auto& gauss : points) {
    if (gauss.params.value("model", "") != "gauss") continue;
    for (const auto& laplace : points) {
      if (laplace.params.value("model", "") != "laplace" || laplace.params["n"] != gauss.params["n"]) continue;
      PointRuns d;
      d.params = {{"derived", "gauss-over-laplace"}, {"n", gauss.params["n"]}};
      for (size_t i = 0; i < gauss.seeds.size(); ++i)
        for (size_t j = 0; j < laplace.seeds.size(); ++j) {
          if (gauss.seeds[i] != laplace.seeds[j]) continue;
          const auto& g = gauss.runs[i].scalars;
          const auto& l = laplace.runs[j].scalars;
          Measurement r;
          r.set("log_rho_ratio", g.at("log_rho") - l.at("log_rho"));
          r.set("rho_ratio", std::exp(g.at("log_rho") - l.at("log_rho")));
          r.set("log_rho_ratio_control", g.at("log_rho_control") - l.at("log_rho_control"));
          d.seeds.push_back(gauss.seeds[i]);
          d.runs.push_back(r);
        }
      derived.push_back(std::move(d));
    }
  }
  for (auto& d : derived) points.push_back(std::move(d));
}

// ---- sweep and figures --------------------------------------------------------

// Seeds: 60 label-draw pairs for the kernels at quick (one eigendecomposition
// and one true-label fit serve all; the chance check needs them: the seed SD
// of one draw's test accuracy is 1.8-2.8 points, twice the spec's, and 30
// single draws left its CI at +-1.1 around means of 9.0-10.8 over seed bases);
// max_seeds for the costly RFF and MLP points: 5 where the spec's 3 left the random-vs-random controls undecided
// (t_2 = 4.30: a CI half-width of 2.5 per-seed SDs), and at quick 5 label pairs
// per RFF seed (per-seed SD of log rho' 0.18 with one pair; docs/claims.md).
std::vector<Json> sweep(int n, double features_per_n, int rff_seeds, int rff_label_pairs, int mlp_n, int mlp_seeds) {
  return {
      {{"model", "laplace"}, {"family", "kernel"}, {"regime", "over"}, {"n", n}},
      {{"model", "gauss"}, {"family", "kernel"}, {"regime", "over"}, {"n", n}},
      {{"model", "rff"}, {"family", "features"}, {"regime", "over"}, {"n", n}, {"features_per_n", features_per_n}, {"max_seeds", rff_seeds}, {"label_pairs", rff_label_pairs}, {"few_seeds", true}},
      // The control of the memorisation check: N = n/10 real features cannot fit n random labels.
      {{"model", "rff"}, {"family", "features"}, {"regime", "under"}, {"n", n}, {"features_per_n", 0.1}, {"max_seeds", 3}},
      {{"model", "mlp"}, {"family", "network"}, {"regime", "over"}, {"n", mlp_n}, {"max_seeds", mlp_seeds}, {"few_seeds", true}},
  };
}

const char* const kModels[] = {"laplace", "gauss", "rff", "mlp"};

std::string model_label(const std::string& model) {
  if (model == "laplace") return "Laplace";
  if (model == "gauss") return "Gauss";
  if (model == "rff") return "RFF";
  return "MLP";
}

Figure memorisation_figure() {
  Figure f = Figure("memorisation")
                 .Title("Steps (epochs for the MLP) to 99 % training accuracy: random against true labels")
                 .Axes("T99, true labels (control: draw B)", "T99, random labels (draw A)")
                 .LogX()
                 .LogY();
  for (const std::string model : kModels) {
    const Json at = {{"model", model}, {"regime", "over"}};
    f.Line(model_label(model), "t99_true", "t99_random", at);
    f.Line(model_label(model) + " control", "t99_random_b", "t99_random", at);
  }
  return f.Caption("Above the diagonal: slower on random labels (rho = T99(random)/T99(true)). Each control point puts "
                   "a second random draw in place of the true labels and sits on the diagonal. Kernels and RFF count "
                   "full-batch GD steps, the MLP epochs; RFF is N = 10 n random Fourier features, MLP 784-512-10.")
      .Legend("north west");
}

Figure accuracy_curves(const std::string& model) {
  const Json at = {{"model", model}, {"regime", "over"}};
  return Figure("train-accuracy-" + model)
      .Title(model_label(model) + (model == "rff" ? " (N = 10 n)" : " kernel") + ": training accuracy along the GD path")
      .Axes("GD step t (one full-batch epoch)", "training accuracy")
      .LogX()
      .Series("true labels", "train_accuracy_true", at)
      .Series("random labels (draw A)", "train_accuracy_random", at)
      .Series("random labels (draw B)", "train_accuracy_random_b", at)
      .Legend("south east");
}

// Test accuracy against the true test labels at T99, one line per model.
Figure test_accuracy_figure(const std::string& labels) {
  const bool random = labels == "random";
  Figure f = Figure("test-accuracy-" + labels)
                 .Title(random ? "Models trained on random labels: test accuracy at chance"
                               : "The same models trained on true labels generalise")
                 .Axes(random ? "T99, random labels" : "T99, true labels", "test accuracy (true test labels)")
                 .LogX();
  for (const std::string model : kModels)
    f.Line(model_label(model), random ? "t99_random" : "t99_true", random ? "test_accuracy_random" : "test_accuracy_true",
           {{"model", model}, {"regime", "over"}});
  if (random) return f.Band("chance-level-kernels").Band("chance-level-few-seeds").Legend("north west");
  return f.Band("true-labels-generalise").Band("kernels-generalise-at-full").Legend("south east");
}

PRISM_CLAIM("random-labels", MeasureRandomLabels)
    ->Title("Over-parameterised models fit random labels, more slowly than true labels")
    ->Source("Zhang, Bengio, Hardt, Recht, Vinyals 2017 (Fig. 1; MLP 1x512 table via the seed-003 lecture); "
             "Belkin, Ma, Mandal 2018 Tables 1-2 (quoted, unverified)")
    ->Statement("Laplace and Gauss kernel machines, random Fourier features and an MLP reach >= 99 % training accuracy "
                "on uniformly random MNIST labels, with chance-level test accuracy; the smooth models (Gauss, RFF, MLP) "
                "need more steps for random than for true labels, and the Gauss kernel's slowdown exceeds the Laplace "
                "kernel's by a factor within 10 of BMM's 25.")
    ->Sweep("quick", sweep(1000, 10, 5, 5, 1000, 5))
    ->Sweep("full", sweep(10000, 5, 5, 1, 10000, 3))
    ->Seeds(60)
    ->Seeds("full", 10)
    ->ShareBy({"model"})
    ->Derive(DeriveKernelOrdering)
    ->Note("Kernels and RFF: full-batch GD a <- a - (1/lambda_max)(K a - Y) from 0, every t in closed form from one "
           "eigendecomposition (shared by the label draws of a kernel); T99 by a x1.05 scan then bisection. "
           "MLP: momentum SGD (0.9, lr 0.01, batch 64), T99 in epochs. Kernels: 60 pairs of label draws (10 full); RFF: 5 seeds, each with "
           "5 pairs of random draws at quick (label_pairs); MLP: 5 seeds quick, 3 full (max_seeds). "
           "Checks on seed means of log rho, rho = T99(random)/T99(true); the controls replace the true labels by a "
           "second random draw.")
    ->Plot(memorisation_figure())
    ->Plot(accuracy_curves("gauss"))
    ->Plot(accuracy_curves("laplace"))
    ->Plot(accuracy_curves("rff"))
    ->Plot(test_accuracy_figure("random"))
    ->Plot(test_accuracy_figure("true"));

}  // namespace
}  // namespace prism::claims
