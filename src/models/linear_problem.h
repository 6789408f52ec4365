// Linear regression problems with Gaussian design, the workhorse of the
// optimisation claims: x ~ N(0, I_d), y = <beta*, x> + N(0, noise_variance),
// beta* ~ N(0, I_d / d) so that Var <beta*, x> = 1 whatever d is.
#pragma once

#include <Eigen/Core>

#include "src/core/rng.h"

namespace prism::models {

struct LinearProblem {
  Eigen::MatrixXd X;       // n x d, rows are samples
  Eigen::VectorXd y;       // n
  Eigen::VectorXd beta;    // the planted parameter
};

LinearProblem gaussian_regression(Eigen::Index n, Eigen::Index d, double noise_variance, Rng& rng);

}  // namespace prism::models
