// The stopping time of an iteration: the first integer t at which a measured
// accuracy reaches a target (docs/claims.md random-labels: T99, the first
// step with >= 99 % training accuracy).
//
// Geometric scan t = 1, 2, ..., each next t = max(t + 1, round(1.05 t)), up
// to a cap, evaluated a block of times at once (one GEMM for a closed-form
// path); then bisection on the integers between the last grid time below the
// target and the first at or above it. Exact for an accuracy that is
// non-decreasing in t; otherwise the result T still has acc(T) >= target >
// acc(T - 1), and the check at 1.05 T, 2 T and 10 T reports whether the
// accuracy stays up (a dip the grid stepped over goes unseen).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace prism::models {

// Accuracies at a batch of times (t >= 1), in order.
using AccuracyAt = std::function<std::vector<double>(const std::vector<std::int64_t>&)>;

struct StoppingTimeOptions {
  double target = 0.99;
  double growth = 1.05;          // the scan's ratio between consecutive times
  std::int64_t cap = 100000000;  // the last time scanned (always on the grid)
  std::size_t block = 16;        // times per call of the accuracy during the scan
  std::vector<double> verify_at = {1.05, 2.0, 10.0};  // multiples of T checked afterwards
  // The scan starts at the first grid time >= start. Every grid time before it
  // must be known to be below the target, as every time before T for a lower
  // target is (T100 after T99): the result is then the scan's from 1, with
  // fewer evaluations.
  std::int64_t start = 1;
};

struct StoppingTime {
  bool reached = false;
  std::int64_t t = 0;              // T, or the cap if never reached
  double accuracy = 0;             // at T (at the cap if never reached)
  double lowest_after = 0;         // the lowest accuracy at the verify_at multiples of T (NaN if not reached)
  bool stays_reached = false;      // lowest_after >= target
  int evaluations = 0;             // times at which the accuracy was evaluated
};

// Throws std::invalid_argument on growth <= 1, cap < 1, block < 1, or an
// accuracy that returns the wrong number of values.
StoppingTime first_time_reaching(const AccuracyAt& accuracy, const StoppingTimeOptions& options = {});

// The scan's grid: 1, 2, ..., max(t + 1, round(growth t)), ..., ending at cap.
std::vector<std::int64_t> geometric_times(double growth, std::int64_t cap);

}  // namespace prism::models
