#include "src/core/runner.h"

#include <unistd.h>

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

std::string point_label(const Json& p) {
  std::string s;
  for (const auto& [k, v] : p.items()) {
    if (!s.empty()) s += ",";
    s += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return s.empty() ? "default" : s;
}

// One Google Benchmark run per (claim, point, seed).
struct Job {
  size_t claim, point, seed_slot;
  std::uint64_t seed;
  std::string name;
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

void require_finite(const ClaimSpec& spec, const Json& point, std::uint64_t seed, const Measurement& m) {
  for (const auto& [k, v] : m.scalars)
    if (!std::isfinite(v))
      throw MeasurementError("claim " + spec.id + " at " + point_label(point) + ", seed " + std::to_string(seed),
                             "measured '" + k + "' is " + fmt::format("{}", v) + ", not a finite number",
                             "this is a bug in the claim or a broken input: no check may see it");
  for (const auto& [k, s] : m.series)
    for (double v : s.y)
      if (std::isnan(v))
        throw MeasurementError("claim " + spec.id + " at " + point_label(point) + ", seed " + std::to_string(seed),
                               "series '" + k + "' contains NaN", "this is a bug in the claim or a broken input");
}

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

void evaluate_claim(ClaimResult& cr, const std::string& preset) {
  cr.checks.clear();
  cr.controls.clear();
  cr.control_why.clear();
  for (const auto& c : cr.reference.checks)
    if (c.applies_to(preset)) cr.checks.push_back(evaluate_check(c, cr.points));
  for (const auto& ctl : cr.reference.controls)
    if (ctl.check.applies_to(preset)) {
      cr.controls.push_back(evaluate_check(ctl.check, cr.points));
      cr.control_why.push_back(ctl.why);
    }
  if (cr.checks.empty())
    throw ReferenceError(cr.reference.path, "no check applies to preset '" + preset + "'",
                         "add a check for it, or drop the preset from the claim");
  if (cr.controls.empty())
    throw ReferenceError(cr.reference.path, "no control applies to preset '" + preset + "'",
                         "every preset needs a negative control");
  bool any_fail = false, any_open = false;
  std::vector<std::string> reasons;
  for (const auto& c : cr.checks) {
    if (c.verdict == Verdict::Fail) any_fail = true, reasons.push_back("check " + c.name + " failed");
    if (c.verdict == Verdict::Inconclusive) any_open = true, reasons.push_back("check " + c.name + " inconclusive");
  }
  for (const auto& c : cr.controls) {
    if (c.verdict == Verdict::Pass)
      any_fail = true, reasons.push_back("control " + c.name + " passed: its check cannot tell");
    if (c.verdict == Verdict::Inconclusive) any_open = true, reasons.push_back("control " + c.name + " inconclusive");
  }
  cr.verdict = any_fail ? Verdict::Fail : any_open ? Verdict::Inconclusive : Verdict::Pass;
  cr.verdict_reason = reasons.empty() ? "every check passed and every control failed"
                                      : fmt::format("{}", fmt::join(reasons, "; "));
}

RunResult run_claims(const RunOptions& opt) {
  RunResult result;
  auto specs = select_claims(opt.filter);
  // Validate every reference file first.
  for (const auto* spec : specs) {
    ClaimResult cr;
    cr.spec = spec;
    cr.reference = load_reference(reference_dir() / (spec->id + ".toml"));
    if (cr.reference.id != spec->id)
      throw ReferenceError(cr.reference.path, "id = \"" + cr.reference.id + "\" but the file belongs to claim '" +
                                                  spec->id + "'");
    auto it = spec->sweep.find(opt.preset);
    if (it == spec->sweep.end())
      throw InputError("--preset " + opt.preset, "claim " + spec->id + " has no such preset",
                       "presets of this claim: " + fmt::format("{}", fmt::join(spec->presets(), ", ")));
    const int nseeds = opt.seeds > 0 ? opt.seeds : spec->seeds_for(opt.preset);
    size_t index = 0;
    for (const auto& p : it->second) {
      PointRuns pr;
      pr.params = p;
      if (static_cast<int>(index++ % opt.shard_count) != opt.shard_index) continue;
      for (int s = 1; s <= nseeds; ++s) pr.seeds.push_back(static_cast<std::uint64_t>(s));
      pr.runs.resize(pr.seeds.size());
      cr.points.push_back(std::move(pr));
    }
    result.claims.push_back(std::move(cr));
  }

  std::vector<Job> jobs;
  for (size_t c = 0; c < result.claims.size(); ++c)
    for (size_t p = 0; p < result.claims[c].points.size(); ++p)
      for (size_t s = 0; s < result.claims[c].points[p].seeds.size(); ++s) {
        const auto& cr = result.claims[c];
        jobs.push_back({c, p, s, cr.points[p].seeds[s],
                        "claim/" + cr.spec->id + "/" + point_label(cr.points[p].params) + "/seed:" +
                            std::to_string(cr.points[p].seeds[s])});
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
  for (const auto& job : jobs) {
    ClaimResult* cr = &result.claims[job.claim];
    PointRuns* pr = &cr->points[job.point];
    double* seconds = &claim_seconds[job.claim];
    const size_t slot = job.seed_slot;
    const std::string preset = opt.preset;
    benchmark::RegisterBenchmark(job.name.c_str(), [cr, pr, slot, preset, seconds](benchmark::State& state) {
      const auto t0 = Clock::now();
      Measurement m;
      for (auto _ : state) {
        RunContext ctx(pr->params, pr->seeds[slot], preset);
        m = cr->spec->measure(ctx);
      }
      require_finite(*cr->spec, pr->params, pr->seeds[slot], m);
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
    if (cr.spec->derive && opt.shard_count == 1) {
      cr.spec->derive(cr.points);
      for (const auto& p : cr.points)
        for (size_t s = 0; s < p.runs.size(); ++s) require_finite(*cr.spec, p.params, p.seeds[s], p.runs[s]);
    }
    if (opt.shard_count == 1) evaluate_claim(result.claims[c], opt.preset);
    else result.claims[c].verdict_reason = "shard: checks are evaluated when `prism report` merges the shards";
    result.claims[c].seconds = claim_seconds[c] + std::chrono::duration<double>(Clock::now() - t0).count();
  }

  result.context = machine_context();
  result.context["preset"] = opt.preset;
  result.context["seeds"] = opt.seeds;
  result.context["shard"] = fmt::format("{}/{}", opt.shard_index + 1, opt.shard_count);
  result.context["filter"] = opt.filter;
  result.context["command"] = fmt::format("{}", fmt::join(opt.argv, " "));
  result.context["blas"] = blas_info();
  return result;
}

bool all_verified(const RunResult& r, bool allow_inconclusive) {
  for (const auto& c : r.claims) {
    if (c.verdict == Verdict::Fail) return false;
    if (c.verdict == Verdict::Inconclusive && !allow_inconclusive) return false;
  }
  return true;
}

Json check_to_json(const CheckResult& c) {
  auto num = [](double v) -> Json { return std::isfinite(v) ? Json(v) : Json(v > 0 ? "inf" : v < 0 ? "-inf" : "nan"); };
  Json j;
  j["name"] = c.name;
  j["kind"] = c.kind;
  j["verdict"] = to_string(c.verdict);
  j["quantity"] = c.quantity;
  j["value"] = num(c.value);
  j["ci"] = {num(c.ci_lo), num(c.ci_hi)};
  j["reference"] = {num(c.ref_lo), num(c.ref_hi)};
  j["seeds"] = c.seeds;
  if (c.verdict == Verdict::Inconclusive) j["seeds_needed"] = c.seeds_needed;
  j["detail"] = c.detail;
  j["source"] = c.source;
  j["location"] = c.location;
  j["points"] = c.per_point;
  return j;
}

std::filesystem::path write_results(const RunResult& r, const std::filesystem::path& out) {
  namespace fs = std::filesystem;
  fs::create_directories(out / "data");
  Json root;
  root["context"] = r.context;
  root["claims"] = Json::array();
  for (const auto& c : r.claims) {
    Json jc;
    jc["id"] = c.spec->id;
    jc["title"] = c.spec->title;
    jc["source"] = c.spec->source;
    jc["statement"] = c.spec->statement;
    jc["reference_file"] = c.reference.path;
    jc["reference_source"] = c.reference.source;
    jc["verdict"] = to_string(c.verdict);
    jc["verdict_reason"] = c.verdict_reason;
    jc["seconds"] = c.seconds;
    jc["notes"] = c.spec->notes;
    jc["checks"] = Json::array();
    for (const auto& k : c.checks) jc["checks"].push_back(check_to_json(k));
    jc["controls"] = Json::array();
    for (size_t i = 0; i < c.controls.size(); ++i) {
      Json k = check_to_json(c.controls[i]);
      k["why"] = c.control_why[i];
      for (const auto& ctl : c.reference.controls)
        if (ctl.name == c.controls[i].name) k["applies"] = ctl.applies;
      jc["controls"].push_back(k);
    }
    // Figures as the claim declared them; the report draws them from data/.
    jc["figures"] = Json::array();
    for (const auto& f : c.spec->figures) {
      Json jf = {{"id", f.id}, {"title", f.title}, {"xlabel", f.xlabel}, {"ylabel", f.ylabel},
                 {"logx", f.logx}, {"logy", f.logy}, {"overlay_checks", f.overlay_checks},
                 {"caption", f.caption}, {"legend", f.legend}, {"lines", Json::array()}};
      for (const auto& l : f.lines)
        jf["lines"].push_back({{"label", l.label}, {"x", l.x}, {"y", l.y}, {"series", l.series}, {"where", l.where}});
      jc["figures"].push_back(jf);
    }
    // Observations: every scalar's seed summary at every point, and the raw values.
    jc["points"] = Json::array();
    std::ofstream csv(out / "data" / (c.spec->id + ".csv"));
    csv << "point,params,quantity,n,mean,sd,ci_lo,ci_hi\n";
    fs::create_directories(out / "data" / c.spec->id);
    for (size_t i = 0; i < c.points.size(); ++i) {
      const auto& p = c.points[i];
      Json jp;
      jp["index"] = i;
      jp["params"] = p.params;
      jp["seeds"] = p.seeds;
      for (const auto& name : p.scalar_names()) {
        std::vector<double> v = p.values(name, c.reference.path);
        Summary s = summarize(v);
        auto fin = [](double x) -> Json { return std::isfinite(x) ? Json(x) : Json(nullptr); };
        jp["observations"][name] = {{"mean", s.mean}, {"sd", s.sd}, {"ci", {fin(s.ci_lo), fin(s.ci_hi)}},
                                    {"n", s.n}, {"values", v}};
        csv << i << ",\"" << point_label(p.params) << "\"," << name << "," << s.n << "," << fmt::format("{:.10g}", s.mean)
            << "," << fmt::format("{:.6g}", s.sd) << "," << fmt::format("{:.10g}", s.ci_lo) << ","
            << fmt::format("{:.10g}", s.ci_hi) << "\n";
      }
      // Series: one CSV per point and series name, x then one column per seed.
      if (!p.runs.empty())
        for (const auto& [sname, first] : p.runs.front().series) {
          const std::string rel = "data/" + c.spec->id + "/" + sname + "-p" + std::to_string(i) + ".csv";
          std::ofstream sc(out / rel);
          sc << "x";
          for (auto seed : p.seeds) sc << ",seed" << seed;
          sc << "\n";
          size_t len = 0;
          for (const auto& run : p.runs) len = std::max(len, run.series.at(sname).x.size());
          for (size_t k = 0; k < len; ++k) {
            const Series* longest = nullptr;
            for (const auto& run : p.runs)
              if (run.series.at(sname).x.size() > k) longest = &run.series.at(sname);
            sc << fmt::format("{:.17g}", longest->x[k]);  // 17 digits: merged shards read back the same doubles
            for (const auto& run : p.runs) {
              const Series& s = run.series.at(sname);
              sc << ",";
              if (k < s.y.size()) sc << fmt::format("{:.17g}", s.y[k]);
            }
            sc << "\n";
          }
          jp["series"][sname] = rel;
        }
      jc["points"].push_back(jp);
    }
    root["claims"].push_back(jc);
  }
  root["benchmarks"] = r.benchmark_runs;
  const auto path = out / "results.json";
  std::ofstream(path) << root.dump(2) << "\n";
  return path;
}

namespace {

std::pair<int, int> shard_of(const Json& results) {
  const std::string s = results.value("context", Json::object()).value("shard", std::string("1/1"));
  int k = 1, n = 1;
  if (std::sscanf(s.c_str(), "%d/%d", &k, &n) != 2) return {1, 1};
  return {k, n};
}

// data/<claim>/<series>-p<i>.csv as write_results writes it: x, then one column
// per seed, a seed's column blank past its own length.
std::vector<Series> read_series_csv(const std::filesystem::path& file, size_t seeds) {
  std::ifstream in(file);
  if (!in) throw InputError(file.string(), "series file missing", "re-run this shard (`prism run --shard K/N`)");
  std::vector<Series> out(seeds);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    size_t start = 0;
    for (size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
      cells.push_back(line.substr(start, comma - start));
    cells.push_back(line.substr(start));
    if (cells.size() != seeds + 1)
      throw InputError(file.string(), fmt::format("a row has {} cells, expected {}", cells.size(), seeds + 1),
                       "re-run this shard");
    try {
      const double x = std::stod(cells[0]);
      for (size_t s = 0; s < seeds; ++s)
        if (!cells[s + 1].empty()) out[s].x.push_back(x), out[s].y.push_back(std::stod(cells[s + 1]));
    } catch (const std::exception&) {
      throw InputError(file.string(), "a cell is not a number: " + line, "re-run this shard");
    }
  }
  return out;
}

}  // namespace

bool is_shard(const Json& results) { return shard_of(results).second > 1; }

RunResult merge_shards(const std::vector<std::filesystem::path>& dirs, const std::vector<Json>& results) {
  const auto file = [&](size_t i) { return (dirs[i] / "results.json").string(); };
  const int count = shard_of(results.front()).second;
  std::vector<int> slot(static_cast<size_t>(count), -1);
  for (size_t i = 0; i < results.size(); ++i) {
    const auto [k, n] = shard_of(results[i]);
    if (n != count)
      throw InputError(file(i), fmt::format("shard {}/{} beside shards of {}", k, n, count),
                       "merge the folders of one `prism run --shard K/N` series");
    if (slot[k - 1] >= 0)
      throw InputError(file(i), fmt::format("shard {}/{} given twice (also {})", k, n, file(slot[k - 1])),
                       "pass each shard folder once");
    slot[k - 1] = static_cast<int>(i);
    for (const char* key : {"preset", "seeds", "filter", "git_commit"}) {
      const Json a = results[i].at("context").value(key, Json()), b = results.front().at("context").value(key, Json());
      if (a != b)
        throw InputError(file(i), fmt::format("context.{} is {} but {} in {}", key, a.dump(), b.dump(), file(0)),
                         "merge the shards of one run");
    }
  }
  for (int k = 0; k < count; ++k)
    if (slot[k] < 0)
      throw InputError(file(0), fmt::format("shard {}/{} is missing", k + 1, count),
                       fmt::format("pass all {} shard folders to `prism report`", count));

  const auto shard = [&](size_t point) { return static_cast<size_t>(slot[point % count]); };
  RunResult out;
  out.context = results[shard(0)].at("context");
  out.context["shard"] = fmt::format("merged from {} shards", count);
  out.context["merged_from"] = Json::array();
  for (int k = 0; k < count; ++k) out.context["merged_from"].push_back(dirs[slot[k]].string());
  const std::string preset = out.context.value("preset", std::string("quick"));
  for (int k = 0; k < count; ++k)
    for (const auto& b : results[slot[k]].value("benchmarks", Json::array())) out.benchmark_runs.push_back(b);

  for (const auto& first_claim : results[shard(0)].at("claims")) {
    const std::string id = first_claim.at("id");
    ClaimResult cr;
    cr.spec = ClaimRegistry::instance().find(id);
    if (!cr.spec)
      throw InputError(file(shard(0)), "claim '" + id + "' is not in this prism build",
                       "merge with the build that ran the shards");
    cr.reference = load_reference(reference_dir() / (id + ".toml"));
    const auto sweep_it = cr.spec->sweep.find(preset);
    if (sweep_it == cr.spec->sweep.end())
      throw InputError(file(shard(0)), "claim '" + id + "' has no preset '" + preset + "' in this build");
    const auto& sweep = sweep_it->second;
    std::vector<const Json*> parts(static_cast<size_t>(count), nullptr);
    size_t points_in_parts = 0;
    for (int k = 0; k < count; ++k) {
      for (const auto& c : results[slot[k]].at("claims"))
        if (c.at("id") == id) parts[k] = &c;
      if (!parts[k])
        throw InputError(file(slot[k]), "claim '" + id + "' is missing from this shard", "re-run this shard");
      points_in_parts += (*parts[k]).at("points").size();
      cr.seconds += (*parts[k]).value("seconds", 0.0);
    }
    if (points_in_parts != sweep.size())
      throw InputError(file(shard(0)), fmt::format("the shards hold {} points of '{}', this build's {} sweep has {}",
                                                   points_in_parts, id, preset, sweep.size()),
                       "merge with the build that ran the shards");
    for (size_t i = 0; i < sweep.size(); ++i) {
      const size_t k = i % static_cast<size_t>(count), local = i / static_cast<size_t>(count);
      const Json& jp = (*parts[k]).at("points").at(local);
      if (jp.at("params") != sweep[i])
        throw InputError(file(shard(i)), fmt::format("point {} of '{}' is {}, this build's sweep has {}", i, id,
                                                     jp.at("params").dump(), sweep[i].dump()),
                         "merge with the build that ran the shards");
      PointRuns pr;
      pr.params = sweep[i];
      pr.seeds = jp.at("seeds").get<std::vector<std::uint64_t>>();
      pr.runs.resize(pr.seeds.size());
      const Json observations = jp.value("observations", Json::object()), series = jp.value("series", Json::object());
      for (const auto& [name, obs] : observations.items()) {  // items() of a named Json: a temporary's would dangle
        const auto values = obs.at("values").get<std::vector<double>>();
        if (values.size() != pr.seeds.size())
          throw InputError(file(shard(i)), fmt::format("'{}' at point {} of '{}' has {} values for {} seeds", name, i,
                                                       id, values.size(), pr.seeds.size()),
                           "re-run this shard");
        for (size_t s = 0; s < values.size(); ++s) pr.runs[s].scalars[name] = values[s];
      }
      for (const auto& [name, rel] : series.items()) {
        auto per_seed = read_series_csv(dirs[shard(i)] / rel.get<std::string>(), pr.seeds.size());
        for (size_t s = 0; s < per_seed.size(); ++s) pr.runs[s].series[name] = std::move(per_seed[s]);
      }
      cr.points.push_back(std::move(pr));
    }
    if (cr.spec->derive) {
      cr.spec->derive(cr.points);
      for (const auto& p : cr.points)
        for (size_t s = 0; s < p.runs.size(); ++s) require_finite(*cr.spec, p.params, p.seeds[s], p.runs[s]);
    }
    evaluate_claim(cr, preset);
    out.claims.push_back(std::move(cr));
  }
  return out;
}

}  // namespace prism
