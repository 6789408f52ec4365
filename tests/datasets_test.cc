// Loaders (MNIST, Fashion-MNIST), Synthetic-2 and label noise.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "datasets/idx.h"
#include "datasets/label_noise.h"
#include "datasets/mnist.h"
#include "datasets/synthetic.h"
#include "src/core/error.h"
#include "src/core/rng.h"
#include "tests/support/test_support.h"
#include "tests/support/tolerances.h"

namespace prism::data {
namespace {

namespace fs = std::filesystem;

using namespace ::prism::testing::tolerances;
using ::prism::testing::ScopedEnv;
using ::prism::testing::ScratchDir;

// A formula of the code written out again, in numbers below one: a few ulps.
constexpr double kExactTolerance = 1e-15;
constexpr std::size_t kPixels = kMnistRows * kMnistCols;

// Published facts about the original files (LeCun et al.), not our output.
constexpr std::array<int, 10> kMnistTrainHead = {5, 0, 4, 1, 9, 2, 1, 3, 1, 4};
constexpr std::array<int, 10> kMnistTestHead = {7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
constexpr std::array<int, 10> kMnistTrainCounts = {5923, 6742, 5958, 6131, 5842,
                                                   5421, 5918, 6265, 5851, 5949};
constexpr std::array<int, 10> kMnistTestCounts = {980, 1135, 1032, 1010, 982,
                                                  892, 958,  1028, 974,  1009};
constexpr std::array<int, 10> kFashionTestHead = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
constexpr int kFashionTestPerClass = 1000;

bool mnist_present() { return fs::is_directory(data_root() / "mnist"); }

// A small MNIST-shaped pair of files: n images with pixel (i, j) = (i + j) % 256.
void WriteFakeSplit(const fs::path& dir, const std::string& prefix, std::uint32_t n,
                    const std::string& suffix, int bad_label_at = -1) {
  IdxArray images;
  images.dims = {n, kMnistRows, kMnistCols};
  images.data.resize(std::size_t{n} * kPixels);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < kPixels; ++j)
      images.data[i * kPixels + j] = static_cast<std::uint8_t>((i + j) % 256);
  }
  IdxArray labels;
  labels.dims = {n};
  labels.data.resize(n);
  for (std::size_t i = 0; i < n; ++i) labels.data[i] = static_cast<std::uint8_t>(i % 10);
  if (bad_label_at >= 0) labels.data[static_cast<std::size_t>(bad_label_at)] = 10;
  write_idx(dir / (prefix + "-images-idx3-ubyte" + suffix), images);
  write_idx(dir / (prefix + "-labels-idx1-ubyte" + suffix), labels);
}

std::array<int, 10> LabelCounts(const Eigen::VectorXi& y) {
  std::array<int, 10> counts{};
  for (Eigen::Index i = 0; i < y.size(); ++i) ++counts.at(static_cast<std::size_t>(y(i)));
  return counts;
}

// ---------------------------------------------------------------- data_root

TEST(DataRoot, PrismDataWins) {
  ScopedEnv data("PRISM_DATA", "/some/where");
  ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
  EXPECT_EQ(data_root(), fs::path("/some/where"));
}

TEST(DataRoot, XdgCacheHomeThenHome) {
  ScopedEnv data("PRISM_DATA", std::nullopt);
  ScopedEnv home("HOME", "/home/someone");
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "/xdg");
    EXPECT_EQ(data_root(), fs::path("/xdg/prism"));
  }
  ScopedEnv xdg("XDG_CACHE_HOME", "");  // empty counts as unset
  EXPECT_EQ(data_root(), fs::path("/home/someone/.cache/prism"));
}

TEST(DataRoot, NothingSetIsADataError) {
  ScopedEnv data("PRISM_DATA", std::nullopt);
  ScopedEnv xdg("XDG_CACHE_HOME", std::nullopt);
  ScopedEnv home("HOME", std::nullopt);
  EXPECT_THROW(data_root(), DataError);
}

// ---------------------------------------------------------------- MNIST, real files

// The real files in data_root(), when fetched.
class Mnist : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!mnist_present()) GTEST_SKIP() << "no " << data_root() / "mnist" << "; run scripts/fetch-data";
  }
};

