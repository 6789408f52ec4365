// Fully connected networks in the NTK parameterisation with exact first and
// second derivatives, for the transition-to-linearity (hessian-decay) and PL*
// claims (Belkin 2021 §3.10, Eqs. 11-16; Liu, Zhu, Belkin 2020).
//
//   a^(0) = x,  a^(l) = sigma_l(z^(l)),  z^(l) = W^(l) a^(l-1) / sqrt(d_(l-1)),  l = 1..L,
//   f = v^T a^(L) / sqrt(d_L),  g = phi(f),  phi(f) = f (linear) or f + f^2.
//
// L counts hidden layers: the paper's "2-layer net" (Eq. 13) is L = 1. Every
// derivative below is of the model output g (= f for the linear output).
//
// Parameters are one flat vector w = (vec W^(1), ..., vec W^(L), v), each W^(l)
// column-major d_l x d_(l-1). v comes last, so the hidden weights are a prefix
// and "Hessian w.r.t. W only" (ParameterSet::kHidden) is its leading block.
// Inputs of batched calls are rows: X is n x d.
//
// Hessian-vector products use Pearlmutter's R-operator (a forward pass of
// directional derivatives, then the backward pass differentiated along the
// same direction): exact to rounding, cost about three gradients.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <Eigen/Core>

#include "src/linalg/lanczos.h"

namespace prism::models {

enum class Activation { kTanh, kIdentity, kSoftplus };
const char* to_string(Activation a);
double activation(Activation a, double z);
double activation_derivative(Activation a, double z);
double activation_second_derivative(Activation a, double z);

// kQuadratic is the negative control of Eq. 16: g = f + f^2 keeps an
// Omega(1) Hessian term phi''(f) grad f grad f^T at every width.
enum class OutputMap { kLinear, kQuadratic };

enum class OutputInit { kGaussian, kSigns };  // v_i ~ N(0, 1) or v_i = +-1 equiprobable

// kHidden: derivatives w.r.t. W^(1..L) only, v held fixed (the Eq. 13 setting).
enum class ParameterSet { kAll, kHidden };

struct NetworkShape {
  int input_dim = 0;                    // d = d_0
  std::vector<int> widths;              // d_1 .. d_L, L >= 1, any sizes (bottlenecks allowed)
  std::vector<Activation> activations;  // one per hidden layer; empty means tanh everywhere
  OutputMap output = OutputMap::kLinear;
};

// Forward and backward quantities of one input, reused by every Hessian-vector
// product at that point. Index l = 1..L (entry 0 of d1, d2, delta, g unused).
struct PointTape {
  std::vector<Eigen::VectorXd> a;      // a^(0) = x, ..., a^(L)
  std::vector<Eigen::VectorXd> d1;     // sigma_l'(z^(l))
  std::vector<Eigen::VectorXd> d2;     // sigma_l''(z^(l))
  std::vector<Eigen::VectorXd> delta;  // dg / da^(l)
  std::vector<Eigen::VectorXd> g;      // dg / dz^(l) = d1 .* delta
  double f = 0;                        // pre-output value
  double value = 0;                    // g = phi(f)
  double phi1 = 1, phi2 = 0;           // phi'(f), phi''(f)
};

class Network {
 public:
  // Throws std::invalid_argument on an empty or non-positive shape.
  explicit Network(NetworkShape shape);

  const NetworkShape& shape() const { return shape_; }
  int depth() const { return static_cast<int>(shape_.widths.size()); }
  int layer_width(int l) const { return l == 0 ? shape_.input_dim : shape_.widths[l - 1]; }  // d_l
  Activation layer_activation(int l) const { return activations_[l - 1]; }
  Eigen::Index num_parameters(ParameterSet set = ParameterSet::kAll) const;
  Eigen::Index weight_offset(int l) const { return offsets_[l - 1]; }  // start of vec W^(l)
  Eigen::Index output_offset() const { return offsets_.back(); }      // start of v

