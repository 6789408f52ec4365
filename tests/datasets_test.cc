// Loaders (MNIST, Fashion-MNIST), Synthetic-2 and label noise.
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "datasets/idx.h"
#include "datasets/label_noise.h"
#include "datasets/mnist.h"
#include "datasets/synthetic.h"
#include "src/core/error.h"
#include "src/core/rng.h"

namespace prism::data {
namespace {

namespace fs = std::filesystem;

constexpr double kSigmas = 4.0;  // statistical checks: |estimate - truth| <= 4 SE
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

// Sets (or unsets) an environment variable for one scope.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("prism-datasets-test-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

bool mnist_present() { return fs::is_directory(data_root() / "mnist"); }

// Runs `load`, expecting a DataError whose message contains every needle.
void ExpectDataError(const std::function<void()>& load, const std::vector<std::string>& needles) {
  try {
    load();
    ADD_FAILURE() << "expected DataError, the load succeeded";
  } catch (const DataError& e) {
    const std::string message = e.what();
    for (const auto& needle : needles) {
      EXPECT_NE(message.find(needle), std::string::npos)
          << "expected the message to contain '" << needle << "'; actual: " << message;
    }
  }
}

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

TEST(Mnist, FirstRowsOfTrain) {
  if (!mnist_present())
    GTEST_SKIP() << "no " << data_root() / "mnist"
                 << "; run scripts/fetch-data";
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

TEST(Mnist, FullSplitsHavePublishedLabelCounts) {
  if (!mnist_present())
    GTEST_SKIP() << "no " << data_root() / "mnist"
                 << "; run scripts/fetch-data";
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

TEST(Mnist, RmsDistanceConstantMatchesTheFile) {
  if (!mnist_present())
    GTEST_SKIP() << "no " << data_root() / "mnist"
                 << "; run scripts/fetch-data";
  const Dataset train = load_mnist(Split::Train, 0);
  EXPECT_NEAR(RmsDistance(train.X), kMnistRmsDistance, 1e-4);  // the constant has 6 digits
}

TEST(Mnist, TooManyRowsSaysHowManyExist) {
  if (!mnist_present())
    GTEST_SKIP() << "no " << data_root() / "mnist"
                 << "; run scripts/fetch-data";
  ExpectDataError([] { load_mnist(Split::Test, 10001); },
                  {"t10k-images-idx3-ubyte", "10001", "only 10000"});
}

TEST(Mnist, TruncatedCopyOfRealImagesNamesTheFile) {
  if (!mnist_present())
    GTEST_SKIP() << "no " << data_root() / "mnist"
                 << "; run scripts/fetch-data";
  const fs::path real = data_root() / "mnist";
  TempDir tmp;
  fs::create_directories(tmp.path() / "mnist");
  for (const char* f : {"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    fs::copy_file(real / f, tmp.path() / "mnist" / f);
  }
  const fs::path images = tmp.path() / "mnist" / "t10k-images-idx3-ubyte";
  fs::resize_file(images, fs::file_size(images) - kPixels / 2);
  ScopedEnv data("PRISM_DATA", tmp.path().string());
  ExpectDataError([] { load_mnist(Split::Test, 10); },
                  {images.string(), "truncated", "scripts/fetch-data"});
}

// ---------------------------------------------------------------- MNIST, fixtures

TEST(MnistFixture, EmptyDataRootSaysRunFetchData) {
  TempDir tmp;
  ScopedEnv data("PRISM_DATA", tmp.path().string());
  ExpectDataError([] { load_mnist(Split::Train, 10); },
                  {(tmp.path() / "mnist").string(), "scripts/fetch-data", "PRISM_DATA"});
}

TEST(MnistFixture, MissingLabelFileIsNamed) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "mnist");
  WriteFakeSplit(tmp.path() / "mnist", "t10k", 5, "");
  fs::remove(tmp.path() / "mnist" / "t10k-labels-idx1-ubyte");
  ScopedEnv data("PRISM_DATA", tmp.path().string());
  ExpectDataError(
      [] { load_mnist(Split::Test, 0); },
      {(tmp.path() / "mnist" / "t10k-labels-idx1-ubyte").string(), "not found", "fetch-data"});
}

TEST(MnistFixture, LoadsAndScales) {
  TempDir tmp;
  fs::create_directories(tmp.path() / "mnist");
  WriteFakeSplit(tmp.path() / "mnist", "train", 5, "");
  ScopedEnv data("PRISM_DATA", tmp.path().string());
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

TEST(MnistFixture, ImagesAndLabelsMustAgreeInCount) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "mnist";
  fs::create_directories(dir);
  WriteFakeSplit(dir, "train", 5, "");
  IdxArray labels;
  labels.dims = {4};
  labels.data = {0, 1, 2, 3};
  write_idx(dir / "train-labels-idx1-ubyte", labels);
  ScopedEnv data("PRISM_DATA", tmp.path().string());
  ExpectDataError([] { load_mnist(Split::Train, 0); },
                  {(dir / "train-labels-idx1-ubyte").string(), "4 labels", "5 images"});
}

TEST(MnistFixture, LabelOutOfRange) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "mnist";
  fs::create_directories(dir);
  WriteFakeSplit(dir, "train", 5, "", /*bad_label_at=*/3);
  ScopedEnv data("PRISM_DATA", tmp.path().string());
  ExpectDataError([] { load_mnist(Split::Train, 2); },
                  {(dir / "train-labels-idx1-ubyte").string(), "label 10 at row 3"});
}

TEST(MnistFixture, WrongImageShape) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "mnist";
  fs::create_directories(dir);
  WriteFakeSplit(dir, "train", 5, "");
  IdxArray images;
  images.dims = {5, 28, 27};
  images.data.assign(5 * 28 * 27, 0);
  write_idx(dir / "train-images-idx3-ubyte", images);
  ScopedEnv data("PRISM_DATA", tmp.path().string());
  ExpectDataError([] { load_mnist(Split::Train, 0); },
                  {(dir / "train-images-idx3-ubyte").string(), "5 x 28 x 27"});
}

TEST(MnistFixture, WrongMagicSaysDeleteAndRefetch) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "mnist";
  fs::create_directories(dir);
  WriteFakeSplit(dir, "t10k", 5, "");
  write_bytes(dir / "t10k-labels-idx1-ubyte", {'<', 'h', 't', 'm', 'l', '>'});
  ScopedEnv data("PRISM_DATA", tmp.path().string());
  ExpectDataError([] { load_mnist(Split::Test, 0); },
                  {(dir / "t10k-labels-idx1-ubyte").string(), "wrong magic",
                   "delete it and re-run scripts/fetch-data"});
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
  TempDir tmp;
  ScopedEnv dir("PRISM_FASHION_MNIST", (tmp.path() / "nowhere").string());
  ExpectDataError([] { load_fashion_mnist(Split::Train, 1); },
                  {(tmp.path() / "nowhere").string(), "apt-get install dataset-fashion-mnist"});
}

