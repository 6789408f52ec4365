// critical-batch's Derive hook on hand-made points: s(m) = t(1) / t(m) with
// t(1) of the same seed, the linear-scaling and plateau ratios, the
// saturation ratio at the grid's end and the spread of m* over n. The claim
// is linked in (prism_claims) and found in the registry by its id.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/core/claim.h"
#include "tests/support/test_support.h"

namespace prism {
namespace {

constexpr double kMStar = 1.5;  // first grid m >= 4 m* is 8

PointRuns batch_point(int m, bool grid_end, const std::vector<double>& iterations) {
  PointRuns p;
  p.params = {{"problem", "synthetic"}, {"ratio", 4.0}, {"max_epochs", 400.0}, {"n", 64}, {"batch", m}};
  if (grid_end) p.params["grid_end"] = true;
  for (size_t s = 0; s < iterations.size(); ++s) {
    p.seeds.push_back(s + 1);
    Measurement run;
    run.set("iterations", iterations[s]);
    run.set("reached", s == 0 || m != 4 ? 1.0 : 0.0);  // seed 2 misses the target at m = 4
    run.set("m_star", kMStar);
    p.runs.push_back(run);
  }
  return p;
}

PointRuns spectrum_point(int n, double m_star, bool compare) {
  PointRuns p;
  p.params = {{"problem", "mnist-spectrum"}, {"n", n}};
  if (compare) p.params["compare_n"] = {100, 200};
  p.seeds = {1, 2};
  for (int s = 0; s < 2; ++s) {
    Measurement run;
    run.set("m_star", m_star);
    p.runs.push_back(run);
  }
  return p;
}

const DeriveFn& derive() {
  const ClaimSpec* spec = ClaimRegistry::instance().find("critical-batch");
  EXPECT_NE(spec, nullptr);
  return spec->derive;
}

TEST(CriticalBatchDerive, SpeedupsPairEachSeedWithItsOwnBatchOneRun) {
  std::vector<PointRuns> pts = {batch_point(1, false, {800, 1000}), batch_point(2, false, {400, 400}),
                                batch_point(4, false, {300, 250}), batch_point(8, true, {200, 200}),
                                spectrum_point(100, 8.0, false), spectrum_point(200, 8.4, false),
                                spectrum_point(400, 8.2, true)};
  derive()(pts);
  const auto& s = [&](size_t point, size_t seed, const char* name) { return pts[point].runs[seed].scalars.at(name); };
  EXPECT_EQ(s(1, 0, "speedup"), 2.0);
  EXPECT_EQ(s(1, 1, "speedup"), 2.5);
  EXPECT_EQ(s(0, 1, "speedup"), 1.0);
  EXPECT_EQ(s(2, 1, "iterations_batch_1"), 1000.0);
  // s(m) / min(m, m*) and s(m) / (2 (m* - 1)).
  EXPECT_DOUBLE_EQ(s(1, 0, "speedup_over_linear"), 2.0 / kMStar);
  EXPECT_DOUBLE_EQ(s(0, 0, "speedup_over_linear"), 1.0);
  EXPECT_DOUBLE_EQ(s(1, 0, "speedup_over_plateau"), 2.0 / (2 * (kMStar - 1)));
  // Reached only if this run and the batch-1 run of the seed both reached.
  EXPECT_EQ(s(2, 0, "reached_target"), 1.0);
  EXPECT_EQ(s(2, 1, "reached_target"), 0.0);
  EXPECT_FALSE(pts[2].runs[1].scalars.count("reached")) << "folded into reached_target";
  // Saturation at the grid's end: t(m_sat) / t(m_max), m_sat = 8 here, so 1.
  EXPECT_EQ(s(3, 0, "saturation_from_batch"), 8.0);
  EXPECT_EQ(s(3, 0, "saturation_ratio"), 1.0);
  EXPECT_FALSE(pts[2].runs[0].scalars.count("saturation_ratio")) << "only at the grid's end";
  // m* spread over the compared n: 8.4 / 8.0.
  EXPECT_DOUBLE_EQ(s(6, 0, "m_star_spread"), 8.4 / 8.0);
  EXPECT_FALSE(pts[5].runs[0].scalars.count("m_star_spread"));
}

TEST(CriticalBatchDerive, AGridEndingBelowFourMStarIsAnError) {
  std::vector<PointRuns> pts = {batch_point(1, false, {800}), batch_point(2, true, {400})};
  PRISM_EXPECT_THROW_WITH(derive()(pts), std::invalid_argument, "grid ends below 4 m*");
}

TEST(CriticalBatchDerive, NoBatchOnePointIsAnError) {
  std::vector<PointRuns> pts = {batch_point(2, false, {400})};
  PRISM_EXPECT_THROW_WITH(derive()(pts), std::logic_error, "no batch-1 point");
}

}  // namespace
}  // namespace prism
