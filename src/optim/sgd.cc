#include "src/optim/sgd.h"
#include "src/optim/sgd_loop.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#endif

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace prism::optim {
namespace {

using Eigen::Index;

using detail::fail;
using detail::check_loop;
using detail::run_loop;

// Rows [first, first + len) of r -= sum_u K[:, columns[u]] coef(u, :), the hot
// loop of every kernel SGD claim. Columns go in groups of kGroup<Scalar>, each
// group streamed once from memory in row chunks that stay in L1 while all c
// outputs take their update; per output the group's coefficients sit in
// registers and independent accumulators run side by side (FMA chains).
//  - double K: every entry of r takes one fused multiply-add per column, in
//    column order.
//  - float K (a float32 copy, half the bytes per step): per entry the group's
//    products are summed in float (a multiply, then FMAs in column order) and
//    the sum is subtracted from r in double, so r never leaves double.
// The same operations run on every path (vector, row tail, column tail, any
// row split): the bits do not depend on the thread count or the instruction set.
template <typename Scalar>
constexpr Index kGroup = std::is_same_v<Scalar, float> ? 8 : 4;  // columns per pass
template <typename Scalar>
constexpr Index kChunkRows = std::is_same_v<Scalar, float> ? 1024 : 256;  // the group's chunk of K: 32 / 8 KiB, in L1

// Rows [first, end) of r -= K[:, group columns] coef for G <= kGroup columns,
// whose data start at k[0..G) and whose coefficients for output o are
// coef[o * ldc + g].
template <int G>
void subtract_group(const double* const* k, const double* coef, Index ldc, Eigen::MatrixXd& r, Index first,
                    Index end) {
  const Index c = r.cols(), ldr = r.rows();
  for (Index chunk = first; chunk < end; chunk += kChunkRows<double>) {
    const Index stop = std::min(end, chunk + kChunkRows<double>);
    for (Index o = 0; o < c; ++o) {
      double* ro = r.data() + o * ldr;
      const double* co = coef + o * ldc;
      Index i = chunk;
#if defined(__AVX2__) && defined(__FMA__)
      __m256d cv[G];
      for (int g = 0; g < G; ++g) cv[g] = _mm256_set1_pd(co[g]);
      for (; i + 16 <= stop; i += 16) {
        __m256d a0 = _mm256_loadu_pd(ro + i), a1 = _mm256_loadu_pd(ro + i + 4);
        __m256d a2 = _mm256_loadu_pd(ro + i + 8), a3 = _mm256_loadu_pd(ro + i + 12);
        for (int g = 0; g < G; ++g) {
          a0 = _mm256_fnmadd_pd(cv[g], _mm256_loadu_pd(k[g] + i), a0);
          a1 = _mm256_fnmadd_pd(cv[g], _mm256_loadu_pd(k[g] + i + 4), a1);
          a2 = _mm256_fnmadd_pd(cv[g], _mm256_loadu_pd(k[g] + i + 8), a2);
          a3 = _mm256_fnmadd_pd(cv[g], _mm256_loadu_pd(k[g] + i + 12), a3);
        }
        _mm256_storeu_pd(ro + i, a0);
        _mm256_storeu_pd(ro + i + 4, a1);
        _mm256_storeu_pd(ro + i + 8, a2);
        _mm256_storeu_pd(ro + i + 12, a3);
      }
#endif
      // The rest of the chunk (all of it without AVX2): the same FMAs, per row in column order.
      for (; i < stop; ++i)
        for (int g = 0; g < G; ++g) ro[i] = std::fma(-co[g], k[g][i], ro[i]);
    }
  }
}

template <int G>
void subtract_group(const float* const* k, const float* coef, Index ldc, Eigen::MatrixXd& r, Index first,
                    Index end) {
  const Index c = r.cols(), ldr = r.rows();
  for (Index chunk = first; chunk < end; chunk += kChunkRows<float>) {
    const Index stop = std::min(end, chunk + kChunkRows<float>);
    for (Index o = 0; o < c; ++o) {
      double* ro = r.data() + o * ldr;
      const float* co = coef + o * ldc;
      Index i = chunk;
#if defined(__AVX2__) && defined(__FMA__)
      __m256 cv[G];
      for (int g = 0; g < G; ++g) cv[g] = _mm256_set1_ps(co[g]);
      for (; i + 16 <= stop; i += 16) {
        __m256 a0 = _mm256_mul_ps(cv[0], _mm256_loadu_ps(k[0] + i));
        __m256 a1 = _mm256_mul_ps(cv[0], _mm256_loadu_ps(k[0] + i + 8));
        for (int g = 1; g < G; ++g) {
          a0 = _mm256_fmadd_ps(cv[g], _mm256_loadu_ps(k[g] + i), a0);
          a1 = _mm256_fmadd_ps(cv[g], _mm256_loadu_ps(k[g] + i + 8), a1);
        }
        _mm256_storeu_pd(ro + i, _mm256_sub_pd(_mm256_loadu_pd(ro + i), _mm256_cvtps_pd(_mm256_castps256_ps128(a0))));
        _mm256_storeu_pd(ro + i + 4,
                         _mm256_sub_pd(_mm256_loadu_pd(ro + i + 4), _mm256_cvtps_pd(_mm256_extractf128_ps(a0, 1))));
        _mm256_storeu_pd(ro + i + 8,
                         _mm256_sub_pd(_mm256_loadu_pd(ro + i + 8), _mm256_cvtps_pd(_mm256_castps256_ps128(a1))));
        _mm256_storeu_pd(ro + i + 12,
                         _mm256_sub_pd(_mm256_loadu_pd(ro + i + 12), _mm256_cvtps_pd(_mm256_extractf128_ps(a1, 1))));
      }
#endif
      for (; i < stop; ++i) {
        float a = co[0] * k[0][i];
        for (int g = 1; g < G; ++g) a = std::fma(co[g], k[g][i], a);
        ro[i] -= static_cast<double>(a);
      }
    }
  }
}

// The group of `group` (1..G) columns through subtract_group<group>.
template <typename Scalar, int G = static_cast<int>(kGroup<Scalar>)>
void subtract_group_of(Index group, const Scalar* const* k, const Scalar* coef, Index ldc, Eigen::MatrixXd& r,
                       Index first, Index end) {
  if constexpr (G > 1) {
    if (group < G) return subtract_group_of<Scalar, G - 1>(group, k, coef, ldc, r, first, end);
  }
  subtract_group<G>(k, coef, ldc, r, first, end);
}

template <typename Scalar>
using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

template <typename Scalar>
void subtract_columns(const Eigen::Ref<const Matrix<Scalar>>& K, const std::vector<Index>& columns,
                      const Matrix<Scalar>& coef, Eigen::MatrixXd& r, Index first, Index len) {
  const Index count = static_cast<Index>(columns.size());
  for (Index u = 0; u < count; u += kGroup<Scalar>) {
    const Index group = std::min(kGroup<Scalar>, count - u);
    const Scalar* k[kGroup<Scalar>];
    for (Index g = 0; g < group; ++g) k[g] = K.col(columns[static_cast<std::size_t>(u + g)]).data();
    subtract_group_of<Scalar>(group, k, coef.data() + u, coef.rows(), r, first, first + len);
  }
}

// Below this many K entries per step a second thread costs more than it saves
// (measured with the float copy at n = 10^4: m = 8 takes 89 ms an epoch on 1
// thread, 104 on 2; m = 16 takes 79 on 1, 69 on 2).
constexpr double kParallelEntries = 1 << 20;

// The same update split over `threads` row ranges of the first n rows of r
// (OpenMP's persistent team: a step at m = 16 costs ~0.1 ms, so a thread
// started per step would cost more than the split saves). Every entry takes the
// same operations in any range, so the result is bitwise the same for any
// thread count.
template <typename Scalar>
void subtract_columns_parallel(const Eigen::Ref<const Matrix<Scalar>>& K, const std::vector<Index>& columns,
                               const Matrix<Scalar>& coef, Eigen::MatrixXd& r, Index n, int threads) {
  // Never more than the run's thread budget (--threads sets OMP_NUM_THREADS): a
  // region of 2 threads beside another busy process waits at every step's
  // barrier (critical-batch quick 21 -> 339 s at OMP_NUM_THREADS=1 beside a run).
  threads = std::min(threads, omp_get_max_threads());
  const double entries = static_cast<double>(n) * static_cast<double>(columns.size()) * static_cast<double>(r.cols());
  if (threads <= 1 || entries < kParallelEntries) {
    subtract_columns<Scalar>(K, columns, coef, r, 0, n);
    return;
  }
  const Index chunk = ((n + threads - 1) / threads + 7) / 8 * 8;
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) {
    const Index first = t * chunk;
    if (first < n) subtract_columns<Scalar>(K, columns, coef, r, first, std::min(chunk, n - first));
  }
}

// r += K alpha for a start alpha != 0; a float K goes through in double, one
// panel of columns at a time (never a whole double copy).
void add_product(const Eigen::Ref<const Eigen::MatrixXd>& K, const Eigen::MatrixXd& alpha, Eigen::MatrixXd& r) {
  r.topRows(K.rows()).noalias() += K * alpha;
}
void add_product(const Eigen::Ref<const Eigen::MatrixXf>& K, const Eigen::MatrixXd& alpha, Eigen::MatrixXd& r) {
  constexpr Index kPanel = 256;
  for (Index j = 0; j < K.cols(); j += kPanel) {
    const Index b = std::min(kPanel, K.cols() - j);
    r.topRows(K.rows()).noalias() += K.middleCols(j, b).cast<double>() * alpha.middleRows(j, b);
  }
}

template <typename Scalar>
SgdTrace sgd_kernel_impl(const Eigen::Ref<const Matrix<Scalar>>& K, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                         Eigen::MatrixXd& alpha, const SgdOptions& options, Rng& rng) {
  check_loop("sgd_kernel", options.step, options.max_iterations, options.target_ratio, options.record_every);
  if (options.threads < 1) fail("sgd_kernel", "threads >= 1", std::to_string(options.threads));
  const Index n = K.rows(), c = Y.cols();
  if (K.cols() != n) fail("sgd_kernel", "a square kernel matrix", std::to_string(n) + " x " + std::to_string(K.cols()));
  if (Y.rows() != n) fail("sgd_kernel", std::to_string(n) + " rows of targets", std::to_string(Y.rows()));
  if (alpha.size() == 0) alpha = Eigen::MatrixXd::Zero(n, c);
  if (alpha.rows() != n || alpha.cols() != c)
    fail("sgd_kernel", "alpha of shape " + std::to_string(n) + " x " + std::to_string(c),
         std::to_string(alpha.rows()) + " x " + std::to_string(alpha.cols()));

  // The residual's columns are padded to a multiple of 8 rows (zeros, never
  // touched), so each starts 32-byte aligned.
  Eigen::MatrixXd r = Eigen::MatrixXd::Zero((n + 7) / 8 * 8, c);
  r.topRows(n) = -Y;
  if (!alpha.isZero(0)) add_product(K, alpha, r);
  double L = r.squaredNorm() / (2.0 * n);

  detail::MergedBatches batches(n, options.batch, options.step, c);
  Matrix<Scalar> coef_k(options.batch, c);  // the coefficients as the update uses them

  auto step = [&] {
    batches.next(rng, r);
    const Index used = batches.used();
    const auto& columns = batches.columns();
    coef_k.topRows(used) = batches.coef().topRows(used).template cast<Scalar>();
    // alpha takes the coefficients r takes (rounded to float with a float K),
    // so r stays K alpha - Y up to the update's own rounding.
    for (Index v = 0; v < used; ++v) alpha.row(columns[static_cast<std::size_t>(v)]) -= coef_k.row(v).template cast<double>();
    subtract_columns_parallel<Scalar>(K, columns, coef_k, r, n, options.threads);
    L = r.squaredNorm() / (2.0 * n);
  };
  return run_loop({options.max_iterations, options.target_ratio, options.record_every}, true, step, [&] { return L; });
}

}  // namespace

