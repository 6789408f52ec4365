#include "src/models/network.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include <Eigen/Dense>

#include "src/core/rng.h"

namespace prism::models {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;
using ConstMatrixMap = Eigen::Map<const MatrixXd>;
using MatrixMap = Eigen::Map<MatrixXd>;
using ConstVectorMap = Eigen::Map<const VectorXd>;
using VectorMap = Eigen::Map<VectorXd>;

// Above this many parameters dense_hessian would take minutes and gigabytes.
constexpr Index kMaxDenseHessianParameters = 4096;

std::string size_message(const char* who, const char* what, Index actual, Index expected) {
  return std::string(who) + ": " + what + " has " + std::to_string(actual) + " entries, expected " +
         std::to_string(expected);
}

double logistic(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// sigma, sigma', sigma'' of n entries; d1 and d2 may be null.
void apply_activation(Activation act, const double* z, Index n, double* s, double* d1, double* d2) {
  for (Index i = 0; i < n; ++i) {
    const double zi = z[i];
    switch (act) {
      case Activation::kTanh: {
        const double t = std::tanh(zi), sech2 = 1.0 - t * t;
        s[i] = t;
        if (d1) d1[i] = sech2;
        if (d2) d2[i] = -2.0 * t * sech2;
        break;
      }
      case Activation::kIdentity:
        s[i] = zi;
        if (d1) d1[i] = 1.0;
        if (d2) d2[i] = 0.0;
        break;
      case Activation::kSoftplus: {
        const double p = logistic(zi);
        s[i] = std::max(zi, 0.0) + std::log1p(std::exp(-std::abs(zi)));
        if (d1) d1[i] = p;
        if (d2) d2[i] = p * (1.0 - p);
        break;
      }
    }
  }
}

// phi, phi', phi'' of the output map at f.
void apply_output(OutputMap map, double f, double* value, double* phi1, double* phi2) {
  if (map == OutputMap::kLinear) {
    *value = f, *phi1 = 1.0, *phi2 = 0.0;
  } else {
    *value = f + f * f, *phi1 = 1.0 + 2.0 * f, *phi2 = 2.0;
  }
}

double inverse_sqrt(int d) { return 1.0 / std::sqrt(static_cast<double>(d)); }

// Unit vector along v, or e_1 when v = 0 (any unit vector keeps S a superset of the range).
VectorXd unit_or_e1(const VectorXd& v) {
  const double norm = v.norm();
  if (norm > 0) return v / norm;
  VectorXd e = VectorXd::Zero(v.size());
  e(0) = 1.0;
  return e;
}

// y <- (I - 2 h h^T / h^T h) y.
void reflect(const VectorXd& h, VectorXd* y) {
  const double hh = h.squaredNorm();
  if (hh > 0) *y -= (2.0 * h.dot(*y) / hh) * h;
}

// Forward pass of n inputs at once (columns), one GEMM per layer.
struct BatchTape {
  std::vector<MatrixXd> A;   // A[l]: d_l x n, A[0] = X^T
  std::vector<MatrixXd> D1;  // sigma_l'(Z^(l)), index 1..L
  VectorXd f, value, phi1;
};

BatchTape batch_forward(const Network& net, const double* w, const MatrixXd& X) {
  const int L = net.depth();
  BatchTape t;
  t.A.resize(L + 1);
  t.D1.resize(L + 1);
  t.A[0] = X.transpose();
  for (int l = 1; l <= L; ++l) {
    ConstMatrixMap W(w + net.weight_offset(l), net.layer_width(l), net.layer_width(l - 1));
    MatrixXd Z(W.rows(), X.rows());
    Z.noalias() = inverse_sqrt(net.layer_width(l - 1)) * (W * t.A[l - 1]);
    t.A[l].resize(Z.rows(), Z.cols());
    t.D1[l].resize(Z.rows(), Z.cols());
    apply_activation(net.layer_activation(l), Z.data(), Z.size(), t.A[l].data(), t.D1[l].data(), nullptr);
  }
  ConstVectorMap v(w + net.output_offset(), net.layer_width(L));
  t.f.noalias() = inverse_sqrt(net.layer_width(L)) * (t.A[L].transpose() * v);
  t.value.resize(t.f.size());
  t.phi1.resize(t.f.size());
  for (Index i = 0; i < t.f.size(); ++i) {
    double phi2;
    apply_output(net.shape().output, t.f(i), &t.value(i), &t.phi1(i), &phi2);
  }
  return t;
}

// G[l] (d_l x n): column i is seed_i d f(x_i) / d z^(l), by one GEMM per layer.
std::vector<MatrixXd> batch_backward(const Network& net, const double* w, const BatchTape& t, const VectorXd& seed) {
  const int L = net.depth();
  std::vector<MatrixXd> G(L + 1);
  ConstVectorMap v(w + net.output_offset(), net.layer_width(L));
  MatrixXd delta = inverse_sqrt(net.layer_width(L)) * (v * seed.transpose());
  for (int l = L; l >= 1; --l) {
    G[l] = t.D1[l].cwiseProduct(delta);
    if (l > 1) {
      ConstMatrixMap W(w + net.weight_offset(l), net.layer_width(l), net.layer_width(l - 1));
      delta.resize(W.cols(), G[l].cols());
      delta.noalias() = inverse_sqrt(net.layer_width(l - 1)) * (W.transpose() * G[l]);
    }
  }
  return G;
}

void check_inputs(const Network& net, const MatrixXd& X, const char* who) {
  if (X.cols() != net.layer_width(0))
    throw std::invalid_argument(std::string(who) + ": X has " + std::to_string(X.cols()) +
                                " columns, expected the input dimension " + std::to_string(net.layer_width(0)));
}

}  // namespace

const char* to_string(Activation a) {
  switch (a) {
    case Activation::kTanh: return "tanh";
    case Activation::kIdentity: return "identity";
    case Activation::kSoftplus: return "softplus";
  }
  return "?";
}

double activation(Activation a, double z) {
  double s;
  apply_activation(a, &z, 1, &s, nullptr, nullptr);
  return s;
}

double activation_derivative(Activation a, double z) {
  double s, d1;
  apply_activation(a, &z, 1, &s, &d1, nullptr);
  return d1;
}

double activation_second_derivative(Activation a, double z) {
  double s, d1, d2;
  apply_activation(a, &z, 1, &s, &d1, &d2);
  return d2;
}

// ---------------------------------------------------------------------------
// Network

Network::Network(NetworkShape shape) : shape_(std::move(shape)) {
  if (shape_.input_dim < 1)
    throw std::invalid_argument("Network: input_dim must be >= 1, got " + std::to_string(shape_.input_dim));
  if (shape_.widths.empty()) throw std::invalid_argument("Network: need at least one hidden layer, got widths = {}");
  for (int d : shape_.widths)
    if (d < 1) throw std::invalid_argument("Network: every width must be >= 1, got " + std::to_string(d));
  const int L = depth();
  if (shape_.activations.empty()) {
    activations_.assign(L, Activation::kTanh);
  } else if (static_cast<int>(shape_.activations.size()) == L) {
    activations_ = shape_.activations;
  } else {
    throw std::invalid_argument("Network: " + std::to_string(shape_.activations.size()) +
                                " activations for " + std::to_string(L) + " hidden layers (expected 0 or " +
                                std::to_string(L) + ")");
  }
  Index offset = 0;
  for (int l = 1; l <= L; ++l) {
    offsets_.push_back(offset);
    offset += static_cast<Index>(layer_width(l)) * layer_width(l - 1);
  }
  offsets_.push_back(offset);
}

Index Network::num_parameters(ParameterSet set) const {
  return output_offset() + (set == ParameterSet::kAll ? layer_width(depth()) : 0);
}

void Network::check_parameters(const Eigen::Ref<const VectorXd>& w, const char* who) const {
  if (w.size() != num_parameters()) throw std::invalid_argument(size_message(who, "w", w.size(), num_parameters()));
}

VectorXd Network::initialize(std::uint64_t seed, OutputInit init) const {
  VectorXd w(num_parameters());
  Rng hidden(seed, "network-hidden-weights");
  for (Index i = 0; i < output_offset(); ++i) w(i) = hidden.normal();
  Rng output(seed, "network-output-weights");
  for (Index i = output_offset(); i < w.size(); ++i)
    w(i) = init == OutputInit::kGaussian ? output.normal() : (output.uniform() < 0.5 ? -1.0 : 1.0);
  return w;
}

PointTape Network::tape(const Eigen::Ref<const VectorXd>& w, const Eigen::Ref<const VectorXd>& x) const {
  check_parameters(w, "Network::tape");
  if (x.size() != layer_width(0))
    throw std::invalid_argument(size_message("Network::tape", "x", x.size(), layer_width(0)));
  const int L = depth();
  PointTape t;
  t.a.resize(L + 1);
  t.d1.resize(L + 1);
  t.d2.resize(L + 1);
  t.delta.resize(L + 1);
  t.g.resize(L + 1);
  t.a[0] = x;
  VectorXd z;
  for (int l = 1; l <= L; ++l) {
    ConstMatrixMap W(w.data() + weight_offset(l), layer_width(l), layer_width(l - 1));
    z.resize(W.rows());
    z.noalias() = inverse_sqrt(layer_width(l - 1)) * (W * t.a[l - 1]);
    t.a[l].resize(z.size());
    t.d1[l].resize(z.size());
    t.d2[l].resize(z.size());
    apply_activation(layer_activation(l), z.data(), z.size(), t.a[l].data(), t.d1[l].data(), t.d2[l].data());
  }
  ConstVectorMap v(w.data() + output_offset(), layer_width(L));
  const double s_out = inverse_sqrt(layer_width(L));
  t.f = s_out * v.dot(t.a[L]);
  apply_output(shape_.output, t.f, &t.value, &t.phi1, &t.phi2);
  t.delta[L] = (t.phi1 * s_out) * v;
  for (int l = L; l >= 1; --l) {
    t.g[l] = t.d1[l].cwiseProduct(t.delta[l]);
    if (l > 1) {
      ConstMatrixMap W(w.data() + weight_offset(l), layer_width(l), layer_width(l - 1));
      t.delta[l - 1].resize(W.cols());
      t.delta[l - 1].noalias() = inverse_sqrt(layer_width(l - 1)) * (W.transpose() * t.g[l]);
    }
  }
  return t;
}

double Network::value(const Eigen::Ref<const VectorXd>& w, const Eigen::Ref<const VectorXd>& x) const {
  check_parameters(w, "Network::value");
  if (x.size() != layer_width(0))
    throw std::invalid_argument(size_message("Network::value", "x", x.size(), layer_width(0)));
  VectorXd a = x, z;
  for (int l = 1; l <= depth(); ++l) {
    ConstMatrixMap W(w.data() + weight_offset(l), layer_width(l), layer_width(l - 1));
    z.resize(W.rows());
    z.noalias() = inverse_sqrt(layer_width(l - 1)) * (W * a);
    a.resize(z.size());
    apply_activation(layer_activation(l), z.data(), z.size(), a.data(), nullptr, nullptr);
  }
  const double f = inverse_sqrt(layer_width(depth())) * ConstVectorMap(w.data() + output_offset(), a.size()).dot(a);
  double g, phi1, phi2;
  apply_output(shape_.output, f, &g, &phi1, &phi2);
  return g;
}

VectorXd Network::values(const Eigen::Ref<const VectorXd>& w, const MatrixXd& X) const {
  check_parameters(w, "Network::values");
  check_inputs(*this, X, "Network::values");
  return batch_forward(*this, w.data(), X).value;
}

VectorXd Network::gradient(const Eigen::Ref<const VectorXd>& w, const Eigen::Ref<const VectorXd>& x,
                           double* value) const {
  const PointTape t = tape(w, x);
  VectorXd grad(num_parameters());
  for (int l = 1; l <= depth(); ++l) {
    MatrixMap block(grad.data() + weight_offset(l), layer_width(l), layer_width(l - 1));
    block.noalias() = inverse_sqrt(layer_width(l - 1)) * (t.g[l] * t.a[l - 1].transpose());
  }
  grad.tail(layer_width(depth())) = (t.phi1 * inverse_sqrt(layer_width(depth()))) * t.a[depth()];
  if (value) *value = t.value;
  return grad;
}

// Pearlmutter's R-operator, R{.} = d/dt (.)(w + t u) at t = 0:
//   forward   R z^(l) = (U^(l) a^(l-1) + W^(l) R a^(l-1)) / sqrt(d_(l-1)),  R a^(l) = sigma' .* R z^(l)
//   output    R f = (u_v . a^(L) + v . R a^(L)) / sqrt(d_L)
//             R delta^(L) = (phi'' R f v + phi' u_v) / sqrt(d_L),  H u |_v = (phi'' R f a^(L) + phi' R a^(L)) / sqrt(d_L)
//   backward  R g^(l) = sigma'' .* R z^(l) .* delta^(l) + sigma' .* R delta^(l)
//             H u |_W(l) = (R g^(l) a^(l-1)^T + g^(l) R a^(l-1)^T) / sqrt(d_(l-1))
//             R delta^(l-1) = (U^(l)^T g^(l) + W^(l)^T R g^(l)) / sqrt(d_(l-1))
void Network::hessian_vector_product(const PointTape& t, const double* w, const double* u, double* out,
                                     ParameterSet set) const {
  const int L = depth();
  const bool with_v = set == ParameterSet::kAll;
  std::vector<VectorXd> Rz(L + 1), Ra(L + 1);
  for (int l = 1; l <= L; ++l) {
    ConstMatrixMap W(w + weight_offset(l), layer_width(l), layer_width(l - 1));
    ConstMatrixMap U(u + weight_offset(l), layer_width(l), layer_width(l - 1));
    Rz[l].resize(W.rows());
    Rz[l].noalias() = U * t.a[l - 1];
    if (l > 1) Rz[l].noalias() += W * Ra[l - 1];  // R a^(0) = 0: the input is fixed
    Rz[l] *= inverse_sqrt(layer_width(l - 1));
    Ra[l] = t.d1[l].cwiseProduct(Rz[l]);
  }
  const double s_out = inverse_sqrt(layer_width(L));
  ConstVectorMap v(w + output_offset(), layer_width(L));
  double Rf = v.dot(Ra[L]);
  if (with_v) Rf += ConstVectorMap(u + output_offset(), layer_width(L)).dot(t.a[L]);
  Rf *= s_out;
  VectorXd Rdelta = (s_out * t.phi2 * Rf) * v;
  if (with_v) {
    ConstVectorMap uv(u + output_offset(), layer_width(L));
    Rdelta += (s_out * t.phi1) * uv;
    VectorMap(out + output_offset(), layer_width(L)) = s_out * (t.phi2 * Rf * t.a[L] + t.phi1 * Ra[L]);
  }
  for (int l = L; l >= 1; --l) {
    const double s = inverse_sqrt(layer_width(l - 1));
    const VectorXd Rg = t.d2[l].cwiseProduct(Rz[l]).cwiseProduct(t.delta[l]) + t.d1[l].cwiseProduct(Rdelta);
    MatrixMap block(out + weight_offset(l), layer_width(l), layer_width(l - 1));
    if (l == 1) {
      block.noalias() = s * (Rg * t.a[0].transpose());
      break;
    }
    // The rank-2 block column by column: one streaming write. (A GEMM with
    // inner dimension 2 is 2.5x slower in OpenBLAS at m = 8192.)
    const VectorXd sRg = s * Rg, sg = s * t.g[l];
    for (Index j = 0; j < block.cols(); ++j) block.col(j) = t.a[l - 1](j) * sRg + Ra[l - 1](j) * sg;
    ConstMatrixMap W(w + weight_offset(l), layer_width(l), layer_width(l - 1));
    ConstMatrixMap U(u + weight_offset(l), layer_width(l), layer_width(l - 1));
    VectorXd next(W.cols());
    next.noalias() = U.transpose() * t.g[l];
    next.noalias() += W.transpose() * Rg;
    Rdelta = s * next;
  }
}

VectorXd Network::hessian_vector_product(const Eigen::Ref<const VectorXd>& w, const Eigen::Ref<const VectorXd>& x,
                                         const Eigen::Ref<const VectorXd>& u) const {
  if (u.size() != num_parameters())
    throw std::invalid_argument(size_message("Network::hessian_vector_product", "u", u.size(), num_parameters()));
  const PointTape t = tape(w, x);
  VectorXd out(num_parameters());
  hessian_vector_product(t, w.data(), u.data(), out.data(), ParameterSet::kAll);
  return out;
}

MatrixXd Network::jacobian(const Eigen::Ref<const VectorXd>& w, const MatrixXd& X, ParameterSet set) const {
  check_parameters(w, "Network::jacobian");
  check_inputs(*this, X, "Network::jacobian");
  const BatchTape t = batch_forward(*this, w.data(), X);
  const std::vector<MatrixXd> G = batch_backward(*this, w.data(), t, t.phi1);
  // Build J^T column by column (contiguous writes), then transpose once.
  MatrixXd JT(num_parameters(set), X.rows());
  for (Index i = 0; i < X.rows(); ++i) {
    for (int l = 1; l <= depth(); ++l) {
      MatrixMap block(JT.col(i).data() + weight_offset(l), layer_width(l), layer_width(l - 1));
      block.noalias() = inverse_sqrt(layer_width(l - 1)) * (G[l].col(i) * t.A[l - 1].col(i).transpose());
    }
    if (set == ParameterSet::kAll)
      JT.col(i).tail(layer_width(depth())) = (t.phi1(i) * inverse_sqrt(layer_width(depth()))) * t.A[depth()].col(i);
  }
  return JT.transpose();
}

MatrixXd Network::tangent_kernel(const Eigen::Ref<const VectorXd>& w, const MatrixXd& X, ParameterSet set) const {
  check_parameters(w, "Network::tangent_kernel");
  check_inputs(*this, X, "Network::tangent_kernel");
  const BatchTape t = batch_forward(*this, w.data(), X);
  const std::vector<MatrixXd> G = batch_backward(*this, w.data(), t, t.phi1);
  // <g_i a_i^T, g_j a_j^T>_F = (g_i . g_j)(a_i . a_j).
  const Index n = X.rows();
  MatrixXd K = MatrixXd::Zero(n, n);
  for (int l = 1; l <= depth(); ++l) {
    const MatrixXd gg = G[l].transpose() * G[l];
    const MatrixXd aa = t.A[l - 1].transpose() * t.A[l - 1];
    K += (1.0 / layer_width(l - 1)) * gg.cwiseProduct(aa);
  }
  if (set == ParameterSet::kAll) {
    const MatrixXd scaled = t.A[depth()] * t.phi1.asDiagonal();
    // The product on its own (dgemm with beta = 0), then the sum: `K += c * (S^T S)`
    // becomes dgemm("T", "N", beta = 1), which Debian's ATLAS 3.10.3 answers
    // wrongly at n = 16, k ~ 1000-2048 (errors ~0.09: tests/blas_backend_test.cc).
    const MatrixXd output_gram = scaled.transpose() * scaled;
    K += output_gram / static_cast<double>(layer_width(depth()));
  }
  // Every term is a Gram matrix, so K is symmetric to rounding; a backend that
  // breaks that is refused rather than its negative eigenvalues reported.
  const double asymmetry = (K - K.transpose()).norm();
  if (!(asymmetry <= 1e-10 * K.norm()))
    throw std::runtime_error("Network::tangent_kernel: the BLAS backend returned a non-symmetric J J^T (||K - K^T|| = " +
                             std::to_string(asymmetry) + " against ||K|| = " + std::to_string(K.norm()) +
                             "); this backend computes the tangent kernel wrongly at this width: use another "
                             "(prism run --blas openblas)");
  return K;
}

// ---------------------------------------------------------------------------
// Operators

HessianOperator::HessianOperator(const Network& net, const VectorXd& w, const VectorXd& x, ParameterSet set)
    : net_(&net), w_(w.data()), tape_(net.tape(w, x)), set_(set), n_(net.num_parameters(set)) {}

void HessianOperator::perform_op(const double* x, double* y) const {
  net_->hessian_vector_product(tape_, w_, x, y, set_);
}

RangeHessianOperator::RangeHessianOperator(const Network& net, const VectorXd& w, const VectorXd& x,
                                           ParameterSet set)
    : net_(&net), w_(w.data()), tape_(net.tape(w, x)), set_(set) {
  const int L = net.depth();
  basis_.resize(L);
  Index offset = 0;
  for (int l = 1; l <= L; ++l) {
    LayerBasis& b = basis_[l - 1];
    const VectorXd& a = tape_.a[l - 1];
    b.a_hat = unit_or_e1(a);
    b.a_dot = a.dot(b.a_hat);
    b.p_offset = offset;
    offset += net.layer_width(l);
    if (l >= 2) {
      b.g_hat = unit_or_e1(tape_.g[l]);
      b.g_dot = tape_.g[l].dot(b.g_hat);
      b.householder = b.a_hat;
      b.householder(0) += b.a_hat(0) >= 0 ? 1.0 : -1.0;
      b.c_offset = offset;
      offset += net.layer_width(l - 1) - 1;
    }
  }
  v_offset_ = offset;
  if (set == ParameterSet::kAll) offset += net.layer_width(L);
  n_ = offset;
}

VectorXd RangeHessianOperator::q_of(int l, const double* c) const {
  const LayerBasis& b = basis_[l - 1];
  VectorXd q(b.a_hat.size());
  q(0) = 0.0;
  q.tail(q.size() - 1) = ConstVectorMap(c + b.c_offset, q.size() - 1);
  reflect(b.householder, &q);
  return q;
}

void RangeHessianOperator::c_of(int l, const VectorXd& q, double* c) const {
  const LayerBasis& b = basis_[l - 1];
  VectorXd r = q;
  reflect(b.householder, &r);
  VectorMap(c + b.c_offset, r.size() - 1) = r.tail(r.size() - 1);
}

// The R-operator of Network::hessian_vector_product with U^(l) = p_l ahat^T + ghat q_l^T
// kept in factored form: U a = p (ahat . a) + ghat (q . a), U^T g = ahat (p . g) + q (ghat . g),
// and the output blocks projected on the basis, B ahat and (B^T ghat minus its ahat part).
void RangeHessianOperator::perform_op(const double* c, double* y) const {
  const Network& net = *net_;
  const int L = net.depth();
  const bool with_v = set_ == ParameterSet::kAll;
  std::vector<VectorXd> Rz(L + 1), Ra(L + 1), q(L + 1);
  for (int l = 1; l <= L; ++l) {
    const LayerBasis& b = basis_[l - 1];
    ConstVectorMap p(c + b.p_offset, net.layer_width(l));
    VectorXd r = b.a_dot * p;
    if (l >= 2) {
      q[l] = q_of(l, c);
      r += q[l].dot(tape_.a[l - 1]) * b.g_hat;
      ConstMatrixMap W(w_ + net.weight_offset(l), net.layer_width(l), net.layer_width(l - 1));
      r.noalias() += W * Ra[l - 1];
    }
    Rz[l] = inverse_sqrt(net.layer_width(l - 1)) * r;
    Ra[l] = tape_.d1[l].cwiseProduct(Rz[l]);
  }
  const double s_out = inverse_sqrt(net.layer_width(L));
  ConstVectorMap v(w_ + net.output_offset(), net.layer_width(L));
  double Rf = v.dot(Ra[L]);
  if (with_v) Rf += ConstVectorMap(c + v_offset_, net.layer_width(L)).dot(tape_.a[L]);
  Rf *= s_out;
  VectorXd Rdelta = (s_out * tape_.phi2 * Rf) * v;
  if (with_v) {
    Rdelta += (s_out * tape_.phi1) * ConstVectorMap(c + v_offset_, net.layer_width(L));
    VectorMap(y + v_offset_, net.layer_width(L)) = s_out * (tape_.phi2 * Rf * tape_.a[L] + tape_.phi1 * Ra[L]);
  }
  for (int l = L; l >= 1; --l) {
    const LayerBasis& b = basis_[l - 1];
    const double s = inverse_sqrt(net.layer_width(l - 1));
    const VectorXd& g = tape_.g[l];
    const VectorXd Rg = tape_.d2[l].cwiseProduct(Rz[l]).cwiseProduct(tape_.delta[l]) + tape_.d1[l].cwiseProduct(Rdelta);
    VectorMap yp(y + b.p_offset, net.layer_width(l));
    yp = (s * b.a_dot) * Rg;
    if (l == 1) break;
    const VectorXd& a = tape_.a[l - 1];
    yp += (s * Ra[l - 1].dot(b.a_hat)) * g;
    c_of(l, s * (Rg.dot(b.g_hat) * a + b.g_dot * Ra[l - 1]), y);
    ConstVectorMap p(c + b.p_offset, net.layer_width(l));
    ConstMatrixMap W(w_ + net.weight_offset(l), net.layer_width(l), net.layer_width(l - 1));
    VectorXd next = p.dot(g) * b.a_hat + b.g_dot * q[l];
    next.noalias() += W.transpose() * Rg;
    Rdelta = s * next;
  }
}

VectorXd RangeHessianOperator::lift(const VectorXd& c) const {
  if (c.size() != n_) throw std::invalid_argument(size_message("RangeHessianOperator::lift", "c", c.size(), n_));
  const Network& net = *net_;
  VectorXd u(net.num_parameters(set_));
  for (int l = 1; l <= net.depth(); ++l) {
    const LayerBasis& b = basis_[l - 1];
    MatrixMap block(u.data() + net.weight_offset(l), net.layer_width(l), net.layer_width(l - 1));
    block.noalias() = c.segment(b.p_offset, net.layer_width(l)) * b.a_hat.transpose();
    if (l >= 2) block.noalias() += b.g_hat * q_of(l, c.data()).transpose();
  }
  if (set_ == ParameterSet::kAll) u.tail(net.layer_width(net.depth())) = c.tail(net.layer_width(net.depth()));
  return u;
}

VectorXd RangeHessianOperator::project(const VectorXd& u) const {
  const Network& net = *net_;
  if (u.size() != net.num_parameters(set_))
    throw std::invalid_argument(
        size_message("RangeHessianOperator::project", "u", u.size(), net.num_parameters(set_)));
  VectorXd c(n_);
  for (int l = 1; l <= net.depth(); ++l) {
    const LayerBasis& b = basis_[l - 1];
    ConstMatrixMap block(u.data() + net.weight_offset(l), net.layer_width(l), net.layer_width(l - 1));
    c.segment(b.p_offset, net.layer_width(l)) = block * b.a_hat;
    if (l >= 2) c_of(l, block.transpose() * b.g_hat, c.data());
  }
  if (set_ == ParameterSet::kAll) c.tail(net.layer_width(net.depth())) = u.tail(net.layer_width(net.depth()));
  return c;
}

MatrixXd dense_hessian(const Network& net, const VectorXd& w, const VectorXd& x, ParameterSet set) {
  const Index n = net.num_parameters(set);
  if (n > kMaxDenseHessianParameters)
    throw std::invalid_argument("dense_hessian: " + std::to_string(n) + " parameters, at most " +
                                std::to_string(kMaxDenseHessianParameters) + " supported");
  HessianOperator op(net, w, x, set);
  MatrixXd H(n, n);
  VectorXd e = VectorXd::Zero(n);
  for (Index j = 0; j < n; ++j) {
    e(j) = 1.0;
    op.perform_op(e.data(), H.col(j).data());
    e(j) = 0.0;
  }
  return H;
}

namespace {

template <typename Op>
HessianNorm run_lanczos(Op& op, const HessianNormOptions& options) {
  linalg::LanczosOptions lanczos = options.lanczos;
  lanczos.rule = Spectra::SortRule::LargestMagn;
  const linalg::EigenEstimate e = linalg::top_eigenpairs(op, 1, lanczos);
  HessianNorm out;
  out.eigenvalue = e.values(0);
  out.norm = std::abs(e.values(0));
  out.residual = e.residuals(0);
  out.matrix_products = e.matrix_products;
  out.dimension = op.rows();
  if (options.want_vector) out.vector = e.vectors.col(0);
  return out;
}

}  // namespace

HessianNorm hessian_norm(const Network& net, const VectorXd& w, const VectorXd& x, const HessianNormOptions& options) {
  if (options.space == HessianSpace::kFull) {
    HessianOperator op(net, w, x, options.parameters);
    return run_lanczos(op, options);
  }
  RangeHessianOperator op(net, w, x, options.parameters);
  HessianNorm out = run_lanczos(op, options);
  if (options.want_vector) out.vector = op.lift(out.vector);
  return out;
}

double hvp_central_difference_error(const Network& net, const VectorXd& w, const VectorXd& x, const VectorXd& u,
                                    double h) {
  const VectorXd hu = net.hessian_vector_product(w, x, u);
  const VectorXd fd = (net.gradient(w + h * u, x) - net.gradient(w - h * u, x)) / (2 * h);
  return (fd - hu).norm() / hu.norm();
}

double one_hidden_layer_hessian_norm(const Network& net, const VectorXd& w, const VectorXd& x, ParameterSet set) {
  if (net.depth() != 1 || net.shape().output != OutputMap::kLinear)
    throw std::invalid_argument("one_hidden_layer_hessian_norm: needs one hidden layer and a linear output, got " +
                                std::to_string(net.depth()) + " hidden layers" +
                                (net.shape().output == OutputMap::kLinear ? "" : " and phi(f) = f + f^2"));
  const PointTape t = net.tape(w, x);
  const double d = net.layer_width(0), m = net.layer_width(1);
  ConstVectorMap v(w.data() + net.output_offset(), net.layer_width(1));
  const VectorXd lambda = (x.squaredNorm() / (d * std::sqrt(m))) * t.d2[1].cwiseProduct(v);
  if (set == ParameterSet::kHidden) return lambda.cwiseAbs().maxCoeff();
  const VectorXd c = (x.norm() / std::sqrt(d * m)) * t.d1[1];
  return 0.5 * (lambda.cwiseAbs() + (lambda.cwiseAbs2() + 4.0 * c.cwiseAbs2()).cwiseSqrt()).maxCoeff();
}

// ---------------------------------------------------------------------------
// Square loss and gradient descent

double square_loss(const Network& net, const VectorXd& w, const MatrixXd& X, const VectorXd& y) {
  const VectorXd r = net.values(w, X) - y;
  return r.squaredNorm() / (2.0 * X.rows());
}

VectorXd square_loss_gradient(const Network& net, const VectorXd& w, const MatrixXd& X, const VectorXd& y,
                              ParameterSet set, double* loss) {
  if (w.size() != net.num_parameters())
    throw std::invalid_argument(size_message("square_loss_gradient", "w", w.size(), net.num_parameters()));
  check_inputs(net, X, "square_loss_gradient");
  if (y.size() != X.rows()) throw std::invalid_argument(size_message("square_loss_gradient", "y", y.size(), X.rows()));
  const Index n = X.rows();
  const BatchTape t = batch_forward(net, w.data(), X);
  const VectorXd r = t.value - y;
  if (loss) *loss = r.squaredNorm() / (2.0 * n);
  // grad L = (1/n) sum_i r_i phi'_i grad f_i: one backward pass seeded with r .* phi' / n.
  const VectorXd seed = r.cwiseProduct(t.phi1) / static_cast<double>(n);
  const std::vector<MatrixXd> G = batch_backward(net, w.data(), t, seed);
  VectorXd grad(net.num_parameters(set));
  for (int l = 1; l <= net.depth(); ++l) {
    MatrixMap block(grad.data() + net.weight_offset(l), net.layer_width(l), net.layer_width(l - 1));
    block.noalias() = inverse_sqrt(net.layer_width(l - 1)) * (G[l] * t.A[l - 1].transpose());
  }
  if (set == ParameterSet::kAll)
    grad.tail(net.layer_width(net.depth())).noalias() =
        inverse_sqrt(net.layer_width(net.depth())) * (t.A[net.depth()] * seed);
  return grad;
}

GradientDescentResult gradient_descent(const Network& net, const VectorXd& w0, const MatrixXd& X, const VectorXd& y,
                                       const GradientDescentOptions& options) {
  if (!(options.step > 0)) throw std::invalid_argument("gradient_descent: step must be > 0");
  if (options.observe_every < 1) throw std::invalid_argument("gradient_descent: observe_every must be >= 1");
  GradientDescentResult out;
  out.w = w0;
  const Index p = net.num_parameters(options.parameters);
  double loss = 0;
  VectorXd grad = square_loss_gradient(net, out.w, X, y, options.parameters, &loss);
  const double target = options.relative_tolerance * loss;
  out.losses.push_back(loss);
  if (options.observer) options.observer(0, out.w);
  while (true) {
    if (!std::isfinite(loss)) {
      out.diverged = true;
      break;
    }
    if (loss <= target) {
      out.converged = true;
      break;
    }
    if (out.steps >= options.max_steps) break;
    out.w.head(p) -= options.step * grad;
    ++out.steps;
    grad = square_loss_gradient(net, out.w, X, y, options.parameters, &loss);
    out.losses.push_back(loss);
    if (options.observer && out.steps % options.observe_every == 0) options.observer(out.steps, out.w);
  }
  if (options.observer && out.steps % options.observe_every != 0) options.observer(out.steps, out.w);
  return out;
}

}  // namespace prism::models
