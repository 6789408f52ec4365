#include "src/cli/commands.h"

#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>

#include <benchmark/benchmark.h>
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "reports/ci_reports.h"
#include "reports/report.h"
#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/context.h"
#include "src/core/journal.h"
#include "src/core/runner.h"
#include "src/core/stats.h"
#include "src/linalg/blas_backend.h"

namespace prism::cli {
namespace po = boost::program_options;

namespace {

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& desc,
                        const po::positional_options_description* pos = nullptr) {
  po::variables_map vm;
  try {
    auto parser = po::command_line_parser(args).options(desc);
    if (pos) parser.positional(*pos);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw InputError("command line", e.what(), "see `prism --help`");
  }
  return vm;
}

// Digits only, at most `max_digits` of them (no sign, no overflow).
bool is_whole_number(const std::string& s, size_t max_digits) {
  return !s.empty() && s.size() <= max_digits && s.find_first_not_of("0123456789") == std::string::npos;
}

// The thread counts the BLAS libraries read from the environment: a value they
// would silently take as 1 (or ignore) is refused instead.
void validate_thread_environment() {
  for (const char* var : {"OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS", "OMP_NUM_THREADS"}) {
    const char* v = std::getenv(var);
    if (!v) continue;
    const std::string value = v;
    if (!is_whole_number(value, 6) || std::stoi(value) < 1)
      throw InputError(std::string(var) + "=" + value, "not a positive whole number of threads",
                       std::string("unset it, set it to a number such as 2, or pass --threads N"));
  }
}

int parse_count(const std::string& flag, const std::string& value) {
  if (!is_whole_number(value, 6))
    throw InputError(flag + " " + value, "not a whole number >= 0", "see `prism --help`");
  return std::stoi(value);
}

// Writes the results of a finished run; a failure (full disk) says what is kept.
std::filesystem::path write_results_or_say_what_is_kept(const RunResult& r, const std::filesystem::path& out) {
  try {
    return write_results(r, out);
  } catch (const std::exception& e) {
    const std::string first_line = std::string(e.what()).substr(0, std::string(e.what()).find('\n'));
    throw OutputError((out / "results.json").string(), "cannot write the results: " + first_line,
                      "free space or make the folder writable; every measured run is kept in " +
                          (out / "journal.jsonl").string() + ", and `prism run --resume " + out.string() +
                          "` then writes the results without measuring again");
  }
}

void print_summary(const RunResult& r) {
  for (const auto& c : r.claims) {
    std::printf("%-24s %-13s %7.1fs  %s\n", c.info.id.c_str(), to_string(c.verdict), c.seconds,
                c.verdict_reason.c_str());
    for (const auto& k : c.checks)
      std::printf("    check   %-34s %-12s %s\n", k.name.c_str(), to_string(k.verdict), k.detail.c_str());
    for (const auto& k : c.controls)
      std::printf("    control %-34s %-12s %s\n", k.name.c_str(), to_string(k.verdict), k.detail.c_str());
  }
}

}  // namespace

int cmd_list(const std::vector<std::string>& args) {
  po::options_description desc("prism list");
  desc.add_options()("json", "machine-readable output");
  auto vm = parse(args, desc);
  Json out = Json::array();
  for (const auto* c : ClaimRegistry::instance().claims()) {
    Json j = {{"id", c->id}, {"title", c->title}, {"source", c->source}, {"statement", c->statement},
              {"presets", c->presets()}};
    for (const auto& p : c->presets()) j["points"][p] = c->sweep.at(p).size(), j["seeds"][p] = c->seeds_for(p);
    out.push_back(j);
  }
  if (vm.count("json")) {
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& j : out)
      std::printf("%-24s %s\n%-24s   %s\n", j["id"].get<std::string>().c_str(), j["title"].get<std::string>().c_str(),
                  "", j["source"].get<std::string>().c_str());
  }
  return 0;
}

