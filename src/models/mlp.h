// A one-hidden-layer ReLU network with a softmax output, trained by momentum
// SGD on the cross-entropy (docs/claims.md random-labels: Zhang et al.'s
// "MLP 1x512", 784-512-10).
//
//   scores(x) = W2^T relu(W1^T x + b1) + b2,  loss = mean_i -log softmax(scores(x_i))_(y_i).
//
// Parameters are one flat vector theta = (vec W1, b1, vec W2, b2), W1 d x h and
// W2 h x c column-major, so a momentum step is one vector update and a
// finite-difference check walks one vector. Rows of X are examples; every
// dense step is a matrix product over the batch (BLAS GEMM), not a per-sample loop.
#pragma once

#include <Eigen/Core>

#include "src/core/rng.h"

namespace prism::models {

class Mlp {
 public:
  // Throws std::invalid_argument unless every size is positive.
  Mlp(Eigen::Index input_dim, Eigen::Index hidden, Eigen::Index classes);

  Eigen::Index input_dim() const { return d_; }
  Eigen::Index hidden() const { return h_; }
  Eigen::Index classes() const { return c_; }
  Eigen::Index num_parameters() const { return d_ * h_ + h_ + h_ * c_ + c_; }

  // He-normal weights (W1 ~ N(0, 2/d), W2 ~ N(0, 2/h)), zero biases.
  Eigen::VectorXd he_normal(Rng& rng) const;

  // Scores (n x c) of the rows of X.
  Eigen::MatrixXd scores(const Eigen::VectorXd& theta, const Eigen::Ref<const Eigen::MatrixXd>& X) const;

  // The mean cross-entropy over the rows of X with labels y in [0, c), and its
  // gradient (num_parameters entries) when `gradient` is given.
  double loss(const Eigen::VectorXd& theta, const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXi& y,
              Eigen::VectorXd* gradient = nullptr) const;

 private:
  void check(const Eigen::VectorXd& theta, Eigen::Index input_cols) const;

  Eigen::Index d_, h_, c_;
};

struct MomentumSgdOptions {
  double step = 0.01;
  double momentum = 0.9;
  Eigen::Index batch = 64;  // the last batch of an epoch takes the remainder
};

// One epoch: a fresh permutation from rng, then for each batch
// velocity <- momentum velocity + grad, theta <- theta - step velocity
// (the heavy-ball form of PyTorch's SGD). velocity starts at zero.
void momentum_sgd_epoch(const Mlp& net, Eigen::VectorXd& theta, Eigen::VectorXd& velocity, const Eigen::MatrixXd& X,
                        const Eigen::VectorXi& y, const MomentumSgdOptions& options, Rng& rng);

// Fraction of rows whose argmax score is the label (X scored in blocks of rows).
double mlp_accuracy(const Mlp& net, const Eigen::VectorXd& theta, const Eigen::MatrixXd& X, const Eigen::VectorXi& y);

}  // namespace prism::models
