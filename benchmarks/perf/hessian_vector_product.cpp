// One exact Hessian-vector product (Pearlmutter's R-operator) of the
// hessian-decay networks at width 2^14, on the full parameter space and on the
// range-restricted operator that Lanczos uses there.
#include <cmath>

#include <Eigen/Core>

#include "benchmarks/perf/perf_util.h"
#include "src/core/rng.h"
#include "src/models/network.h"

namespace prism::perf {
namespace {

models::Network make_net(int m, int depth) {
  models::NetworkShape s;
  s.input_dim = 10;
  s.widths.assign(depth, m);
  return models::Network(s);
}

Eigen::VectorXd unit_input(int d) {
  Rng rng(3, "perf-input");
  Eigen::VectorXd x = rng.normal_vector(d);
  return x / x.norm();
}

// Full-space HVP. Per hidden-to-hidden layer (m x m): forward z, R{z} and the
// backward delta and R{delta} are four m^2 mat-vecs, and the outer products of
// the W-gradient blocks two more: ~ 12 m^2 flops per layer (a gradient is ~4 m^2).
void BM_HessianVectorProduct(benchmark::State& state) {
  const int m = static_cast<int>(state.range(0)), depth = static_cast<int>(state.range(1));
  const auto net = make_net(m, depth);
  const Eigen::VectorXd w = net.initialize(1);
  const Eigen::VectorXd x = unit_input(10);
  Rng rng(2, "perf-direction");
  const Eigen::VectorXd u = rng.normal_vector(net.num_parameters());
  const auto tape = net.tape(w, x);
  Eigen::VectorXd out(net.num_parameters());
  for (auto _ : state) {
    net.hessian_vector_product(tape, w.data(), u.data(), out.data(), models::ParameterSet::kAll);
    benchmark::DoNotOptimize(out.data());
  }
  const double mm = static_cast<double>(m) * m;
  state.counters["GFLOPS"] = gflops(12.0 * mm * (depth - 1) + 12.0 * m * 10 + 4.0 * m, state);
  state.counters["params"] = static_cast<double>(net.num_parameters());
}

// Range-restricted product (nominal flop count; the m x m blocks are memory-bound at 2 GB each): two m x m mat-vecs per hidden-to-hidden layer for
// the direction's rank-2 blocks, plus the R-operator's four: ~ 12 m^2 flops per layer.
void BM_RangeHessianProduct(benchmark::State& state) {
  const int m = static_cast<int>(state.range(0)), depth = static_cast<int>(state.range(1));
  const auto net = make_net(m, depth);
  const Eigen::VectorXd w = net.initialize(1);
  const Eigen::VectorXd x = unit_input(10);
  models::RangeHessianOperator op(net, w, x);
  Rng rng(2, "perf-direction");
  const Eigen::VectorXd c = rng.normal_vector(op.rows());
  Eigen::VectorXd out(op.rows());
  for (auto _ : state) {
    op.perform_op(c.data(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  const double mm = static_cast<double>(m) * m;
  state.counters["GFLOPS"] = gflops(12.0 * mm * (depth - 1) + 12.0 * m * 10, state);
  state.counters["dim"] = static_cast<double>(op.rows());
}

// Full space only for L = 1: at L = 2 a parameter vector is 2 GB and the
// benchmark holds three of them.
BENCHMARK(BM_HessianVectorProduct)->Name("perf/hessian_vector_product/full")->Args({1 << 14, 1})
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RangeHessianProduct)->Name("perf/hessian_vector_product/range")->Args({1 << 14, 1})->Args({1 << 14, 2})
    ->Args({1 << 14, 3})->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace prism::perf