int cmd_run(const std::vector<std::string>& args, int argc, char** argv) {
  po::options_description desc("prism run");
  std::string shard, blas, resume, junit, summary_md, seed_base;
  int threads = 0;
  RunOptions opt;
  std::string out;
  desc.add_options()
      ("preset", po::value(&opt.preset)->default_value("quick"), "quick | full | any preset a claim declares (`prism list`)")
      ("filter", po::value(&opt.filter)->default_value(".*"), "regex on claim ids, or on claim/point names")
      ("seeds", po::value(&opt.seeds)->default_value(0), "seeds per sweep point (0: the claim's own)")
      ("out", po::value(&out)->default_value("prism-out"), "result folder")
      ("blas", po::value(&blas), "BLAS backend (see `prism blas`)")
      ("threads", po::value(&threads)->default_value(0), "BLAS threads (0: all cores)")
      ("shard", po::value(&shard), "K/N: run the K-th of N slices of the sweep points")
      ("seed-base", po::value(&seed_base)->default_value("0"), "seeds are B+1 ... B+S")
      ("resume", po::value(&resume), "OUT: continue the run whose journal is OUT/journal.jsonl")
      ("junit", po::value(&junit), "FILE: JUnit XML, one testcase per check and control")
      ("summary-md", po::value(&summary_md), "FILE: a Markdown summary for a CI job")
      ("no-report", "skip the PDF")
      ("allow-inconclusive", "exit 0 when verdicts are inconclusive but none is wrong")
      ("quiet", "no progress line");
  auto vm = parse(args, desc);
  validate_thread_environment();
  if (threads < 0) throw InputError("--threads " + std::to_string(threads), "must be >= 0", "0 uses every core");
  if (!is_whole_number(seed_base, 15))
    throw InputError("--seed-base " + seed_base, "not a whole number >= 0", "seeds are B+1 ... B+S");
  opt.seed_base = std::stoull(seed_base);
  if (!resume.empty()) {
    // Options not given take the interrupted run's values; given ones must match (run_claims checks).
    const Json id = read_journal(std::filesystem::path(resume) / "journal.jsonl").identity;
    if (vm["preset"].defaulted()) opt.preset = id.value("preset", opt.preset);
    if (vm["filter"].defaulted()) opt.filter = id.value("filter", opt.filter);
    if (vm["seeds"].defaulted()) opt.seeds = id.value("seeds", opt.seeds);
    if (vm["seed-base"].defaulted()) opt.seed_base = id.value("seed_base", opt.seed_base);
    if (!vm.count("shard") && id.value("shard", "1/1") != "1/1") shard = id.value("shard", "");
    // The journal's backend unless --blas names one (a different one is refused below).
    if (const std::string was = id.value("blas", ""); blas.empty() && !was.empty() && was != "unknown" &&
                                                     was != blas_info().value("backend", "unknown"))
      blas = was;
    if (!vm["out"].defaulted() && std::filesystem::path(out) != std::filesystem::path(resume))
      throw InputError("--out " + out, "differs from --resume " + resume, "a resumed run writes into its own folder");
    out = resume;
    opt.resume = true;
  }
  if (!blas.empty() || threads > 0) linalg::ensure_backend(blas.empty() ? "openblas" : blas, threads, argc, argv);
  if (!blas.empty()) linalg::verify_backend(blas);
  if (const auto note = linalg::oversubscription_note(); !note.empty()) std::fprintf(stderr, "prism: %s\n", note.c_str());
  if (opt.seeds < 0) throw InputError("--seeds " + std::to_string(opt.seeds), "must be >= 0", "0 takes each claim's own seed count");
  if (!shard.empty()) {
    std::smatch m;
    if (!std::regex_match(shard, m, std::regex(R"((\d+)/(\d+))")) || std::stoi(m[1]) < 1 ||
        std::stoi(m[1]) > std::stoi(m[2]))
      throw InputError("--shard " + shard, "expected K/N with 1 <= K <= N",
                       "run the N slices as --shard 1/N ... --shard N/N, then `prism report` over their folders");
    opt.shard_index = std::stoi(m[1]) - 1;
    opt.shard_count = std::stoi(m[2]);
  }
  opt.out = out;
  // Every place this run writes, tried before anything is measured.
  ensure_writable_folder(opt.out, resume.empty() ? "--out" : "--resume");
  if (!junit.empty()) ensure_writable_file(junit, "--junit");
  if (!summary_md.empty()) ensure_writable_file(summary_md, "--summary-md");
  opt.progress = !vm.count("quiet");
  opt.argv.assign(argv, argv + argc);
  RunResult r = run_claims(opt);
  if (const auto& left = r.context["claims_without_preset"]; left.is_array() && !left.empty())
    std::fprintf(stderr, "prism: %zu selected claim(s) declare no preset '%s' and were left out: %s\n", left.size(),
                 opt.preset.c_str(), left.dump().c_str());
  const auto path = write_results_or_say_what_is_kept(r, opt.out);  // before anything else can fail
  std::filesystem::remove_all(opt.out / "partial");  // a report of the run while it was interrupted
  print_summary(r);
  std::printf("results: %s\n", path.c_str());
  if (!junit.empty()) write_file_atomically(junit, junit_xml(r));
  if (!summary_md.empty()) write_file_atomically(summary_md, summary_markdown(r));
  if (opt.shard_count == 1)
    for (const auto& c : r.claims)
      if (!c.partial) validate_figure_lines(c);  // part of a claim may lack what a line names
  if (!vm.count("no-report")) {
    ReportOptions ro;
    ro.inputs = {opt.out};
    auto outcome = write_report(ro);
    std::printf("report: %s (%d pages)\n", outcome.pdf.c_str(), outcome.pages);
  }
  if (opt.shard_count > 1) return 0;
  return all_verified(r, vm.count("allow-inconclusive")) ? 0 : 1;
}

