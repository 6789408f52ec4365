// The claim-support layer through the real runner and command line, with toy
// claims registered here: shared setup built once per share group and freed
// when the group is done, the Derive hook between measuring and checking, and
// figures that name nothing stopping the run with exit status 2.
#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/cli/commands.h"
#include "src/core/claim.h"
#include "src/core/error.h"
#include "src/core/results.h"
#include "src/core/runner.h"
#include "tests/support/run_cli.h"
#include "tests/support/test_support.h"

namespace prism {
namespace {

using testing::ScopedEnv;
using testing::ScratchDir;

// A reference file whose check passes on `quantity` <= max and whose control
// (the same bound at 0) fails, so the toy claims verify.
std::string reference_for(const std::string& id, const std::string& quantity, double max) {
  return "id = \"" + id + "\"\nsource = \"test\"\n[[check]]\nname = \"ok\"\nkind = \"bound\"\nmeasured = \"" + quantity +
         "\"\nmax = " + std::to_string(max) + "\nsource = \"test\"\n[[control]]\nname = \"tight\"\napplies = \"ok\"\n" +
         "max = -1.0\nwhy = \"nothing is below -1\"\n";
}

// Runs one toy claim, checked on `quantity` <= max, through the real runner.
RunResult run_toy(const ScratchDir& dir, const std::string& id, const std::string& quantity, double max) {
  dir.write("refs/" + id + ".toml", reference_for(id, quantity, max));
  ScopedEnv refs("PRISM_REFERENCE_DIR", (dir / "refs").string());
  RunOptions opt;
  opt.filter = "^" + id + "$";
  opt.out = dir / "out";
  opt.progress = false;
  return run_claims(opt);
}

// ---- SharedStore -------------------------------------------------------------

TEST(SharedStore, BuildsOncePerKeyAndClears) {
  SharedStore store;
  int builds = 0;
  auto build = [&] { return ++builds * 10; };
  EXPECT_EQ(*store.get("a", build), 10);
  EXPECT_EQ(*store.get("a", build), 10);
  EXPECT_EQ(*store.get("b", build), 20);
  EXPECT_EQ(builds, 2);
  const auto kept = store.get("a", build);
  store.clear();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(*kept, 10) << "a value in use outlives the clear";
  EXPECT_EQ(*store.get("a", build), 30) << "rebuilt after the clear";
}

TEST(SharedStore, OneKeyOneType) {
  SharedStore store;
  store.get("k", [] { return 1; });
  PRISM_EXPECT_THROW_WITH(store.get("k", [] { return 1.0; }), std::logic_error, "'k'");
}

TEST(SharedStore, ABuildMayShareItsParts) {
  SharedStore store;
  int inner = 0;
  const auto outer = store.get("outer", [&] { return *store.get("inner", [&] { return ++inner; }) + 1; });
  EXPECT_EQ(*outer, 2);
  EXPECT_EQ(*store.get("inner", [] { return -1; }), 1);
}

TEST(RunContext, WithoutAStoreBuildsEveryTime) {
  const Json point = {{"n", 1}};
  const RunContext ctx(point, 1, "quick");
  int builds = 0;
  ctx.shared("k", [&] { return ++builds; });
  ctx.shared("k", [&] { return ++builds; });
  EXPECT_EQ(builds, 2);
}

// ---- share groups through the runner -----------------------------------------

std::atomic<int> g_builds{0}, g_order{0};

// Records how many builds happened so far and when this run happened.
Measurement MeasureShared(const RunContext& ctx) {
  const auto v = ctx.shared("setup/" + ctx.str("group"), [] { return ++g_builds; });
  Measurement m;
  m.set("builds_so_far", g_builds);
  m.set("built_as", *v);
  m.set("order", ++g_order);
  return m;
}

PRISM_CLAIM("toy-share-groups", MeasureShared)
    ->Sweep("quick", {{{"group", "a"}, {"i", 1}}, {{"group", "b"}, {"i", 1}}, {{"group", "a"}, {"i", 2}}})
    ->Seeds(2)
    ->ShareBy({"group"});

TEST(ShareGroups, EachGroupBuildsOnceAndRunsTogether) {
  ScratchDir dir("prism-claim-support-test");
  const RunResult r = run_toy(dir, "toy-share-groups", "builds_so_far", 100);
  ASSERT_EQ(r.claims.size(), 1u);
  const auto& pts = r.claims[0].points;
  ASSERT_EQ(pts.size(), 3u) << "results stay in sweep order";
  EXPECT_EQ(pts[1].params["group"], "b");
  // Group a (points 0 and 2, both seeds) first, built once; then group b.
  for (size_t s = 0; s < 2; ++s) {
    EXPECT_EQ(pts[0].runs[s].scalars.at("built_as"), 1.0);
    EXPECT_EQ(pts[2].runs[s].scalars.at("built_as"), 1.0);
    EXPECT_EQ(pts[1].runs[s].scalars.at("built_as"), 2.0);
    EXPECT_LT(pts[2].runs[s].scalars.at("order"), pts[1].runs[0].scalars.at("order"))
        << "a group's points run together, whatever the sweep order";
  }
  EXPECT_EQ(g_builds, 2);
  EXPECT_EQ(r.claims[0].verdict, Verdict::Pass);
}

// SeedBySeed: the same claim, each group's runs seed by seed.
std::atomic<int> g_seed_order{0};

Measurement MeasureSeedOrder(const RunContext& ctx) {
  Measurement m;
  m.set("order", ++g_seed_order);
  return m;
}

PRISM_CLAIM("toy-seed-by-seed", MeasureSeedOrder)
    ->Sweep("quick", {{{"group", "a"}, {"i", 1}}, {{"group", "b"}, {"i", 1}}, {{"group", "a"}, {"i", 2}}})
    ->Seeds(2)
    ->ShareBy({"group"})
    ->SeedBySeed();

TEST(ShareGroups, SeedBySeedRunsEveryPointOfASeedBeforeTheNextSeed) {
  ScratchDir dir("prism-claim-support-test");
  const RunResult r = run_toy(dir, "toy-seed-by-seed", "order", 100);
  const auto& pts = r.claims[0].points;
  ASSERT_EQ(pts.size(), 3u);
  const auto order = [&](size_t p, size_t s) { return pts[p].runs[s].scalars.at("order"); };
  // Group a: (point 0, seed 1), (point 2, seed 1), (point 0, seed 2), (point 2, seed 2); then group b.
  EXPECT_EQ(order(0, 0), 1.0);
  EXPECT_EQ(order(2, 0), 2.0);
  EXPECT_EQ(order(0, 1), 3.0);
  EXPECT_EQ(order(2, 1), 4.0);
  EXPECT_EQ(order(1, 0), 5.0);
  EXPECT_EQ(order(1, 1), 6.0);
}

// ---- Derive -------------------------------------------------------------------

Measurement MeasureTime(const RunContext& ctx) {
  Measurement m;
  m.set("t", 100.0 / ctx.num("m") + static_cast<double>(ctx.seed()));
  return m;
}

// speedup = t(m=1) / t(m) of the same seed: a quantity across points.
void DeriveSpeedup(std::vector<PointRuns>& points) {
  const PointRuns* one = nullptr;
  for (const auto& p : points)
    if (p.params["m"] == 1) one = &p;
  for (auto& p : points)
    for (size_t s = 0; s < p.runs.size(); ++s)
      p.runs[s].scalars["speedup"] = one->runs[s].scalars.at("t") / p.runs[s].scalars.at("t");
}

PRISM_CLAIM("toy-derive", MeasureTime)->Sweep("quick", {{{"m", 1}}, {{"m", 4}}})->Seeds(2)->Derive(DeriveSpeedup);

TEST(Derive, RunsAfterEveryPointAndBeforeTheChecks) {
  ScratchDir dir("prism-claim-support-test");
  const RunResult r = run_toy(dir, "toy-derive", "speedup", 10);
  const auto& p = r.claims[0].points[1];
  EXPECT_DOUBLE_EQ(p.runs[0].scalars.at("speedup"), 101.0 / 26.0);  // seed 1: (100 + 1) / (25 + 1)
  EXPECT_DOUBLE_EQ(p.runs[1].scalars.at("speedup"), 102.0 / 27.0);
  ASSERT_EQ(r.claims[0].checks.size(), 1u);
  EXPECT_EQ(r.claims[0].checks[0].quantity, "speedup") << "the check saw the derived quantity";
  EXPECT_EQ(r.claims[0].verdict, Verdict::Pass);
}

// max_seeds: a costly point runs on the first max_seeds seeds only.
Measurement MeasureSeed(const RunContext& ctx) {
  Measurement m;
  m.set("seed", static_cast<double>(ctx.seed()));
  return m;
}

PRISM_CLAIM("toy-max-seeds", MeasureSeed)
    ->Sweep("quick", {{{"model", "cheap"}}, {{"model", "costly"}, {"max_seeds", 2}}, {{"model", "big-cap"}, {"max_seeds", 9}}})
    ->Seeds(4);
PRISM_CLAIM("toy-bad-max-seeds", MeasureSeed)->Sweep("quick", {{{"max_seeds", 0}}});

TEST(MaxSeeds, CapsThePointsSeeds) {
  ScratchDir dir("prism-claim-support-test");
  const RunResult r = run_toy(dir, "toy-max-seeds", "seed", 10);
  const auto& points = r.claims[0].points;
  ASSERT_EQ(points.size(), 3u);
  EXPECT_EQ(points[0].seeds, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(points[1].seeds, (std::vector<std::uint64_t>{1, 2})) << "capped at max_seeds";
  EXPECT_EQ(points[2].seeds.size(), 4u) << "a cap above the run's seeds changes nothing";
  EXPECT_EQ(points[1].runs.size(), 2u);
  EXPECT_EQ(points[1].runs[1].scalars.at("seed"), 2.0);
  EXPECT_EQ(r.claims[0].verdict, Verdict::Pass);
}

TEST(MaxSeeds, ANonPositiveCapIsBadInput) {
  ScratchDir dir("prism-claim-support-test");
  PRISM_EXPECT_THROW_WITH(run_toy(dir, "toy-bad-max-seeds", "seed", 10), InputError, "max_seeds must be a positive integer");
}

TEST(Derive, ANonFiniteDerivedValueIsAMeasurementError) {
  ClaimSpec spec;
  spec.id = "toy-nan";
  spec.derive = [](std::vector<PointRuns>& points) { points[0].runs[0].scalars["ratio"] = 0.0 / 0.0; };
  ClaimResult claim;
  PointRuns p;
  p.params = {{"m", 1}};
  p.seeds = {1};
  p.runs.resize(1);
  claim.points.push_back(p);
  PRISM_EXPECT_THROW_WITH(derive_claim(spec, claim), MeasurementError, "toy-nan", "'ratio'", "m=1");
}

// ---- figures that name nothing: exit 2 -----------------------------------------

Measurement MeasureErr(const RunContext& ctx) {
  Measurement m;
  m.set("err", 1.0 / ctx.num("n"));
  return m;
}

PRISM_CLAIM("toy-figure-typo", MeasureErr)
    ->Sweep("quick", {{{"n", 10}}, {{"n", 100}}})
    ->Seeds(2)
    ->Plot(Figure("error").Axes("n", "err").Line("error", "n", "error_rate"));

PRISM_CLAIM("toy-band-typo", MeasureErr)
    ->Sweep("quick", {{{"n", 10}}})
    ->Seeds(2)
    ->Plot(Figure("error").Axes("n", "err").Line("error", "n", "err").Band("okay"));

PRISM_CLAIM("toy-where-typo", MeasureErr)
    ->Sweep("quick", {{{"n", 10}}})
    ->Seeds(2)
    ->Plot(Figure("error").Axes("n", "err").Line("error", "n", "err", {{"size", 10}}));

// Runs `prism run` on one toy claim; returns the exit status and stderr.
std::pair<int, std::string> prism_run(const ScratchDir& dir, const std::string& id) {
  dir.write("refs/" + id + ".toml", reference_for(id, "err", 1));
  ScopedEnv refs("PRISM_REFERENCE_DIR", (dir / "refs").string());
  const testing::CliRun r =
      testing::run_cli({"run", "--filter", "^" + id + "$", "--out", (dir / "out").string(), "--no-report", "--quiet"});
  return {r.status, r.err};
}

void expect_exit_2_naming(const std::pair<int, std::string>& run, const std::vector<std::string>& names) {
  EXPECT_EQ(run.first, 2) << run.second;
  for (const auto& n : names) EXPECT_NE(run.second.find(n), std::string::npos) << "'" << n << "' not in: " << run.second;
}

TEST(FigureValidation, ALineNamingAnUnknownQuantityExits2) {
  ScratchDir dir("prism-claim-support-test");
  const auto run = prism_run(dir, "toy-figure-typo");
  expect_exit_2_naming(run, {"claim toy-figure-typo", "figure 'error'", "'error_rate'", "err"});
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "results.json")) << "what was measured is kept";
}

TEST(FigureValidation, ABandNamingAnUnknownCheckExits2BeforeMeasuring) {
  ScratchDir dir("prism-claim-support-test");
  const auto run = prism_run(dir, "toy-band-typo");
  expect_exit_2_naming(run, {"claim toy-band-typo", "figure 'error'", "band 'okay'", "toy-band-typo.toml"});
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "results.json")) << "nothing was measured";
}

