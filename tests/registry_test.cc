// The claim registry and what a measurement sees (src/core/claim.h, rng.h):
// the builder chain, duplicate ids, seed-count defaults, RunContext lookups
// and the independence of named random streams.
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/core/claim.h"
#include "src/core/rng.h"
#include "tests/support/test_support.h"

namespace prism {
namespace {

// Draws compared between streams: enough that a coincidence is impossible.
constexpr int kDraws = 16;

// The seed count when neither the preset nor "*" sets one.
constexpr int kDefaultSeeds = 5;

Measurement toy_measure(const RunContext& ctx) {
  Measurement m;
  m.set("twice_n", 2 * ctx.num("n"));
  m.set("seed", static_cast<double>(ctx.seed()));
  return m;
}

TEST(ClaimRegistry, BuilderChainFillsTheSpec) {
  const Figure fig = Figure("fig-1").Title("Toy").LogX().Line("twice", "n", "twice_n");
  Claim* builder = RegisterClaim("registry-test-toy", toy_measure)
                       ->Title("A toy claim")
                       ->Source("Toy 2024, Eq. 1")
                       ->Statement("twice n is 2 n")
                       ->Sweep("quick", {{{"n", 1}}, {{"n", 2}}})
                       ->Sweep("full", {{{"n", 1}}, {{"n", 2}}, {{"n", 4}}})
                       ->Seeds(3)
                       ->Seeds("full", 10)
                       ->Plot(fig)
                       ->Note("a note");
  ASSERT_NE(builder, nullptr);

  const ClaimSpec* spec = ClaimRegistry::instance().find("registry-test-toy");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->id, "registry-test-toy");
  EXPECT_EQ(spec->title, "A toy claim");
  EXPECT_EQ(spec->source, "Toy 2024, Eq. 1");
  EXPECT_EQ(spec->statement, "twice n is 2 n");
  EXPECT_EQ(spec->presets(), (std::vector<std::string>{"full", "quick"}));
  ASSERT_EQ(spec->sweep.at("quick").size(), 2u);
  ASSERT_EQ(spec->sweep.at("full").size(), 3u);
  EXPECT_EQ(spec->sweep.at("full")[2], Json({{"n", 4}}));
  EXPECT_EQ(spec->seeds_for("full"), 10);
  EXPECT_EQ(spec->seeds_for("quick"), 3) << "falls back to Seeds(n) for every preset";
  ASSERT_EQ(spec->figures.size(), 1u);
  EXPECT_EQ(spec->figures[0].id, "fig-1");
  EXPECT_TRUE(spec->figures[0].logx);
  ASSERT_EQ(spec->figures[0].lines.size(), 1u);
  EXPECT_EQ(spec->figures[0].lines[0].y, "twice_n");
  EXPECT_EQ(spec->notes, std::vector<std::string>{"a note"});

  // The stored measure function is the one registered.
  const Json point = spec->sweep.at("full")[2];
  const Measurement m = spec->measure(RunContext(point, 7, "full"));
  EXPECT_EQ(m.scalars.at("twice_n"), 8.0);
  EXPECT_EQ(m.scalars.at("seed"), 7.0);
}

TEST(ClaimRegistry, SameIdTwiceThrows) {
  RegisterClaim("registry-test-dup", toy_measure);
  PRISM_EXPECT_THROW_WITH(RegisterClaim("registry-test-dup", toy_measure), std::logic_error, "registry-test-dup")
      << "a second registration";
}

// A point names its runs in the journal and its share group: one point twice is refused.
TEST(ClaimRegistry, ARepeatedSweepPointThrows) {
  Claim* c = RegisterClaim("registry-test-repeat", toy_measure);
  PRISM_EXPECT_THROW_WITH(c->Sweep("quick", {{{"n", 1}}, {{"n", 2}}, {{"n", 1}}}), std::logic_error,
                          "registry-test-repeat", "quick", "{\"n\":1}", "twice");
}

// Share groups: a point's ShareBy values; ShareBy({}) one group; none, the point itself.
TEST(ClaimRegistry, ShareGroupsFollowShareBy) {
  const Json p = {{"n", 1}, {"d", 2}}, q = {{"n", 1}, {"d", 3}};
  RegisterClaim("registry-test-share-n", toy_measure)->ShareBy({"n"});
  const ClaimSpec* by_n = ClaimRegistry::instance().find("registry-test-share-n");
  ASSERT_NE(by_n, nullptr);
  EXPECT_EQ(by_n->share_group(p), Json({{"n", 1}}));
  EXPECT_EQ(by_n->share_group(p), by_n->share_group(q));
  RegisterClaim("registry-test-share-all", toy_measure)->ShareBy({});
  const ClaimSpec* all = ClaimRegistry::instance().find("registry-test-share-all");
  ASSERT_NE(all, nullptr);
  EXPECT_EQ(all->share_group(p), all->share_group(Json{{"m", 5}}));
  RegisterClaim("registry-test-share-none", toy_measure);
  const ClaimSpec* none = ClaimRegistry::instance().find("registry-test-share-none");
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->share_group(p), p);
  EXPECT_NE(none->share_group(p), none->share_group(q));
}

