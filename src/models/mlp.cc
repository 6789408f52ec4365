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

// Views of theta's four blocks.
template <typename Scalar>
struct Layers {
  using ConstMap = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>>;
  using ConstVec = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>;
  ConstMap W1;
  ConstVec b1;
  ConstMap W2;
  ConstVec b2;

  Layers(const Scalar* p, Eigen::Index d, Eigen::Index h, Eigen::Index c)
      : W1(p, d, h), b1(p + d * h, h), W2(p + d * h + h, h, c), b2(p + d * h + h + h * c, c) {}
};

}  // namespace

template <typename Scalar>
BasicMlp<Scalar>::BasicMlp(Eigen::Index input_dim, Eigen::Index hidden, Eigen::Index classes)
    : d_(input_dim), h_(hidden), c_(classes) {
  if (d_ < 1 || h_ < 1 || c_ < 1) throw std::invalid_argument("Mlp: every layer size must be positive");
}

template <typename Scalar>
void BasicMlp<Scalar>::check(const Vector& theta, Eigen::Index input_cols) const {
  if (theta.size() != num_parameters())
    throw std::invalid_argument("Mlp: theta has " + std::to_string(theta.size()) + " entries, expected " +
                                std::to_string(num_parameters()));
  if (input_cols != d_)
    throw std::invalid_argument("Mlp: X has " + std::to_string(input_cols) + " columns, expected " + std::to_string(d_));
}

template <typename Scalar>
typename BasicMlp<Scalar>::Vector BasicMlp<Scalar>::he_normal(Rng& rng) const {
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(num_parameters());
  theta.head(d_ * h_) = rng.normal_vector(d_ * h_) * std::sqrt(2.0 / static_cast<double>(d_));
  theta.segment(d_ * h_ + h_, h_ * c_) = rng.normal_vector(h_ * c_) * std::sqrt(2.0 / static_cast<double>(h_));
  return theta.cast<Scalar>();
}

template <typename Scalar>
typename BasicMlp<Scalar>::Matrix BasicMlp<Scalar>::scores(const Vector& theta,
                                                          const Eigen::Ref<const Eigen::MatrixXd>& X) const {
  check(theta, X.cols());
  const Layers<Scalar> L(theta.data(), d_, h_, c_);
  Matrix out(X.rows(), c_), H, Xb;
  for (Eigen::Index start = 0; start < X.rows(); start += kScoreBlock) {
    const Eigen::Index rows = std::min(kScoreBlock, X.rows() - start);
    Xb = X.middleRows(start, rows).template cast<Scalar>();
    H.noalias() = Xb * L.W1;
    H = (H.rowwise() + L.b1.transpose()).cwiseMax(Scalar(0));
    out.middleRows(start, rows).noalias() = H * L.W2;
  }
  out.rowwise() += L.b2.transpose();
  return out;
}

template <typename Scalar>
double BasicMlp<Scalar>::loss(const Vector& theta, const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXi& y,
                              Vector* gradient) const {
  const Matrix XT = X.transpose().template cast<Scalar>();  // loss_columns checks theta and the shapes
  Buffers buffers;
  return loss_columns(theta, XT, y, gradient, buffers);
}

template <typename Scalar>
double BasicMlp<Scalar>::loss_columns(const Vector& theta, const Eigen::Ref<const Matrix>& XT,
                                      const Eigen::Ref<const Eigen::VectorXi>& y, Vector* gradient, Buffers& b) const {
  check(theta, XT.rows());
  if (y.size() != XT.cols() || XT.cols() == 0)
    throw std::invalid_argument("Mlp: one label per example, at least one example");
  const Layers<Scalar> L(theta.data(), d_, h_, c_);
  const Eigen::Index n = XT.cols();
  b.Z.resize(n, h_);
  b.Z.noalias() = XT.transpose() * L.W1;
  b.Z.rowwise() += L.b1.transpose();
  b.H = b.Z.cwiseMax(Scalar(0));
  b.P.resize(n, c_);
  b.P.noalias() = b.H * L.W2;
  b.P.rowwise() += L.b2.transpose();
  // Softmax by rows, shifted by the row maximum; loss = log-sum-exp - score of the label.
  Matrix& P = b.P;
  double total = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (y(i) < 0 || y(i) >= c_) throw std::invalid_argument("Mlp: label outside [0, classes)");
    const Scalar top = P.row(i).maxCoeff();
    P.row(i) = (P.row(i).array() - top).exp();
    const Scalar sum = P.row(i).sum();
    total += std::log(static_cast<double>(sum)) - std::log(static_cast<double>(P(i, y(i))));
    P.row(i) /= sum;
  }
  if (!gradient) return total / static_cast<double>(n);

  // dL/dscores = (softmax - onehot) / n, then back through W2 and the ReLU.
  for (Eigen::Index i = 0; i < n; ++i) P(i, y(i)) -= 1;
  P /= static_cast<Scalar>(n);
  gradient->resize(num_parameters());
  Scalar* g = gradient->data();
  Eigen::Map<Matrix> gW1(g, d_, h_), gW2(g + d_ * h_ + h_, h_, c_);
  Eigen::Map<Vector> gb1(g + d_ * h_, h_), gb2(g + d_ * h_ + h_ + h_ * c_, c_);
  gW2.noalias() = b.H.transpose() * P;
  gb2 = P.colwise().sum().transpose();
  b.D.resize(n, h_);
  b.D.noalias() = P * L.W2.transpose();
  b.D = (b.Z.array() > Scalar(0)).select(b.D, Scalar(0));
  gW1.noalias() = XT * b.D;
  gb1 = b.D.colwise().sum().transpose();
  return total / static_cast<double>(n);
}