TEST(FigureValidation, AWhereOnAnUnknownParameterExits2) {
  ScratchDir dir("prism-claim-support-test");
  expect_exit_2_naming(prism_run(dir, "toy-where-typo"), {"claim toy-where-typo", "figure 'error'", "'size'"});
}


// ---- part of a claim: a filter on claim/point names ----------------------------

Measurement MeasureByDataset(const RunContext& ctx) {
  Measurement m;
  m.set("err", ctx.str("dataset") == "a" ? 0.1 : 0.2);
  return m;
}

PRISM_CLAIM("toy-part", MeasureByDataset)
    ->Sweep("quick", {{{"dataset", "a"}}, {{"dataset", "b"}}})
    ->Seeds(2);

std::pair<int, RunResult> run_part(const ScratchDir& dir, const std::string& filter) {
  dir.write("refs/toy-part.toml",
            "id = \"toy-part\"\nsource = \"test\"\n"
            "[[check]]\nname = \"a-small\"\nkind = \"bound\"\nmeasured = \"err\"\nmax = 0.15\nwhere = { dataset = \"a\" }\nsource = \"test\"\n"
            "[[check]]\nname = \"b-small\"\nkind = \"bound\"\nmeasured = \"err\"\nmax = 0.25\nwhere = { dataset = \"b\" }\nsource = \"test\"\n"
            "[[control]]\nname = \"b-not-a\"\napplies = \"a-small\"\nwhere = { dataset = \"b\" }\nwhy = \"b is larger\"\n");
  ScopedEnv refs("PRISM_REFERENCE_DIR", (dir / "refs").string());
  const int status =
      testing::run_cli({"run", "--filter", filter, "--out", (dir / "out").string(), "--no-report", "--quiet"}).status;
  return {status, read_results(dir / "out")};
}

