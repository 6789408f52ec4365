// The train / validation / test split of the MNIST-family claims
// (docs/claims.md inverse-vs-direct, early-stopping): n training images (seed
// 1: the first n rows; later seeds: n of the first 50,000 drawn without
// replacement from the seed's "subset" stream), validation = training rows
// 50,000-54,999 (never in a training subset), test = the official 10,000.
// The whole files are seed-independent setup, shared through ctx.shared.
#pragma once

#include <string>

#include "datasets/dataset.h"
#include "src/core/claim.h"

namespace prism::models {

inline constexpr int kSubsetPool = 50000;
inline constexpr int kValidationRows = 5000;

struct ImageSplit {
  data::Dataset train, validation, test;
};

// "mnist" or "fashion-mnist"; the training subset depends on ctx.seed().
ImageSplit image_split(const RunContext& ctx, const std::string& dataset, int n);

}  // namespace prism::models
