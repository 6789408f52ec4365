// Shared helpers of the perf benchmarks.
#pragma once

#include <benchmark/benchmark.h>

namespace prism::perf {

// GFLOP/s as a Google Benchmark rate counter: flops per iteration, divided by time.
inline benchmark::Counter gflops(double flops_per_iteration, benchmark::State& state) {
  return benchmark::Counter(flops_per_iteration * static_cast<double>(state.iterations()) / 1e9,
                            benchmark::Counter::kIsRate);
}

}  // namespace prism::perf