TEST(ClaimRegistry, ClaimsAreSortedAndFindable) {
  RegisterClaim("registry-test-zeta", toy_measure);
  RegisterClaim("registry-test-alpha", toy_measure);
  const auto claims = ClaimRegistry::instance().claims();
  for (size_t i = 1; i < claims.size(); ++i) EXPECT_LT(claims[i - 1]->id, claims[i]->id);
  EXPECT_NE(ClaimRegistry::instance().find("registry-test-alpha"), nullptr);
  EXPECT_EQ(ClaimRegistry::instance().find("registry-test-no-such-claim"), nullptr);
}

TEST(ClaimRegistry, SeedsFallBackToStarThenFive) {
  RegisterClaim("registry-test-seeds-default", toy_measure)->Sweep("quick", {{{"n", 1}}});
  const ClaimSpec* none = ClaimRegistry::instance().find("registry-test-seeds-default");
  ASSERT_NE(none, nullptr);
  EXPECT_EQ(none->seeds_for("quick"), kDefaultSeeds);
  EXPECT_EQ(none->seeds_for("full"), kDefaultSeeds);

  RegisterClaim("registry-test-seeds-star", toy_measure)->Seeds(4)->Seeds("quick", 2);
  const ClaimSpec* star = ClaimRegistry::instance().find("registry-test-seeds-star");
  ASSERT_NE(star, nullptr);
  EXPECT_EQ(star->seeds_for("quick"), 2);
  EXPECT_EQ(star->seeds_for("full"), 4);

  RegisterClaim("registry-test-seeds-preset-only", toy_measure)->Seeds("full", 8);
  const ClaimSpec* only = ClaimRegistry::instance().find("registry-test-seeds-preset-only");
  ASSERT_NE(only, nullptr);
  EXPECT_EQ(only->seeds_for("full"), 8);
  EXPECT_EQ(only->seeds_for("quick"), kDefaultSeeds);
}

TEST(RunContext, LookupsAndMissingKeys) {
  const Json point = {{"n", 100}, {"eta", 0.5}, {"dataset", "mnist"}};
  const RunContext ctx(point, 42, "quick");
  EXPECT_EQ(ctx.seed(), 42u);
  EXPECT_EQ(ctx.seeds(), std::vector<std::uint64_t>{42}) << "without a list, the point's seeds are just this one";
  const RunContext among(point, 42, "quick", nullptr, {41, 42, 43});
  EXPECT_EQ(among.seeds(), (std::vector<std::uint64_t>{41, 42, 43}));
  EXPECT_EQ(among.seed(), 42u);
  EXPECT_EQ(ctx.preset(), "quick");
  EXPECT_EQ(ctx.num("n"), 100.0);
  EXPECT_EQ(ctx.num("eta"), 0.5);
  EXPECT_EQ(ctx.str("dataset"), "mnist");
  EXPECT_TRUE(ctx.has("eta"));
  EXPECT_FALSE(ctx.has("bandwidth"));

  PRISM_EXPECT_THROW_WITH(ctx.num("bandwidth"), std::invalid_argument, "'bandwidth'");
  PRISM_EXPECT_THROW_WITH(ctx.str("kernel"), std::invalid_argument, "'kernel'");
  // Wrong types are missing keys too: a string is not a number and vice versa.
  PRISM_EXPECT_THROW_WITH(ctx.num("dataset"), std::invalid_argument, "'dataset'");
  PRISM_EXPECT_THROW_WITH(ctx.str("n"), std::invalid_argument, "'n'");
}

std::vector<double> draws(Rng rng) {
  std::vector<double> out;
  for (int i = 0; i < kDraws; ++i) out.push_back(rng.normal());
  return out;
}

TEST(Rng, SameSeedAndStreamRepeat) {
  EXPECT_EQ(draws(Rng(7, "data")), draws(Rng(7, "data")));
  const Json point = {{"n", 1}};
  EXPECT_EQ(draws(RunContext(point, 7, "quick").rng("init")), draws(Rng(7, "init")))
      << "RunContext::rng is Rng(seed, stream)";
  // Reproducible whatever was drawn from other streams before.
  Rng other(7, "batches");
  for (int i = 0; i < 1000; ++i) other.uniform();
  EXPECT_EQ(draws(Rng(7, "data")), draws(Rng(7, "data")));
}

TEST(Rng, DifferentStreamsAndSeedsDiffer) {
  const auto data = draws(Rng(7, "data"));
  EXPECT_NE(data, draws(Rng(7, "init")));
  EXPECT_NE(data, draws(Rng(8, "data")));
  EXPECT_NE(data, draws(Rng(7, "")));
  // Not merely shifted: no draw of one stream appears in the other.
  const auto init = draws(Rng(7, "init"));
  for (double v : data)
    for (double w : init) EXPECT_NE(v, w);
}

TEST(Rng, StableHashIsFnv1a) {
  // FNV-1a 64 test vectors: "" -> offset basis, "a" -> 0xaf63dc4c8601ec8c.
  EXPECT_EQ(stable_hash(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cull);
}

TEST(Rng, UniformAndIndexRanges) {
  Rng rng(1, "ranges");
  for (int i = 0; i < 1000; ++i) {
    const double u = rng.uniform();
    EXPECT_GE(u, 0.0);
    EXPECT_LT(u, 1.0);
    const double v = rng.uniform(-2.0, 3.0);
    EXPECT_GE(v, -2.0);
    EXPECT_LT(v, 3.0);
    EXPECT_LT(rng.index(7), 7u);
  }
}

}  // namespace
}  // namespace prism