template <typename Scalar>
BasicMomentumSgd<Scalar>::BasicMomentumSgd(const Net& net, const Eigen::MatrixXd& X, const Eigen::VectorXi& y,
                                           const MomentumSgdOptions& o)
    : net_(net), options_(o), y_(y) {
  if (o.batch < 1 || !(o.step > 0) || !(o.momentum >= 0 && o.momentum < 1))
    throw std::invalid_argument("MomentumSgd: needs batch >= 1, step > 0, 0 <= momentum < 1");
  if (X.cols() != net.input_dim() || y.size() != X.rows() || X.rows() == 0)
    throw std::invalid_argument("MomentumSgd: X must be n x " + std::to_string(net.input_dim()) +
                                " with n >= 1 and one label per row");
  XT_ = X.transpose().template cast<Scalar>();
  order_.resize(static_cast<size_t>(X.rows()));
}

template <typename Scalar>
void BasicMomentumSgd<Scalar>::epoch(Vector& theta, Vector& velocity, Rng& rng) {
  if (velocity.size() != theta.size()) velocity = Vector::Zero(theta.size());
  const Eigen::Index n = XT_.cols();
  std::iota(order_.begin(), order_.end(), 0);
  for (Eigen::Index i = n - 1; i > 0; --i)  // Fisher-Yates from the run's own stream
    std::swap(order_[i], order_[rng.index(static_cast<std::size_t>(i + 1))]);
  const Scalar mu = static_cast<Scalar>(options_.momentum), step = static_cast<Scalar>(options_.step);
  for (Eigen::Index start = 0; start < n; start += options_.batch) {
    const Eigen::Index m = std::min(options_.batch, n - start);
    batch_.resize(XT_.rows(), m);
    batch_labels_.resize(m);
    for (Eigen::Index i = 0; i < m; ++i) batch_.col(i) = XT_.col(order_[start + i]), batch_labels_(i) = y_(order_[start + i]);
    net_.loss_columns(theta, batch_, batch_labels_, &gradient_, buffers_);
    Scalar *v = velocity.data(), *t = theta.data();
    const Scalar* g = gradient_.data();
    for (Eigen::Index j = 0; j < theta.size(); ++j) {  // one pass: v <- mu v + g, theta <- theta - step v
      v[j] = mu * v[j] + g[j];
      t[j] -= step * v[j];
    }
  }
}

template <typename Scalar>
double mlp_accuracy(const BasicMlp<Scalar>& net, const typename BasicMlp<Scalar>::Vector& theta, const Eigen::MatrixXd& X,
                    const Eigen::VectorXi& y) {
  const Eigen::MatrixXd scores = net.scores(theta, X).template cast<double>();
  return 1 - error_rate(argmax_classes(scores, static_cast<int>(net.classes())), y);
}

template class BasicMlp<double>;
template class BasicMlp<float>;
template class BasicMomentumSgd<double>;
template class BasicMomentumSgd<float>;
template double mlp_accuracy(const Mlp&, const Mlp::Vector&, const Eigen::MatrixXd&, const Eigen::VectorXi&);
template double mlp_accuracy(const MlpFloat&, const MlpFloat::Vector&, const Eigen::MatrixXd&, const Eigen::VectorXi&);

}  // namespace prism::models
