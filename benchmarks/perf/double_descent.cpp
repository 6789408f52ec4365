// The hot paths of double-descent (a): one block of the nested accumulation
// (features of 1024 frequencies for the streamed test and validation rows, the
// SYRK of the training block, the two cross-Gram GEMMs), and the symmetric
// eigendecomposition of the n x n Gram (dsyevd) at the quick and paper n.
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/linalg/symmetric_eigen.h"
#include "src/models/fourier_features.h"

namespace prism::perf {
namespace {

constexpr Eigen::Index kPixels = 784, kStreamedRows = 15000, kBlock = 1024;  // test + validation rows

void BM_RffGramBlock(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  Rng rng(1, "perf-rff");
  const Eigen::MatrixXd X = Eigen::MatrixXd::Random(n, kPixels).cwiseAbs(),
                        Z = Eigen::MatrixXd::Random(kStreamedRows, kPixels).cwiseAbs();
  const Eigen::MatrixXd V = models::fourier_frequencies(kBlock, kPixels, 5.0, rng);
  const Eigen::MatrixXd Pb = models::fourier_features(X, V);
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(n, n), T = Eigen::MatrixXd::Zero(kStreamedRows, n);
  for (auto _ : state) {
    G.selfadjointView<Eigen::Lower>().rankUpdate(Pb);
    models::accumulate_fourier_cross_gram(T, Z, V, Pb, 0, kBlock, kBlock);
    benchmark::DoNotOptimize(T.data());
  }
  // SYRK n^2 (2 block), the streamed rows' features 2 rows d block and cross Gram 2 rows n (2 block).
  state.counters["GFLOPS"] = gflops(1.0 * n * n * 2 * kBlock + 2.0 * kStreamedRows * kBlock * (kPixels + 2.0 * n), state);
}

void BM_SymmetricEigen(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const Eigen::MatrixXd R = Eigen::MatrixXd::Random(n, n);
  const Eigen::MatrixXd A = R * R.transpose();
  for (auto _ : state) benchmark::DoNotOptimize(linalg::symmetric_eigen(A).values.data());
  // dsyevd with vectors: ~(4/3 + 4/3 + ~2) n^3 for tridiagonalisation, back-transformation and divide and
  // conquer; counted as 4 n^3 (a nominal rate for comparison across backends and runs).
  state.counters["GFLOPS"] = gflops(4.0 * n * n * n, state);
}

BENCHMARK(BM_RffGramBlock)->Name("perf/rff_gram_block")->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SymmetricEigen)->Name("perf/symmetric_eigen")->Arg(2000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SymmetricEigen)->Name("perf/symmetric_eigen")->Arg(10000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace prism::perf