int cmd_report(const std::vector<std::string>& args) {
  po::options_description desc("prism report");
  std::vector<std::string> dirs;
  std::string out;
  desc.add_options()("dirs", po::value(&dirs)->multitoken(), "result folders")("out", po::value(&out), "PDF path")(
      "allow-inconclusive", "merged shards: exit 0 when verdicts are inconclusive but none is wrong");
  po::positional_options_description pos;
  pos.add("dirs", -1);
  auto vm = parse(args, desc, &pos);
  ReportOptions ro;
  for (const auto& d : dirs) ro.inputs.push_back(d);
  if (ro.inputs.empty()) throw InputError("prism report", "no result folder given", "prism report DIR [DIR...]");
  if (!out.empty()) ro.out = out;
  // The folders of one `prism run --shard K/N` series: merge them into one run
  // (checks evaluated on all points), written beside the PDF, then report it.
  // A folder without results.json but with a journal is an interrupted run:
  // its complete claims are reported (written to DIR/partial), and the exit
  // status is 1 until `prism run --resume DIR` finishes it.
  std::vector<RunResult> results;
  bool incomplete = false;
  for (auto& d : ro.inputs) {
    const bool interrupted = !std::filesystem::exists(d / "results.json") && std::filesystem::exists(d / "journal.jsonl");
    results.push_back(interrupted ? results_from_journal(d) : read_results(d));
    if (!interrupted) continue;
    incomplete = true;
    const Json& inc = results.back().context["incomplete"];
    const std::string missing = incomplete_claims_text(inc);
    std::fprintf(stderr,
                 "prism: %s is an interrupted run (%zu of %zu runs journaled): reporting its %zu complete claim(s)%s%s; "
                 "`prism run --resume %s` finishes it\n",
                 d.c_str(), inc.value("journaled_runs", size_t{0}), inc.value("runs", size_t{0}),
                 results.back().claims.size(), missing.empty() ? "" : "; not yet: ", missing.c_str(), d.c_str());
    if (!is_shard(results.back())) d = write_results(results.back(), d / "partial").parent_path();
  }
  ensure_writable_file(out.empty() ? ro.inputs.front() / "report.pdf" : std::filesystem::path(out), "--out");
  const auto shards = std::count_if(results.begin(), results.end(), [](const RunResult& r) { return is_shard(r); });
  if (shards > 0) {
    if (shards != static_cast<long>(results.size()))
      throw InputError("prism report", "some folders are shards (`prism run --shard K/N`) and some are whole runs",
                       "merge the shards of one run first, then compare whole runs");
    const std::filesystem::path merged =
        out.empty() ? ro.inputs.front().parent_path() / "merged" : std::filesystem::path(out).parent_path();
    RunResult r = merge_shards(ro.inputs, results);
    // Interrupted shards merge into merged/partial: the merged folder itself
    // holds only a finished run (compare-blas keeps a folder with results.json).
    const std::filesystem::path to = merged.empty() ? std::filesystem::path(".") : merged;
    const auto path = write_results(r, incomplete ? to / "partial" : to);
    print_summary(r);
    std::printf("merged results: %s\n", path.c_str());
    for (const auto& c : r.claims) validate_figure_lines(c);
    ro.inputs = {path.parent_path()};
    if (out.empty()) ro.out = path.parent_path() / "report.pdf";
    auto outcome = write_report(ro);
    std::printf("report: %s (%d pages)\n", outcome.pdf.c_str(), outcome.pages);
    return all_verified(r, vm.count("allow-inconclusive")) && !incomplete ? 0 : 1;
  }
  auto outcome = write_report(ro);
  std::printf("report: %s (%d pages)\n", outcome.pdf.c_str(), outcome.pages);
  if (incomplete) return 1;  // said above, per folder
  if (!outcome.verdicts_agree) {
    std::fprintf(stderr, "prism: verdicts differ between the result folders (marked red in the report)\n");
    return 1;
  }
  if (!outcome.values_agree) {
    std::fprintf(stderr, "prism: checks' values differ between the result folders beyond their tolerance "
                         "(listed on the comparison page)\n");
    return 1;
  }
  return 0;
}