TEST(PointFilter, RunsTheNamedPointsAndLeavesTheOtherChecksNotEvaluated) {
  ScratchDir dir("prism-claim-support-test");
  const auto [status, r] = run_part(dir, "toy-part/dataset=a");
  ASSERT_EQ(r.claims.size(), 1u);
  const ClaimResult& c = r.claims[0];
  EXPECT_TRUE(c.partial);
  EXPECT_EQ(c.points.size(), 1u) << "only dataset=a ran";
  ASSERT_EQ(c.checks.size(), 2u);
  EXPECT_EQ(c.checks[0].verdict, Verdict::Pass);
  EXPECT_EQ(c.checks[1].verdict, Verdict::NotEvaluated) << "b's check never passes when b did not run";
  EXPECT_NE(c.checks[1].detail.find("the filter ran no point"), std::string::npos) << c.checks[1].detail;
  EXPECT_EQ(c.controls[0].verdict, Verdict::NotEvaluated);
  EXPECT_EQ(c.verdict, Verdict::Pass);
  EXPECT_NE(c.verdict_reason.find("partial run, not evaluated: check b-small, control b-not-a"), std::string::npos)
      << c.verdict_reason;
  EXPECT_EQ(status, 0);
}

TEST(PointFilter, AClaimIdRunsEveryPointAndAPartWithNoCheckIsNotAPass) {
  ScratchDir dir("prism-claim-support-test");
  const auto whole = run_part(dir, "^toy-part$");
  EXPECT_FALSE(whole.second.claims[0].partial);
  EXPECT_EQ(whole.second.claims[0].points.size(), 2u);
  EXPECT_EQ(whole.second.claims[0].verdict, Verdict::Pass);
  // Only b ran: b's check passes, a's check and the control are not evaluated.
  const auto b = run_part(dir, "toy-part/dataset=b");
  EXPECT_EQ(b.second.claims[0].checks[0].verdict, Verdict::NotEvaluated);
  EXPECT_EQ(b.second.claims[0].checks[1].verdict, Verdict::Pass);
}

}  // namespace
}  // namespace prism
