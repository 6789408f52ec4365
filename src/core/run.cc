#include "src/core/runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <regex>

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include "src/core/context.h"
#include "src/core/error.h"

namespace prism {
namespace {

using Clock = std::chrono::steady_clock;

// One Google Benchmark run per (claim, point, seed).
struct Job {
  size_t claim, point, seed_slot;
  std::uint64_t seed;
  std::string name;
  bool ends_group;  // the last job of its share group
};

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
      raw.push_back(j);
      ++done_;
      print(run.benchmark_name());
    }
  }
  void Finalize() override {
    if (enabled_ && isatty(fileno(stderr))) fprintf(stderr, "\n");
  }
  Json raw = Json::array();

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
  size_t total_, done_ = 0;
  bool enabled_;
  Clock::time_point start_;
  double last_print_ = -1e9;
};

}  // namespace

std::vector<const ClaimSpec*> select_claims(const std::string& filter) {
  std::regex re;
  try {
    re = std::regex(filter, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw InputError("--filter '" + filter + "'", std::string("not a valid regular expression: ") + e.what());
  }
  std::vector<const ClaimSpec*> out;
  for (const auto* c : ClaimRegistry::instance().claims())
    if (std::regex_search(c->id, re)) out.push_back(c);
  if (out.empty()) throw InputError("--filter '" + filter + "'", "matches no claim", "see `prism list`");
  return out;
}

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

}  // namespace

RunResult run_claims(const RunOptions& opt) {
  RunResult result;
  result.context = machine_context();  // its "started" is the start of the run
  const auto specs = select_claims(opt.filter);
  std::vector<ReferenceFile> references;
  // Validate every reference file, and the figures' bands against it, first.
  for (const auto* spec : specs) {
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
    size_t index = 0;
    for (const auto& p : it->second) {
      if (static_cast<int>(index++ % opt.shard_count) != opt.shard_index) continue;
      PointRuns pr;
      pr.params = p;
      for (int s = 1; s <= point_seeds(*spec, p, nseeds); ++s) pr.seeds.push_back(static_cast<std::uint64_t>(s));
      pr.runs.resize(pr.seeds.size());
      cr.points.push_back(std::move(pr));
    }
    result.claims.push_back(std::move(cr));
  }

  // Jobs claim by claim; within a claim, share group by share group (in order
  // of first appearance), each group's points in sweep order. The last job of
  // a group frees the group's shared setup.
  std::vector<Job> jobs;
  for (size_t c = 0; c < result.claims.size(); ++c) {
    const auto& cr = result.claims[c];
    std::vector<Json> groups;
    for (const auto& p : cr.points) {
      const Json g = specs[c]->share_group(p.params);
      if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
    for (const auto& g : groups) {
      for (size_t p = 0; p < cr.points.size(); ++p) {
        if (specs[c]->share_group(cr.points[p].params) != g) continue;
        for (size_t s = 0; s < cr.points[p].seeds.size(); ++s)
          jobs.push_back({c, p, s, cr.points[p].seeds[s],
                          "claim/" + cr.info.id + "/" + point_label(cr.points[p].params) + "/seed:" +
                              std::to_string(cr.points[p].seeds[s]),
                          false});
      }
      if (!jobs.empty() && jobs.back().claim == c) jobs.back().ends_group = true;
    }
  }

  std::filesystem::create_directories(opt.out);
  // Google Benchmark writes its own JSON (compare.py reads it) beside ours.
  const std::string out_flag = "--benchmark_out=" + (opt.out / "benchmarks.json").string();
  std::vector<std::string> gb_args = {"prism", out_flag, "--benchmark_out_format=json"};
  std::vector<char*> gb_argv;
  for (auto& a : gb_args) gb_argv.push_back(a.data());
  int gb_argc = static_cast<int>(gb_argv.size());
  benchmark::Initialize(&gb_argc, gb_argv.data());

  std::vector<double> claim_seconds(result.claims.size(), 0.0);
  SharedStore store;  // one claim's one share group at a time
  for (const auto& job : jobs) {
    const ClaimSpec* spec = specs[job.claim];
    PointRuns* pr = &result.claims[job.claim].points[job.point];
    double* seconds = &claim_seconds[job.claim];
    const size_t slot = job.seed_slot;
    const bool ends_group = job.ends_group;
    const std::string preset = opt.preset;
    SharedStore* shared = &store;
    benchmark::RegisterBenchmark(job.name.c_str(), [=](benchmark::State& state) {
      const auto t0 = Clock::now();
      Measurement m;
      for (auto _ : state) {
        RunContext ctx(pr->params, pr->seeds[slot], preset, shared);
        m = spec->measure(ctx);
      }
      if (ends_group) shared->clear();
      require_finite(spec->id, pr->params, pr->seeds[slot], m);
      for (const auto& [k, v] : m.scalars) state.counters[k] = v;
      pr->runs[slot] = std::move(m);
      *seconds += std::chrono::duration<double>(Clock::now() - t0).count();
    })->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
  }
  ProgressReporter reporter(jobs.size(), opt.progress);
  benchmark::RunSpecifiedBenchmarks(&reporter, "^claim/");
  benchmark::ClearRegisteredBenchmarks();
  result.benchmark_runs = reporter.raw;

  for (size_t c = 0; c < result.claims.size(); ++c) {
    const auto t0 = Clock::now();
    auto& cr = result.claims[c];
    if (opt.shard_count == 1) {
      derive_claim(*specs[c], cr);
      evaluate_claim(cr, references[c], opt.preset);
    } else {
      cr.verdict_reason = "shard: checks are evaluated when `prism report` merges the shards";
    }
    cr.seconds = claim_seconds[c] + std::chrono::duration<double>(Clock::now() - t0).count();
  }

  result.context["preset"] = opt.preset;
  result.context["seeds"] = opt.seeds;
  result.context["shard"] = fmt::format("{}/{}", opt.shard_index + 1, opt.shard_count);
  result.context["filter"] = opt.filter;
  result.context["command"] = fmt::format("{}", fmt::join(opt.argv, " "));
  result.context["blas"] = blas_info();
  return result;
}

}  // namespace prism
