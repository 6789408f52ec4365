// The driver shared by every SGD/GD loop of src/optim: option checks, the
// stop-at-target rule, recording and divergence, so that each iteration form
// (feature space, kernel sample space, structured Gram) differs only in its step.
// Internal to src/optim.
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <algorithm>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "src/optim/sgd.h"

namespace prism::optim::detail {

[[noreturn]] inline void fail(const std::string& where, const std::string& expected, const std::string& actual) {
  throw std::invalid_argument(where + ": expected " + expected + ", got " + actual);
}

struct LoopSettings {
  std::int64_t max_iterations;
  double target_ratio;
  std::int64_t record_every;
};


inline void check_loop(const char* where, double step, std::int64_t max_iterations, double target_ratio,
                std::int64_t record_every) {
  if (!(step > 0) || !std::isfinite(step)) fail(where, "a positive finite step", std::to_string(step));
  if (max_iterations < 0) fail(where, "max_iterations >= 0", std::to_string(max_iterations));
  if (!(target_ratio >= 0 && target_ratio < 1)) fail(where, "0 <= target_ratio < 1", std::to_string(target_ratio));
  if (record_every < 0) fail(where, "record_every >= 0", std::to_string(record_every));
}

// The shared driver: `step()` advances one iteration; `loss()` returns L at the
// current iterate. `cheap_loss` says L comes for free with the step, otherwise
// it is evaluated only for the stop test and the recorded points.
template <typename StepFn, typename LossFn>
SgdTrace run_loop(const LoopSettings& s, bool cheap_loss, StepFn&& step, LossFn&& loss) {
  SgdTrace trace;
  double L = loss();
  trace.initial_loss = trace.final_loss = L;
  trace.steps.push_back(0);
  trace.losses.push_back(L);
  if (!std::isfinite(L)) {
    trace.diverged = true;
    return trace;
  }
  const bool stop_at_target = s.target_ratio > 0;
  const double target = s.target_ratio * L;
  if (stop_at_target && L <= target) {  // only when L(w_0) = 0
    trace.iterations_to_target = 0;
    return trace;
  }
  for (std::int64_t t = 1; t <= s.max_iterations; ++t) {
    step();
    trace.iterations = t;
    const bool record = (s.record_every > 0 && t % s.record_every == 0) || t == s.max_iterations;
    if (!(cheap_loss || stop_at_target || record)) continue;
    L = loss();
    const bool diverged = !std::isfinite(L);
    const bool reached = stop_at_target && L <= target;
    if (record || diverged || reached) {
      trace.steps.push_back(t);
      trace.losses.push_back(L);
    }
    if (diverged) {
      trace.diverged = true;
      break;
    }
    if (reached) {
      trace.iterations_to_target = t;
      break;
    }
  }
  trace.final_loss = L;
  return trace;
}

// The batches of a sample-space run (sgd_kernel, sgd_spiked_gram). A point
// drawn k times contributes k times, so it is merged into one column of weight
// k: next() draws a batch and fills columns() (distinct indices, sorted) and
// the first columns().size() rows of coef() with (eta/m) r_B, read from r
// before any update.
class MergedBatches {
 public:
  MergedBatches(Eigen::Index n, Eigen::Index m, double step, Eigen::Index outputs)
      : sampler_(n, m), scale_(step / static_cast<double>(m)), sorted_(static_cast<std::size_t>(m)), coef_(m, outputs) {
    columns_.reserve(sorted_.size());
  }

  void next(Rng& rng, const Eigen::MatrixXd& r) {
    const auto& batch = sampler_.next(rng);
    std::copy(batch.begin(), batch.end(), sorted_.begin());
    std::sort(sorted_.begin(), sorted_.end());
    columns_.clear();
    Eigen::Index u = -1;
    for (std::size_t j = 0; j < sorted_.size(); ++j) {
      if (j == 0 || sorted_[j] != sorted_[j - 1]) {
        columns_.push_back(sorted_[j]);
        ++u;
        coef_.row(u) = scale_ * r.row(sorted_[j]);
      } else {
        coef_.row(u) += scale_ * r.row(sorted_[j]);
      }
    }
  }

  const std::vector<Eigen::Index>& columns() const { return columns_; }
  Eigen::Index used() const { return static_cast<Eigen::Index>(columns_.size()); }
  const Eigen::MatrixXd& coef() const { return coef_; }

 private:
  BatchSampler sampler_;
  double scale_;
  std::vector<Eigen::Index> sorted_, columns_;
  Eigen::MatrixXd coef_;
};

}  // namespace prism::optim::detail
