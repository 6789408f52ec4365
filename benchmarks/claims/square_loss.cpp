// square-loss: in the over-parameterised regime, training a classifier with
// the square loss (one-hot targets, no softmax) is competitive with
// cross-entropy (Belkin 2021 §5.1; Hui & Belkin 2021; Rifkin 2002).
//
// The same linear-in-features classifier f(x) = W^T phi(x) is trained twice,
// each loss at its own L2 strength chosen on validation rows 50,000-54,999:
// square loss in closed form (the whole ridge path from one spectral
// decomposition), cross-entropy by L-BFGS warm-started down its lam grid. Both
// act in the row-space coordinates of the features (src/linalg/
// spectral_least_squares.h), where ||W|| is preserved and there are at most n
// coordinates: random Fourier features (N = 5n) and the Gaussian kernel model
// (K = U S^2 U^T) both become models on n coordinates. Controls: the
// under-parameterised linear model on raw pixels (785 x 10 parameters,
// n = 10^4) and ESL's three Gaussian classes on a line, where regression of an
// indicator matrix masks the middle class (ESL §4.2).
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <fmt/format.h>

#include "src/core/claim.h"
#include "src/linalg/kernels.h"
#include "src/linalg/spectral_least_squares.h"
#include "src/models/classification.h"
#include "src/models/fourier_features.h"
#include "src/models/image_split.h"
#include "src/optim/softmax_regression.h"

