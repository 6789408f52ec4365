#include "src/models/kernel_problem.h"

#include <stdexcept>

#include <fmt/format.h>

#include "datasets/mnist.h"
#include "src/core/timing.h"
#include "src/models/classification.h"

namespace prism::models {

double KernelProblem::build_gflops() const {
  return gflop_rate(stats.blas_flops, stats.blas_seconds + stats.elementwise_seconds);
}

data::Dataset load_image_subset(const std::string& dataset, data::Split split, std::size_t n) {
  if (dataset == "mnist") return data::load_mnist(split, n);
  if (dataset == "fashion-mnist") return data::load_fashion_mnist(split, n);
  throw std::invalid_argument("unknown image data set '" + dataset + "' (mnist, fashion-mnist)");
}

KernelProblem kernel_problem(const std::string& dataset, std::size_t n, const linalg::Kernel& kernel) {
  KernelProblem p;
  p.data = load_image_subset(dataset, data::Split::Train, n);
  p.K = linalg::kernel_matrix(kernel, p.data.X, &p.stats);
  p.Y = one_hot(p.data.y, p.data.num_classes);
  return p;
}

std::string kernel_problem_key(const std::string& dataset, std::size_t n, const linalg::Kernel& kernel) {
  return fmt::format("kernel-problem/{}/n={}/{}/s={:.17g}", dataset, n,
                     kernel.kind == linalg::KernelKind::kLaplace ? "laplace" : "gauss", kernel.bandwidth);
}

}  // namespace prism::models