  // W^(l) and v entries N(0, 1) (or v = +-1) from the seed; W and v use
  // separate streams, so the choice of OutputInit leaves W unchanged.
  Eigen::VectorXd initialize(std::uint64_t seed, OutputInit init = OutputInit::kGaussian) const;

  double value(const Eigen::Ref<const Eigen::VectorXd>& w, const Eigen::Ref<const Eigen::VectorXd>& x) const;
  Eigen::VectorXd values(const Eigen::Ref<const Eigen::VectorXd>& w, const Eigen::MatrixXd& X) const;

  // grad_w g at one input (length num_parameters()); the value on request.
  Eigen::VectorXd gradient(const Eigen::Ref<const Eigen::VectorXd>& w,
                           const Eigen::Ref<const Eigen::VectorXd>& x, double* value = nullptr) const;

  // H(w, x) u, H the Hessian of g w.r.t. all parameters; u has num_parameters() entries.
  Eigen::VectorXd hessian_vector_product(const Eigen::Ref<const Eigen::VectorXd>& w,
                                         const Eigen::Ref<const Eigen::VectorXd>& x,
                                         const Eigen::Ref<const Eigen::VectorXd>& u) const;

  // n x num_parameters(set): row i is grad_w g(w, x_i) restricted to `set`.
  Eigen::MatrixXd jacobian(const Eigen::Ref<const Eigen::VectorXd>& w, const Eigen::MatrixXd& X,
                           ParameterSet set = ParameterSet::kAll) const;

  // K = J J^T (n x n), assembled layer by layer as
  // sum_l (G_l^T G_l) .* (A_(l-1)^T A_(l-1)) / d_(l-1) + phi'^2 A_L^T A_L / d_L,
  // so J (n x P, P ~ L m^2) is never formed.
  Eigen::MatrixXd tangent_kernel(const Eigen::Ref<const Eigen::VectorXd>& w, const Eigen::MatrixXd& X,
                                 ParameterSet set = ParameterSet::kAll) const;

  // The building blocks of the operators below.
  PointTape tape(const Eigen::Ref<const Eigen::VectorXd>& w, const Eigen::Ref<const Eigen::VectorXd>& x) const;
  // out = H u on `set` (u and out have num_parameters(set) entries, must not alias).
  void hessian_vector_product(const PointTape& tape, const double* w, const double* u, double* out,
                              ParameterSet set) const;

 private:
  void check_parameters(const Eigen::Ref<const Eigen::VectorXd>& w, const char* who) const;

  NetworkShape shape_;
  std::vector<Activation> activations_;
  std::vector<Eigen::Index> offsets_;  // offsets_[l-1] = start of W^(l); back() = start of v
};

// Spectra operator y = H x on the full parameter space of `set`. Holds
// pointers to `net` and `w`: both must outlive it. perform_op keeps no state.
class HessianOperator {
 public:
  using Scalar = double;
  HessianOperator(const Network& net, const Eigen::VectorXd& w, const Eigen::VectorXd& x,
                  ParameterSet set = ParameterSet::kAll);
  Eigen::Index rows() const { return n_; }
  Eigen::Index cols() const { return n_; }
  void perform_op(const double* x, double* y) const;

 private:
  const Network* net_;
  const double* w_;
  PointTape tape_;
  ParameterSet set_;
  Eigen::Index n_;
};

// The same Hessian restricted to a subspace S that contains its range, in an
// orthonormal basis Q of S: y = Q^T H Q c. For one input, the W^(l) block of
// any H u is (R{g^(l)} a^(l-1)^T + g^(l) R{a^(l-1)}^T) / sqrt(d_(l-1)) (rank 2,
// and rank 1 for l = 1 where R{a^(0)} = 0), and the v block is any vector, so
//   S = { p_1 x^T } + sum_(l>=2) { p_l a^(l-1)^T + g^(l) q_l^T } + { u_v },
// of dimension d_1 + sum_(l>=2) (d_l + d_(l-1) - 1) + d_L (about 2 L m).
// H = P_S H P_S, so the nonzero eigenpairs of Q^T H Q are exactly those of H.
// Coordinates per layer: p_l in R^(d_l) (block p_l ahat^T), then for l >= 2
// c_l in R^(d_(l-1) - 1), q_l = Householder(ahat) (0, c_l) spanning ahat^perp
// (block ghat q_l^T), then u_v. Directions in S are rank-2 per layer, so a
// product costs two matrix-vector products per hidden-to-hidden layer and
// never touches a P-vector: this is what makes m = 2^14 affordable.
// Holds pointers to `net` and `w`: both must outlive it. perform_op keeps no state.
class RangeHessianOperator {
 public:
  using Scalar = double;
  RangeHessianOperator(const Network& net, const Eigen::VectorXd& w, const Eigen::VectorXd& x,
                       ParameterSet set = ParameterSet::kAll);
  Eigen::Index rows() const { return n_; }
  Eigen::Index cols() const { return n_; }
  void perform_op(const double* c, double* y) const;