double critical_step(Index m, double beta, double lambda_1) {
  if (m < 1) fail("critical_step", "a batch size m >= 1", std::to_string(m));
  if (!(beta > 0) || !(lambda_1 > 0) || lambda_1 > beta * (1 + 1e-12))
    fail("critical_step", "0 < lambda_1 <= beta", "beta = " + std::to_string(beta) + ", lambda_1 = " + std::to_string(lambda_1));
  return static_cast<double>(m) / (beta + static_cast<double>(m - 1) * lambda_1);
}

double critical_batch_size(double beta, double lambda_1) {
  if (!(beta > 0) || !(lambda_1 > 0))
    fail("critical_batch_size", "beta > 0 and lambda_1 > 0", "beta = " + std::to_string(beta) + ", lambda_1 = " + std::to_string(lambda_1));
  return beta / lambda_1 + 1.0;
}

BatchSampler::BatchSampler(Index n, Index m) : n_(n) {
  if (n < 1) fail("BatchSampler", "n >= 1", std::to_string(n));
  if (m < 1) fail("BatchSampler", "a batch size m >= 1", std::to_string(m));
  batch_.resize(static_cast<std::size_t>(m));
}

const std::vector<Index>& BatchSampler::next(Rng& rng) {
  for (auto& i : batch_) i = static_cast<Index>(rng.index(static_cast<std::size_t>(n_)));
  return batch_;
}

