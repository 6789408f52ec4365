#include "src/models/image_split.h"

#include <numeric>
#include <stdexcept>
#include <vector>

#include "src/models/kernel_problem.h"

namespace prism::models {
namespace {

data::Dataset take_rows(const data::Dataset& all, const std::vector<int>& rows) {
  data::Dataset d;
  d.X.resize(static_cast<Eigen::Index>(rows.size()), all.X.cols());
  d.y.resize(static_cast<Eigen::Index>(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) d.X.row(i) = all.X.row(rows[i]), d.y(i) = all.y(rows[i]);
  d.num_classes = all.num_classes;
  d.name = all.name;
  return d;
}

}  // namespace

ImageSplit image_split(const RunContext& ctx, const std::string& dataset, int n, TrainRows which) {
  if (n < 1 || n > kSubsetPool) throw std::invalid_argument("image_split: n must be in 1..50000");
  const auto all = ctx.shared("images/train/" + dataset, [&] { return load_image_subset(dataset, data::Split::Train, 0); });
  std::vector<int> rows(static_cast<size_t>(n));
  std::iota(rows.begin(), rows.end(), 0);
  if (which == TrainRows::kSeededSubset && ctx.seed() > 1) {  // partial Fisher-Yates over the pool
    std::vector<int> pool(kSubsetPool);
    std::iota(pool.begin(), pool.end(), 0);
    Rng rng = ctx.rng("subset");
    for (int i = 0; i < n; ++i) std::swap(pool[i], pool[i + rng.index(static_cast<std::uint64_t>(kSubsetPool - i))]);
    rows.assign(pool.begin(), pool.begin() + n);
  }
  std::vector<int> validation(kValidationRows);
  std::iota(validation.begin(), validation.end(), kSubsetPool);
  ImageSplit s{take_rows(*all, rows), take_rows(*all, validation), {}};
  s.test = *ctx.shared("images/test/" + dataset, [&] { return load_image_subset(dataset, data::Split::Test, 0); });
  return s;
}

}  // namespace prism::models