// Console output as usual, plus the GFLOP/s of every iteration run, kept per
// benchmark so that repetitions reduce to their median (aggregate rows, and
// their stddev/cv "rates", are not kernels and are skipped).
class RateCollector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      if (auto w = r.counters.find("prism_over_bare"); w != r.counters.end())
        wrapper[r.benchmark_name()].push_back(w->second.value);
      auto it = r.counters.find("GFLOPS");
      if (it == r.counters.end()) continue;
      const std::string name = r.benchmark_name();
      if (!rates.count(name)) order.push_back(name);
      rates[name].push_back(it->second.value);
    }
  }
  double median(const std::string& name) const { return prism::median(rates.at(name)); }
  std::vector<std::string> order;  // first-seen order, as the console printed them
  std::map<std::string, std::vector<double>> rates;
  std::map<std::string, std::vector<double>> wrapper;  // perf/dgemm_wrapper/N: paired prism/bare ratios
};

int cmd_bench(const std::vector<std::string>& args, int argc, char** argv) {
  // prism's own flags are taken out; the rest go to Google Benchmark.
  std::string blas, summary;
  int threads = 0;
  std::vector<std::string> rest = {"prism bench"};
  for (size_t i = 0; i < args.size(); ++i) {
    auto take = [&](const std::string& flag, std::string& into) {
      if (args[i] == flag && i + 1 < args.size()) return into = args[++i], true;
      if (args[i].rfind(flag + "=", 0) == 0) return into = args[i].substr(flag.size() + 1), true;
      return false;
    };
    std::string t;
    if (take("--blas", blas)) continue;
    if (take("--threads", t)) { threads = parse_count("--threads", t); continue; }
    if (take("--summary", summary)) continue;
    rest.push_back(args[i]);
  }
  validate_thread_environment();
  if (!summary.empty()) ensure_writable_file(summary, "--summary");
  if (!blas.empty() || threads > 0) linalg::ensure_backend(blas.empty() ? "openblas" : blas, threads, argc, argv);
  if (!blas.empty()) linalg::verify_backend(blas);
  if (const auto note = linalg::oversubscription_note(); !note.empty()) std::fprintf(stderr, "prism: %s\n", note.c_str());
  std::vector<char*> gb_argv;
  for (auto& a : rest) gb_argv.push_back(a.data());
  int gb_argc = static_cast<int>(gb_argv.size());
  benchmark::Initialize(&gb_argc, gb_argv.data());
  if (benchmark::ReportUnrecognizedArguments(gb_argc, gb_argv.data())) return 2;
  const Json info = blas_info();
  benchmark::AddCustomContext("blas_library", info.value("library", "?"));
  benchmark::AddCustomContext("blas_backend", info.value("backend", "?"));
  const Json thread_env = thread_environment();  // items() of a temporary would dangle
  for (const auto& [var, value] : thread_env.items()) benchmark::AddCustomContext(var, value.get<std::string>());
  RateCollector reporter;
  // Only perf/ benchmarks; a user's --benchmark_filter narrows them further.
  std::string spec = "^perf/";
  for (const auto& a : rest)
    if (a.rfind("--benchmark_filter=", 0) == 0) spec = a.substr(19);
  if (spec.rfind("perf/", 0) != 0 && spec.rfind("^perf/", 0) != 0) spec = "^perf/.*(" + spec + ")";
  benchmark::RunSpecifiedBenchmarks(&reporter, spec);
  benchmark::Shutdown();
  // Every kernel against the DGEMM rate of this same run: the best perf/dgemm
  // (median over repetitions). prism's path against bare dgemm_ size by size.
  double dgemm = 0;
  for (const auto& name : reporter.order)
    if (name.rfind("perf/dgemm/", 0) == 0) dgemm = std::max(dgemm, reporter.median(name));
  Json out = {{"blas", info}, {"threads", thread_environment()}, {"dgemm_gflops", dgemm},
              {"wrapper_ratios", Json::array()}, {"kernels", Json::array()}};
  if (dgemm > 0) {
    std::printf("\nDGEMM rate of this run: %.1f GFLOP/s (%s)\n", dgemm, info.value("backend", "?").c_str());
    // The paired, interleaved measurement (perf/dgemm_wrapper); the two
    // separate arms only when it was filtered out.
    for (const auto& [name, ratios] : reporter.wrapper) {
      const double ratio = prism::median(ratios);
      std::printf("prism's DGEMM path / bare dgemm_ at %s (paired): %.3f\n", name.substr(19).c_str(), ratio);
      out["wrapper_ratios"].push_back({{"name", name}, {"ratio", ratio}, {"paired", true}});
    }
    for (const auto& name : reporter.order) {
      if (!reporter.wrapper.empty() || name.rfind("perf/dgemm/", 0) != 0) continue;
      const std::string bare = "perf/bare_dgemm/" + name.substr(11);
      if (!reporter.rates.count(bare)) continue;
      const double ratio = reporter.median(name) / reporter.median(bare);
      std::printf("prism's DGEMM path / bare dgemm_ at %s: %.3f\n", name.substr(11).c_str(), ratio);
      out["wrapper_ratios"].push_back({{"name", name}, {"bare", bare}, {"ratio", ratio}, {"paired", false}});
    }
    std::printf("%-52s %10s %10s %5s\n", "kernel", "GFLOP/s", "/ DGEMM", "reps");
    for (const auto& name : reporter.order) {
      const double rate = reporter.median(name);
      const auto reps = reporter.rates.at(name).size();
      std::printf("%-52s %10.2f %10.3f %5zu\n", name.c_str(), rate, rate / dgemm, reps);
      out["kernels"].push_back({{"name", name}, {"gflops", rate}, {"ratio_to_dgemm", rate / dgemm},
                                {"repetitions", reps}});
    }
  }
  if (!summary.empty()) write_file_atomically(summary, out.dump(2) + "\n");
  return 0;
}

