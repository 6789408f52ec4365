#include "src/core/runner.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <map>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "src/core/context.h"
#include "src/core/error.h"
#include "src/core/journal.h"

namespace prism {
namespace {

using Clock = std::chrono::steady_clock;

// One Google Benchmark run per (claim, point, seed).
struct Job {
  size_t claim, point, seed_slot;
  std::uint64_t seed;
  std::string name;
  size_t group;     // share group, numbered over the run
  bool ends_group;  // the last job of its share group still to run
};

// The stop request of SIGINT / SIGTERM: the handler only records it; the
// measuring loop reads it between runs.
std::atomic<int> g_stop_signal{0};
extern "C" void record_stop(int sig) { g_stop_signal.store(sig); }

// Installs the handlers for the measuring loop and restores the old ones after.
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = record_stop;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESETHAND;  // a second signal kills at once
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

// What the journal's first line must match for a resume.
Json run_identity(const RunOptions& opt, const std::vector<const ClaimSpec*>& specs, const Json& context) {
  Json claims = Json::array();
  for (const auto* s : specs) claims.push_back(s->id);
  return {{"preset", opt.preset},
          {"filter", opt.filter},
          {"seeds", opt.seeds},
          {"seed_base", opt.seed_base},
          {"shard", fmt::format("{}/{}", opt.shard_index + 1, opt.shard_count)},
          {"claims", claims},
          {"git_commit", context.value("git_commit", "")},
          {"git_dirty", context.value("git_dirty", false)},
          // Backends round differently (and ATLAS answered one LAPACK call wrongly):
          // a run resumed on another would mix two sets of numbers.
          {"blas", blas_info().value("backend", "unknown")}};
}

// Results of an earlier run in `out` (its journal stays: it is this run's to write).
void remove_previous_results(const std::filesystem::path& out) {
  for (const char* name : {"results.json", "benchmarks.json", "report.pdf"}) std::filesystem::remove(out / name);
  std::filesystem::remove_all(out / "data");
  std::filesystem::remove_all(out / "partial");  // `prism report` of the interrupted run
}

// Collects the raw runs and prints a progress line: claim, point, ETA.
class ProgressReporter : public benchmark::BenchmarkReporter {
 public:
  ProgressReporter(size_t total, bool enabled) : total_(total), enabled_(enabled), start_(Clock::now()) {}
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& run : runs) {
      Json j;
      j["name"] = run.benchmark_name();
      j["iterations"] = run.iterations;
      j["real_time"] = run.GetAdjustedRealTime();
      j["cpu_time"] = run.GetAdjustedCPUTime();
      j["time_unit"] = benchmark::GetTimeUnitString(run.time_unit);
      for (const auto& [k, c] : run.counters) j["counters"][k] = c.value;
      if (run.error_occurred) j["error"] = run.error_message;
      // The run's measurement, staged by the benchmark body, goes to the journal
      // with this record before the next run starts.
      if (journal && !run.error_occurred) {
        pending.benchmark = j;
        journal->append(pending);
        ++finished_;
      }
      journal = nullptr;
      by_name[run.run_name.function_name] = j;  // the registered name, without GB's suffixes
      ++done_;
      print(run.benchmark_name());
    }
  }
  void Finalize() override {
    if (enabled_ && isatty(fileno(stderr))) fprintf(stderr, "\n");
  }
  size_t finished() const { return finished_; }
  std::map<std::string, Json> by_name;  // every run reported, by benchmark name
  JournalEntry pending;                 // the run that just finished
  JournalWriter* journal = nullptr;     // where it goes (set by the run's body)

 private:
  void print(const std::string& name) {
    if (!enabled_) return;
    const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    const double eta = done_ ? elapsed / done_ * (total_ - done_) : 0;
    const bool tty = isatty(fileno(stderr));
    // On a log (CI), one line every few seconds at most, and the last one.
    if (!tty && elapsed - last_print_ < 5 && done_ != total_) return;
    last_print_ = elapsed;
    fprintf(stderr, "%s[%4zu/%zu] %-60.60s elapsed %5.0fs  ETA %5.0fs%s", tty ? "\r" : "", done_, total_,
            name.c_str(), elapsed, eta, tty ? "" : "\n");
    fflush(stderr);
  }
  size_t total_, done_ = 0, finished_ = 0;
  bool enabled_;
  Clock::time_point start_;
  double last_print_ = -1e9;
};

