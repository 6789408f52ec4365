// MNIST and Fashion-MNIST loaders.
//
// Files: MNIST from <data_root()>/mnist/ (plain IDX, installed by
// scripts/fetch-data); Fashion-MNIST from /usr/share/datasets/fashion-mnist/
// (gzipped IDX, Debian package dataset-fashion-mnist) or $PRISM_FASHION_MNIST.
// Pixels are scaled to [0,1] by /255. A subset of n rows is the first n rows of
// the file, and the provenance string says so.
//
// Every failure (missing folder or file, bad header, wrong length, images and
// labels disagreeing, label >= 10, n too large) throws prism::DataError naming
// the file and saying what to do.
#pragma once

#include <cstddef>
#include <filesystem>

#include "datasets/dataset.h"

namespace prism::data {

inline constexpr int kMnistClasses = 10;
inline constexpr int kMnistRows = 28;
inline constexpr int kMnistCols = 28;
// sqrt(E||x - z||^2) = sqrt(2 tr Cov) over the 60,000 MNIST training images with
// pixels in [0,1]: the length scale the kernel bandwidths of docs/claims.md (stated
// "for pixels in [0,1]") were set against. A data statistic, not a result;
// datasets_test recomputes it from the file.
inline constexpr double kMnistRmsDistance = 10.2689;

// $PRISM_DATA if set, else $XDG_CACHE_HOME/prism, else $HOME/.cache/prism
// (empty variables count as unset). Same rule as scripts/fetch-data.
std::filesystem::path data_root();

// $PRISM_FASHION_MNIST if set, else /usr/share/datasets/fashion-mnist.
std::filesystem::path fashion_mnist_dir();

// The first n rows (n = 0: all) of the split.
Dataset load_mnist(Split split, std::size_t n = 0);
Dataset load_fashion_mnist(Split split, std::size_t n = 0);

}  // namespace prism::data