// What a result folder must match to be reused: scripts/flip-test and
// scripts/compare-blas skip a folder only when its results.json names this
// binary's commit (and a clean tree), so one test never mixes two builds.
int cmd_version(const std::vector<std::string>& args) {
  po::options_description desc("prism version");
  desc.add_options()("json", "machine-readable output");
  auto vm = parse(args, desc);
  const Json context = machine_context();
  Json out;
  for (const char* key : {"prism_version", "git_commit", "git_dirty", "build", "compiler", "malloc"})
    out[key] = context.at(key);
  if (vm.count("json")) {
    std::cout << out.dump(2) << "\n";
  } else {
    std::printf("prism %s, commit %s%s, %s build, %s\n", out["prism_version"].get<std::string>().c_str(),
                out["git_commit"].get<std::string>().c_str(), out["git_dirty"].get<bool>() ? " (dirty tree)" : "",
                out["build"].get<std::string>().c_str(), out["compiler"].get<std::string>().c_str());
  }
  return 0;
}

int cmd_blas(const std::vector<std::string>& args) {
  po::options_description desc("prism blas");
  desc.add_options()("json", "machine-readable output");
  auto vm = parse(args, desc);
  Json all = linalg::backends_json();
  if (vm.count("json")) {
    std::cout << all.dump(2) << "\n";
    return 0;
  }
  std::printf("%-10s %-10s %-8s %-18s %s\n", "backend", "available", "threads", "version", "library");
  for (const auto& b : all) {
    std::printf("%-10s %-10s %-8s %-18s %s\n", b["name"].get<std::string>().c_str(), b["available"] ? "yes" : "no",
                b["threaded"] ? "pool" : "one", b["version"].get<std::string>().c_str(),
                b["available"] ? b["blas"].get<std::string>().c_str() : b["why_not"].get<std::string>().c_str());
  }
  std::printf("this process: %s\n", blas_info().value("library", "?").c_str());
  return 0;
}

