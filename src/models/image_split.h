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

// Which n training rows: seeded subsets as above, or the first n rows for
// every seed (claims whose seeds draw features or labels, not data).
enum class TrainRows { kSeededSubset, kFirstRows };

// "mnist" or "fashion-mnist".
ImageSplit image_split(const RunContext& ctx, const std::string& dataset, int n,
                       TrainRows rows = TrainRows::kSeededSubset);

}  // namespace prism::models
