#include "src/models/nadaraya_watson.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include <immintrin.h>

namespace prism::models {
namespace {

// Sets flush-to-zero and denormals-are-zero on this thread for its lifetime:
// a weight squared below the smallest normal double (~1e-308, beside the
// nearest point's weight 1) becomes 0 in one cycle instead of a microcode
// assist per subnormal, which made the ladder several times slower.
class FlushSubnormals {
 public:
  FlushSubnormals() : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | kFlushToZero | kDenormalsAreZero); }
  ~FlushSubnormals() { _mm_setcsr(saved_); }
  FlushSubnormals(const FlushSubnormals&) = delete;
  FlushSubnormals& operator=(const FlushSubnormals&) = delete;

 private:
  static constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;  // MXCSR bits 15 and 6
  unsigned saved_;
};

}  // namespace

Eigen::MatrixXd kernel_exponents(const Eigen::Ref<const Eigen::MatrixXd>& K0) {
  if ((K0.array() <= 0).any() || (K0.array() > 1).any())
    throw std::invalid_argument("kernel_exponents: kernel values must lie in (0, 1] (one underflowed to 0?)");
  return -K0.array().log().matrix();
}

Eigen::VectorXi nadaraya_watson_classes(const Eigen::Ref<const Eigen::MatrixXd>& L, const Eigen::VectorXi& labels,
                                        int classes, double scale) {
  return nadaraya_watson_ladder(L, labels, classes, scale, 0, 1).col(0);
}

Eigen::MatrixXi nadaraya_watson_ladder(const Eigen::Ref<const Eigen::MatrixXd>& L, const Eigen::VectorXi& labels,
                                       int classes, double scale, int doublings, int steps) {
  if (L.cols() != labels.size() || classes < 1 || !(scale > 0) || doublings < 0 || steps < 1)
    throw std::invalid_argument("nadaraya_watson: L has " + std::to_string(L.cols()) + " columns for " +
                                std::to_string(labels.size()) +
                                " labels (classes >= 1, scale > 0, doublings >= 0, steps >= 1 required)");
  if (labels.size() > 0 && (labels.minCoeff() < 0 || labels.maxCoeff() >= classes))
    throw std::invalid_argument("nadaraya_watson: a label outside 0.." + std::to_string(classes - 1));
  // Training points in class order, so each class score is the sum of one
  // contiguous range of columns: no product with the one-hot Y, hence no BLAS
  // call, and blocks of queries run on this process's threads (each query's
  // answer is the same whatever the thread count). A block is copied
  // contiguous in that order; every column of it is a vector of b queries, so
  // the shift, the exponential, the squarings and the class sums run
  // vectorised, every rung while the column is in L1.
  std::vector<Eigen::Index> order(static_cast<std::size_t>(labels.size()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return labels(a) < labels(b); });
  std::vector<Eigen::Index> class_start(static_cast<std::size_t>(classes) + 1, 0);
  for (Eigen::Index i = 0; i < labels.size(); ++i) ++class_start[static_cast<std::size_t>(labels(i)) + 1];
  for (int c = 0; c < classes; ++c) class_start[c + 1] += class_start[c];

  constexpr Eigen::Index kBlock = 64;
  const Eigen::Index n = L.cols(), blocks = (L.rows() + kBlock - 1) / kBlock;
  Eigen::MatrixXi out(L.rows(), steps);
#pragma omp parallel for schedule(dynamic)
  for (Eigen::Index blk = 0; blk < blocks; ++blk) {
    const Eigen::Index q0 = blk * kBlock, b = std::min(kBlock, L.rows() - q0);
    const FlushSubnormals flush;  // this thread, this block: squarings underflow to 0 at full speed
    Eigen::MatrixXd W(b, n);      // the block in class order, copied in the one strided pass over L
    Eigen::ArrayXd nearest = Eigen::ArrayXd::Constant(b, INFINITY);  // its weight is 1: no row underflows
    for (Eigen::Index j = 0; j < n; ++j) {
      W.col(j) = L.col(order[static_cast<std::size_t>(j)]).segment(q0, b);
      nearest = nearest.min(W.col(j).array());
    }
    // Column by column (b queries, in L1): the exponential once, then every
    // rung's class score and the squarings to the next, in registers.
    Eigen::MatrixXd score = Eigen::MatrixXd::Zero(b, classes * steps);  // rung r, class c: column r k + c
    Eigen::ArrayXd w(b);
    for (int c = 0; c < classes; ++c)
      for (Eigen::Index j = class_start[c]; j < class_start[c + 1]; ++j) {
        w = ((W.col(j).array() - nearest) * -scale).exp();
        for (int step = 0; step < steps; ++step) {
          if (step > 0)
            for (int d = 0; d < doublings; ++d) w = w.square();
          score.col(step * classes + c).array() += w;
        }
      }
    for (int step = 0; step < steps; ++step)
      for (Eigen::Index q = 0; q < b; ++q) {
        Eigen::Index best = 0;
        for (Eigen::Index c = 1; c < classes; ++c)  // strict: the lowest class wins a tie
          if (score(q, step * classes + c) > score(q, step * classes + best)) best = c;
        out(q0 + q, step) = static_cast<int>(best);
      }
  }
  return out;
}

Eigen::VectorXi nearest_classes(const Eigen::Ref<const Eigen::MatrixXd>& L, const Eigen::VectorXi& labels) {
  if (L.cols() != labels.size()) throw std::invalid_argument("nearest_classes: L columns and labels differ");
  Eigen::VectorXi out(L.rows());
  for (Eigen::Index q = 0; q < L.rows(); ++q) {
    Eigen::Index best;
    L.row(q).minCoeff(&best);
    out(q) = labels(best);
  }
  return out;
}

Eigen::Array<bool, Eigen::Dynamic, 1> nearest_is_tied(const Eigen::Ref<const Eigen::MatrixXd>& L,
                                                      const Eigen::VectorXi& labels) {
  if (L.cols() != labels.size()) throw std::invalid_argument("nearest_is_tied: L columns and labels differ");
  const Eigen::VectorXd nearest = L.rowwise().minCoeff();
  Eigen::VectorXi first_class = Eigen::VectorXi::Constant(L.rows(), -1);
  Eigen::Array<bool, Eigen::Dynamic, 1> tied = Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(L.rows(), false);
  for (Eigen::Index i = 0; i < L.cols(); ++i)  // column by column: L is column-major
    for (Eigen::Index q = 0; q < L.rows(); ++q) {
      if (L(q, i) != nearest(q)) continue;
      if (first_class(q) < 0) first_class(q) = labels(i);
      else if (first_class(q) != labels(i)) tied(q) = true;
    }
  return tied;
}

}  // namespace prism::models