namespace {

const char* kUsage = R"(usage: prism <command> [options]

commands:
  list   [--json]                              the registered claims
  run    [--preset quick|full|paper] [--filter REGEX] [--seeds N] [--seed-base B] [--out DIR] [--resume DIR]
         [--junit FILE] [--summary-md FILE]
         [--blas NAME] [--threads N] [--shard K/N] [--no-report]
         [--allow-inconclusive] [--quiet]      measure, check, report
  report DIR [DIR...] [--out FILE] [--allow-inconclusive]
                                               PDF from result folders (shards: merged)
  bench  [--blas NAME] [--threads N] [Google Benchmark flags]
                                               timing of the hot kernels
  blas   [--json]                              BLAS backends on this machine
  version [--json]                             the commit this binary was built from

exit status: 0 every claim verified and every control rejected; 1 a wrong or
inconclusive verdict; 2 bad usage or bad input (the message names the file).
)";

}  // namespace

int run_main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (cmd == "list") return cmd_list(args);
    if (cmd == "run") return cmd_run(args, argc, argv);
    if (cmd == "report") return cmd_report(args);
    if (cmd == "bench") return cmd_bench(args, argc, argv);
    if (cmd == "blas") return cmd_blas(args);
    if (cmd == "version") return cmd_version(args);
    std::fprintf(stderr, "prism: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
    return 2;
  } catch (const prism::InputError& e) {
    std::fprintf(stderr, "\nprism: error: %s\n", e.what());
    return 2;
  } catch (const prism::Interrupted& e) {
    std::string out = "OUT";
    for (int i = 2; i + 1 < argc; ++i)
      if (std::string(argv[i]) == "--out" || std::string(argv[i]) == "--resume") out = argv[i + 1];
    std::fprintf(stderr, "\nprism: %s\n  resume: prism run --resume %s\n", e.what(), out.c_str());
    return 128 + e.signal;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nprism: internal error: %s\n", e.what());
    return 2;
  }
}

}  // namespace prism::cli