// The index of a point in its claim's sweep for the preset (the journal's key).
size_t sweep_index(const ClaimSpec& spec, const std::string& preset, const Json& params) {
  const auto& pts = spec.sweep.at(preset);
  for (size_t i = 0; i < pts.size(); ++i)
    if (pts[i] == params) return i;
  throw std::logic_error("point " + point_label(params) + " is not in the sweep of " + spec.id);
}

}  // namespace

std::vector<const ClaimSpec*> select_claims(const std::string& filter, const std::string& preset) {
  std::regex re;
  try {
    re = std::regex(filter, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw InputError("--filter '" + filter + "'", std::string("not a valid regular expression: ") + e.what(),
                     "an ECMAScript regex on claim ids, or on claim/point names (`prism list`)");
  }
  std::vector<const ClaimSpec*> out;
  for (const auto* c : ClaimRegistry::instance().claims()) {
    bool selected = std::regex_search(c->id, re);
    if (auto it = c->sweep.find(preset); !selected && it != c->sweep.end())
      for (const auto& p : it->second) selected = selected || std::regex_search(c->id + "/" + point_label(p), re);
    if (selected) out.push_back(c);
  }
  if (out.empty()) throw InputError("--filter '" + filter + "'", "matches no claim", "see `prism list`");
  // Only the claims that declare the preset run (paper scale is a few claims' preset).
  std::vector<const ClaimSpec*> with;
  std::set<std::string> declared;
  for (const auto* c : out) {
    if (c->sweep.count(preset)) with.push_back(c);
    for (const auto& p : c->presets()) declared.insert(p);
  }
  if (with.empty())
    throw InputError("--preset " + preset, "no selected claim declares this preset",
                     "presets of the selected claims: " + fmt::format("{}", fmt::join(declared, ", ")));
  return with;
}

namespace {

// The claims the filter names that do not declare the preset (left out, and said so).
std::vector<std::string> claims_without_preset(const std::string& filter, const std::string& preset) {
  std::vector<std::string> left;
  const std::regex re(filter, std::regex::ECMAScript);
  for (const auto* c : ClaimRegistry::instance().claims())
    if (std::regex_search(c->id, re) && !c->sweep.count(preset)) left.push_back(c->id);
  return left;
}

}  // namespace

ReferenceFile load_claim_reference(const ClaimSpec& spec) {
  ReferenceFile ref = load_reference(reference_dir() / (spec.id + ".toml"));
  if (ref.id != spec.id)
    throw ReferenceError(ref.path, "id = \"" + ref.id + "\" but the file belongs to claim '" + spec.id + "'");
  return ref;
}

namespace {

// A point's `max_seeds` caps its seeds at the first max_seeds of the run's
// (a costly point beside cheap ones that need more seeds).
int point_seeds(const ClaimSpec& spec, const Json& point, int run_seeds) {
  if (!point.contains("max_seeds")) return run_seeds;
  const Json& cap = point["max_seeds"];
  if (!cap.is_number_integer() || cap.get<int>() < 1)
    throw InputError("claim " + spec.id, "point " + point_label(point) + " has max_seeds " + cap.dump(),
                     "max_seeds must be a positive integer");
  return std::min(run_seeds, cap.get<int>());
}

// The run `opt` describes before anything is measured: the selected claims,
// each with this shard's points and their seeds, every reference file (and the
// figures' bands against it) validated first.
struct Plan {
  std::vector<const ClaimSpec*> specs;
  std::vector<ReferenceFile> references;
  std::vector<ClaimResult> claims;
};

Plan plan_run(const RunOptions& opt) {
  Plan plan;
  plan.specs = select_claims(opt.filter, opt.preset);
  const auto& specs = plan.specs;
  const auto shard_of_point = shard_assignment(specs, opt.preset, opt.shard_count);
  const std::regex filter(opt.filter, std::regex::ECMAScript);
  auto& references = plan.references;
  for (size_t c = 0; c < specs.size(); ++c) {
    const ClaimSpec* spec = specs[c];
    references.push_back(load_claim_reference(*spec));
    require_checks_for(references.back(), opt.preset);
    validate_figure_bands(*spec, references.back());
    auto it = spec->sweep.find(opt.preset);
    if (it == spec->sweep.end())
      throw InputError("--preset " + opt.preset, "claim " + spec->id + " has no such preset",
                       "presets of this claim: " + fmt::format("{}", fmt::join(spec->presets(), ", ")));
    ClaimResult cr;
    cr.info = claim_info(*spec, references.back());
    const int nseeds = opt.seeds > 0 ? opt.seeds : spec->seeds_for(opt.preset);
    // The filter names the claim (every point) or some of its points ("claim/point", as Google Benchmark names runs).
    const bool whole = std::regex_search(spec->id, filter);
    size_t index = 0;
    for (const auto& p : it->second) {
      if (!whole && !std::regex_search(spec->id + "/" + point_label(p), filter)) {
        cr.partial = true;
        ++index;
        continue;
      }
      if (shard_of_point[c][index++] != opt.shard_index) continue;
      PointRuns pr;
      pr.params = p;
      for (int s = 1; s <= point_seeds(*spec, p, nseeds); ++s) pr.seeds.push_back(opt.seed_base + static_cast<std::uint64_t>(s));
      pr.runs.resize(pr.seeds.size());
      cr.points.push_back(std::move(pr));
    }
    if (cr.partial && opt.shard_count > 1)
      throw InputError("--filter '" + opt.filter + "'", "selects part of claim " + spec->id + " and --shard splits the run",
                       "shard whole claims (a filter on claim ids), or run the part unsharded");
    plan.claims.push_back(std::move(cr));
  }
  return plan;
}

// A journal's runs by (claim, sweep index, seed).
using JournalIndex = std::map<std::tuple<std::string, size_t, std::uint64_t>, const JournalEntry*>;

JournalIndex index_journal(const Journal& journal) {
  JournalIndex by_key;
  for (const auto& e : journal.entries) by_key[{e.claim, e.point, e.seed}] = &e;
  return by_key;
}

// The journaled run of `seed` at point `pr` of `spec`, or null; InputError when
// the journal holds another point under that index (a different build).
const JournalEntry* find_journaled(const JournalIndex& by_key, const ClaimSpec& spec, const std::string& preset,
                                   const PointRuns& pr, std::uint64_t seed, const std::filesystem::path& path) {
  const auto it = by_key.find({spec.id, sweep_index(spec, preset, pr.params), seed});
  if (it == by_key.end()) return nullptr;
  if (it->second->params != pr.params)
    throw InputError(path.string(), "the journal's point " + point_label(it->second->params) + " of " + spec.id +
                                        " is not this build's " + point_label(pr.params),
                     "start a fresh run without --resume");
  return it->second;
}

// A claim whose every run is measured: derived and checked, or, on a shard,
// left for the merge (the checks need every point).
void finish_claim(const ClaimSpec& spec, ClaimResult& cr, const ReferenceFile& reference, const RunOptions& opt) {
  if (opt.shard_count == 1) {
    derive_claim(spec, cr);
    evaluate_claim(cr, reference, opt.preset);
  } else {
    cr.verdict_reason = "shard: checks are evaluated when `prism report` merges the shards";
  }
}

}  // namespace

RunResult run_claims(const RunOptions& opt) {
  RunResult result;
  result.context = machine_context();  // its "started" is the start of the run
  Plan plan = plan_run(opt);
  const auto& specs = plan.specs;
  const auto& references = plan.references;
  result.context["claims_without_preset"] = claims_without_preset(opt.filter, opt.preset);
  result.claims = std::move(plan.claims);

  // Jobs claim by claim; within a claim, share group by share group (in order
  // of first appearance), each group's points in sweep order, every seed of a
  // point before the next (seed by seed instead under Claim::SeedBySeed). The
  // last job of a group frees the group's shared setup.
  std::vector<Job> jobs;
  size_t group_count = 0;
  for (size_t c = 0; c < result.claims.size(); ++c) {
    const auto& cr = result.claims[c];
    std::vector<Json> groups;
    for (const auto& p : cr.points) {
      const Json g = specs[c]->share_group(p.params);
      if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
    for (const auto& g : groups) {
      std::vector<size_t> members;  // the group's points, in sweep order
      for (size_t p = 0; p < cr.points.size(); ++p)
        if (specs[c]->share_group(cr.points[p].params) == g) members.push_back(p);
      const auto add = [&](size_t p, size_t s) {
        jobs.push_back({c, p, s, cr.points[p].seeds[s],
                        "claim/" + cr.info.id + "/" + point_label(cr.points[p].params) + "/seed:" +
                            std::to_string(cr.points[p].seeds[s]),
                        group_count, false});
      };
      if (specs[c]->seed_by_seed) {  // seeds in order of first appearance, each with all its points
        std::vector<std::uint64_t> seeds;
        for (size_t p : members)
          for (std::uint64_t seed : cr.points[p].seeds)
            if (std::find(seeds.begin(), seeds.end(), seed) == seeds.end()) seeds.push_back(seed);
        for (std::uint64_t seed : seeds)
          for (size_t p : members) {
            const auto& ps = cr.points[p].seeds;
            const auto it = std::find(ps.begin(), ps.end(), seed);
            if (it != ps.end()) add(p, static_cast<size_t>(it - ps.begin()));
          }
      } else {
        for (size_t p : members)
          for (size_t s = 0; s < cr.points[p].seeds.size(); ++s) add(p, s);
      }
      ++group_count;
    }
  }

  // The journal: a fresh one, or the runs of the interrupted run taken as measured.
  std::filesystem::create_directories(opt.out);
  const std::filesystem::path journal_path = opt.out / "journal.jsonl";
  const Json identity = run_identity(opt, specs, result.context);
  std::vector<double> claim_seconds(result.claims.size(), 0.0);
  std::map<std::string, Json> journaled_benchmarks;  // job name -> its recorded run
  std::vector<bool> done(jobs.size(), false);
  if (opt.resume) {
    const Journal journal = read_journal(journal_path);
    require_same_run(journal, identity, journal_path);
    const JournalIndex by_key = index_journal(journal);
    for (size_t j = 0; j < jobs.size(); ++j) {
      PointRuns& pr = result.claims[jobs[j].claim].points[jobs[j].point];
      const JournalEntry* e = find_journaled(by_key, *specs[jobs[j].claim], opt.preset, pr, jobs[j].seed, journal_path);
      if (!e) continue;
      pr.runs[jobs[j].seed_slot] = e->measurement;
      claim_seconds[jobs[j].claim] += e->seconds;
      journaled_benchmarks[jobs[j].name] = e->benchmark;
      done[j] = true;
    }
  } else {
    remove_previous_results(opt.out);
  }
  JournalWriter journal(journal_path, identity, opt.resume);
  // The last job still to run in each share group frees the group's setup.
  std::vector<int> last_of_group(group_count, -1);
  for (size_t j = 0; j < jobs.size(); ++j)
    if (!done[j]) last_of_group[jobs[j].group] = static_cast<int>(j);
  for (size_t j = 0; j < jobs.size(); ++j) jobs[j].ends_group = last_of_group[jobs[j].group] == static_cast<int>(j);

  // Google Benchmark writes its own JSON (compare.py reads it) beside ours:
  // under a temporary name, renamed when the run completes.
  const std::string out_flag = "--benchmark_out=" + (opt.out / "benchmarks.json.tmp").string();
  std::vector<std::string> gb_args = {"prism", out_flag, "--benchmark_out_format=json"};
  std::vector<char*> gb_argv;
  for (auto& a : gb_args) gb_argv.push_back(a.data());
  int gb_argc = static_cast<int>(gb_argv.size());
  benchmark::Initialize(&gb_argc, gb_argv.data());

  size_t to_run = 0;
  ProgressReporter reporter(static_cast<size_t>(std::count(done.begin(), done.end(), false)), opt.progress);
  SharedStore store;  // one claim's one share group at a time
  for (size_t j = 0; j < jobs.size(); ++j) {
    if (done[j]) continue;
    ++to_run;
    const Job job = jobs[j];
    const ClaimSpec* spec = specs[job.claim];
    PointRuns* pr = &result.claims[job.claim].points[job.point];
    double* seconds = &claim_seconds[job.claim];
    const std::string preset = opt.preset;
    SharedStore* shared = &store;
    JournalWriter* log = &journal;
    ProgressReporter* rep = &reporter;
    const size_t index = sweep_index(*spec, preset, pr->params);
    benchmark::RegisterBenchmark(job.name.c_str(), [=](benchmark::State& state) {
      if (g_stop_signal.load() != 0) {  // stop between runs: skip the rest
        state.SkipWithError("interrupted");
        for (auto _ : state) {
        }
        return;
      }
      const auto t0 = Clock::now();
      Measurement m;
      for (auto _ : state) {
        RunContext ctx(pr->params, job.seed, preset, shared, pr->seeds);
        try {
          m = spec->measure(ctx);
        } catch (const InputError&) {
          throw;  // names its own file or option
        } catch (const std::exception& e) {  // a numerical failure (no convergence, out of memory): say where
          throw MeasurementError("claim " + spec->id + " at " + point_label(pr->params) + ", seed " +
                                     std::to_string(job.seed),
                                 e.what(), "a failure inside the measuring code; the runs before it are journaled");
        }
      }
      if (job.ends_group) shared->clear();
      require_finite(spec->id, pr->params, job.seed, m);
      for (const auto& [k, v] : m.scalars) state.counters[k] = v;
      const double took = std::chrono::duration<double>(Clock::now() - t0).count();
      *seconds += took;
      // Journaled before the next run starts; its benchmark record is the reporter's, added below.
      rep->pending = {spec->id, index, pr->params, job.seed, m, Json::object(), took};
      rep->journal = log;
      pr->runs[job.seed_slot] = std::move(m);
    })->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
  }
  {
    StopSignals signals;
    try {
      if (to_run > 0) benchmark::RunSpecifiedBenchmarks(&reporter, "^claim/");
    } catch (const InputError& e) {
      // Bad data found part-way (or a full disk): what was measured stays measured.
      benchmark::ClearRegisteredBenchmarks();
      if (reporter.finished() == 0 || dynamic_cast<const OutputError*>(&e)) throw;  // the journal's own says so
      throw InputError(e, fmt::format("kept: the {} runs finished before this are in {}; after the fix, "
                                      "`prism run --resume {}` measures only the rest",
                                      reporter.finished(), journal_path.string(), opt.out.string()));
    }
    benchmark::ClearRegisteredBenchmarks();
    if (const int sig = g_stop_signal.load(); sig != 0)
      throw Interrupted(sig, fmt::format("stopped by {} after {} of {} runs; every finished run is in {}",
                                         sig == SIGINT ? "SIGINT" : "SIGTERM", reporter.finished(), jobs.size(),
                                         journal_path.string()));
  }
  if (std::filesystem::exists(opt.out / "benchmarks.json.tmp"))
    std::filesystem::rename(opt.out / "benchmarks.json.tmp", opt.out / "benchmarks.json");
  // Every run's record in job order, journaled or new.
  for (const auto& job : jobs) {
    auto it = journaled_benchmarks.find(job.name);
    if (it != journaled_benchmarks.end()) result.benchmark_runs.push_back(it->second);
    else if (auto r = reporter.by_name.find(job.name); r != reporter.by_name.end()) result.benchmark_runs.push_back(r->second);
  }

  for (size_t c = 0; c < result.claims.size(); ++c) {
    const auto t0 = Clock::now();
    auto& cr = result.claims[c];
    finish_claim(*specs[c], cr, references[c], opt);
    cr.seconds = claim_seconds[c] + std::chrono::duration<double>(Clock::now() - t0).count();
  }

  result.context["preset"] = opt.preset;
  result.context["seeds"] = opt.seeds;
  result.context["seed_base"] = opt.seed_base;
  result.context["resumed"] = opt.resume;
  result.context["shard"] = fmt::format("{}/{}", opt.shard_index + 1, opt.shard_count);
  result.context["filter"] = opt.filter;
  result.context["command"] = fmt::format("{}", fmt::join(opt.argv, " "));
  result.context["blas"] = blas_info();
  return result;
}

RunResult results_from_journal(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "journal.jsonl";
  const Journal journal = read_journal(path);
  const Json& id = journal.identity;
  RunResult result;
  result.context = machine_context();
  // The sweep and the checks are this build's: only its own journals are read.
  const std::string fix =
      "report it with the prism build that ran it, or finish the run: prism run --resume " + dir.string();
  require_same_run(journal,
                   {{"git_commit", result.context.value("git_commit", Json())},
                    {"git_dirty", result.context.value("git_dirty", Json())}},
                   path, fix, "this build");
  RunOptions opt;
  opt.preset = id.value("preset", std::string("quick"));
  opt.filter = id.value("filter", std::string(".*"));
  opt.seeds = id.value("seeds", 0);
  opt.seed_base = id.value("seed_base", std::uint64_t{0});
  const std::string shard = id.value("shard", std::string("1/1"));
  if (std::sscanf(shard.c_str(), "%d/%d", &opt.shard_index, &opt.shard_count) != 2 || opt.shard_count < 1)
    throw InputError(path.string(), "line 1 names shard '" + shard + "'", "a journal of `prism run` names K/N");
  --opt.shard_index;
  Plan plan = plan_run(opt);
  Json all_claims = Json::array();
  for (const auto* spec : plan.specs) all_claims.push_back(spec->id);
  require_same_run(journal, {{"claims", all_claims}}, path, fix, "this build");

  const JournalIndex by_key = index_journal(journal);
  Json incomplete = Json::array();
  size_t journaled = 0, planned = 0;
  for (size_t c = 0; c < plan.claims.size(); ++c) {
    ClaimResult& cr = plan.claims[c];
    size_t done = 0, runs = 0;
    std::vector<Json> benchmarks;
    for (PointRuns& pr : cr.points)
      for (size_t s = 0; s < pr.seeds.size(); ++s, ++runs)
        if (const JournalEntry* e = find_journaled(by_key, *plan.specs[c], opt.preset, pr, pr.seeds[s], path)) {
          pr.runs[s] = e->measurement;
          cr.seconds += e->seconds;
          benchmarks.push_back(e->benchmark);
          ++done;
        }
    journaled += done;
    planned += runs;
    if (done < runs) {
      incomplete.push_back({{"claim", cr.info.id}, {"journaled_runs", done}, {"runs", runs}});
      continue;
    }
    finish_claim(*plan.specs[c], cr, plan.references[c], opt);
    for (auto& b : benchmarks) result.benchmark_runs.push_back(std::move(b));
    result.claims.push_back(std::move(cr));
  }
  for (const char* key : {"preset", "filter", "seeds", "seed_base", "shard", "git_commit", "git_dirty"})
    result.context[key] = id.value(key, Json());
  // The journal names the backend, not its library or the run's start: the
  // report says when it read the journal instead.
  const std::string backend = id.value("blas", std::string("unknown"));
  result.context["blas"] = {{"backend", backend}, {"library", backend + " (the journal names no library)"}};
  result.context["reported"] = result.context["started"];
  result.context.erase("started");
  result.context["command"] = "prism report, from the journal of an interrupted run: " + path.string();
  result.context["incomplete"] = {
      {"claims", incomplete}, {"journaled_runs", journaled}, {"runs", planned}, {"all_claims", all_claims}};
  return result;
}

}  // namespace prism