  Eigen::VectorXd lift(const Eigen::VectorXd& c) const;     // Q c, num_parameters(set) entries
  Eigen::VectorXd project(const Eigen::VectorXd& u) const;  // Q^T u

 private:
  struct LayerBasis {
    Eigen::VectorXd a_hat;       // unit a^(l-1) (e_1 if a^(l-1) = 0: any S containing the range will do)
    Eigen::VectorXd g_hat;       // unit g^(l), l >= 2 (e_1 if g^(l) = 0)
    Eigen::VectorXd householder; // h with (I - 2 h h^T / h^T h) e_1 = -+ a_hat, l >= 2
    double a_dot = 0;            // a^(l-1) . a_hat
    double g_dot = 0;            // g^(l) . g_hat
    Eigen::Index p_offset = 0, c_offset = 0;
  };
  Eigen::VectorXd q_of(int l, const double* c) const;     // q_l from c_l
  void c_of(int l, const Eigen::VectorXd& q, double* c) const;  // c_l from q (drops the a_hat part)

  const Network* net_;
  const double* w_;
  PointTape tape_;
  ParameterSet set_;
  std::vector<LayerBasis> basis_;  // index l - 1
  Eigen::Index v_offset_ = 0;
  Eigen::Index n_ = 0;
};

// Dense H (num_parameters(set) square) by products with unit vectors; for
// tests on small nets. Throws std::invalid_argument above 4096 parameters.
Eigen::MatrixXd dense_hessian(const Network& net, const Eigen::VectorXd& w, const Eigen::VectorXd& x,
                              ParameterSet set = ParameterSet::kAll);

enum class HessianSpace { kRange, kFull };

struct HessianNormOptions {
  ParameterSet parameters = ParameterSet::kAll;
  HessianSpace space = HessianSpace::kRange;  // kFull needs ncv P-vectors: ~4 GB at m = 2^11, L = 3
  // Spectra's tolerance is on the Ritz residual relative to |theta|, which
  // also bounds the relative error of the value. The rule is forced to
  // LargestMagn. ncv = 40 converges in 40-100 products for W and v together
  // at any depth. H_W of the fixed-v one-hidden-layer net is the hard case:
  // it is diagonal with m i.i.d. entries, whose top ones cluster (gaps ~ 1/m^2),
  // and needs ncv >= 100 and about m / 2 products (cheap there: O(m) each).
  // Throws std::runtime_error when Lanczos does not converge.
  linalg::LanczosOptions lanczos{/*ncv=*/40, /*max_restarts=*/1000, /*tolerance=*/1e-10};
  bool want_vector = false;  // return the top eigenvector in the full parameter space
};

struct HessianNorm {
  double norm = 0;           // |theta| = ||H|| (max |eigenvalue|)
  double eigenvalue = 0;     // theta, signed
  double residual = 0;       // ||H y - theta y||: some eigenvalue lies within it of theta
  int matrix_products = 0;
  Eigen::Index dimension = 0;  // size of the operator Lanczos ran on
  Eigen::VectorXd vector;    // unit, num_parameters(set) entries, if want_vector
};

// ||H(w, x)|| by implicitly restarted Lanczos on Hessian-vector products.
HessianNorm hessian_norm(const Network& net, const Eigen::VectorXd& w, const Eigen::VectorXd& x,
                         const HessianNormOptions& options = {});

// ||(grad g(w + h u) - grad g(w - h u)) / (2 h) - H u|| / ||H u||: the exact
// Hessian-vector product against central differences of the exact gradient
// (error O(h^2) for a smooth g). u is used as given; the caller normalises it.
double hvp_central_difference_error(const Network& net, const Eigen::VectorXd& w, const Eigen::VectorXd& x,
                                    const Eigen::VectorXd& u, double h);

// Closed forms for one hidden layer (L = 1) and a linear output, O(m d).
// With z_i = w_i . x / sqrt(d) and f = sum_i v_i sigma(z_i) / sqrt(m), the only
// nonzero second derivatives are per neuron:
//   d^2 f / dw_i^2 = v_i sigma''(z_i) x x^T / (d sqrt(m)),  d^2 f / dw_i dv_i = sigma'(z_i) x / sqrt(d m).
// kHidden (v fixed, the Eq. 13-14 setting): H_W is block diagonal with one
// nonzero eigenvalue lambda_i = v_i sigma''(z_i) ||x||^2 / (d sqrt(m)) per block, so
//   ||H_W|| = ||x||^2 / (d sqrt(m)) max_i |v_i sigma''(z_i)|,
// i.e. ||x||^2 / (d sqrt(m)) max_i |sigma''(z_i)| for v_i = +-1. The original
// spec's (||x||^2 / sqrt(m)) max|sigma''(w_i . x)| is the same with x / sqrt(d)
// in place of x: with ||x|| = 1, sqrt(m) ||H_W|| tends to 0.7698 / d (0.07698 at
// d = 10, as docs/claims.md records), and to 0.7698 only for ||x|| = sqrt(d).
// kAll: on (w_i along x, v_i) each neuron gives the 2 x 2 block
// [[lambda_i, c_i], [c_i, 0]], c_i = sigma'(z_i) ||x|| / sqrt(d m), so
//   ||H|| = max_i (|lambda_i| + sqrt(lambda_i^2 + 4 c_i^2)) / 2.
// Throws std::invalid_argument for other networks.
double one_hidden_layer_hessian_norm(const Network& net, const Eigen::VectorXd& w, const Eigen::VectorXd& x,
                                     ParameterSet set = ParameterSet::kHidden);

// Square loss L(w) = 1/(2n) sum_i (g(w, x_i) - y_i)^2 and its gradient on `set`.
double square_loss(const Network& net, const Eigen::VectorXd& w, const Eigen::MatrixXd& X,
                   const Eigen::VectorXd& y);
Eigen::VectorXd square_loss_gradient(const Network& net, const Eigen::VectorXd& w, const Eigen::MatrixXd& X,
                                     const Eigen::VectorXd& y, ParameterSet set = ParameterSet::kAll,
                                     double* loss = nullptr);

struct GradientDescentOptions {
  double step = 0.1;
  int max_steps = 1000;
  double relative_tolerance = 0;  // stop once L(w_t) <= relative_tolerance * L(w_0)
  ParameterSet parameters = ParameterSet::kAll;  // kHidden keeps v fixed
  // Called with (t, w_t) at t = 0, every `observe_every` steps and at the end
  // (e.g. to track the tangent kernel along the path).
  std::function<void(int, const Eigen::VectorXd&)> observer;
  int observe_every = 1;
};

struct GradientDescentResult {
  Eigen::VectorXd w;           // final parameters
  std::vector<double> losses;  // losses[t] = L(w_t), t = 0 .. steps
  int steps = 0;
  bool converged = false;      // reached the relative tolerance
  bool diverged = false;       // the loss became non-finite (the last entry is that loss)
};

// Full-batch gradient descent w <- w - step grad L(w) on the square loss.
GradientDescentResult gradient_descent(const Network& net, const Eigen::VectorXd& w0, const Eigen::MatrixXd& X,
                                       const Eigen::VectorXd& y, const GradientDescentOptions& options = {});

}  // namespace prism::models