TEST_F(Mnist, FirstRowsOfTrain) {
  const std::size_t n = 2000;
  const Dataset d = load_mnist(Split::Train, n);
  ASSERT_EQ(d.X.rows(), static_cast<Eigen::Index>(n));
  ASSERT_EQ(d.X.cols(), static_cast<Eigen::Index>(kPixels));
  ASSERT_EQ(d.y.size(), static_cast<Eigen::Index>(n));
  EXPECT_EQ(d.num_classes, 10);
  EXPECT_EQ(d.name, "mnist");
  EXPECT_GE(d.X.minCoeff(), 0.0);
  EXPECT_LE(d.X.maxCoeff(), 1.0);
  EXPECT_EQ(d.X.maxCoeff(), 1.0) << "some pixel is 255 in the first 2000 images";
  for (std::size_t i = 0; i < kMnistTrainHead.size(); ++i) {
    EXPECT_EQ(d.y(static_cast<Eigen::Index>(i)), kMnistTrainHead[i]) << "label of row " << i;
  }
  const std::string expected_provenance =
      "first 2000 of 60000 rows (train split) of " +
      (data_root() / "mnist" / "train-images-idx3-ubyte").string();
  EXPECT_EQ(d.provenance.rfind(expected_provenance, 0), 0u)
      << "expected provenance to start with: " << expected_provenance
      << "\nactual: " << d.provenance;

  // The subset rule: a smaller n is a prefix of a larger one.
  const Dataset head = load_mnist(Split::Train, 100);
  EXPECT_TRUE(head.X == d.X.topRows(100));
  EXPECT_TRUE(head.y == d.y.head(100));
}

TEST_F(Mnist, FullSplitsHavePublishedLabelCounts) {
  const Dataset test = load_mnist(Split::Test, 0);
  EXPECT_EQ(test.X.rows(), 10000);
  EXPECT_EQ(LabelCounts(test.y), kMnistTestCounts);
  for (std::size_t i = 0; i < kMnistTestHead.size(); ++i) {
    EXPECT_EQ(test.y(static_cast<Eigen::Index>(i)), kMnistTestHead[i]) << "label of row " << i;
  }
  EXPECT_EQ(test.provenance.rfind("all 10000 of 10000 rows (test split)", 0), 0u)
      << test.provenance;
  const Dataset train = load_mnist(Split::Train, 0);
  EXPECT_EQ(train.X.rows(), 60000);
  EXPECT_EQ(LabelCounts(train.y), kMnistTrainCounts);
  EXPECT_GE(train.X.minCoeff(), 0.0);
  EXPECT_LE(train.X.maxCoeff(), 1.0);
}

// sqrt(2 tr Cov) of a data matrix: the RMS distance between two independent rows.
double RmsDistance(const Eigen::MatrixXd& X) {
  const Eigen::RowVectorXd mean = X.colwise().mean();
  const double trace_cov = (X.rowwise() - mean).squaredNorm() / static_cast<double>(X.rows());
  return std::sqrt(2.0 * trace_cov);
}

TEST_F(Mnist, RmsDistanceConstantMatchesTheFile) {
  const Dataset train = load_mnist(Split::Train, 0);
  EXPECT_NEAR(RmsDistance(train.X), kMnistRmsDistance, 1e-4);  // the constant has 6 digits
}

TEST_F(Mnist, TooManyRowsSaysHowManyExist) {
  PRISM_EXPECT_THROW_WITH(load_mnist(Split::Test, 10001), DataError,
                          "t10k-images-idx3-ubyte", "10001", "only 10000");
}