namespace prism::claims {
namespace {

constexpr double kBandwidth = 5.0;      // Gaussian s = 5 (RFF frequencies N(0, I/25), kernel exp(-d^2/50))
constexpr int kFeaturesPerPoint = 5;    // RFF: N = 5 n real features
constexpr double kCeTolerancePerLam = 1e-3;  // CE stops at ||grad|| <= 1e-3 lam ||W|| (docs/claims.md traps)
constexpr int kCeIterationCap = 2000;
// The CE path stops descending after this many consecutive lams whose validation
// accuracy falls, each below the best so far (docs/claims.md square-loss, decision 7).
constexpr int kCePatience = 2;
constexpr int kToyPerClass = 500;       // ESL toy: points per class, in each of train, validation, test
constexpr Eigen::Index kTestRowBlock = 1000;  // RFF test features per block (400 MB at the full preset's N)

// lam grids (docs/claims.md): square loss {0} and 10^-8..10^-1 in units of (Phi^T Phi + lam n I);
// cross-entropy 10^-2 down to 10^-7 (warm starts run from strong to weak regularisation).
std::vector<double> powers_of_ten(int from, int to, int step) {
  std::vector<double> v;
  for (int e = from; step > 0 ? e <= to : e >= to; e += step) v.push_back(std::pow(10.0, e));
  return v;
}

// Scores of classifiers given in row-space coordinates (r x k blocks side by side).
using Scores = std::function<Eigen::MatrixXd(const Eigen::MatrixXd& C)>;

// A model in row-space coordinates: train and validation points, and the test
// points' scores. The test set scores only the two validated choices, so its
// points need no coordinates of their own: for N = 5n random features those
// (T_test = Phi_test Phi^T, m x N x n) were the claim's largest product.
struct Coordinates {
  Eigen::MatrixXd train, validation;
  Scores test_scores;
  linalg::LeftSpectrum spectrum;  // of the training features (U_r, s_r in the first r)
  Eigen::Index rank = 0;
};

struct Labels {
  Eigen::VectorXi train, validation, test;
  int classes = 0;
};

// T_test A for coefficients A (n x k) on the training points, T_test the test
// points' cross Gram matrix with them.
using CrossGramTimes = std::function<Eigen::MatrixXd(const Eigen::MatrixXd& A)>;

Coordinates from_cross_grams(linalg::LeftSpectrum sp, double cutoff, const Eigen::MatrixXd& T_validation,
                             CrossGramTimes test_cross_gram_times) {
  linalg::RowSpaceCoordinates rc = linalg::row_space_coordinates(sp, cutoff);
  Coordinates c;
  c.validation = T_validation * rc.from_cross_gram;
  c.rank = rc.train.cols();
  c.train = std::move(rc.train);
  c.test_scores = [M = std::make_shared<const Eigen::MatrixXd>(std::move(rc.from_cross_gram)),
                   times = std::move(test_cross_gram_times)](const Eigen::MatrixXd& C) { return times(*M * C); };
  c.spectrum = std::move(sp);
  return c;
}

// Random Fourier features: Phi (n x N), its row Gram, and the cross Gram of the
// validation rows streamed over blocks of frequencies; test scores through the
// feature weights W = Phi^T A (N x k), the test features streamed in row blocks.
// Phi is formed again for the scores (n N d flops, a tenth of the Gram's
// accumulation) rather than held through the fits (4 GB at the full preset).
Coordinates rff_coordinates(const RunContext& ctx, const models::ImageSplit& d) {
  const Eigen::Index n = d.train.X.rows(), N = kFeaturesPerPoint * n;
  Rng rng = ctx.rng("frequencies");
  auto V = std::make_shared<const Eigen::MatrixXd>(models::fourier_frequencies(N / 2, d.train.X.cols(), kBandwidth, rng));
  const double scale2 = 1.0 / static_cast<double>(N / 2);
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(n, n), Tv = Eigen::MatrixXd::Zero(d.validation.X.rows(), n);
  {
    const Eigen::MatrixXd Phi_raw = models::fourier_features(d.train.X, *V);
    G.selfadjointView<Eigen::Lower>().rankUpdate(Phi_raw, scale2);
    models::accumulate_fourier_cross_gram(Tv, d.validation.X, *V, Phi_raw, 0, N / 2);
  }
  linalg::LeftSpectrum sp = linalg::left_spectrum_from_row_gram(std::move(G));
  const double cutoff = linalg::lstsq_cutoff(sp.s, n, N);
  auto X_train = std::make_shared<const Eigen::MatrixXd>(d.train.X), X_test = std::make_shared<const Eigen::MatrixXd>(d.test.X);
  return from_cross_grams(std::move(sp), cutoff, scale2 * Tv, [V, X_train, X_test, scale2](const Eigen::MatrixXd& A) {
    const Eigen::MatrixXd W = scale2 * (models::fourier_features(*X_train, *V).transpose() * A);
    return models::fourier_feature_scores(*X_test, *V, W, 1.0, kTestRowBlock);
  });
}

// The Gaussian kernel model f = K(., X) A: K = U S^2 U^T, coordinates U S.
Coordinates kernel_coordinates(const models::ImageSplit& d) {
  const auto kernel = linalg::Kernel::Gaussian(kBandwidth);
  linalg::LeftSpectrum sp = linalg::left_spectrum_from_row_gram(linalg::kernel_matrix(kernel, d.train.X));
  const double cutoff = linalg::lstsq_cutoff(sp.s, d.train.X.rows(), d.train.X.rows());
  auto K_test = std::make_shared<const Eigen::MatrixXd>(linalg::kernel_matrix(kernel, d.test.X, d.train.X));
  return from_cross_grams(std::move(sp), cutoff, linalg::kernel_matrix(kernel, d.validation.X, d.train.X),
                          [K_test](const Eigen::MatrixXd& A) { return Eigen::MatrixXd(*K_test * A); });
}

Eigen::MatrixXd with_bias(const Eigen::MatrixXd& X) {
  Eigen::MatrixXd out(X.rows(), X.cols() + 1);
  out << X, Eigen::VectorXd::Ones(X.rows());
  return out;
}

// A linear model with bias on raw inputs, from an SVD of [X 1] (rank deficient
// on MNIST, whose border pixels are always 0: the cutoff drops those directions).
Coordinates linear_coordinates(const Eigen::MatrixXd& X, const Eigen::MatrixXd& X_validation,
                               const Eigen::MatrixXd& X_test) {
  const Eigen::MatrixXd P = with_bias(X);
  const linalg::ThinSvd svd = linalg::thin_svd(P);
  const double cutoff = linalg::lstsq_cutoff(svd.s, P.rows(), P.cols());
  const linalg::RowSpaceCoordinates rc = linalg::row_space_coordinates(svd.left(), cutoff);
  auto to_coordinates = std::make_shared<const Eigen::MatrixXd>(P.transpose() * rc.from_cross_gram);  // V_r
  auto test = std::make_shared<const Eigen::MatrixXd>(with_bias(X_test));
  Coordinates c;
  c.validation = with_bias(X_validation) * *to_coordinates;
  c.test_scores = [to_coordinates, test](const Eigen::MatrixXd& C) { return Eigen::MatrixXd(*test * (*to_coordinates * C)); };
  c.rank = rc.train.cols();
  c.train = rc.train;
  c.spectrum = svd.left();
  return c;
}

struct Trained {
  Eigen::MatrixXd C;  // the validated choice (r x k)
  double lam = 0, validation_accuracy = 0;
  std::vector<double> log10_lams, validation_accuracies;  // the path, lam > 0
};

// Validation choice: the best accuracy, ties to the smaller lam (docs/claims.md).
void consider(Trained& best, double lam, double validation_accuracy, const Eigen::MatrixXd& C) {
  const bool better = validation_accuracy > best.validation_accuracy ||
                      (validation_accuracy == best.validation_accuracy && lam < best.lam);
  if (best.C.size() == 0 || better) {
    best.lam = lam;
    best.validation_accuracy = validation_accuracy;
    best.C = C;
  }
  if (lam > 0) best.log10_lams.push_back(std::log10(lam)), best.validation_accuracies.push_back(validation_accuracy);
}

double accuracy(const Eigen::MatrixXd& scores, const Eigen::VectorXi& y) {
  return 1.0 - models::error_rate(models::argmax_classes(scores, static_cast<int>(scores.cols())), y);
}

// Square loss: C_lam = diag(s / (s^2 + lam n)) U^T Y on the kept directions; lam = 0 is the minimum-norm fit.
Trained train_square(const Coordinates& c, const Labels& l) {
  const Eigen::Index n = c.train.rows(), r = c.rank;
  const Eigen::MatrixXd UtY = c.spectrum.U.leftCols(r).transpose() * models::one_hot(l.train, l.classes);
  std::vector<double> lams = {0.0};
  for (double lam : powers_of_ten(-8, -1, 1)) lams.push_back(lam);
  Trained t;
  for (double lam : lams) {
    Eigen::VectorXd f(r);
    for (Eigen::Index i = 0; i < r; ++i)  // s / (s^2 + lam n); r counts only directions above the cutoff
      f(i) = c.spectrum.s(i) * linalg::ridge_filter(c.spectrum.s(i), lam * static_cast<double>(n), 0.0);
    const Eigen::MatrixXd C = f.asDiagonal() * UtY;
    consider(t, lam, accuracy(c.validation * C, l.validation), C);
  }
  return t;
}

struct CrossEntropyRun {
  Trained trained;
  int evaluations = 0, unconverged = 0, lams_fitted = 0;
  double relative_gradient_at_choice = 0;
  bool choice_at_grid_edge = false;
};

// Cross-entropy down the lam grid, warm-started from the previous lam's optimum.
CrossEntropyRun train_cross_entropy(const Coordinates& c, const Labels& l) {
  const std::vector<double> lams = powers_of_ten(-2, -7, -1);
  CrossEntropyRun run;
  Eigen::MatrixXd C = Eigen::MatrixXd::Zero(c.rank, l.classes);
  std::vector<double> relative_gradient;
  int falls = 0;  // consecutive lams whose validation accuracy fell, below the best
  double previous = INFINITY;
  for (double lam : lams) {
    optim::SoftmaxFitOptions options;
    options.relative_tolerance = kCeTolerancePerLam * lam;
    options.max_iterations = kCeIterationCap;
    // L-BFGS on C'' = L^T C, H = L L^T the class-averaged Gauss-Newton block at
    // the warm start (the previous lam's optimum): each sample weighted by its
    // own curvature p(1 - p), which spans orders of magnitude near the weakly
    // regularised optima. Only the path changes, not the optimum.
    options.hessian_model_factor = optim::softmax_model_hessian(c.train, C, lam).llt().matrixL();
    const optim::SoftmaxFit fit = optim::fit_softmax_regression(c.train, l.train, l.classes, lam, C, options);
    C = fit.C;
    run.evaluations += fit.evaluations;
    run.unconverged += fit.converged ? 0 : 1;
    relative_gradient.push_back(fit.gradient_norm / std::max(1e-300, lam * fit.C.norm()));
    const double validation_accuracy = accuracy(c.validation * C, l.validation);
    falls = validation_accuracy < previous && validation_accuracy < run.trained.validation_accuracy ? falls + 1 : 0;
    previous = validation_accuracy;
    consider(run.trained, lam, validation_accuracy, C);
    ++run.lams_fitted;
    if (falls == kCePatience) break;  // past the validation optimum: the weaker lams cost the most iterations
  }
  for (size_t i = 0; i < relative_gradient.size(); ++i)
    if (lams[i] == run.trained.lam) run.relative_gradient_at_choice = relative_gradient[i];
  run.choice_at_grid_edge = run.trained.lam == lams.back();
  return run;
}

// ESL §4.2: three classes in R^2 with means (-3,-3), (0,0), (3,3), identity covariance.
struct Toy {
  Eigen::MatrixXd X;
  Eigen::VectorXi y;
};

Toy esl_three_classes(Rng& rng) {
  Toy t{Eigen::MatrixXd(3 * kToyPerClass, 2), Eigen::VectorXi(3 * kToyPerClass)};
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < kToyPerClass; ++i) {
      const Eigen::Index row = c * kToyPerClass + i;
      t.X.row(row) << 3.0 * (c - 1) + rng.normal(), 3.0 * (c - 1) + rng.normal();
      t.y(row) = c;
    }
  return t;
}

struct Problem {
  Coordinates coordinates;
  Labels labels;
};

Problem image_problem(const RunContext& ctx, const std::string& model, const std::string& dataset, int n,
                      models::TrainRows rows) {
  const models::ImageSplit d = models::image_split(ctx, dataset, n, rows);
  Labels l{d.train.y, d.validation.y, d.test.y, d.train.num_classes};
  if (model == "rff") return {rff_coordinates(ctx, d), l};
  if (model == "kernel") return {kernel_coordinates(d), l};
  if (model == "linear") return {linear_coordinates(d.train.X, d.validation.X, d.test.X), l};
  throw std::invalid_argument("square-loss: unknown model '" + model + "'");
}

Problem toy_problem(const RunContext& ctx) {
  Rng rng = ctx.rng("esl-toy");
  const Toy train = esl_three_classes(rng), validation = esl_three_classes(rng), test = esl_three_classes(rng);
  return {linear_coordinates(train.X, validation.X, test.X), {train.y, validation.y, test.y, 3}};
}

Measurement measure(const Problem& p) {
  const Trained square = train_square(p.coordinates, p.labels);
  const CrossEntropyRun ce = train_cross_entropy(p.coordinates, p.labels);
  // The test set scores the two validated choices, in one pass.
  const int k = p.labels.classes;
  Eigen::MatrixXd chosen(square.C.rows(), 2 * k);
  chosen << square.C, ce.trained.C;
  const Eigen::MatrixXd scores = p.coordinates.test_scores(chosen);
  const Eigen::VectorXi square_classes = models::argmax_classes(scores, k, 0), ce_classes = models::argmax_classes(scores, k, 1);
  // d = acc_sq - acc_ce = e_ce - e_sq, paired on the test set.
  const models::PairedErrors d = models::paired_errors(ce_classes, square_classes, p.labels.test);
  Measurement m;
  m.set("accuracy_square", 1.0 - models::error_rate(square_classes, p.labels.test));
  m.set("accuracy_cross_entropy", 1.0 - models::error_rate(ce_classes, p.labels.test));
  m.set("accuracy_difference_points", 100 * d.difference);
  m.set("accuracy_difference_se_points", 100 * d.se);
  m.set("lambda_square", square.lam);
  m.set("log10_lambda_cross_entropy", std::log10(ce.trained.lam));
  m.set("cross_entropy_at_grid_edge", ce.choice_at_grid_edge ? 1.0 : 0.0);
  m.set("cross_entropy_evaluations", ce.evaluations);
  m.set("cross_entropy_unconverged_lams", ce.unconverged);
  m.set("cross_entropy_lams_fitted", ce.lams_fitted);
  m.set("cross_entropy_relative_gradient", ce.relative_gradient_at_choice);
  m.set("coordinates", static_cast<double>(p.coordinates.rank));
  // Recall of class 1 under each loss (the toy's masked middle class).
  double total = 0, sq = 0, xe = 0;
  for (Eigen::Index i = 0; i < p.labels.test.size(); ++i) {
    if (p.labels.test(i) != 1) continue;
    ++total;
    sq += square_classes(i) == 1;
    xe += ce_classes(i) == 1;
  }
  m.set("recall_class_1_square", sq / total);
  m.set("recall_class_1_cross_entropy", xe / total);
  m.add_series("validation_accuracy_square", square.log10_lams, square.validation_accuracies);
  m.add_series("validation_accuracy_cross_entropy", ce.trained.log10_lams, ce.trained.validation_accuracies);
  return m;
}

Measurement MeasureSquareLoss(const RunContext& ctx) {
  const std::string model = ctx.str("model");
  if (model == "esl-toy") return measure(toy_problem(ctx));
  const std::string dataset = ctx.str("dataset");
  const int n = static_cast<int>(ctx.num("n"));
  if (ctx.str("rows") == "first")  // one subset for every seed: measured once
    return *ctx.shared(fmt::format("first-rows/{}/{}/n={}", model, dataset, n), [&] {
      return measure(image_problem(ctx, model, dataset, n, models::TrainRows::kFirstRows));
    });
  return measure(image_problem(ctx, model, dataset, n, models::TrainRows::kSeededSubset));
}

// `panel` numbers the bars of the figure (see its caption).
std::vector<Json> sweep(int n, const char* linear_rows) {
  std::vector<Json> pts;
  int panel = 0;
  for (const char* dataset : {"mnist", "fashion-mnist"})
    for (const char* model : {"rff", "kernel"})
      pts.push_back({{"model", model}, {"dataset", dataset}, {"n", n}, {"rows", "subsets"}, {"regime", "over"},
                     {"panel", ++panel}});
  for (const char* dataset : {"mnist", "fashion-mnist"})
    pts.push_back({{"model", "linear"}, {"dataset", dataset}, {"n", 10000}, {"rows", linear_rows}, {"regime", "under"},
                   {"panel", ++panel}});
  pts.push_back({{"model", "esl-toy"}, {"dataset", "esl-three-gaussians"}, {"regime", "under"}, {"panel", ++panel}});
  return pts;
}

PRISM_CLAIM("square-loss", MeasureSquareLoss)
    ->Title("Square loss is competitive with cross-entropy for over-parameterised classifiers")
    ->Source("Belkin 2021 §5.1; Hui & Belkin 2021 (arXiv 2006.07322); Rifkin 2002; control: Hastie, Tibshirani, "
             "Friedman, ESL §4.2 (masking)")
    ->Statement("Random Fourier feature (N = 5n) and Gaussian kernel classifiers on MNIST and Fashion-MNIST trained "
                "with the square loss on one-hot targets (no softmax) are at most 1 point less accurate than the same "
                "models trained with cross-entropy, each loss at its validated L2 strength; the under-parameterised "
                "linear model on pixels, where regression of an indicator matrix masks classes, is not.")
    ->Sweep("quick", sweep(1000, "first"))
    ->Sweep("full", sweep(10000, "subsets"))
    ->Seeds(3)
    ->ShareBy({"model", "dataset"})
    ->Note("Both losses are fitted in the row-space coordinates of the features (at most n of them), where the L2 "
           "norm of W is preserved: N = 5n random features and the kernel model both become problems on n "
           "coordinates. Cross-entropy runs L-BFGS from lam = 10^-2 down to 10^-7, warm-started, stopping at "
           "||grad|| <= 10^-3 lam ||W|| or 2000 iterations; the path stops once the validation accuracy has fallen "
           "below its best at two consecutive lams. Seeds are training subsets (seed 1: the first n rows) "
           "and RFF frequency draws; the quick preset's linear control uses the first 10^4 rows for every seed "
           "(one subset, measured once).")
    ->Plot(Figure("accuracy")
               .Title("Test accuracy: square loss against cross-entropy, each at its validated lam")
               .Axes("panel", "test accuracy")
               .Line("square loss (one-hot, no softmax)", "panel", "accuracy_square")
               .Line("cross-entropy (softmax)", "panel", "accuracy_cross_entropy")
               .Caption("Panels: 1 MNIST RFF, 2 MNIST kernel, 3 Fashion RFF, 4 Fashion kernel (the claim); "
                        "5 MNIST and 6 Fashion linear on pixels, 7 ESL's three Gaussian classes (controls)."))
    ->Plot(Figure("difference")
               .Title("acc_square - acc_cross-entropy (points), paired on the test set")
               .Axes("panel", "difference (points)")
               .Line("d = acc_sq - acc_ce", "panel", "accuracy_difference_points")
               .Band("competitive"))
    ->Plot(Figure("validation-path-mnist-rff")
               .Title("MNIST RFF: validation accuracy along each loss's lam grid")
               .Axes("log10 lam", "validation accuracy")
               .Series("square loss (lam in units of n)", "validation_accuracy_square", {{"model", "rff"}, {"dataset", "mnist"}})
               .Series("cross-entropy", "validation_accuracy_cross_entropy", {{"model", "rff"}, {"dataset", "mnist"}}));

}  // namespace
}  // namespace prism::claims
