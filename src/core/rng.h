// Deterministic random streams.
//
// Every run (claim, sweep point, seed) draws from its own engine, derived from
// the seed and a stream name by SplitMix64 mixing; no global state, so a run
// gives the same numbers whatever else ran before it or beside it.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>

#include <Eigen/Core>

namespace prism {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// FNV-1a, so a stream name gives the same number on every platform.
inline std::uint64_t stable_hash(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed, std::string_view stream = "")
      : engine_(splitmix64(seed ^ splitmix64(stable_hash(stream)))) {}

  std::mt19937_64& engine() { return engine_; }

  double normal() { return normal_(engine_); }
  double uniform() { return uniform_(engine_); }                        // [0, 1)
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  std::size_t index(std::size_t n) {                                     // [0, n)
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(engine_);
  }

  Eigen::MatrixXd normal_matrix(Eigen::Index rows, Eigen::Index cols) {
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
      for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = normal();
    return m;
  }
  Eigen::VectorXd normal_vector(Eigen::Index n) { return normal_matrix(n, 1).col(0); }

 private:
  std::mt19937_64 engine_;
  std::normal_distribution<double> normal_{0.0, 1.0};
  std::uniform_real_distribution<double> uniform_{0.0, 1.0};
};

}  // namespace prism
