// The check kinds (src/core/checks.h) on hand-built measurements.
//
// Every kind gets data on which it must pass, data on which it must fail, and,
// where the kind can express doubt, data whose mean lies inside the reference
// but whose interval crosses its boundary (inconclusive). The CheckSpecs are
// built by hand the way reference.cc builds them: `fields` holds every key of
// the TOML table, `where` is also copied out; one test loads the same checks
// from TOML and compares, so the hand-built specs cannot drift from the parser.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/core/checks.h"
#include "src/core/error.h"
#include "src/core/reference.h"
#include "tests/support/test_support.h"
#include "tests/support/tolerances.h"

namespace prism {
namespace {

using namespace ::prism::testing::tolerances;
using ::prism::testing::ScratchDir;

constexpr double kInf = std::numeric_limits<double>::infinity();

// ------------------------------------------------------------------ builders

Measurement scalars(std::initializer_list<std::pair<const std::string, double>> values) {
  Measurement m;
  for (const auto& [k, v] : values) m.set(k, v);
  return m;
}

// One sweep point; its runs are seeds 1, 2, ..., runs.size().
PointRuns point(Json params, std::vector<Measurement> runs) {
  PointRuns p;
  p.params = std::move(params);
  for (size_t i = 0; i < runs.size(); ++i) p.seeds.push_back(i + 1);
  p.runs = std::move(runs);
  return p;
}

// One point whose scalar `name` takes `values` on seeds 1..n.
PointRuns point_with(Json params, const std::string& name, const std::vector<double>& values) {
  std::vector<Measurement> runs;
  for (double v : values) runs.push_back(scalars({{name, v}}));
  return point(std::move(params), std::move(runs));
}

// A CheckSpec as load_reference makes it, from the whole table of the check.
CheckSpec spec(const std::string& name, const std::string& kind, Json where, Json kind_fields) {
  Json table = {{"name", name}, {"kind", kind}, {"source", "hand-made test data"}};
  if (!where.empty()) table["where"] = where;
  for (const auto& [k, v] : kind_fields.items()) table[k] = v;
  return make_check(table, "checks_test.toml:1");
}

// The same check with one field changed (parsed again, as a control would be).
CheckSpec with(const CheckSpec& c, const std::string& key, Json value) {
  Json table = c.fields;
  table[key] = std::move(value);
  return make_check(table, c.location);
}

// Deterministic small "noise" in [-1, 1], different per seed and per index.
double wiggle(int seed, int i) { return std::sin(12.9898 * seed + 78.233 * i + 0.5); }

// Readable verdict comparison: EXPECT_VERDICT(result, Pass) prints the detail.
#define EXPECT_VERDICT(result, expected)                                                        \
  EXPECT_EQ(to_string((result).verdict), std::string(to_string(Verdict::expected)))            \
      << "check '" << (result).name << "': " << (result).detail << "\n  value " << (result).value \
      << " CI [" << (result).ci_lo << ", " << (result).ci_hi << "] against [" << (result).ref_lo  \
      << ", " << (result).ref_hi << "]"

// The five-seed sample {1, 2, 3, 4, 5} of stats_test: mean 3, se = sqrt(1/2),
// 95 % CI 3 +- 2.7764 * 0.707107 = [1.03676, 4.96324].
const std::vector<double> kOneToFive = {1, 2, 3, 4, 5};
const double kOneToFiveHalf = kT975Dof4 * std::sqrt(0.5);

std::vector<PointRuns> one_point_one_to_five() {
  return {point_with({{"n", 100}}, "err", kOneToFive)};
}

// --------------------------------------------------------- PointRuns basics

TEST(PointRuns, MatchesWithNumericTolerance) {
  PointRuns p = point_with({{"n", 100}, {"eta", 0.3}, {"dataset", "mnist"}}, "err", {1.0});
  EXPECT_TRUE(p.matches(Json::object())) << "an empty where selects every point";
  EXPECT_TRUE(p.matches({{"n", 100}}));
  EXPECT_TRUE(p.matches({{"n", 100.0}})) << "integer 100 in the sweep, 100.0 in the TOML";
  EXPECT_TRUE(p.matches({{"eta", 0.1 + 0.2}})) << "0.1 + 0.2 = 0.30000000000000004 is 0.3";
  EXPECT_TRUE(p.matches({{"eta", 0.3}, {"dataset", "mnist"}}));
  EXPECT_FALSE(p.matches({{"eta", 0.3001}})) << "the tolerance is relative 1e-12, not 1e-4";
  EXPECT_FALSE(p.matches({{"n", 101}}));
  EXPECT_FALSE(p.matches({{"dataset", "cifar"}}));
  EXPECT_FALSE(p.matches({{"n", "100"}})) << "a string never equals a number";
  EXPECT_FALSE(p.matches({{"bandwidth", 5.0}})) << "a key the point lacks";
  EXPECT_FALSE(p.matches({{"n", 100}, {"dataset", "cifar"}})) << "every key must match";
}

TEST(PointRuns, ValuesAcrossSeedsAndMissingNames) {
  PointRuns p = point({{"n", 1}}, {scalars({{"a", 1}, {"b", 10}}), scalars({{"a", 2}, {"b", 20}})});
  EXPECT_EQ(p.values("a", "here"), (std::vector<double>{1, 2}));
  EXPECT_EQ(p.scalar_names(), (std::vector<std::string>{"a", "b"}));
  // The message lists what is measured.
  PRISM_EXPECT_THROW_WITH(p.values("c", "file.toml:7"), ReferenceError, "file.toml:7", "'c'", "a, b");
}

// -------------------------------------------------------- selection errors

TEST(SelectPoints, WhereSelectingNothingIsAReferenceError) {
  const auto data = one_point_one_to_five();
  const CheckSpec c = spec("no-such-point", "bound", {{"n", 200}}, {{"measured", "err"}, {"max", 10.0}});
  PRISM_EXPECT_THROW_WITH(evaluate_check(c, data), ReferenceError, "checks_test.toml:1", "no-such-point")
      << "a check on no data must not pass vacuously";
}

TEST(SelectPoints, PointsWithoutRunsAreNotSelected) {
  std::vector<PointRuns> data = one_point_one_to_five();
  data.push_back(point({{"n", 200}}, {}));
  const CheckSpec only_empty = spec("empty", "bound", {{"n", 200}}, {{"measured", "err"}, {"max", 10.0}});
  EXPECT_THROW(evaluate_check(only_empty, data), ReferenceError);
  const CheckSpec all = spec("all", "bound", Json::object(), {{"measured", "err"}, {"max", 10.0}});
  EXPECT_EQ(select_points(all, data).size(), 1u);
}

TEST(EvaluateCheck, UnmeasuredNameIsAReferenceErrorNamingIt) {
  const auto data = one_point_one_to_five();
  for (const std::string kind : {"bound", "slope"}) {
    CheckSpec c = kind == "bound"
                      ? spec("typo", "bound", Json::object(), {{"measured", "distance_to_min_nrom"}, {"max", 1.0}})
                      : spec("typo", "slope", Json::object(),
                             {{"x", "n"}, {"y", "distance_to_min_nrom"}, {"min", 0.0}, {"max", 1.0}});
    std::vector<PointRuns> two = data;
    two.push_back(point_with({{"n", 200}}, "err", kOneToFive));
    PRISM_EXPECT_THROW_WITH(evaluate_check(c, two), ReferenceError, "distance_to_min_nrom") << kind;
  }
}

TEST(EvaluateCheck, UnknownKindIsAReferenceError) {
  const auto data = one_point_one_to_five();
  EXPECT_THROW(evaluate_check(spec("k", "median", Json::object(), {{"measured", "err"}}), data), ReferenceError);
}

TEST(EvaluateCheck, CopiesTheSpecIntoTheResult) {
  const auto data = one_point_one_to_five();
  const CheckResult r = evaluate_check(spec("named", "bound", {{"n", 100}}, {{"measured", "err"}, {"max", 6.0}}), data);
  EXPECT_EQ(r.name, "named");
  EXPECT_EQ(r.kind, "bound");
  EXPECT_EQ(r.source, "hand-made test data");
  EXPECT_EQ(r.location, "checks_test.toml:1");
  EXPECT_EQ(r.seeds, 5);
  EXPECT_FALSE(r.residual);
  const CheckSpec residual =
      spec("named", "bound", {{"n", 100}}, {{"measured", "err"}, {"max", 6.0}, {"residual", true}});
  EXPECT_TRUE(evaluate_check(residual, data).residual) << "the marker travels to the result (and results.json)";
}

// --------------------------------------------------------------------- bound

TEST(BoundCheck, PassFailInconclusive) {
  const auto data = one_point_one_to_five();  // CI [1.037, 4.963]
  auto bound = [&](const char* key, double v) {
    return evaluate_check(spec("b", "bound", {{"n", 100}}, {{"measured", "err"}, {key, v}}), data);
  };
  const CheckResult pass = bound("max", 6.0);
  EXPECT_VERDICT(pass, Pass);
  EXPECT_NEAR(pass.value, 3.0, kCheckArithmeticTolerance);
  EXPECT_NEAR(pass.ci_lo, 3.0 - kOneToFiveHalf, kFourDecimalTableTolerance);
  EXPECT_NEAR(pass.ci_hi, 3.0 + kOneToFiveHalf, kFourDecimalTableTolerance);
  EXPECT_EQ(pass.ref_lo, -kInf);
  EXPECT_EQ(pass.ref_hi, 6.0);
  EXPECT_EQ(pass.seeds_needed, 0);

  const CheckResult fail = bound("max", 0.5);
  EXPECT_VERDICT(fail, Fail);
  EXPECT_EQ(fail.seeds_needed, 0);

  // Mean 3 below the bound 4, interval up to 4.96: more seeds needed, 21 of
  // them (stats_test: ceil(5 (1.963243 / 1)^2) + 1).
  const CheckResult unsure = bound("max", 4.0);
  EXPECT_VERDICT(unsure, Inconclusive);
  EXPECT_EQ(unsure.seeds_needed, 21);

  EXPECT_VERDICT(bound("min", 0.5), Pass);
  EXPECT_VERDICT(bound("min", 6.0), Fail);
  EXPECT_VERDICT(bound("min", 2.0), Inconclusive);
}

TEST(BoundCheck, EveryPointMustPassAndTheWorstIsReported) {
  std::vector<PointRuns> data = {point_with({{"n", 1}}, "err", {0.1, 0.1, 0.1}),
                                 point_with({{"n", 2}}, "err", {5.0, 5.0, 5.0}),
                                 point_with({{"n", 3}}, "err", {0.2, 0.2, 0.2})};
  const CheckResult r = evaluate_check(spec("b", "bound", Json::object(), {{"measured", "err"}, {"max", 1.0}}), data);
  EXPECT_VERDICT(r, Fail);
  EXPECT_EQ(r.value, 5.0) << "the point furthest beyond the bound";
  ASSERT_EQ(r.per_point.size(), 3u);
  EXPECT_EQ(r.per_point[0]["verdict"], "pass");
  EXPECT_EQ(r.per_point[1]["verdict"], "fail");

  // Restricting `where` to the good points passes.
  const CheckResult good = evaluate_check(spec("b", "bound", {{"n", 1}}, {{"measured", "err"}, {"max", 1.0}}), data);
  EXPECT_VERDICT(good, Pass);

  // One pass and one doubtful point: inconclusive, not pass.
  data[1] = point_with({{"n", 2}}, "err", kOneToFive);
  const CheckResult mixed =
      evaluate_check(spec("b", "bound", Json::object(), {{"measured", "err"}, {"max", 4.0}}), data);
  EXPECT_VERDICT(mixed, Inconclusive);
}

TEST(BoundCheck, OneSeedIsNeverDecided) {
  const std::vector<PointRuns> data = {point_with({{"n", 1}}, "err", {1e-12})};
  const CheckResult r = evaluate_check(spec("b", "bound", Json::object(), {{"measured", "err"}, {"max", 1e-6}}), data);
  EXPECT_VERDICT(r, Inconclusive);
  EXPECT_EQ(r.seeds_needed, 3);
}

// ---------------------------------------------------------------------- band

TEST(BandCheck, PassFailInconclusive) {
  const auto data = one_point_one_to_five();
  auto band = [&](double lo, double hi) {
    return evaluate_check(spec("band", "band", {{"n", 100}}, {{"measured", "err"}, {"min", lo}, {"max", hi}}), data);
  };
  EXPECT_VERDICT(band(0.0, 10.0), Pass);
  EXPECT_VERDICT(band(10.0, 20.0), Fail);
  EXPECT_VERDICT(band(-3.0, 0.5), Fail);
  const CheckResult unsure = band(2.0, 10.0);  // mean 3 inside, CI down to 1.04
  EXPECT_VERDICT(unsure, Inconclusive);
  EXPECT_EQ(unsure.ref_lo, 2.0);
  EXPECT_EQ(unsure.ref_hi, 10.0);
}

// --------------------------------------------------------------------- close

TEST(CloseCheck, PassFailInconclusive) {
  const auto data = one_point_one_to_five();
  auto close = [&](Json tol) {
    Json f = {{"measured", "err"}};
    for (const auto& [k, v] : tol.items()) f[k] = v;
    return evaluate_check(spec("close", "close", {{"n", 100}}, f), data);
  };
  // 3 +- 100 % = [0, 6]
  const CheckResult pass = close({{"value", 3.0}, {"rtol", 1.0}});
  EXPECT_VERDICT(pass, Pass);
  EXPECT_NEAR(pass.ref_lo, 0.0, kCheckArithmeticTolerance);
  EXPECT_NEAR(pass.ref_hi, 6.0, kCheckArithmeticTolerance);
  // 100 +- 10 % = [90, 110]
  EXPECT_VERDICT(close({{"value", 100.0}, {"rtol", 0.1}}), Fail);
  // 3 +- 0.5: the mean is exact, the interval [1.04, 4.96] is wider.
  EXPECT_VERDICT(close({{"value", 3.0}, {"atol", 0.5}}), Inconclusive);
  // rtol and atol add: 10 +- (0.5 * 10 + 1.5) = [3.5, 16.5].
  const CheckResult both = close({{"value", 10.0}, {"rtol", 0.5}, {"atol", 1.5}});
  EXPECT_NEAR(both.ref_lo, 3.5, kCheckArithmeticTolerance);
  EXPECT_NEAR(both.ref_hi, 16.5, kCheckArithmeticTolerance);
  EXPECT_VERDICT(both, Inconclusive);
  // A negative reference value: tolerance on |value|, -3 +- 1.0 * 3 = [-6, 0].
  const CheckResult negative = close({{"value", -3.0}, {"rtol", 1.0}});
  EXPECT_NEAR(negative.ref_lo, -6.0, kCheckArithmeticTolerance);
  EXPECT_NEAR(negative.ref_hi, 0.0, kCheckArithmeticTolerance);
  EXPECT_VERDICT(negative, Fail);
}

// --------------------------------------------------------------------- slope

const std::vector<double> kSlopeX = {10, 20, 40, 80, 160};

// err = 3 n^{p_s} on seed s (exact power laws), one point per n.
std::vector<PointRuns> power_laws(const std::vector<double>& exponents) {
  std::vector<PointRuns> data;
  for (double n : kSlopeX) {
    std::vector<double> v;
    for (double p : exponents) v.push_back(3 * std::pow(n, p));
    data.push_back(point_with({{"n", n}, {"family", "power"}}, "err", v));
  }
  return data;
}

CheckSpec slope_spec(double lo, double hi) {
  return spec("slope", "slope", {{"family", "power"}}, {{"x", "n"}, {"y", "err"}, {"min", lo}, {"max", hi}});
}

TEST(SlopeCheck, HandComputedPerSeedSlopesPass) {
  // Per-seed log-log slopes are the exponents: mean -0.5, deviations
  // 0.01, -0.01, 0, 0.02, -0.02 -> sd = sqrt(10e-4 / 4), se = sqrt(2.5e-4 / 5)
  // = 0.00707107, half-width 2.7764 * se = 0.019632.
  const CheckResult r = evaluate_check(slope_spec(-0.6, -0.4), power_laws({-0.49, -0.51, -0.50, -0.48, -0.52}));
  EXPECT_VERDICT(r, Pass);
  const double half = kT975Dof4 * std::sqrt(2.5e-4 / 5);
  EXPECT_NEAR(r.value, -0.5, kCheckArithmeticTolerance);
  EXPECT_NEAR(r.ci_lo, -0.5 - half, kFourDecimalTableTolerance);
  EXPECT_NEAR(r.ci_hi, -0.5 + half, kFourDecimalTableTolerance);
  EXPECT_EQ(r.seeds, 5);
}

TEST(SlopeCheck, NoisyInverseSquareRootPasses) {
  // y = x^-0.5 (1 + 1 % seed noise): per-seed slopes within a few 1e-3 of -0.5.
  std::vector<PointRuns> data;
  for (size_t i = 0; i < kSlopeX.size(); ++i) {
    std::vector<double> v;
    for (int s = 1; s <= 5; ++s) v.push_back(std::pow(kSlopeX[i], -0.5) * (1 + 0.01 * wiggle(s, i)));
    data.push_back(point_with({{"n", kSlopeX[i]}, {"family", "power"}}, "err", v));
  }
  const CheckResult r = evaluate_check(slope_spec(-0.6, -0.4), data);
  EXPECT_VERDICT(r, Pass);
  EXPECT_NEAR(r.value, -0.5, 0.01);
}

TEST(SlopeCheck, ConstantFails) {
  const CheckResult r = evaluate_check(slope_spec(-0.6, -0.4), power_laws({0, 0, 0, 0, 0}));
  EXPECT_VERDICT(r, Fail);
  EXPECT_NEAR(r.value, 0.0, kCheckArithmeticTolerance);
}

TEST(SlopeCheck, SpreadOfSeedsIsInconclusive) {
  // Exponents -0.45, -0.55, -0.35, -0.65, -0.5: mean -0.5 (inside), deviations
  // +-0.05, +-0.15, 0 -> sd = sqrt(0.05 / 4), se = 0.05, half-width 0.1388:
  // [-0.639, -0.361] crosses both ends of [-0.6, -0.4].
  const CheckResult r = evaluate_check(slope_spec(-0.6, -0.4), power_laws({-0.45, -0.55, -0.35, -0.65, -0.5}));
  EXPECT_VERDICT(r, Inconclusive);
  EXPECT_NEAR(r.ci_hi - r.value, kT975Dof4 * 0.05, kFourDecimalTableTolerance);
  // The nearer boundary is 0.1 from the mean: 5 (0.13882 / 0.1)^2 = 9.64,
  // ceil 10, plus 1.
  EXPECT_EQ(r.seeds_needed, 11);
}

TEST(SlopeCheck, LinearAxesAndScalarX) {
  // logx = logy = false: y = 2 x + 1 exactly, slope 2. x is a measured scalar
  // (its seed mean), not a sweep parameter.
  std::vector<PointRuns> data;
  for (double w : {1.0, 2.0, 5.0}) {
    std::vector<Measurement> runs;
    for (int s = 1; s <= 3; ++s) runs.push_back(scalars({{"width", w}, {"y", 2 * w + 1}}));
    data.push_back(point({{"w", w}}, runs));
  }
  const CheckSpec c = spec("lin", "slope", Json::object(),
                           {{"x", "width"}, {"y", "y"}, {"min", 1.9}, {"max", 2.1}, {"logx", false}, {"logy", false}});
  const CheckResult r = evaluate_check(c, data);
  EXPECT_VERDICT(r, Pass);
  EXPECT_NEAR(r.value, 2.0, kCheckArithmeticTolerance);
}

TEST(SlopeCheck, OnePointIsAReferenceError) {
  const auto data = power_laws({-0.5, -0.5});
  const CheckSpec c = spec("slope", "slope", {{"n", 10}}, {{"x", "n"}, {"y", "err"}, {"min", -1.0}, {"max", 0.0}});
  EXPECT_THROW(evaluate_check(c, data), ReferenceError);
}

// ---------------------------------------------------------------------- knee

// Iterations to a target loss against the batch size m = 1, 2, 4, ..., 256:
// t(m) = T / min(m, m*_s) on seed s, so the speed-up s(m) = t(1) / t(m) =
// min(m, m*) is linear then flat, with its knee at m*. Every point records the
// scalar m_star (what the check divides by).
std::vector<PointRuns> batch_curve(const std::vector<double>& m_star_per_seed, double recorded_m_star,
                                   double noise = 0) {
  std::vector<PointRuns> data;
  int i = 0;
  for (double m = 1; m <= 256; m *= 2, ++i) {
    std::vector<Measurement> runs;
    for (size_t s = 0; s < m_star_per_seed.size(); ++s) {
      const double t = 1000.0 / std::min(m, m_star_per_seed[s]) * (1 + noise * wiggle(s + 1, i));
      runs.push_back(scalars({{"iterations", t}, {"m_star", recorded_m_star}}));
    }
    data.push_back(point({{"batch", m}, {"dataset", "synthetic"}}, runs));
  }
  return data;
}

CheckSpec knee_spec(Json expected) {
  return spec("knee-at-m-star", "knee", {{"dataset", "synthetic"}},
              {{"x", "batch"},
               {"y", "iterations"},
               {"expected", expected},
               {"window", {0.65, 2.6}},
               {"y_ratio_to_first", true}});
}

TEST(KneeCheck, KneeAtMStarPasses) {
  // m* = 12 lies between the samples 8 and 16; the exact two-segment curve
  // still pins the knee (stats_test), so knee / m* = 1.
  const CheckResult r = evaluate_check(knee_spec("m_star"), batch_curve({12, 12, 12, 12}, 12));
  EXPECT_VERDICT(r, Pass);
  EXPECT_NEAR(r.value, 1.0, kKneeSearchTolerance);
  EXPECT_NEAR(r.per_point["knee"].get<double>(), 12.0, 12 * kKneeSearchTolerance);
  EXPECT_EQ(r.per_point["expected"].get<double>(), 12.0);
  EXPECT_EQ(r.ref_lo, 0.65);
  EXPECT_EQ(r.ref_hi, 2.6);
}

TEST(KneeCheck, NoisyKneePasses) {
  const CheckResult r = evaluate_check(knee_spec("m_star"), batch_curve({12, 12, 12, 12, 12}, 12, 0.02));
  EXPECT_VERDICT(r, Pass);
  EXPECT_NEAR(r.value, 1.0, 0.1);
}

TEST(KneeCheck, ForeignMStarFourTimesLargerFails) {
  // The same curve against m* = 48: knee / m* = 12 / 48 = 0.25 < 0.65.
  const CheckResult r = evaluate_check(knee_spec("m_star"), batch_curve({12, 12, 12, 12}, 48));
  EXPECT_VERDICT(r, Fail);
  EXPECT_NEAR(r.value, 0.25, kKneeSearchTolerance);
}

TEST(KneeCheck, LiteralExpectedNumber) {
  EXPECT_VERDICT(evaluate_check(knee_spec(12.0), batch_curve({12, 12, 12}, 0)), Pass);
  // Four times smaller: 12 / 3 = 4 > 2.6.
  EXPECT_VERDICT(evaluate_check(knee_spec(3.0), batch_curve({12, 12, 12}, 0)), Fail);
}

TEST(KneeCheck, SeedsThatDisagreeAreInconclusive) {
  // Two seeds with knees at 4 and 64 against m* = 16. The jackknife leaves one
  // seed out at a time: the knees 64 / 16 = 4 and 4 / 16 = 0.25, mean 2.125,
  // sum of squares 2 * 1.875^2, se = sqrt(ss (n - 1) / n) = 1.875, half-width
  // t_{0.975,1} * 1.875 = 23.82: the interval covers the whole window.
  const CheckResult r = evaluate_check(knee_spec(16.0), batch_curve({4, 64}, 0));
  EXPECT_VERDICT(r, Inconclusive);
  EXPECT_NEAR(r.ci_hi - r.value, kT975Dof1 * 1.875, kFourDecimalTableTolerance * 1.875);
}

TEST(KneeCheck, JackknifeIntervalOfThreeSeeds) {
  // Knees at 8, 12 and 16 on seeds 1-3 against m* = 12. The interval is the
  // leave-one-seed-out jackknife: recompute the knee of the seed-mean speed-up
  // with each seed left out (here with fit_knee, tested in stats_test), then
  // se = sqrt((n - 1) / n * sum (k_i - mean k)^2) and half-width t_{0.975,2} se.
  const std::vector<double> knees = {8, 12, 16};
  const auto data = batch_curve(knees, 12);
  auto knee_without = [&](int left_out) {
    std::vector<double> log_m, log_s;
    double t1 = 0;
    std::vector<double> mean_t;
    for (const auto& p : data) {
      double sum = 0;
      int count = 0;
      for (int s = 0; s < 3; ++s)
        if (s != left_out) sum += p.runs[s].scalars.at("iterations"), ++count;
      mean_t.push_back(sum / count);
    }
    t1 = mean_t.front();
    for (size_t i = 0; i < data.size(); ++i) {
      log_m.push_back(std::log(data[i].params["batch"].get<double>()));
      log_s.push_back(std::log(t1 / mean_t[i]));
    }
    return std::exp(fit_knee(log_m, log_s, 1, 0).knee) / 12;
  };
  std::vector<double> loo;
  for (int s = 0; s < 3; ++s) loo.push_back(knee_without(s));
  double mean = 0, ss = 0;
  for (double v : loo) mean += v / 3;
  for (double v : loo) ss += (v - mean) * (v - mean);
  const double se = std::sqrt(ss * 2 / 3);
  ASSERT_GT(se, 0.01) << "the seeds must disagree for this test to mean anything";

  const CheckResult r = evaluate_check(knee_spec("m_star"), data);
  EXPECT_NEAR(r.value, knee_without(-1), kKneeSearchTolerance) << "the knee of all seeds' mean";
  EXPECT_NEAR(r.ci_hi - r.value, kT975Dof2 * se, kFourDecimalTableTolerance) << "leave-one-out knees " << loo[0] << ", "
                                                                   << loo[1] << ", " << loo[2];
  EXPECT_NEAR(r.value - r.ci_lo, kT975Dof2 * se, kFourDecimalTableTolerance);
}

TEST(KneeCheck, OtherSlopesWithoutRatio) {
  // y itself is the speed-up, slope 1 then 0.5 in log-log:
  // s(m) = min(m, 20) * sqrt(max(m / 20, 1)).
  std::vector<PointRuns> data;
  for (double m = 1; m <= 1024; m *= 2) {
    const double s = std::min(m, 20.0) * std::sqrt(std::max(m / 20.0, 1.0));
    data.push_back(point_with({{"batch", m}}, "speedup", {s, s, s}));
  }
  const CheckSpec c = spec("knee", "knee", Json::object(),
                           {{"x", "batch"}, {"y", "speedup"}, {"expected", 20.0}, {"window", {0.9, 1.1}},
                            {"slopes", {1.0, 0.5}}});
  const CheckResult r = evaluate_check(c, data);
  EXPECT_VERDICT(r, Pass);
  EXPECT_NEAR(r.value, 1.0, kKneeSearchTolerance);
  // Fitting slopes (1, 0) to the same data puts the knee elsewhere.
  const CheckSpec wrong = with(c, "slopes", {1.0, 0.0});
  EXPECT_GT(std::abs(evaluate_check(wrong, data).value - 1.0), 0.1);
}

// -------------------------------------------------------------------- argmax

// test_loss(x) = h_s / (1 + 10 (x - peak_s)^2) on seed s, x = N / n.
std::vector<PointRuns> peaked(const std::vector<double>& peaks, const std::vector<double>& heights) {
  std::vector<PointRuns> data;
  int i = 0;
  for (double x : {0.5, 0.8, 1.0, 1.2, 2.0}) {
    std::vector<double> v;
    for (size_t s = 0; s < peaks.size(); ++s)
      v.push_back(heights[s] / (1 + 10 * (x - peaks[s]) * (x - peaks[s])) + 1e-3 * wiggle(s + 1, i));
    data.push_back(point_with({{"ratio", x}}, "test_loss", v));
    ++i;
  }
  return data;
}

CheckSpec argmax_spec() {
  return spec("peak", "argmax", Json::object(), {{"x", "ratio"}, {"y", "test_loss"}, {"window", {0.9, 1.1}}});
}

TEST(ArgmaxCheck, PeakAtOnePasses) {
  const CheckResult r = evaluate_check(argmax_spec(), peaked({1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}));
  EXPECT_VERDICT(r, Pass);
  EXPECT_EQ(r.value, 1.0);
  EXPECT_EQ(r.ci_lo, 1.0);
  EXPECT_EQ(r.ci_hi, 1.0);
}

TEST(ArgmaxCheck, PeakAtTwoFails) {
  const CheckResult r = evaluate_check(argmax_spec(), peaked({2, 2, 2, 2, 2}, {1, 1, 1, 1, 1}));
  EXPECT_VERDICT(r, Fail);
  EXPECT_EQ(r.value, 2.0);
}

TEST(ArgmaxCheck, MajorityOutsideFails) {
  // Seeds 1-2 peak at 1, seeds 3-5 at 2. Seed means: at 1, (2 + 3/11) / 5 =
  // 0.45; at 2, (2/11 + 3) / 5 = 0.64. The mean peaks at 2 and only 2 of 5
  // seeds are inside.
  const CheckResult r = evaluate_check(argmax_spec(), peaked({1, 1, 2, 2, 2}, {1, 1, 1, 1, 1}));
  EXPECT_VERDICT(r, Fail);
}

TEST(ArgmaxCheck, OneSeedElsewhereIsInconclusive) {
  // Seeds 1-4 peak at 1, seed 5 at 2: the mean peaks at 1 (0.82 against 0.27),
  // but not every seed agrees.
  const CheckResult r = evaluate_check(argmax_spec(), peaked({1, 1, 1, 1, 2}, {1, 1, 1, 1, 1}));
  EXPECT_VERDICT(r, Inconclusive);
  EXPECT_EQ(r.value, 1.0);
  EXPECT_EQ(r.ci_hi, 2.0);
}

TEST(ArgmaxCheck, MeanOutsideButMostSeedsInsideIsInconclusive) {
  // Seeds 1-3 peak at 1 with height 1, seeds 4-5 at 2 with height 5: means at
  // 1, (3 + 10/11) / 5 = 0.78; at 2, (3/11 + 10) / 5 = 2.05. The mean peaks
  // outside while 3 of 5 seeds are inside.
  const CheckResult r = evaluate_check(argmax_spec(), peaked({1, 1, 1, 2, 2}, {1, 1, 1, 5, 5}));
  EXPECT_VERDICT(r, Inconclusive);
  EXPECT_EQ(r.value, 2.0);
}

TEST(ArgmaxCheck, RelativeToAParameterOrANumber) {
  // x = N, peak at N = n = 100; the check divides by n.
  std::vector<PointRuns> data;
  for (double N : {50.0, 80.0, 100.0, 120.0, 200.0}) {
    const double y = 1 / (1 + 10 * (N / 100 - 1) * (N / 100 - 1));
    data.push_back(point_with({{"N", N}, {"n", 100}}, "test_loss", {y, y, y}));
  }
  CheckSpec c = spec("peak", "argmax", Json::object(),
                     {{"x", "N"}, {"y", "test_loss"}, {"window", {0.9, 1.1}}, {"relative_to", "n"}});
  const CheckResult by_name = evaluate_check(c, data);
  EXPECT_VERDICT(by_name, Pass);
  EXPECT_NEAR(by_name.value, 1.0, kCheckArithmeticTolerance);
  EXPECT_VERDICT(evaluate_check(with(c, "relative_to", 100.0), data), Pass);
  EXPECT_VERDICT(evaluate_check(with(c, "relative_to", 50.0), data), Fail);  // peak at N / 50 = 2
}

TEST(ArgmaxCheck, NoCommonSeedIsAReferenceError) {
  // Seeds 1-3 at one point, 4-6 at the other: no per-seed argmax exists. (Before
  // the guard, the empty per-seed list was dereferenced.)
  std::vector<PointRuns> data = peaked({1, 1, 1}, {1, 1, 1});
  data.resize(2);
  data[1].seeds = {4, 5, 6};
  EXPECT_THROW(evaluate_check(argmax_spec(), data), ReferenceError);
  // The slope check says the same.
  std::vector<PointRuns> slopes = power_laws({-0.5, -0.5, -0.5});
  slopes[1].seeds = {4, 5, 6};
  EXPECT_THROW(evaluate_check(slope_spec(-0.6, -0.4), slopes), ReferenceError);
}

// ------------------------------------------------------------------ monotone

// Points N = 1..4, y_s(N) = ys[N-1] + seed offset + 1e-3 noise. The seed offset
// cancels in the paired steps; the noise gives them a small spread.
std::vector<PointRuns> along_n(const std::vector<double>& ys, int seeds = 5) {
  std::vector<PointRuns> data;
  for (size_t i = 0; i < ys.size(); ++i) {
    std::vector<double> v;
    for (int s = 1; s <= seeds; ++s) v.push_back(ys[i] + 0.5 * s + 1e-3 * wiggle(s, i));
    data.push_back(point_with({{"N", static_cast<double>(i + 1)}}, "norm", v));
  }
  return data;
}

CheckSpec monotone_spec(const std::string& direction, Json extra = Json::object()) {
  Json f = {{"x", "N"}, {"y", "norm"}, {"direction", direction}};
  for (const auto& [k, v] : extra.items()) f[k] = v;
  return spec("mono", "monotone", Json::object(), f);
}

TEST(MonotoneCheck, IncreasingPassesAndFails) {
  const auto rising = along_n({1, 2, 3, 4});
  EXPECT_VERDICT(evaluate_check(monotone_spec("increasing"), rising), Pass);
  const CheckResult down = evaluate_check(monotone_spec("decreasing"), rising);
  EXPECT_VERDICT(down, Fail);
  EXPECT_NEAR(down.value, -1.0, 0.01) << "the smallest step in the claimed direction";
}

TEST(MonotoneCheck, DecreasingPassesAndFails) {
  const auto falling = along_n({10, 7, 5, 4});
  const CheckResult r = evaluate_check(monotone_spec("decreasing"), falling);
  EXPECT_VERDICT(r, Pass);
  EXPECT_NEAR(r.value, 1.0, 0.01) << "steps 3, 2, 1: the smallest is 1";
  EXPECT_VERDICT(evaluate_check(monotone_spec("increasing"), falling), Fail);
}

TEST(MonotoneCheck, SlackAllowsSmallReversals) {
  // 10 -> 8 -> 8.1 -> 6: an uptick of 0.1, 1.25 % of 8 (the seed offsets add
  // 0.5..2.5 to the base, so the allowed step is 5 % of ~9.5 = 0.475).
  const auto data = along_n({10, 8, 8.1, 6});
  EXPECT_VERDICT(evaluate_check(monotone_spec("decreasing"), data), Fail);
  EXPECT_VERDICT(evaluate_check(monotone_spec("decreasing", {{"slack", 0.05}}), data), Pass);
  // 0.5 % of ~9.5 = 0.0475 < 0.1: still a failure.
  EXPECT_VERDICT(evaluate_check(monotone_spec("decreasing", {{"slack", 0.005}}), data), Fail);
}

TEST(MonotoneCheck, NoisyStepIsInconclusive) {
  // Paired steps from N = 1 to 2 of +1, -1, +2, -2, +0.5 on seeds 1..5: mean 0.1,
  // squares about it 10.25 - 5 * 0.1^2 = 10.2, the interval
  // 0.1 +- 2.7764 sqrt(10.2 / 4 / 5) = [-1.88, 2.08] contains 0.
  const std::vector<double> step = {1, -1, 2, -2, 0.5};
  std::vector<double> at1, at2;
  for (int s = 0; s < 5; ++s) {
    at1.push_back(5.0);
    at2.push_back(5.0 + step[s]);
  }
  const std::vector<PointRuns> data = {point_with({{"N", 1.0}}, "norm", at1), point_with({{"N", 2.0}}, "norm", at2)};
  const CheckResult r = evaluate_check(monotone_spec("increasing"), data);
  EXPECT_VERDICT(r, Inconclusive);
  EXPECT_NEAR(r.value, 0.1, kCheckArithmeticTolerance);
  EXPECT_NEAR(r.ci_hi - r.value, kT975Dof4 * std::sqrt(10.2 / 4 / 5), kFourDecimalTableTolerance);
}

TEST(MonotoneCheck, FromSkipsTheStart) {
  // Down from N = 1 to 2, then up: increasing only from N = 2 on.
  const auto data = along_n({5, 1, 2, 3});
  EXPECT_VERDICT(evaluate_check(monotone_spec("increasing"), data), Fail);
  EXPECT_VERDICT(evaluate_check(monotone_spec("increasing", {{"from", 2.0}}), data), Pass);
}

TEST(MonotoneCheck, DetailNamesTheDecidingStepNotTheSmallestMean) {
  // Steps N = 1 -> 2: +0.5 in every seed (pass); N = 2 -> 3: +1, -1, +2, -2, +0.5
  // (mean 0.1, inconclusive). The smallest passing mean would be 0.5; the verdict
  // is decided by the noisy step, and the result must report that one.
  const std::vector<double> noisy = {1, -1, 2, -2, 0.5};
  std::vector<double> at1, at2, at3;
  for (int s = 0; s < 5; ++s) {
    at1.push_back(5.0 + 1e-3 * wiggle(s, 0));
    at2.push_back(5.5 + 1e-3 * wiggle(s, 0));
    at3.push_back(5.5 + 1e-3 * wiggle(s, 0) + noisy[s]);
  }
  const std::vector<PointRuns> data = {point_with({{"N", 1.0}}, "norm", at1), point_with({{"N", 2.0}}, "norm", at2),
                                       point_with({{"N", 3.0}}, "norm", at3)};
  const CheckResult r = evaluate_check(monotone_spec("increasing"), data);
  EXPECT_VERDICT(r, Inconclusive);
  EXPECT_NEAR(r.value, 0.1, kCheckArithmeticTolerance) << "the deciding (inconclusive) step, not the 0.5 step";
  EXPECT_NE(r.detail.find("deciding step 2 -> 3"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("1 of 2 steps pass"), std::string::npos) << r.detail;
}

TEST(MonotoneCheck, EverySeedPassesAHeavyTailedStepTheIntervalCannotDecide) {
  // A peak whose height varies by orders of magnitude between seeds: log steps
  // 0.2, 0.3, 7.0 from N = 1 to 2, all as claimed, but the t-interval over three
  // seeds straddles 0. An exact per-draw property is decided seed by seed.
  const std::vector<PointRuns> data = {point_with({{"N", 1}}, "norm", {std::exp(1.2), std::exp(1.3), std::exp(8.0)}),
                                       point_with({{"N", 2}}, "norm", {std::exp(1.0), std::exp(1.0), std::exp(1.0)})};
  EXPECT_VERDICT(evaluate_check(monotone_spec("decreasing", {{"logy", true}}), data), Inconclusive);
  const CheckResult r = evaluate_check(monotone_spec("decreasing", {{"logy", true}, {"every_seed", true}}), data);
  EXPECT_VERDICT(r, Pass);
  EXPECT_NEAR(r.ci_lo, 0.2, kCheckArithmeticTolerance) << "the range's bottom is the smallest seed's step";
  EXPECT_NEAR(r.ci_hi, 7.0, kCheckArithmeticTolerance);
  EXPECT_NEAR(r.value, 2.5, kCheckArithmeticTolerance) << "the mean step";
}

TEST(MonotoneCheck, EverySeedFailsWhenOneSeedGoesAgainstTheClaim) {
  // Two seeds fall by 3, one rises by 0.01: the mean step is clearly as claimed
  // and the interval would not fail it, but an exact per-draw property is broken.
  const std::vector<PointRuns> data = {point_with({{"N", 1}}, "norm", {10.0, 10.0, 10.0}),
                                       point_with({{"N", 2}}, "norm", {7.0, 7.0, 10.01})};
  EXPECT_NE(evaluate_check(monotone_spec("decreasing"), data).verdict, Verdict::Fail);
  const CheckResult r = evaluate_check(monotone_spec("decreasing", {{"every_seed", true}}), data);
  EXPECT_VERDICT(r, Fail);
  EXPECT_NEAR(r.ci_lo, -0.01, kCheckArithmeticTolerance);
  // Slack applies per seed as it does to the interval: 0.01 is 0.1 % of 10.
  EXPECT_VERDICT(evaluate_check(monotone_spec("decreasing", {{"every_seed", true}, {"slack", 0.002}}), data), Pass);
}

// ---------------------------------------------------------------- linear_fit

// One point; seed s records series "loss" y_s(t) for t = 0..t_max.
template <class F>
std::vector<PointRuns> loss_curves(F loss, int t_max, int seeds = 5) {
  std::vector<Measurement> runs;
  for (int s = 1; s <= seeds; ++s) {
    std::vector<double> t, y;
    for (int i = 0; i <= t_max; ++i) {
      t.push_back(i);
      y.push_back(loss(s, i));
    }
    Measurement m;
    m.add_series("loss", t, y);
    runs.push_back(m);
  }
  return {point({{"problem", "least-squares"}}, runs)};
}

CheckSpec linear_fit_spec(Json extra = Json::object()) {
  Json f = {{"series", "loss"}, {"transform", "log"}, {"min_r2", 0.98}, {"slope", "negative"}};
  for (const auto& [k, v] : extra.items()) f[k] = v;
  return spec("log-linear", "linear_fit", {{"problem", "least-squares"}}, f);
}

// R^2 of the least-squares line through (x_i, y_i): the squared correlation.
double r_squared(const std::vector<double>& x, const std::vector<double>& y) {
  double mx = 0, my = 0;
  for (size_t i = 0; i < x.size(); ++i) mx += x[i] / x.size(), my += y[i] / y.size();
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  return sxy * sxy / (sxx * syy);
}

TEST(LinearFitCheck, LogLinearDecayPasses) {
  // L(t) = exp(-0.05 t) (1 + 1 % noise): log L is a line of slope -0.05.
  const auto data = loss_curves([](int s, int t) { return std::exp(-0.05 * t) * (1 + 0.01 * wiggle(s, t)); }, 200);
  const CheckResult r = evaluate_check(linear_fit_spec(), data);
  EXPECT_VERDICT(r, Pass);
  EXPECT_GT(r.value, 0.98);
  EXPECT_NEAR(r.per_point[0]["slope"].get<double>(), -0.05, 1e-3);
}

TEST(LinearFitCheck, LinearTransform) {
  const auto data = loss_curves([](int s, int t) { return 10 - 0.1 * t + 1e-3 * wiggle(s, t); }, 50);
  EXPECT_VERDICT(evaluate_check(linear_fit_spec({{"transform", "linear"}}), data), Pass);
}

TEST(LinearFitCheck, PlateauFails) {
  // L(t) = exp(-0.1 t) + 1e-3: log L falls for ~70 steps, then is flat for 130.
  const auto data = loss_curves([](int s, int t) { return std::exp(-0.1 * t) + 1e-3; }, 200);
  const CheckResult r = evaluate_check(linear_fit_spec(), data);
  EXPECT_VERDICT(r, Fail);
  EXPECT_LT(r.per_point[0]["r2"].get<double>(), 0.98);
}

TEST(LinearFitCheck, FlatSeriesFails) {
  // A constant loss is a perfect line (R^2 = 1 by convention) of slope 0: the
  // zero slope sits on the boundary of "negative" and must fail, not pass.
  // (L = 1, log L = 0 exactly: with a constant like 1e-3 the mean of the logs
  // is off by an ulp and R^2 becomes a ratio of rounding errors.)
  const auto data = loss_curves([](int, int) { return 1.0; }, 50);
  const CheckResult r = evaluate_check(linear_fit_spec({{"fit_from", 2.0}}), data);
  EXPECT_VERDICT(r, Fail);
  EXPECT_EQ(r.per_point[0]["r2"].get<double>(), 1.0) << "the fit is perfect; the slope fails it";
  EXPECT_EQ(r.per_point[0]["slope"].get<double>(), 0.0);
}

TEST(LinearFitCheck, RisingSeriesFailsTheSlopeSign) {
  // fit_from is in units of the first value and counts downward: a window
  // that admits values up to 1e30 L(0) keeps the whole rising curve, so R^2 is
  // 1 and only the sign of the slope can fail it.
  const auto data = loss_curves([](int s, int t) { return std::exp(0.05 * t) * (1 + 1e-3 * wiggle(s, t)); }, 100);
  const CheckResult r = evaluate_check(linear_fit_spec({{"fit_from", 1e30}}), data);
  EXPECT_VERDICT(r, Fail);
  EXPECT_GT(r.per_point[0]["r2"].get<double>(), 0.999) << "the fit is good, the sign is wrong";
  EXPECT_GT(r.per_point[0]["slope"].get<double>(), 0.0);
  // The same curve claimed to rise passes.
  EXPECT_VERDICT(evaluate_check(linear_fit_spec({{"fit_from", 1e30}, {"slope", "positive"}}), data), Pass);
  // With the default window (from L(0) down) a rising curve never enters it:
  // R^2 counts as 0.
  EXPECT_VERDICT(evaluate_check(linear_fit_spec(), data), Fail);
}

// log L = -t up to t = 5, then -5 - 0.2 (t - 5) to t = 60 (L = e^-16), then
// flat to t = 100. Between 1e-3 and 1e-6 (log -6.91 .. -13.82: t = 15..49)
// it is the exact line of slope -0.2.
double fast_slow_floor(int /*seed*/, int t) {
  if (t <= 5) return std::exp(-t);
  if (t <= 60) return std::exp(-5 - 0.2 * (t - 5));
  return std::exp(-16.0);
}

TEST(LinearFitCheck, FitWindowIsHonoured) {
  const auto data = loss_curves(fast_slow_floor, 100);
  const CheckResult windowed = evaluate_check(linear_fit_spec({{"fit_from", 1e-3}, {"fit_to", 1e-6}}), data);
  EXPECT_VERDICT(windowed, Pass);
  EXPECT_NEAR(windowed.per_point[0]["slope"].get<double>(), -0.2, kCheckArithmeticTolerance);
  EXPECT_NEAR(windowed.value, 1.0, kCheckArithmeticTolerance);

  // The whole curve, fast start and floor included, is not a line.
  std::vector<double> t, logy;
  for (int i = 0; i <= 100; ++i) t.push_back(i), logy.push_back(std::log(fast_slow_floor(0, i)));
  const double whole_r2 = r_squared(t, logy);
  ASSERT_LT(whole_r2, 0.98);
  const CheckResult whole = evaluate_check(linear_fit_spec(), data);
  EXPECT_VERDICT(whole, Fail);
  EXPECT_NEAR(whole.value, whole_r2, kCheckArithmeticTolerance);

  // Only fit_to: from L(0) down to 1e-6 takes in the fast start (t = 0..49).
  std::vector<double> t49(t.begin(), t.begin() + 50), logy49(logy.begin(), logy.begin() + 50);
  const CheckResult to_only = evaluate_check(linear_fit_spec({{"fit_to", 1e-6}}), data);
  EXPECT_NEAR(to_only.value, r_squared(t49, logy49), kCheckArithmeticTolerance);

  // The window ends at the first sample below fit_to: a later rebound into the
  // window (here to e^-8 from t = 61 on) is not fitted.
  const auto rebound = loss_curves([](int s, int t) { return t <= 60 ? fast_slow_floor(s, t) : std::exp(-8.0); }, 100);
  const CheckResult stops = evaluate_check(linear_fit_spec({{"fit_from", 1e-3}, {"fit_to", 1e-6}}), rebound);
  EXPECT_VERDICT(stops, Pass);
  EXPECT_NEAR(stops.per_point[0]["slope"].get<double>(), -0.2, kCheckArithmeticTolerance);

  // A window the curve never enters counts as R^2 = 0.
  const CheckResult never = evaluate_check(linear_fit_spec({{"fit_from", 1e-20}, {"fit_to", 1e-30}}), data);
  EXPECT_VERDICT(never, Fail);
  EXPECT_EQ(never.value, 0.0);
}

TEST(LinearFitCheck, SpreadOfRSquaredIsInconclusive) {
  // log L = -0.02 t + a_s (-1)^t: a zigzag of amplitude a_s on a line. Zero
  // amplitude gives R^2 = 1, 0.05 about 0.97: the mean sits above 0.98 but the
  // interval crosses it.
  const std::vector<double> amplitude = {0, 0.05, 0, 0.05, 0.02};
  auto loss = [&](int s, int t) { return std::exp(-0.02 * t + amplitude[s - 1] * (t % 2 ? -1 : 1)); };
  std::vector<double> r2;
  for (int s = 1; s <= 5; ++s) {
    std::vector<double> t, logy;
    for (int i = 0; i <= 50; ++i) t.push_back(i), logy.push_back(std::log(loss(s, i)));
    r2.push_back(r_squared(t, logy));
  }
  double mean = 0, ss = 0;
  for (double v : r2) mean += v / 5;
  for (double v : r2) ss += (v - mean) * (v - mean);
  const double half = kT975Dof4 * std::sqrt(ss / 4 / 5);
  ASSERT_GT(mean, 0.98);
  ASSERT_LT(mean - half, 0.98) << "the test data must straddle min_r2";

  const CheckResult r = evaluate_check(linear_fit_spec(), loss_curves(loss, 50));
  EXPECT_VERDICT(r, Inconclusive);
  EXPECT_NEAR(r.value, mean, kCheckArithmeticTolerance);
  EXPECT_NEAR(r.ci_lo, mean - half, kFourDecimalTableTolerance);
}

TEST(LinearFitCheck, MissingSeriesIsAReferenceError) {
  const auto data = loss_curves([](int, int t) { return std::exp(-t); }, 10);
  const CheckSpec c = with(linear_fit_spec(), "series", "los");
  PRISM_EXPECT_THROW_WITH(evaluate_check(c, data), ReferenceError, "'los'");
}

TEST(MonotoneCheck, LogyJudgesAHeavyTailedPositiveQuantity) {
  // Every seed decreases, but one seed's huge first value makes the raw steps'
  // t-interval straddle 0; in log the steps are 2.3-4.6 with a tight interval.
  const std::vector<PointRuns> data = {point_with({{"N", 1}}, "norm", {1e-3, 1e-4, 1e-4, 1e-4, 1e-1}),
                                       point_with({{"N", 2}}, "norm", {1e-5, 1e-6, 1e-6, 1e-6, 1e-3})};
  EXPECT_VERDICT(evaluate_check(monotone_spec("decreasing"), data), Inconclusive);
  EXPECT_VERDICT(evaluate_check(monotone_spec("decreasing", {{"logy", true}}), data), Pass);
  const std::vector<PointRuns> zero = {point_with({{"N", 1}}, "norm", {1.0, 1.0}), point_with({{"N", 2}}, "norm", {0.0, 1.0})};
  PRISM_EXPECT_THROW_WITH(evaluate_check(monotone_spec("decreasing", {{"logy", true}}), zero), MeasurementError,
                          "not positive");
}

// -------------------------------------------------------------------- agrees

// A point where `measured` takes `values` and the closed form `expected` is `ref` on every seed.
PointRuns measured_and_expected(int n, const std::vector<double>& values, double ref) {
  std::vector<Measurement> runs;
  for (double v : values) runs.push_back(scalars({{"s2", v}, {"c", ref}}));
  return point({{"n", n}}, std::move(runs));
}

TEST(AgreesCheck, WithinSigmasStandardErrorsOfTheClosedForm) {
  // Differences 0.1, -0.1, 0.2, 0, 0.05: mean 0.05, SE sqrt(0.0125 / 5) = 0.05, z = 1.
  const std::vector<PointRuns> data = {measured_and_expected(10, {1.1, 0.9, 1.2, 1.0, 1.05}, 1.0)};
  const CheckResult pass = evaluate_check(spec("c", "agrees", Json::object(), {{"measured", "s2"}, {"expected", "c"}, {"sigmas", 4.0}}), data);
  EXPECT_VERDICT(pass, Pass);
  EXPECT_NEAR(pass.value, 1.0, kCheckArithmeticTolerance);
  const CheckResult fail = evaluate_check(spec("c", "agrees", Json::object(), {{"measured", "s2"}, {"expected", "c"}, {"sigmas", 0.5}}), data);
  EXPECT_VERDICT(fail, Fail);
  // One seed has no standard error: undecided, not a pass.
  const std::vector<PointRuns> one = {measured_and_expected(10, {1.1}, 1.0)};
  EXPECT_VERDICT(evaluate_check(spec("c", "agrees", Json::object(), {{"measured", "s2"}, {"expected", "c"}, {"sigmas", 4.0}}), one),
                 Inconclusive);
  // A difference with no spread at all is infinitely many SE away.
  const std::vector<PointRuns> exact = {measured_and_expected(10, {1.1, 1.1, 1.1}, 1.0)};
  EXPECT_VERDICT(evaluate_check(spec("c", "agrees", Json::object(), {{"measured", "s2"}, {"expected", "c"}, {"sigmas", 4.0}}), exact),
                 Fail);
}

TEST(AgreesCheck, TheThresholdIsTheStudentTQuantileOfTheSigmaLevel) {
  // z = 1 with 5 seeds (4 dof): sigmas = 1 is a two-sided tail of erfc(1/sqrt 2) = 0.3173; the t_4 quantile of
  // that tail is 1.1417 (not 1), so z = 1 passes where a normal threshold of 1 would sit on the edge.
  const std::vector<PointRuns> data = {measured_and_expected(10, {1.1, 0.9, 1.2, 1.0, 1.05}, 1.0)};
  const CheckResult r = evaluate_check(spec("c", "agrees", Json::object(), {{"measured", "s2"}, {"expected", "c"}, {"sigmas", 1.0}}), data);
  EXPECT_NEAR(r.ref_hi, 1.1417, kFourDecimalTableTolerance) << "t_{4} at the two-sided tail 0.3173";
  EXPECT_VERDICT(r, Pass);
  // z = 1.2 lies beyond it.
  const std::vector<PointRuns> far = {measured_and_expected(10, {1.11, 0.91, 1.21, 1.01, 1.06}, 1.0)};
  const CheckResult f = evaluate_check(spec("c", "agrees", Json::object(), {{"measured", "s2"}, {"expected", "c"}, {"sigmas", 1.0}}), far);
  EXPECT_GT(std::abs(f.value), 1.1417);
  EXPECT_VERDICT(f, Fail);
}

TEST(AgreesCheck, WithinAnAbsoluteToleranceAtEveryPoint) {
  const std::vector<PointRuns> data = {measured_and_expected(10, {1.001, 1.0012, 1.0008}, 1.0),
                                       measured_and_expected(100, {1.0, 1.0001, 0.9999}, 1.0)};
  const auto check = [&](double atol) {
    return evaluate_check(spec("c", "agrees", Json::object(), {{"measured", "s2"}, {"expected", "c"}, {"atol", atol}}), data);
  };
  EXPECT_VERDICT(check(0.002), Pass);
  EXPECT_VERDICT(check(0.0005), Fail);
  EXPECT_VERDICT(check(0.00105), Inconclusive) << "the first point's CI straddles 0.00105";
  EXPECT_EQ(check(0.002).per_point.size(), 2u);
}

TEST(AgreesCheck, TakesEitherSigmasOrATolerance) {
  PRISM_EXPECT_THROW_WITH(spec("c", "agrees", Json::object(), {{"measured", "s2"}, {"expected", "c"}}), ReferenceError,
                          "either sigmas or a tolerance");
  PRISM_EXPECT_THROW_WITH(
      spec("c", "agrees", Json::object(), {{"measured", "s2"}, {"expected", "c"}, {"sigmas", 4.0}, {"atol", 0.1}}),
      ReferenceError, "either sigmas or a tolerance");
  PRISM_EXPECT_THROW_WITH(spec("c", "agrees", Json::object(), {{"measured", "s2"}, {"expected", 0.5}, {"sigmas", 4.0}}),
                          ReferenceError, "closed-form quantity");
}

// ------------------------------------------ the specs above are what TOML gives

TEST(HandBuiltSpecs, MatchWhatLoadReferenceProduces) {
  const ScratchDir dir("prism-checks-test");
  const auto file = dir.write("spec-shape.toml", R"(id = "spec-shape"
source = "test"

[[check]]
name = "knee-at-m-star"
kind = "knee"
x = "batch"
y = "iterations"
expected = "m_star"
window = [0.65, 2.6]
y_ratio_to_first = true
where = { dataset = "synthetic" }
source = "hand-made test data"

[[check]]
name = "log-linear"
kind = "linear_fit"
series = "loss"
transform = "log"
min_r2 = 0.98
slope = "negative"
where = { problem = "least-squares" }
source = "hand-made test data"

[[control]]
name = "foreign"
applies = "knee-at-m-star"
why = "test"
)");
  const ReferenceFile ref = load_reference(file);
  ASSERT_EQ(ref.checks.size(), 2u);
  // Key order differs (TOML tables are sorted); compare as unordered JSON.
  auto unordered = [](const Json& j) { return nlohmann::json::parse(j.dump()); };
  const CheckSpec knee = knee_spec("m_star");
  EXPECT_EQ(unordered(ref.checks[0].fields), unordered(knee.fields))
      << "loaded " << ref.checks[0].fields.dump() << "\n  built " << knee.fields.dump();
  EXPECT_EQ(unordered(ref.checks[0].where), unordered(knee.where));
  const CheckSpec lf = linear_fit_spec();
  EXPECT_EQ(unordered(ref.checks[1].fields), unordered(lf.fields))
      << "loaded " << ref.checks[1].fields.dump() << "\n  built " << lf.fields.dump();
  // And the loaded spec decides the same way.
  EXPECT_VERDICT(evaluate_check(ref.checks[0], batch_curve({12, 12, 12, 12}, 12)), Pass);
}

}  // namespace
}  // namespace prism
