#include "src/models/mlp.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/models/classification.h"

namespace prism::models {
namespace {

constexpr Eigen::Index kScoreBlock = 2048;  // rows scored at once (bounds the n x h hidden layer)

using ConstMap = Eigen::Map<const Eigen::MatrixXd>;
using ConstVec = Eigen::Map<const Eigen::VectorXd>;

// Views of theta's four blocks.
struct Layers {
  ConstMap W1;
  ConstVec b1;
  ConstMap W2;
  ConstVec b2;
};

Layers layers(const Eigen::VectorXd& theta, Eigen::Index d, Eigen::Index h, Eigen::Index c) {
  const double* p = theta.data();
  return {ConstMap(p, d, h), ConstVec(p + d * h, h), ConstMap(p + d * h + h, h, c), ConstVec(p + d * h + h + h * c, c)};
}

}  // namespace

Mlp::Mlp(Eigen::Index input_dim, Eigen::Index hidden, Eigen::Index classes) : d_(input_dim), h_(hidden), c_(classes) {
  if (d_ < 1 || h_ < 1 || c_ < 1) throw std::invalid_argument("Mlp: every layer size must be positive");
}

void Mlp::check(const Eigen::VectorXd& theta, Eigen::Index input_cols) const {
  if (theta.size() != num_parameters())
    throw std::invalid_argument("Mlp: theta has " + std::to_string(theta.size()) + " entries, expected " +
                                std::to_string(num_parameters()));
  if (input_cols != d_)
    throw std::invalid_argument("Mlp: X has " + std::to_string(input_cols) + " columns, expected " + std::to_string(d_));
}

Eigen::VectorXd Mlp::he_normal(Rng& rng) const {
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(num_parameters());
  theta.head(d_ * h_) = rng.normal_vector(d_ * h_) * std::sqrt(2.0 / static_cast<double>(d_));
  theta.segment(d_ * h_ + h_, h_ * c_) = rng.normal_vector(h_ * c_) * std::sqrt(2.0 / static_cast<double>(h_));
  return theta;
}

Eigen::MatrixXd Mlp::scores(const Eigen::VectorXd& theta, const Eigen::Ref<const Eigen::MatrixXd>& X) const {
  check(theta, X.cols());
  const Layers L = layers(theta, d_, h_, c_);
  Eigen::MatrixXd out(X.rows(), c_), H;
  for (Eigen::Index start = 0; start < X.rows(); start += kScoreBlock) {
    const Eigen::Index rows = std::min(kScoreBlock, X.rows() - start);
    H.noalias() = X.middleRows(start, rows) * L.W1;
    H = (H.rowwise() + L.b1.transpose()).cwiseMax(0.0);
    out.middleRows(start, rows).noalias() = H * L.W2;
  }
  out.rowwise() += L.b2.transpose();
  return out;
}

double Mlp::loss(const Eigen::VectorXd& theta, const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXi& y,
                 Eigen::VectorXd* gradient) const {
  const Eigen::MatrixXd XT = X.transpose();  // loss_columns checks theta and the shapes
  Buffers buffers;
  return loss_columns(theta, XT, y, gradient, buffers);
}

double Mlp::loss_columns(const Eigen::VectorXd& theta, const Eigen::Ref<const Eigen::MatrixXd>& XT,
                         const Eigen::Ref<const Eigen::VectorXi>& y, Eigen::VectorXd* gradient, Buffers& b) const {
  check(theta, XT.rows());
  if (y.size() != XT.cols() || XT.cols() == 0)
    throw std::invalid_argument("Mlp: one label per example, at least one example");
  const Layers L = layers(theta, d_, h_, c_);
  const Eigen::Index n = XT.cols();
  b.Z.resize(n, h_);
  b.Z.noalias() = XT.transpose() * L.W1;
  b.Z.rowwise() += L.b1.transpose();
  b.H = b.Z.cwiseMax(0.0);
  b.P.resize(n, c_);
  b.P.noalias() = b.H * L.W2;
  b.P.rowwise() += L.b2.transpose();
  // Softmax by rows, shifted by the row maximum; loss = log-sum-exp - score of the label.
  Eigen::MatrixXd& P = b.P;
  double total = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (y(i) < 0 || y(i) >= c_) throw std::invalid_argument("Mlp: label outside [0, classes)");
    const double top = P.row(i).maxCoeff();
    P.row(i) = (P.row(i).array() - top).exp();
    const double sum = P.row(i).sum();
    total += std::log(sum) + top - (std::log(P(i, y(i))) + top);
    P.row(i) /= sum;
  }
  if (!gradient) return total / static_cast<double>(n);

