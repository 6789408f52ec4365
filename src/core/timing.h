// Rates for the GFLOP/s columns of claims and benchmarks.
#pragma once

#include <algorithm>
#include <chrono>

namespace prism {

// flops / seconds in units of 10^9; a zero or negative time counts as 1 ns, so
// an immeasurably fast call gives a large finite rate, never inf or NaN.
inline double gflop_rate(double flops, double seconds) { return flops / std::max(1e-9, seconds) / 1e9; }

// Seconds since `start` on the steady clock.
inline double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace prism