SgdTrace sgd_least_squares(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& y,
                           Eigen::VectorXd& w, const SgdOptions& options, Rng& rng) {
  check_loop("sgd_least_squares", options.step, options.max_iterations, options.target_ratio, options.record_every);
  const Index n = X.rows(), d = X.cols();
  if (y.size() != n) fail("sgd_least_squares", std::to_string(n) + " targets (one per row of X)", std::to_string(y.size()));
  if (w.size() == 0) w = Eigen::VectorXd::Zero(d);
  if (w.size() != d) fail("sgd_least_squares", "w of size d = " + std::to_string(d), std::to_string(w.size()));

  const Eigen::MatrixXd Xt = X.transpose();  // samples as contiguous columns
  BatchSampler sampler(n, options.batch);
  const double scale = options.step / static_cast<double>(options.batch);
  Eigen::VectorXd batch_residual(options.batch);
  Eigen::VectorXd r(n);

  auto step = [&] {
    const auto& batch = sampler.next(rng);
    // Every residual is taken at the same w before any update: the mean batch gradient.
    for (Index j = 0; j < options.batch; ++j) batch_residual(j) = Xt.col(batch[j]).dot(w) - y(batch[j]);
    for (Index j = 0; j < options.batch; ++j) w.noalias() -= (scale * batch_residual(j)) * Xt.col(batch[j]);
  };
  auto loss = [&] {
    r.noalias() = X * w;
    r -= y;
    return r.squaredNorm() / (2.0 * n);
  };
  return run_loop({options.max_iterations, options.target_ratio, options.record_every}, false, step, loss);
}