  // dL/dscores = (softmax - onehot) / n, then back through W2 and the ReLU.
  for (Eigen::Index i = 0; i < n; ++i) P(i, y(i)) -= 1;
  P /= static_cast<double>(n);
  gradient->resize(num_parameters());
  double* g = gradient->data();
  Eigen::Map<Eigen::MatrixXd> gW1(g, d_, h_), gW2(g + d_ * h_ + h_, h_, c_);
  Eigen::Map<Eigen::VectorXd> gb1(g + d_ * h_, h_), gb2(g + d_ * h_ + h_ + h_ * c_, c_);
  gW2.noalias() = b.H.transpose() * P;
  gb2 = P.colwise().sum().transpose();
  b.D.resize(n, h_);
  b.D.noalias() = P * L.W2.transpose();
  b.D = (b.Z.array() > 0).select(b.D, 0.0);
  gW1.noalias() = XT * b.D;
  gb1 = b.D.colwise().sum().transpose();
  return total / static_cast<double>(n);
}

MomentumSgd::MomentumSgd(const Mlp& net, const Eigen::MatrixXd& X, const Eigen::VectorXi& y,
                         const MomentumSgdOptions& o)
    : net_(net), options_(o), XT_(X.transpose()), y_(y) {
  if (o.batch < 1 || !(o.step > 0) || !(o.momentum >= 0 && o.momentum < 1))
    throw std::invalid_argument("MomentumSgd: needs batch >= 1, step > 0, 0 <= momentum < 1");
  if (X.cols() != net.input_dim() || y.size() != X.rows() || X.rows() == 0)
    throw std::invalid_argument("MomentumSgd: X must be n x " + std::to_string(net.input_dim()) +
                                " with n >= 1 and one label per row");
  order_.resize(static_cast<size_t>(X.rows()));
}

void MomentumSgd::epoch(Eigen::VectorXd& theta, Eigen::VectorXd& velocity, Rng& rng) {
  if (velocity.size() != theta.size()) velocity = Eigen::VectorXd::Zero(theta.size());
  const Eigen::Index n = XT_.cols();
  std::iota(order_.begin(), order_.end(), 0);
  for (Eigen::Index i = n - 1; i > 0; --i)  // Fisher-Yates from the run's own stream
    std::swap(order_[i], order_[rng.index(static_cast<std::size_t>(i + 1))]);
  const double mu = options_.momentum, step = options_.step;
  for (Eigen::Index start = 0; start < n; start += options_.batch) {
    const Eigen::Index m = std::min(options_.batch, n - start);
    batch_.resize(XT_.rows(), m);
    batch_labels_.resize(m);
    for (Eigen::Index i = 0; i < m; ++i) batch_.col(i) = XT_.col(order_[start + i]), batch_labels_(i) = y_(order_[start + i]);
    net_.loss_columns(theta, batch_, batch_labels_, &gradient_, buffers_);
    double *v = velocity.data(), *t = theta.data();
    const double* g = gradient_.data();
    for (Eigen::Index j = 0; j < theta.size(); ++j) {  // one pass: v <- mu v + g, theta <- theta - step v
      v[j] = mu * v[j] + g[j];
      t[j] -= step * v[j];
    }
  }
}

double mlp_accuracy(const Mlp& net, const Eigen::VectorXd& theta, const Eigen::MatrixXd& X, const Eigen::VectorXi& y) {
  return 1 - error_rate(argmax_classes(net.scores(theta, X), static_cast<int>(net.classes())), y);
}

}  // namespace prism::models
