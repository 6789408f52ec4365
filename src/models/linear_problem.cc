#include "src/models/linear_problem.h"

#include <cmath>

namespace prism::models {

LinearProblem gaussian_regression(Eigen::Index n, Eigen::Index d, double noise_variance, Rng& rng) {
  LinearProblem p;
  p.X = rng.normal_matrix(n, d);
  p.beta = rng.normal_vector(d) / std::sqrt(static_cast<double>(d));
  p.y = p.X * p.beta + std::sqrt(noise_variance) * rng.normal_vector(n);
  return p;
}

}  // namespace prism::models