SgdTrace gd_least_squares(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::Ref<const Eigen::VectorXd>& y,
                          Eigen::VectorXd& w, const GdOptions& options) {
  check_loop("gd_least_squares", options.step, options.max_iterations, options.target_ratio, options.record_every);
  const Index n = X.rows(), d = X.cols();
  if (y.size() != n) fail("gd_least_squares", std::to_string(n) + " targets (one per row of X)", std::to_string(y.size()));
  if (w.size() == 0) w = Eigen::VectorXd::Zero(d);
  if (w.size() != d) fail("gd_least_squares", "w of size d = " + std::to_string(d), std::to_string(w.size()));

  // The gradient needs the residual anyway, so L comes with every step.
  Eigen::VectorXd r(n);
  double L = 0;
  auto refresh = [&] {
    r.noalias() = X * w;
    r -= y;
    L = r.squaredNorm() / (2.0 * n);
  };
  refresh();
  auto step = [&] {
    w.noalias() -= (options.step / static_cast<double>(n)) * (X.transpose() * r);
    refresh();
  };
  return run_loop({options.max_iterations, options.target_ratio, options.record_every}, true, step, [&] { return L; });
}

SgdTrace sgd_kernel(const Eigen::Ref<const Eigen::MatrixXd>& K, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                    Eigen::MatrixXd& alpha, const SgdOptions& options, Rng& rng) {
  return sgd_kernel_impl<double>(K, Y, alpha, options, rng);
}

SgdTrace sgd_kernel(const Eigen::Ref<const Eigen::MatrixXf>& K, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                    Eigen::MatrixXd& alpha, const SgdOptions& options, Rng& rng) {
  return sgd_kernel_impl<float>(K, Y, alpha, options, rng);
}

}  // namespace prism::optim
