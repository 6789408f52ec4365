// The run journal: the encoding round trip, a last line cut by a kill, the
// refusal of another run's journal, and, through the real command line, a run
// killed with SIGKILL part-way and resumed, ending with the values of an
// uninterrupted run; SIGINT stopping after the current run with status 130.
#include "src/core/journal.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/cli/commands.h"
#include "src/core/error.h"
#include "src/core/results.h"
#include "tests/support/run_cli.h"
#include "tests/support/test_support.h"

namespace prism {
namespace {

using testing::ScopedEnv;
using testing::ScratchDir;

// ---- the file ---------------------------------------------------------------

JournalEntry entry(size_t point, std::uint64_t seed, double value) {
  JournalEntry e;
  e.claim = "toy";
  e.point = point;
  e.params = {{"n", point}};
  e.seed = seed;
  e.measurement.scalars = {{"value", value}, {"huge", INFINITY}};
  e.measurement.series["curve"] = Series{{1, 2, 3}, {value, -INFINITY, 0.1}};
  e.benchmark = {{"name", "claim/toy"}};
  e.seconds = 0.25;
  return e;
}

TEST(Journal, RoundTripsEveryNumberIncludingInfinities) {
  ScratchDir dir("prism-journal-test");
  {
    JournalWriter w(dir / "j.jsonl", {{"preset", "quick"}}, false);
    w.append(entry(0, 1, 0.1 + 0.2));
    w.append(entry(1, 2, 1e-300));
  }
  const Journal j = read_journal(dir / "j.jsonl");
  EXPECT_EQ(j.identity, (Json{{"preset", "quick"}}));
  ASSERT_EQ(j.entries.size(), 2u);
  EXPECT_EQ(j.entries[0].measurement.scalars.at("value"), 0.1 + 0.2) << "17 significant digits survive";
  EXPECT_EQ(j.entries[1].measurement.scalars.at("value"), 1e-300);
  EXPECT_TRUE(std::isinf(j.entries[0].measurement.scalars.at("huge")));
  EXPECT_EQ(j.entries[1].measurement.series.at("curve").y[1], -INFINITY);
  EXPECT_EQ(j.entries[1].params, (Json{{"n", 1}}));
}

TEST(Journal, IgnoresALastLineCutShortAndRejectsACorruptEarlierOne) {
  ScratchDir dir("prism-journal-test");
  {
    JournalWriter w(dir / "j.jsonl", {{"preset", "quick"}}, false);
    w.append(entry(0, 1, 1.0));
  }
  {
    std::ofstream(dir / "j.jsonl", std::ios::app) << "{\"claim\":\"toy\",\"poi";  // killed mid-write
  }
  EXPECT_EQ(read_journal(dir / "j.jsonl").entries.size(), 1u);
  {
    std::ofstream(dir / "j.jsonl", std::ios::app) << "\n{\"claim\": 3}\n";
  }
  PRISM_EXPECT_THROW_WITH(read_journal(dir / "j.jsonl"), InputError, "j.jsonl:3", "corrupt journal line");
  PRISM_EXPECT_THROW_WITH(read_journal(dir / "missing.jsonl"), InputError, "no journal to resume from");
}

TEST(Journal, RefusesAnotherRunNamingWhatDiffers) {
  Journal j;
  j.identity = {{"preset", "quick"}, {"filter", ".*"}, {"seeds", 0}};
  EXPECT_NO_THROW(require_same_run(j, {{"preset", "quick"}, {"filter", ".*"}}, "OUT/journal.jsonl"));
  PRISM_EXPECT_THROW_WITH(require_same_run(j, {{"preset", "full"}, {"filter", ".*"}, {"git_commit", "abc"}},
                                           "OUT/journal.jsonl"),
                          InputError, "OUT/journal.jsonl", "preset: journal \"quick\", this run \"full\"",
                          "git_commit: journal has none");
  PRISM_EXPECT_THROW_WITH(require_same_run(j, {{"preset", "full"}}, "OUT/journal.jsonl", "the fix", "this build"),
                          InputError, "OUT/journal.jsonl", "preset: journal \"quick\", this build \"full\"", "the fix");
}

// ---- through the command line -------------------------------------------------

// Measured runs of this process; the toy claim kills or interrupts itself at the
// run named by PRISM_TEST_STOP_AT ("kill:5" or "int:5").
std::atomic<int> g_runs{0};

Measurement MeasureToy(const RunContext& ctx) {
  const int run = ++g_runs;
  if (const char* stop = std::getenv("PRISM_TEST_STOP_AT")) {
    const std::string s = stop;
    if (s == "kill:" + std::to_string(run)) ::raise(SIGKILL);
    if (s == "int:" + std::to_string(run)) ::raise(SIGINT);  // the handler records it; this run finishes
    if (s == "throw:" + std::to_string(run)) throw std::runtime_error("the solver did not converge");
  }
  Rng rng = ctx.rng("toy");
  Measurement m;
  m.set("value", ctx.num("n") + rng.uniform());
  m.add_series("curve", {1, 2}, {rng.normal(), rng.normal()});
  return m;
}

PRISM_CLAIM("toy-journal", MeasureToy)
    ->Sweep("quick", {{{"n", 1}}, {{"n", 2}}, {{"n", 3}}, {{"n", 4}}})
    ->Sweep("full", {{{"n", 1}}})
    ->Seeds(3);

using Invocation = testing::CliRun;
Invocation prism(std::vector<std::string> args) { return testing::run_cli(std::move(args)); }

void write_reference(const ScratchDir& dir) {
  dir.write("refs/toy-journal.toml",
            "id = \"toy-journal\"\nsource = \"test\"\n[[check]]\nname = \"ok\"\nkind = \"bound\"\n"
            "measured = \"value\"\nmax = 10.0\nsource = \"test\"\n[[control]]\nname = \"tight\"\napplies = \"ok\"\n"
            "where = { n = 1 }\nmax = -1.0\nwhy = \"nothing is below -1\"\n");
}

// A scratch folder with the toy claim's reference file, PRISM_REFERENCE_DIR
// pointing at it, and OUT inside it; the run counter reset.
class ToyRun : public ::testing::Test {
 protected:
  ToyRun() {
    g_runs = 0;
    write_reference(dir);
  }
  ScratchDir dir{"prism-journal-test"};
  ScopedEnv refs{"PRISM_REFERENCE_DIR", (dir / "refs").string()};
  const std::string out = (dir / "out").string();
};

// Every seed's scalars and series at every point.
Json values(const RunResult& r) {
  Json out = Json::array();
  for (const auto& c : r.claims)
    for (const auto& p : c.points)
      for (size_t s = 0; s < p.runs.size(); ++s)
        out.push_back({{"params", p.params},
                       {"seed", p.seeds[s]},
                       {"value", p.runs[s].scalars.at("value")},
                       {"curve", p.runs[s].series.at("curve").y}});
  return out;
}

TEST_F(ToyRun, ResumeAfterSigkillEndsWithTheUninterruptedRunsValues) {
  const std::string killed = (dir / "killed").string(), whole = (dir / "whole").string();

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {  // dies by SIGKILL at its 5th run, mid-catalog
    setenv("PRISM_TEST_STOP_AT", "kill:5", 1);
    g_runs = 0;
    prism({"run", "--filter", "^toy-journal$", "--out", killed, "--no-report", "--quiet"});
    _exit(0);  // not reached
  }
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "the child was to die by SIGKILL";
  EXPECT_EQ(read_journal(dir / "killed" / "journal.jsonl").entries.size(), 4u) << "the four finished runs are kept";
  EXPECT_FALSE(std::filesystem::exists(dir / "killed" / "results.json")) << "no half-run results";

  g_runs = 0;
  const Invocation resumed = prism({"run", "--resume", killed, "--no-report", "--quiet"});
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_EQ(g_runs.load(), 8) << "only the 8 runs the journal lacks are measured";
  const Invocation uninterrupted = prism({"run", "--filter", "^toy-journal$", "--out", whole, "--no-report", "--quiet"});
  ASSERT_EQ(uninterrupted.status, 0) << uninterrupted.err;
  const RunResult a = read_results(killed), b = read_results(whole);
  EXPECT_EQ(values(a), values(b));
  ASSERT_EQ(a.claims.size(), 1u);
  EXPECT_EQ(a.claims[0].verdict, b.claims[0].verdict);
  EXPECT_EQ(a.benchmark_runs.size(), b.benchmark_runs.size()) << "every run's benchmark record, journaled or new";
  EXPECT_EQ(a.context.value("resumed", false), true);
}

TEST_F(ToyRun, ResumeRefusesAJournalOfAnotherPresetWithExit2) {
  ASSERT_EQ(prism({"run", "--filter", "^toy-journal$", "--out", out, "--no-report", "--quiet"}).status, 0);
  const Invocation other = prism({"run", "--resume", out, "--preset", "full", "--no-report", "--quiet"});
  EXPECT_EQ(other.status, 2);
  EXPECT_NE(other.err.find("preset: journal \"quick\", this run \"full\""), std::string::npos) << other.err;
  const Invocation seeds = prism({"run", "--resume", out, "--seed-base", "10", "--no-report", "--quiet"});
  EXPECT_EQ(seeds.status, 2);
  EXPECT_NE(seeds.err.find("seed_base: journal 0, this run 10"), std::string::npos) << seeds.err;
}

TEST_F(ToyRun, SignalsSigintStopsAfterTheCurrentRunWith130AndTheJournalResumes) {
  {
    ScopedEnv stop("PRISM_TEST_STOP_AT", "int:3");
    const Invocation interrupted = prism({"run", "--filter", "^toy-journal$", "--out", out, "--no-report", "--quiet"});
    EXPECT_EQ(interrupted.status, 130) << interrupted.err;
    EXPECT_NE(interrupted.err.find("resume: prism run --resume " + out), std::string::npos) << interrupted.err;
  }
  EXPECT_EQ(g_runs.load(), 3) << "the run in progress finishes, no later one starts";
  EXPECT_EQ(read_journal(dir / "out" / "journal.jsonl").entries.size(), 3u);
  g_runs = 0;
  const Invocation resumed = prism({"run", "--resume", out, "--no-report", "--quiet"});
  EXPECT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_EQ(g_runs.load(), 9);
}

// A measurement that throws: exit 2 naming the claim, point and seed, and the
// runs before it stay in the journal.
TEST_F(ToyRun, ResumeAThrowingMeasurementNamesItsRunAndKeepsTheJournal) {
  ScopedEnv stop("PRISM_TEST_STOP_AT", "throw:4");
  const Invocation failed = prism({"run", "--filter", "^toy-journal$", "--out", out, "--no-report", "--quiet"});
  EXPECT_EQ(failed.status, 2) << failed.err;
  for (const char* said : {"claim toy-journal at n=2, seed 1", "the solver did not converge", "kept: the 3 runs"})
    EXPECT_NE(failed.err.find(said), std::string::npos) << "expected '" << said << "' in\n" << failed.err;
  EXPECT_EQ(failed.err.find("internal error"), std::string::npos) << failed.err;
  EXPECT_EQ(read_journal(dir / "out" / "journal.jsonl").entries.size(), 3u);
}

TEST_F(ToyRun, SeedBaseRunsSeedsAfterTheBase) {
  ASSERT_EQ(prism({"run", "--filter", "^toy-journal$", "--out", out, "--seed-base", "100", "--no-report", "--quiet"}).status, 0);
  const RunResult r = read_results(out);
  EXPECT_EQ(r.claims[0].points[0].seeds, (std::vector<std::uint64_t>{101, 102, 103}));
  EXPECT_EQ(r.context.value("seed_base", 0), 100);
}

}  // namespace
}  // namespace prism
