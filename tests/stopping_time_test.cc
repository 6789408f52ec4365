// The T99 stopping rule against a brute-force scan over every integer t.
#include "src/models/stopping_time.h"

#include <cmath>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace prism::models {
namespace {

using Accuracy = std::function<double(std::int64_t)>;

AccuracyAt batched(const Accuracy& f) {
  return [f](const std::vector<std::int64_t>& ts) {
    std::vector<double> a;
    for (auto t : ts) a.push_back(f(t));
    return a;
  };
}

std::int64_t brute_force_first(const Accuracy& f, double target, std::int64_t cap) {
  for (std::int64_t t = 1; t <= cap; ++t)
    if (f(t) >= target) return t;
  return 0;
}

TEST(StoppingTime, GridIsGeometricFromOneToTheCap) {
  const auto ts = geometric_times(1.05, 1000);
  EXPECT_EQ(ts.front(), 1);
  EXPECT_EQ(ts[19], 20) << "consecutive integers while 1.05 t - t < 1";
  EXPECT_EQ(ts.back(), 1000);
  for (size_t j = 1; j < ts.size(); ++j) EXPECT_GT(ts[j], ts[j - 1]);
  PRISM_EXPECT_THROW_WITH(geometric_times(1.0, 10), std::invalid_argument, "growth must be > 1");
}

TEST(StoppingTime, MonotoneAccuracyGivesTheFirstTimeExactly) {
  for (double tau : {0.1, 3.0, 47.0, 1234.5, 98765.0}) {
    const Accuracy f = [tau](std::int64_t t) { return 1 - std::exp(-static_cast<double>(t) / tau); };
    StoppingTimeOptions o;
    o.cap = 10000000;
    const StoppingTime r = first_time_reaching(batched(f), o);
    const std::int64_t expected = brute_force_first(f, o.target, o.cap);
    ASSERT_TRUE(r.reached) << "tau = " << tau;
    EXPECT_EQ(r.t, expected) << "tau = " << tau;
    EXPECT_EQ(r.accuracy, f(expected));
    EXPECT_TRUE(r.stays_reached);
    EXPECT_LT(r.evaluations, 400) << "a scan and a bisection, not a sweep";
  }
}

TEST(StoppingTime, NeverReachedIsCensoredAtTheCap) {
  const Accuracy f = [](std::int64_t t) { return 0.5 - 0.4 / static_cast<double>(t); };
  StoppingTimeOptions o;
  o.cap = 5000;
  const StoppingTime r = first_time_reaching(batched(f), o);
  EXPECT_FALSE(r.reached);
  EXPECT_EQ(r.t, 5000);
  EXPECT_DOUBLE_EQ(r.accuracy, f(5000));
  EXPECT_TRUE(std::isnan(r.lowest_after));
}

TEST(StoppingTime, NonMonotoneAccuracyIsACrossingAndTheDipIsReported) {
  // Up to 0.995 on [300, 400), down to 0.9 until 5000, up for good after.
  const Accuracy f = [](std::int64_t t) {
    if (t >= 300 && t < 400) return 0.995;
    if (t >= 5000) return 0.999;
    return 0.9 * static_cast<double>(std::min<std::int64_t>(t, 300)) / 300;
  };
  StoppingTimeOptions o;
  o.cap = 100000;
  const StoppingTime r = first_time_reaching(batched(f), o);
  ASSERT_TRUE(r.reached);
  EXPECT_EQ(r.t, brute_force_first(f, o.target, o.cap)) << "the bump is wider than the grid's steps";
  EXPECT_GE(f(r.t), o.target);
  EXPECT_LT(f(r.t - 1), o.target);
  EXPECT_FALSE(r.stays_reached) << "2 T = 600 falls in the dip";
  EXPECT_DOUBLE_EQ(r.lowest_after, 0.9);

  // A one-step spike between grid points is stepped over: the result is the
  // later crossing, still with acc(T) >= target > acc(T - 1).
  const Accuracy spike = [](std::int64_t t) { return t == 41 ? 1.0 : t >= 700 ? 0.995 : 0.5; };
  const StoppingTime s = first_time_reaching(batched(spike), o);
  EXPECT_EQ(brute_force_first(spike, o.target, o.cap), 41);
  EXPECT_EQ(s.t, 700);
  EXPECT_TRUE(s.stays_reached);
}

// T100 scanned from T99 (every earlier grid time is below 99 %, so below
// 100 %): the same time as a scan from 1, monotone or not, in fewer evaluations.
TEST(StoppingTime, AScanFromALowerTargetsTimeFindsTheSameTime) {
  const Accuracy smooth = [](std::int64_t t) { return std::min(1.0, static_cast<double>(t) / 5000.0); };
  const Accuracy dipping = [](std::int64_t t) { return t >= 300 && t < 400 ? 0.995 : t >= 9000 ? 1.0 : 0.9; };
  for (const Accuracy& f : {smooth, dipping}) {
    StoppingTimeOptions o;
    o.cap = 100000;
    const StoppingTime t99 = first_time_reaching(batched(f), o);
    o.target = 1.0;
    const StoppingTime from_one = first_time_reaching(batched(f), o);
    o.start = t99.t;
    const StoppingTime from_t99 = first_time_reaching(batched(f), o);
    ASSERT_TRUE(from_one.reached);
    EXPECT_EQ(from_t99.t, from_one.t);
    EXPECT_EQ(from_t99.t, brute_force_first(f, 1.0, o.cap));
    EXPECT_EQ(from_t99.accuracy, from_one.accuracy);
    EXPECT_EQ(from_t99.lowest_after, from_one.lowest_after);
    EXPECT_LT(from_t99.evaluations, from_one.evaluations);
  }
  // Past the cap: censored there, as from 1.
  StoppingTimeOptions o;
  o.cap = 1000;
  o.start = 5000;
  const StoppingTime r = first_time_reaching(batched([](std::int64_t) { return 0.5; }), o);
  EXPECT_FALSE(r.reached);
  EXPECT_EQ(r.t, 1000);
  EXPECT_EQ(r.evaluations, 1);
  o.start = 0;
  PRISM_EXPECT_THROW_WITH(first_time_reaching(batched([](std::int64_t) { return 0.5; }), o), std::invalid_argument,
                          "start must be >= 1");
}

TEST(StoppingTime, ReachedAtTheFirstStep) {
  const StoppingTime r = first_time_reaching(batched([](std::int64_t) { return 1.0; }));
  EXPECT_TRUE(r.reached);
  EXPECT_EQ(r.t, 1);
  EXPECT_EQ(r.evaluations, 16 + 3) << "one block of the scan and the three checks";
}

}  // namespace
}  // namespace prism::models
