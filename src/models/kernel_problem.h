// The kernel-regression setup shared by the kernel claims: the first n rows of
// MNIST or Fashion-MNIST (pixels in [0,1]), the kernel matrix K on them and the
// one-hot targets Y. Seed-independent, so claims fetch it through ctx.shared
// under kernel_problem_key(...).
#pragma once

#include <cstddef>
#include <string>

#include <Eigen/Dense>

#include "datasets/dataset.h"
#include "src/linalg/kernels.h"

namespace prism::models {

struct KernelProblem {
  data::Dataset data;          // the first n training rows
  Eigen::MatrixXd K;           // k(x_i, x_j), n x n
  Eigen::MatrixXd Y;           // one-hot labels, n x classes
  linalg::KernelStats stats;   // flops and seconds of K's build

  // SYRK flops of K over the seconds of its build (BLAS and the fused kernel pass).
  double build_gflops() const;
};

// "mnist" or "fashion-mnist": the first n rows of `split`; std::invalid_argument
// for another name (a data file problem is a DataError from the loader).
data::Dataset load_image_subset(const std::string& dataset, data::Split split, std::size_t n);

KernelProblem kernel_problem(const std::string& dataset, std::size_t n, const linalg::Kernel& kernel);

// The shared-store key of that problem: names the data set, n and the kernel.
std::string kernel_problem_key(const std::string& dataset, std::size_t n, const linalg::Kernel& kernel);

}  // namespace prism::models
