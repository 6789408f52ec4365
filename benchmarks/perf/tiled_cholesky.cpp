// The tiled Cholesky of paper-scale kernels (src/linalg/tiled_cholesky.h):
// factorisation rate against perf/dgemm and perf/cholesky of the same run, at
// n = 10^4 where the dense factorisation still fits, over tile sizes. The
// tiles are filled (not timed) from one dense kernel matrix.
#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/core/rng.h"
#include "src/linalg/kernels.h"
#include "src/linalg/tiled_cholesky.h"

namespace prism::perf {
namespace {

void BM_TiledCholesky(benchmark::State& state) {
  const auto n = static_cast<Eigen::Index>(state.range(0)), b = static_cast<Eigen::Index>(state.range(1));
  Rng rng(1, "perf/tiled_cholesky");
  const Eigen::MatrixXd X = rng.normal_matrix(n, 50);
  const Eigen::MatrixXd K = linalg::kernel_matrix(linalg::Kernel::Laplace(10.0), X);
  for (auto _ : state) {
    state.PauseTiming();
    linalg::LowerTiles tiles(n, b);
    tiles.fill([&](Eigen::Index r0, Eigen::Index c0, Eigen::Ref<Eigen::MatrixXd> out) {
      out = K.block(r0, c0, out.rows(), out.cols());
    });
    state.ResumeTiming();
    {
      const linalg::TiledCholesky chol(std::move(tiles));
      benchmark::DoNotOptimize(chol.factor().tile(0, 0).data());
      benchmark::ClobberMemory();
      state.PauseTiming();
    }
    state.ResumeTiming();
  }
  state.counters["GFLOPS"] = gflops(static_cast<double>(n) * n * n / 3.0, state);
}

BENCHMARK(BM_TiledCholesky)->Name("perf/tiled_cholesky")->Args({10000, 1000})->Args({10000, 2500})
    ->Args({10000, 5000})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace prism::perf