TEST_F(Mnist, TruncatedCopyOfRealImagesNamesTheFile) {
  const fs::path real = data_root() / "mnist";
  const ScratchDir root("prism-datasets-test");
  fs::create_directories(root / "mnist");
  for (const char* f : {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    fs::copy_file(real / f, root / "mnist" / f);
  }
  const fs::path images = root / "mnist" / "t10k-images-idx3-ubyte";
  fs::resize_file(images, fs::file_size(images) - kPixels / 2);
  const ScopedEnv data("PRISM_DATA", root.path().string());
  PRISM_EXPECT_THROW_WITH(load_mnist(Split::Test, 10), DataError, images.string(), "truncated", "scripts/fetch-data");
}

// ---------------------------------------------------------------- MNIST, fixtures

// Fake MNIST files in a scratch folder that PRISM_DATA points to.
class MnistFixture : public ::testing::Test {
 protected:
  // root_/mnist, created.
  fs::path mnist_dir() const {
    fs::create_directories(root_ / "mnist");
    return root_ / "mnist";
  }

  ScratchDir root_{"prism-datasets-test"};
  ScopedEnv data_{"PRISM_DATA", root_.path().string()};
};

TEST_F(MnistFixture, EmptyDataRootSaysRunFetchData) {
  PRISM_EXPECT_THROW_WITH(load_mnist(Split::Train, 10), DataError, (root_ / "mnist").string(), "scripts/fetch-data",
                          "PRISM_DATA");
}

TEST_F(MnistFixture, MissingLabelFileIsNamed) {
  const fs::path dir = mnist_dir();
  WriteFakeSplit(dir, "t10k", 5, "");
  fs::remove(dir / "t10k-labels-idx1-ubyte");
  PRISM_EXPECT_THROW_WITH(load_mnist(Split::Test, 0), DataError, (dir / "t10k-labels-idx1-ubyte").string(),
                          "not found", "fetch-data");
}

TEST_F(MnistFixture, LoadsAndScales) {
  WriteFakeSplit(mnist_dir(), "train", 5, "");
  const Dataset d = load_mnist(Split::Train, 3);
  ASSERT_EQ(d.X.rows(), 3);
  ASSERT_EQ(d.X.cols(), static_cast<Eigen::Index>(kPixels));
  for (Eigen::Index i = 0; i < 3; ++i) {
    EXPECT_EQ(d.y(i), i % 10);
    for (Eigen::Index j :
         {Eigen::Index{0}, Eigen::Index{1}, Eigen::Index{255}, Eigen::Index{783}}) {
      const double expected = static_cast<double>((i + j) % 256) / 255.0;
      EXPECT_EQ(d.X(i, j), expected) << "pixel (" << i << ", " << j << ")";
    }
  }
}

TEST_F(MnistFixture, ImagesAndLabelsMustAgreeInCount) {
  const fs::path dir = mnist_dir();
  WriteFakeSplit(dir, "train", 5, "");
  IdxArray labels;
  labels.dims = {4};
  labels.data = {0, 1, 2, 3};
  write_idx(dir / "train-labels-idx1-ubyte", labels);
  PRISM_EXPECT_THROW_WITH(load_mnist(Split::Train, 0), DataError, (dir / "train-labels-idx1-ubyte").string(),
                          "4 labels", "5 images");
}

TEST_F(MnistFixture, LabelOutOfRange) {
  const fs::path dir = mnist_dir();
  WriteFakeSplit(dir, "train", 5, "", /*bad_label_at=*/3);
  PRISM_EXPECT_THROW_WITH(load_mnist(Split::Train, 2), DataError, (dir / "train-labels-idx1-ubyte").string(),
                          "label 10 at row 3");
}

TEST_F(MnistFixture, WrongImageShape) {
  const fs::path dir = mnist_dir();
  WriteFakeSplit(dir, "train", 5, "");
  IdxArray images;
  images.dims = {5, 28, 27};
  images.data.assign(5 * 28 * 27, 0);
  write_idx(dir / "train-images-idx3-ubyte", images);
  PRISM_EXPECT_THROW_WITH(load_mnist(Split::Train, 0), DataError, (dir / "train-images-idx3-ubyte").string(),
                          "5 x 28 x 27");
}

TEST_F(MnistFixture, WrongMagicSaysDeleteAndRefetch) {
  const fs::path dir = mnist_dir();
  WriteFakeSplit(dir, "t10k", 5, "");
  write_bytes(dir / "t10k-labels-idx1-ubyte", {'<', 'h', 't', 'm', 'l', '>'});
  PRISM_EXPECT_THROW_WITH(load_mnist(Split::Test, 0), DataError, (dir / "t10k-labels-idx1-ubyte").string(),
                          "wrong magic", "delete it and re-run scripts/fetch-data");
}

// ---------------------------------------------------------------- Fashion-MNIST

TEST(FashionMnist, FirstRowsOfTest) {
  if (!fs::is_directory(fashion_mnist_dir())) {
    GTEST_SKIP() << "no " << fashion_mnist_dir() << "; apt-get install dataset-fashion-mnist";
  }
  const Dataset d = load_fashion_mnist(Split::Test, 0);
  ASSERT_EQ(d.X.rows(), 10000);
  ASSERT_EQ(d.X.cols(), static_cast<Eigen::Index>(kPixels));
  EXPECT_EQ(d.name, "fashion-mnist");
  EXPECT_GE(d.X.minCoeff(), 0.0);
  EXPECT_LE(d.X.maxCoeff(), 1.0);
  for (std::size_t i = 0; i < kFashionTestHead.size(); ++i) {
    EXPECT_EQ(d.y(static_cast<Eigen::Index>(i)), kFashionTestHead[i]) << "label of row " << i;
  }
  for (int count : LabelCounts(d.y)) EXPECT_EQ(count, kFashionTestPerClass);
  const Dataset head = load_fashion_mnist(Split::Test, 50);
  EXPECT_TRUE(head.X == d.X.topRows(50));
}

TEST(FashionMnist, MissingFolderSaysInstallPackage) {
  const ScratchDir root("prism-datasets-test");
  const ScopedEnv dir("PRISM_FASHION_MNIST", (root / "nowhere").string());
  PRISM_EXPECT_THROW_WITH(load_fashion_mnist(Split::Train, 1), DataError, (root / "nowhere").string(),
                          "apt-get install dataset-fashion-mnist");
}

TEST(FashionMnist, GzipFixturesLoadAndTruncationIsNamed) {
  const ScratchDir root("prism-datasets-test");
  WriteFakeSplit(root.path(), "train", 6, ".gz");
  const ScopedEnv dir("PRISM_FASHION_MNIST", root.path().string());
  const Dataset d = load_fashion_mnist(Split::Train, 0);
  EXPECT_EQ(d.X.rows(), 6);
  EXPECT_EQ(d.y(5), 5);
  const fs::path images = root / "train-images-idx3-ubyte.gz";
  fs::resize_file(images, fs::file_size(images) - 20);
  PRISM_EXPECT_THROW_WITH(load_fashion_mnist(Split::Train, 0), DataError, images.string(), "dataset-fashion-mnist");
}

// ---------------------------------------------------------------- Synthetic-2

TEST(Synthetic2, BayesRiskIsPhiOfMinusOne) {
  const double expected = 0.5 * std::erfc(1.0 / std::sqrt(2.0));
  EXPECT_NEAR(synthetic2_bayes_risk(), expected, kExactTolerance);
  // Phi(-1) from tables, as a sanity anchor for the formula itself.
  constexpr double kTabulatedPhiMinusOne = 0.15865525393145707;
  EXPECT_NEAR(synthetic2_bayes_risk(), kTabulatedPhiMinusOne, kFullPrecisionTolerance);
}

TEST(Synthetic2, RmsDistanceMatchesSample) {
  EXPECT_NEAR(synthetic2_rms_distance(), std::sqrt(2.0 * (2.0 + 49.0 / 3.0)), kFullPrecisionTolerance);
  // Sample version on 4 x 10^4 rows: the relative SE of the distance is ~0.05 %.
  const Dataset d = synthetic2(Split::Train, 40000, 11);
  EXPECT_NEAR(RmsDistance(d.X) / synthetic2_rms_distance(), 1.0, 0.005);
}

TEST(Synthetic2, BayesClassifierErrorMatchesBayesRisk) {
  const std::size_t n = 200000;
  const Dataset d = synthetic2(Split::Train, n, 7);
  const Eigen::VectorXi predicted = synthetic2_bayes_classify(d.X);
  const double error = static_cast<double>((predicted.array() != d.y.array()).count()) / n;
  const double risk = synthetic2_bayes_risk();
  const double se = std::sqrt(risk * (1 - risk) / n);
  EXPECT_NEAR(error, risk, kStandardErrors * se)
      << "expected Bayes error " << risk << ", measured " << error;
}

TEST(Synthetic2, ShapeAndMarginals) {
  const std::size_t n = 100000;
  const Dataset d = synthetic2(Split::Train, n, 3);
  ASSERT_EQ(d.X.rows(), static_cast<Eigen::Index>(n));
  ASSERT_EQ(d.X.cols(), kSynthetic2Dim);
  EXPECT_EQ(d.num_classes, 2);
  EXPECT_EQ(d.name, "synthetic2");
  EXPECT_GE(d.y.minCoeff(), 0);
  EXPECT_LE(d.y.maxCoeff(), 1);

  const double positives = (d.y.array() == 0).count();
  const double half_se = std::sqrt(0.25 / n);
  EXPECT_NEAR(positives / n, 0.5, kStandardErrors * half_se) << "P(y = +1) should be 1/2";

  double sum_pos = 0, sum_neg = 0;
  for (Eigen::Index i = 0; i < d.X.rows(); ++i) (d.y(i) == 0 ? sum_pos : sum_neg) += d.X(i, 0);
  const double negatives = static_cast<double>(n) - positives;
  EXPECT_NEAR(sum_pos / positives, 0.0, kStandardErrors / std::sqrt(positives)) << "E[x1 | y = +1] = 0";
  EXPECT_NEAR(sum_neg / negatives, 2.0, kStandardErrors / std::sqrt(negatives)) << "E[x1 | y = -1] = 2";

  const Eigen::MatrixXd rest = d.X.rightCols(kSynthetic2Dim - 1);
  EXPECT_GE(rest.minCoeff(), -1.0);
  EXPECT_LT(rest.maxCoeff(), 1.0);
  const double uniform_sd = std::sqrt(1.0 / 3.0);  // sd of U(-1, 1)
  const double count = static_cast<double>(rest.size());
  EXPECT_NEAR(rest.mean(), 0.0, kStandardErrors * uniform_sd / std::sqrt(count));
}

TEST(Synthetic2, DeterministicNestedAndSplitsDiffer) {
  const Dataset a = synthetic2(Split::Train, 500, 11);
  const Dataset b = synthetic2(Split::Train, 500, 11);
  EXPECT_TRUE(a.X == b.X && a.y == b.y) << "same seed must give the same data";
  const Dataset head = synthetic2(Split::Train, 200, 11);
  EXPECT_TRUE(head.X == a.X.topRows(200) && head.y == a.y.head(200))
      << "first rows must not depend on n";
  EXPECT_FALSE(synthetic2(Split::Train, 500, 12).X == a.X) << "another seed, other data";
  EXPECT_FALSE(synthetic2(Split::Test, 500, 11).X == a.X) << "test must not repeat train";
  EXPECT_NE(a.provenance.find("seed = 11"), std::string::npos) << a.provenance;
}

// ---------------------------------------------------------------- label noise

double ChangedFraction(const Eigen::VectorXi& a, const Eigen::VectorXi& b) {
  return static_cast<double>((a.array() != b.array()).count()) / static_cast<double>(a.size());
}

Eigen::VectorXi UniformLabels(Eigen::Index n, int k, Rng& rng) {
  Eigen::VectorXi y(n);
  for (Eigen::Index i = 0; i < n; ++i)
    y(i) = static_cast<int>(rng.index(static_cast<std::size_t>(k)));
  return y;
}

TEST(LabelNoise, FlipRateIsQTimesKMinusOneOverK) {
  const Eigen::Index n = 200000;
  for (int k : {2, 10}) {
    for (double q : {0.1, 0.5, 0.8}) {
      Rng rng(5, "label-noise-test");
      const Eigen::VectorXi y = UniformLabels(n, k, rng);
      const Eigen::VectorXi noisy = corrupt_labels(y, k, q, rng);
      const double expected = q * (k - 1) / k;
      const double se = std::sqrt(expected * (1 - expected) / n);
      EXPECT_NEAR(ChangedFraction(y, noisy), expected, kStandardErrors * se)
          << "k = " << k << ", q = " << q;
      EXPECT_GE(noisy.minCoeff(), 0);
      EXPECT_LT(noisy.maxCoeff(), k);
    }
  }
}

TEST(LabelNoise, EdgesOfQ) {
  Rng rng(1, "edges");
  const Eigen::VectorXi y = UniformLabels(1000, 10, rng);
  Rng r0(2);
  EXPECT_TRUE(corrupt_labels(y, 10, 0.0, r0) == y) << "q = 0 changes nothing";
  Rng r1(2);
  const Eigen::VectorXi all = corrupt_labels(y, 10, 1.0, r1);
  const double se = std::sqrt(0.9 * 0.1 / 1000);
  EXPECT_NEAR(ChangedFraction(y, all), 0.9, kStandardErrors * se) << "q = 1: every label redrawn";
}

TEST(LabelNoise, CorruptedSetsAreNestedInQ) {
  Rng base(3);
  const Eigen::VectorXi y = UniformLabels(5000, 10, base);
  Rng r_low(4, "noise"), r_high(4, "noise");
  const Eigen::VectorXi low = corrupt_labels(y, 10, 0.2, r_low);
  const Eigen::VectorXi high = corrupt_labels(y, 10, 0.5, r_high);
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (low(i) != y(i)) {
      EXPECT_EQ(high(i), low(i)) << "label " << i << " changed at q = 0.2 but differs at q = 0.5";
    }
  }
}