TEST(FashionMnist, GzipFixturesLoadAndTruncationIsNamed) {
  TempDir tmp;
  WriteFakeSplit(tmp.path(), "train", 6, ".gz");
  ScopedEnv dir("PRISM_FASHION_MNIST", tmp.path().string());
  const Dataset d = load_fashion_mnist(Split::Train, 0);
  EXPECT_EQ(d.X.rows(), 6);
  EXPECT_EQ(d.y(5), 5);
  const fs::path images = tmp.path() / "train-images-idx3-ubyte.gz";
  fs::resize_file(images, fs::file_size(images) - 20);
  ExpectDataError([] { load_fashion_mnist(Split::Train, 0); },
                  {images.string(), "dataset-fashion-mnist"});
}

// ---------------------------------------------------------------- Synthetic-2

TEST(Synthetic2, BayesRiskIsPhiOfMinusOne) {
  const double expected = 0.5 * std::erfc(1.0 / std::sqrt(2.0));
  EXPECT_NEAR(synthetic2_bayes_risk(), expected, kExactTolerance);
  // Phi(-1) from tables, as a sanity anchor for the formula itself.
  constexpr double kTabulatedPhiMinusOne = 0.15865525393145707;
  constexpr double kTableTolerance = 1e-14;
  EXPECT_NEAR(synthetic2_bayes_risk(), kTabulatedPhiMinusOne, kTableTolerance);
}

TEST(Synthetic2, RmsDistanceMatchesSample) {
  EXPECT_NEAR(synthetic2_rms_distance(), std::sqrt(2.0 * (2.0 + 49.0 / 3.0)), 1e-14);
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
  EXPECT_NEAR(error, risk, kSigmas * se)
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
  EXPECT_NEAR(positives / n, 0.5, kSigmas * half_se) << "P(y = +1) should be 1/2";

  double sum_pos = 0, sum_neg = 0;
  for (Eigen::Index i = 0; i < d.X.rows(); ++i) (d.y(i) == 0 ? sum_pos : sum_neg) += d.X(i, 0);
  const double negatives = static_cast<double>(n) - positives;
  EXPECT_NEAR(sum_pos / positives, 0.0, kSigmas / std::sqrt(positives)) << "E[x1 | y = +1] = 0";
  EXPECT_NEAR(sum_neg / negatives, 2.0, kSigmas / std::sqrt(negatives)) << "E[x1 | y = -1] = 2";

  const Eigen::MatrixXd rest = d.X.rightCols(kSynthetic2Dim - 1);
  EXPECT_GE(rest.minCoeff(), -1.0);
  EXPECT_LT(rest.maxCoeff(), 1.0);
  const double uniform_sd = std::sqrt(1.0 / 3.0);  // sd of U(-1, 1)
  const double count = static_cast<double>(rest.size());
  EXPECT_NEAR(rest.mean(), 0.0, kSigmas * uniform_sd / std::sqrt(count));
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
      EXPECT_NEAR(ChangedFraction(y, noisy), expected, kSigmas * se)
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
  EXPECT_NEAR(ChangedFraction(y, all), 0.9, kSigmas * se) << "q = 1: every label redrawn";
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
  EXPECT_NEAR(error, expected, kSigmas * se)
      << "expected R*_q = " << expected << ", measured " << error;
}

}  // namespace
}  // namespace prism::data
