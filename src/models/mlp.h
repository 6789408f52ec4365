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

#include <vector>

#include <Eigen/Core>

#include "src/core/rng.h"

namespace prism::models {

// Scalar is the arithmetic of the parameters, activations and products:
// double for the finite-difference gradient check, float for training (the
// single precision the literature's runs use; SGEMM does twice the work of
// DGEMM per cycle). Inputs arrive in double and are rounded once. Loss sums
// accumulate in double either way.
template <typename Scalar>
class BasicMlp {
 public:
  using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;

  // Throws std::invalid_argument unless every size is positive.
  BasicMlp(Eigen::Index input_dim, Eigen::Index hidden, Eigen::Index classes);

  Eigen::Index input_dim() const { return d_; }
  Eigen::Index hidden() const { return h_; }
  Eigen::Index classes() const { return c_; }
  Eigen::Index num_parameters() const { return d_ * h_ + h_ + h_ * c_ + c_; }

  // He-normal weights (W1 ~ N(0, 2/d), W2 ~ N(0, 2/h)), zero biases; the same
  // draws for either Scalar (drawn in double, then rounded).
  Vector he_normal(Rng& rng) const;

  // Scores (n x c) of the rows of X.
  Matrix scores(const Vector& theta, const Eigen::Ref<const Eigen::MatrixXd>& X) const;

  // The mean cross-entropy over the rows of X with labels y in [0, c), and its
  // gradient (num_parameters entries) when `gradient` is given.
  double loss(const Vector& theta, const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXi& y,
              Vector* gradient = nullptr) const;

  // Intermediates of one evaluation, kept between calls so that a training
  // loop allocates nothing per batch.
  struct Buffers {
    Matrix Z, H, P, D;  // pre-activations, activations, softmax, hidden-layer gradient
  };

  // loss() on the examples in the COLUMNS of XT (d x m): the layout an SGD
  // epoch gathers a batch in (contiguous columns, not strided rows).
  double loss_columns(const Vector& theta, const Eigen::Ref<const Matrix>& XT, const Eigen::Ref<const Eigen::VectorXi>& y,
                      Vector* gradient, Buffers& buffers) const;

 private:
  void check(const Vector& theta, Eigen::Index input_cols) const;

  Eigen::Index d_, h_, c_;
};

using Mlp = BasicMlp<double>;
using MlpFloat = BasicMlp<float>;

struct MomentumSgdOptions {
  double step = 0.01;
  double momentum = 0.9;
  Eigen::Index batch = 64;  // the last batch of an epoch takes the remainder
};

// Momentum SGD on one training set. It holds the examples as columns and the
// per-batch buffers, so an epoch gathers each batch contiguously and allocates
// nothing; each step is one fused pass over the parameters.
template <typename Scalar>
class BasicMomentumSgd {
 public:
  using Net = BasicMlp<Scalar>;
  using Vector = typename Net::Vector;

  // X: n x d, rows are examples; y: n labels. Throws std::invalid_argument unless
  // batch >= 1, step > 0, 0 <= momentum < 1 and X, y match the network.
  BasicMomentumSgd(const Net& net, const Eigen::MatrixXd& X, const Eigen::VectorXi& y,
                   const MomentumSgdOptions& options = {});

  // One epoch: a fresh permutation from rng, then for each batch
  // velocity <- momentum velocity + grad, theta <- theta - step velocity
  // (the heavy-ball form of PyTorch's SGD). An empty velocity starts at zero.
  void epoch(Vector& theta, Vector& velocity, Rng& rng);

 private:
  Net net_;  // a copy (three sizes): the trainer never outlives a temporary network
  MomentumSgdOptions options_;
  typename Net::Matrix XT_, batch_;  // d x n examples; d x batch gathered
  Eigen::VectorXi y_, batch_labels_;
  Vector gradient_;
  typename Net::Buffers buffers_;
  std::vector<Eigen::Index> order_;
};

using MomentumSgd = BasicMomentumSgd<double>;
using MomentumSgdFloat = BasicMomentumSgd<float>;

// Fraction of rows whose argmax score is the label (X scored in blocks of rows).
template <typename Scalar>
double mlp_accuracy(const BasicMlp<Scalar>& net, const typename BasicMlp<Scalar>::Vector& theta, const Eigen::MatrixXd& X,
                    const Eigen::VectorXi& y);

}  // namespace prism::models
