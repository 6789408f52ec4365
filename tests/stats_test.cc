// Seed statistics and fits (src/core/stats.h): Student-t quantiles against
// printed tables, summaries and intervals on data small enough to do by hand,
// the three-valued interval verdict, the seed-count estimate, least squares and
// the two-segment knee fit on curves whose answer is known in closed form.
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "src/core/stats.h"
#include "tests/support/tolerances.h"

namespace prism {
namespace {

using namespace ::prism::testing::tolerances;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<double> linspace(double a, double b, int n) {
  std::vector<double> out(n);
  for (int i = 0; i < n; ++i) out[i] = a + (b - a) * i / (n - 1);
  return out;
}

// ---------------------------------------------------------------- t_quantile

TEST(TQuantile, MatchesPrintedTable) {
  EXPECT_NEAR(t_quantile(1), kT975Dof1, kFourDecimalTableTolerance);
  EXPECT_NEAR(t_quantile(4), kT975Dof4, kFourDecimalTableTolerance);
  EXPECT_NEAR(t_quantile(7), kT975Dof7, kFourDecimalTableTolerance);
  EXPECT_NEAR(t_quantile(20), kT975Dof20, kFourDecimalTableTolerance);
  EXPECT_NEAR(t_quantile(30), kT975Dof30, kFourDecimalTableTolerance);
}

TEST(TQuantile, HonoursTheLevel) {
  EXPECT_NEAR(t_quantile(10, 0.90), kT95Dof10, kFourDecimalTableTolerance);
  // The normal limit: z_{0.975} = 1.95996.
  EXPECT_NEAR(t_quantile(1000000), 1.95996, kFourDecimalTableTolerance);
}

TEST(TQuantile, NoDegreesOfFreedomIsUnbounded) {
  EXPECT_EQ(t_quantile(0), kInf);
}

// ----------------------------------------------------------------- summarize

TEST(Summarize, HandComputedFiveValues) {
  // {1, 2, 3, 4, 5}: mean 3, squares of deviations 4+1+0+1+4 = 10,
  // sd = sqrt(10/4) = 1.58114, se = sd/sqrt(5) = sqrt(1/2) = 0.707107,
  // half-width t_{0.975,4} se = 2.7764 * 0.707107 = 1.96324.
  const Summary s = summarize({1, 2, 3, 4, 5});
  const double expected_sd = std::sqrt(10.0 / 4.0);
  const double expected_se = std::sqrt(0.5);
  const double expected_half = kT975Dof4 * expected_se;
  EXPECT_EQ(s.n, 5);
  EXPECT_NEAR(s.mean, 3.0, kArithmeticTolerance);
  EXPECT_NEAR(s.sd, expected_sd, kArithmeticTolerance);
  EXPECT_NEAR(s.se, expected_se, kArithmeticTolerance);
  EXPECT_NEAR(s.ci_lo, 3.0 - expected_half, kFourDecimalTableTolerance);
  EXPECT_NEAR(s.ci_hi, 3.0 + expected_half, kFourDecimalTableTolerance);
}

TEST(Summarize, HandComputedEightValues) {
  // {2, 4, 4, 4, 5, 5, 7, 9}: mean 40/8 = 5, squares 9+1+1+1+0+0+4+16 = 32,
  // sd = sqrt(32/7) = 2.13809 (n - 1, not the population 2.0), se = sqrt(4/7).
  const Summary s = summarize({2, 4, 4, 4, 5, 5, 7, 9});
  const double expected_sd = std::sqrt(32.0 / 7.0);
  const double expected_se = std::sqrt(4.0 / 7.0);
  EXPECT_NEAR(s.mean, 5.0, kArithmeticTolerance);
  EXPECT_NEAR(s.sd, expected_sd, kArithmeticTolerance);
  EXPECT_NEAR(s.se, expected_se, kArithmeticTolerance);
  EXPECT_NEAR(s.ci_lo, 5.0 - kT975Dof7 * expected_se, kFourDecimalTableTolerance);
  EXPECT_NEAR(s.ci_hi, 5.0 + kT975Dof7 * expected_se, kFourDecimalTableTolerance);
}

TEST(Summarize, IdenticalValuesGiveAPointInterval) {
  const Summary s = summarize({0.25, 0.25, 0.25});
  EXPECT_EQ(s.sd, 0.0);
  EXPECT_EQ(s.ci_lo, 0.25);
  EXPECT_EQ(s.ci_hi, 0.25);
}

TEST(Summarize, OneValueHasAnUnboundedInterval) {
  const Summary s = summarize({42.0});
  EXPECT_EQ(s.n, 1);
  EXPECT_EQ(s.mean, 42.0);
  EXPECT_EQ(s.ci_lo, -kInf) << "one seed must not be able to pass or fail by itself";
  EXPECT_EQ(s.ci_hi, kInf);
}

TEST(Summarize, NoValuesThrows) {
  EXPECT_THROW(summarize({}), std::invalid_argument);
}

// ---------------------------------------------------------- interval_verdict

TEST(IntervalVerdict, InsideIsPass) {
  EXPECT_EQ(interval_verdict(1.0, 2.0, 0.0, 3.0), Verdict::Pass);
  // Touching the boundary is still inside (closed interval).
  EXPECT_EQ(interval_verdict(0.0, 3.0, 0.0, 3.0), Verdict::Pass);
}

TEST(IntervalVerdict, OutsideIsFail) {
  EXPECT_EQ(interval_verdict(4.0, 5.0, 0.0, 3.0), Verdict::Fail);
  EXPECT_EQ(interval_verdict(-5.0, -4.0, 0.0, 3.0), Verdict::Fail);
}

TEST(IntervalVerdict, StraddlingIsInconclusive) {
  EXPECT_EQ(interval_verdict(2.0, 4.0, 0.0, 3.0), Verdict::Inconclusive);
  EXPECT_EQ(interval_verdict(-1.0, 1.0, 0.0, 3.0), Verdict::Inconclusive);
  // Wider than the reference on both sides.
  EXPECT_EQ(interval_verdict(-1.0, 4.0, 0.0, 3.0), Verdict::Inconclusive);
}

TEST(IntervalVerdict, NaNIsInconclusive) {
  EXPECT_EQ(interval_verdict(kNaN, 1.0, 0.0, 3.0), Verdict::Inconclusive);
  EXPECT_EQ(interval_verdict(1.0, kNaN, 0.0, 3.0), Verdict::Inconclusive);
  EXPECT_EQ(interval_verdict(kNaN, kNaN, -kInf, kInf), Verdict::Inconclusive);
}

TEST(IntervalVerdict, OneSidedBounds) {
  // "at most 1e-6"
  EXPECT_EQ(interval_verdict(1e-9, 1e-8, -kInf, 1e-6), Verdict::Pass);
  EXPECT_EQ(interval_verdict(1e-3, 1e-2, -kInf, 1e-6), Verdict::Fail);
  EXPECT_EQ(interval_verdict(1e-9, 1e-3, -kInf, 1e-6), Verdict::Inconclusive);
  // "at least 1"
  EXPECT_EQ(interval_verdict(2.0, 3.0, 1.0, kInf), Verdict::Pass);
  EXPECT_EQ(interval_verdict(0.1, 0.2, 1.0, kInf), Verdict::Fail);
  EXPECT_EQ(interval_verdict(0.5, 1.5, 1.0, kInf), Verdict::Inconclusive);
  // A one-seed interval can neither pass nor fail a one-sided bound.
  EXPECT_EQ(interval_verdict(-kInf, kInf, -kInf, 1e-6), Verdict::Inconclusive);
  EXPECT_EQ(interval_verdict(-kInf, kInf, 1.0, kInf), Verdict::Inconclusive);
  // A half-infinite interval wholly beyond a bound still fails.
  EXPECT_EQ(interval_verdict(2.0, kInf, -kInf, 1.0), Verdict::Fail);
}

TEST(Verdict, Names) {
  EXPECT_STREQ(to_string(Verdict::Pass), "pass");
  EXPECT_STREQ(to_string(Verdict::Fail), "fail");
  EXPECT_STREQ(to_string(Verdict::Inconclusive), "inconclusive");
}

// -------------------------------------------------------------- seeds_needed

TEST(SeedsNeeded, ZeroWhenDecided) {
  const Summary s = summarize({1, 2, 3, 4, 5});  // CI ~ [1.037, 4.963]
  EXPECT_EQ(seeds_needed(s, 0.0, 10.0), 0) << "pass";
  EXPECT_EQ(seeds_needed(s, 6.0, 10.0), 0) << "fail";
}

TEST(SeedsNeeded, HandComputedCountDecidesTheInterval) {
  // {1..5} against "at most 4": mean 3, the interval [1.037, 4.963] straddles 4.
  // Half-width h = t_{0.975,4} se = 2.776445 * 0.707107 = 1.963243; the gap from
  // the mean to the boundary is 1. The interval shrinks as 1/sqrt(n'), so it
  // clears the boundary once n' > n (h / gap)^2 = 5 * 3.854323 = 19.27:
  // ceil(19.27) + 1 = 21.
  const Summary s = summarize({1, 2, 3, 4, 5});
  ASSERT_EQ(interval_verdict(s.ci_lo, s.ci_hi, -kInf, 4.0), Verdict::Inconclusive);
  const int expected = 21;
  const int needed = seeds_needed(s, -kInf, 4.0);
  EXPECT_EQ(needed, expected);
  EXPECT_GT(needed, s.n);

  // With that many seeds, the same mean and spread decide: h' = t_{0.975,20}
  // sd / sqrt(21) = 2.0860 * 1.581139 / 4.582576 = 0.7197 < 1.
  Summary more;
  more.n = needed;
  more.mean = 3.0;
  more.sd = std::sqrt(10.0 / 4.0);
  more.se = more.sd / std::sqrt(static_cast<double>(needed));
  const double half = kT975Dof20 * more.se;
  more.ci_lo = more.mean - half;
  more.ci_hi = more.mean + half;
  EXPECT_NEAR(half, 0.7197, kFourDecimalTableTolerance);
  EXPECT_EQ(interval_verdict(more.ci_lo, more.ci_hi, -kInf, 4.0), Verdict::Pass);
}

TEST(SeedsNeeded, UsesTheNearerCrossedBoundary) {
  // {1..5} against [2, 4.5]: both boundaries are crossed; the nearer is 2 at a
  // gap of 1 (4.5 is 1.5 away), so the count is the same 21 as above.
  const Summary s = summarize({1, 2, 3, 4, 5});
  EXPECT_EQ(seeds_needed(s, 2.0, 4.5), 21);
  // Only the upper boundary 4.5 crossed ([0, 4.5]): gap 1.5, 5 (1.963243/1.5)^2
  // = 8.565, ceil 9, plus 1 = 10.
  EXPECT_EQ(seeds_needed(s, 0.0, 4.5), 10);
}

TEST(SeedsNeeded, OneSeedAsksForAtLeastThree) {
  const Summary s = summarize({3.0});
  EXPECT_EQ(seeds_needed(s, 0.0, 1.0), 3);
}

TEST(SeedsNeeded, MeanOnTheBoundaryIsNotEstimable) {
  const Summary s = summarize({1, 2, 3, 4, 5});
  EXPECT_EQ(seeds_needed(s, -kInf, 3.0), -1);
}

// ------------------------------------------------------------------ fit_line

TEST(FitLine, ExactLine) {
  // y = 0.5 - 2x
  const std::vector<double> x = {-1, 0, 2, 3.5, 10};
  std::vector<double> y;
  for (double v : x) y.push_back(0.5 - 2 * v);
  const LinearFit f = fit_line(x, y);
  EXPECT_EQ(f.n, 5);
  EXPECT_NEAR(f.slope, -2.0, kArithmeticTolerance);
  EXPECT_NEAR(f.intercept, 0.5, kArithmeticTolerance);
  EXPECT_NEAR(f.r2, 1.0, kArithmeticTolerance);
  EXPECT_NEAR(f.slope_se, 0.0, 1e-7) << "sqrt of a rounding-level residual";
}

TEST(FitLine, TwoPointsHaveNoSlopeError) {
  const LinearFit f = fit_line({1, 3}, {2, 8});
  EXPECT_NEAR(f.slope, 3.0, kArithmeticTolerance);
  EXPECT_NEAR(f.intercept, -1.0, kArithmeticTolerance);
  EXPECT_EQ(f.slope_se, 0.0);
}

TEST(FitLine, HandComputedNoisyCase) {
  // x = 1..5, y = {2.1, 3.9, 6.2, 7.8, 10.1}.
  // mean x = 3, mean y = 30.1 / 5 = 6.02; Sxx = 4+1+0+1+4 = 10;
  // Sxy = (-2)(-3.92) + (-1)(-2.12) + 0 + (1)(1.78) + (2)(4.08) = 19.9;
  // slope = 1.99, intercept = 6.02 - 3 * 1.99 = 0.05;
  // Syy = 3.92^2 + 2.12^2 + 0.18^2 + 1.78^2 + 4.08^2 = 39.708;
  // residuals 0.06, -0.13, 0.18, -0.21, 0.10, SSE = 0.107;
  // R^2 = 1 - 0.107 / 39.708; se(slope) = sqrt(SSE / (n - 2) / Sxx) = sqrt(0.107/30).
  const std::vector<double> x = {1, 2, 3, 4, 5};
  const std::vector<double> y = {2.1, 3.9, 6.2, 7.8, 10.1};
  const double expected_slope = 1.99, expected_intercept = 0.05;
  const double expected_r2 = 1 - 0.107 / 39.708;
  const double expected_slope_se = std::sqrt(0.107 / 30.0);

  // The textbook formula once more, from the residuals, independently of the
  // code under test: se(b) = sqrt(sum e_i^2 / (n-2)) / sqrt(sum (x_i - xbar)^2).
  double sse = 0, sxx = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double e = y[i] - (expected_intercept + expected_slope * x[i]);
    sse += e * e;
    sxx += (x[i] - 3.0) * (x[i] - 3.0);
  }
  ASSERT_NEAR(sse, 0.107, 1e-12);
  const double textbook_se = std::sqrt(sse / (x.size() - 2)) / std::sqrt(sxx);
  ASSERT_NEAR(textbook_se, expected_slope_se, 1e-12);