TEST(LabelNoise, RejectsBadArguments) {
  Rng rng(1);
  const Eigen::VectorXi y = Eigen::VectorXi::Constant(3, 1);
  EXPECT_THROW(corrupt_labels(y, 10, -0.1, rng), std::invalid_argument);
  EXPECT_THROW(corrupt_labels(y, 10, 1.5, rng), std::invalid_argument);
  EXPECT_THROW(corrupt_labels(y, 10, std::nan(""), rng), std::invalid_argument);
  EXPECT_THROW(corrupt_labels(y, 1, 0.1, rng), std::invalid_argument) << "label 1 is not in [0, 1)";
  EXPECT_THROW(noisy_bayes_risk(0.1, 2.0, 10), std::invalid_argument);
  EXPECT_THROW(noisy_bayes_risk(0.1, 0.5, 0), std::invalid_argument);
}

TEST(LabelNoise, NoisyBayesRiskFormula) {
  // docs/claims.md: Synthetic-2 gives R*_q = R* + (1/2 - R*) q; clean MNIST (R* = 0) gives 0.9 q.
  const double r = synthetic2_bayes_risk();
  for (double q : {0.0, 0.1, 0.2, 0.4, 0.5, 0.6, 0.8, 1.0}) {
    EXPECT_NEAR(noisy_bayes_risk(r, q, 2), r + (0.5 - r) * q, kExactTolerance) << "q = " << q;
    EXPECT_NEAR(noisy_bayes_risk(0.0, q, 10), 0.9 * q, kExactTolerance) << "q = " << q;
  }
  EXPECT_NEAR(noisy_bayes_risk(r, 0.0, 2), r, kExactTolerance);
  EXPECT_NEAR(noisy_bayes_risk(r, 1.0, 2), 0.5, kExactTolerance) << "pure noise: chance";
}

TEST(LabelNoise, BayesClassifierOnNoisySynthetic2TracksNoisyRisk) {
  const std::size_t n = 200000;
  const double q = 0.4;
  const Dataset d = synthetic2(Split::Test, n, 9);
  Rng rng(9, "noise");
  const Eigen::VectorXi noisy = corrupt_labels(d.y, 2, q, rng);
  const double error = ChangedFraction(synthetic2_bayes_classify(d.X), noisy);
  const double expected = noisy_bayes_risk(synthetic2_bayes_risk(), q, 2);
  const double se = std::sqrt(expected * (1 - expected) / n);
  EXPECT_NEAR(error, expected, kStandardErrors * se)
      << "expected R*_q = " << expected << ", measured " << error;
}

}  // namespace
}  // namespace prism::data