  const LinearFit f = fit_line(x, y);
  EXPECT_NEAR(f.slope, expected_slope, kArithmeticTolerance);
  EXPECT_NEAR(f.intercept, expected_intercept, kArithmeticTolerance);
  EXPECT_NEAR(f.r2, expected_r2, kArithmeticTolerance);
  EXPECT_NEAR(f.slope_se, textbook_se, kArithmeticTolerance);
}

TEST(FitLine, ConstantYIsAFlatPerfectFit) {
  const LinearFit f = fit_line({1, 2, 3}, {4, 4, 4});
  EXPECT_EQ(f.slope, 0.0);
  EXPECT_EQ(f.intercept, 4.0);
  EXPECT_EQ(f.r2, 1.0);
}

TEST(FitLine, RejectsDegenerateInput) {
  EXPECT_THROW(fit_line({1}, {1}), std::invalid_argument);
  EXPECT_THROW(fit_line({1, 2}, {1}), std::invalid_argument);
  EXPECT_THROW(fit_line({2, 2, 2}, {1, 2, 3}), std::invalid_argument);
}

// ------------------------------------------------------------------ fit_knee

// y = c + s1 min(x, k) + s2 max(x - k, 0), the model of fit_knee.
std::vector<double> knee_curve(const std::vector<double>& x, double c, double k, double s1, double s2) {
  std::vector<double> y;
  for (double v : x) y.push_back(c + s1 * std::min(v, k) + s2 * std::max(v - k, 0.0));
  return y;
}

TEST(FitKnee, RecoversKnownKneesOnADenseGrid) {
  // log-log speed-up: slope 1 (linear scaling), then 0 (saturation).
  const std::vector<double> x = linspace(0.0, 5.0, 501);
  for (double knee : {0.5, 1.234567, 2.5, 3.14159, 4.0}) {
    const double offset = -0.7;
    const KneeFit f = fit_knee(x, knee_curve(x, offset, knee, 1, 0), 1, 0);
    EXPECT_NEAR(f.knee, knee, kKneeSearchTolerance) << "true knee " << knee;
    EXPECT_NEAR(f.offset, offset, kKneeSearchTolerance) << "true knee " << knee;
    EXPECT_NEAR(f.sse, 0.0, 1e-10) << "true knee " << knee;
  }
}

TEST(FitKnee, RecoversAKneeBetweenSamples) {
  // log2 m for m = 1, 2, 4, ..., 64, knee at log2(12) = 3.58496 between the
  // samples 3 (m = 8) and 4 (m = 16). The left samples fix c, the right ones
  // c + k, so the exact curve pins k even with no sample near it.
  const std::vector<double> x = {0, 1, 2, 3, 4, 5, 6};
  for (double knee : {std::log2(12.0), 0.3, 5.9}) {
    const KneeFit f = fit_knee(x, knee_curve(x, 2.0, knee, 1, 0), 1, 0);
    EXPECT_NEAR(f.knee, knee, kKneeSearchTolerance) << "true knee " << knee;
    EXPECT_NEAR(f.offset, 2.0, kKneeSearchTolerance) << "true knee " << knee;
  }
}

TEST(FitKnee, OtherSlopes) {
  // Slopes (1, 0.5): square-root growth after the knee.
  const std::vector<double> x = linspace(-2.0, 3.0, 201);
  for (double knee : {-1.0, 0.77, 2.2}) {
    const KneeFit f = fit_knee(x, knee_curve(x, 0.4, knee, 1, 0.5), 1, 0.5);
    EXPECT_NEAR(f.knee, knee, kKneeSearchTolerance) << "true knee " << knee;
    EXPECT_NEAR(f.offset, 0.4, kKneeSearchTolerance) << "true knee " << knee;
  }
}

TEST(FitKnee, UnsortedInputIsFine) {
  std::vector<double> x = {6, 0, 3, 1, 5, 2, 4};
  const double knee = 2.6;
  const KneeFit f = fit_knee(x, knee_curve(x, 0.0, knee, 1, 0), 1, 0);
  EXPECT_NEAR(f.knee, knee, kKneeSearchTolerance);
}

TEST(FitKnee, RejectsTooFewPoints) {
  EXPECT_THROW(fit_knee({1, 2}, {1, 2}, 1, 0), std::invalid_argument);
  EXPECT_THROW(fit_knee({1, 2, 3}, {1, 2}, 1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace prism

namespace prism {
namespace {

TEST(Median, OddEvenAndUnsortedCounts) {
  EXPECT_EQ(median({3.0}), 3.0);
  EXPECT_EQ(median({5.0, 1.0, 3.0}), 3.0);
  EXPECT_EQ(median({4.0, 1.0, 3.0, 2.0}), 2.5);
  EXPECT_EQ(median({0.0, 0.0, 7.0, -1.0}), 0.0) << "zeros are ordinary values";
  EXPECT_EQ(median({-INFINITY, 1.0, 2.0}), 1.0);
}

TEST(Median, RejectsNoValuesAndNaN) {
  EXPECT_THROW(median({}), std::invalid_argument);
  EXPECT_THROW(median({1.0, NAN, 2.0}), std::invalid_argument);
}

TEST(RunningMean, AgreesWithSummarize) {
  const std::vector<double> v = {0.3, 1.7, -2.2, 4.0, 0.0, 1e-3};
  RunningMean r;
  for (double x : v) r.add(x);
  const Summary s = summarize(v);
  EXPECT_EQ(r.count(), 6);
  EXPECT_NEAR(r.mean(), s.mean, 1e-15);
  EXPECT_NEAR(r.se(), s.se, 1e-15);
  RunningMean one;
  one.add(2.0);
  EXPECT_TRUE(std::isinf(one.se())) << "one value has no standard error";
}

TEST(RunningMean, NoCancellationOnALargeOffset) {
  // sum2/n - mean^2 loses every digit of a variance of 1 on top of 1e9;
  // the stream update keeps it: values 1e9 +- 1, SE = sqrt(1 * n/(n-1) / n).
  RunningMean r;
  for (int i = 0; i < 1000; ++i) r.add(1e9 + (i % 2 ? 1.0 : -1.0));
  EXPECT_NEAR(r.mean(), 1e9, 1e-6);
  EXPECT_NEAR(r.se(), std::sqrt(1000.0 / 999.0 / 1000.0), 1e-9);
}

}  // namespace
}  // namespace prism
