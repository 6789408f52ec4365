// The `prism` command end to end: exit statuses, results.json, the report, and
// the bad-input paths (truncated data, empty data folder, malformed reference).
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "datasets/mnist.h"
#include "src/core/malloc_tunables.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using ::prism::testing::ScratchDir;

namespace {

using Result = ::prism::testing::CommandResult;

// Runs prism with `env` prefixed (VAR=value ...), capturing stdout and stderr.
Result prism(const std::string& args, const std::string& env = "") {
  return ::prism::testing::run_command(env + " " + PRISM_BINARY + " " + args + " 2>&1");
}

// A one-seed run of sgd-exponential whose PRISM_DATA is `data`, writing under it.
Result run_on_data(const fs::path& data) {
  return prism("run --filter sgd-exponential --seeds 1 --quiet --no-report --out " + (data / "out").string(),
               "PRISM_DATA=" + data.string());
}

// Runs prism under a file-size limit of `max_file_bytes` (RLIMIT_FSIZE, with
// SIGXFSZ ignored): a write past it fails with EFBIG, as on a full disk.
Result prism_with_file_limit(const std::string& args, rlim_t max_file_bytes, const fs::path& log) {
  const pid_t child = fork();
  if (child == 0) {
    signal(SIGXFSZ, SIG_IGN);  // ignored dispositions survive exec
    const rlimit lim{max_file_bytes, max_file_bytes};
    setrlimit(RLIMIT_FSIZE, &lim);
    const std::string cmd = std::string(PRISM_BINARY) + " " + args + " >" + log.string() + " 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int raw = 0;
  waitpid(child, &raw, 0);
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  std::ifstream in(log);
  r.output.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

size_t line_count(const fs::path& p) {
  std::ifstream in(p);
  size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}

bool have_mnist() { return fs::exists(prism::data::data_root() / "mnist" / "train-images-idx3-ubyte"); }

TEST(Cli, UsageErrorsExitTwo) {
  // Where a run would write, had the usage been right.
  const ScratchDir scratch("prism-cli-test");
  const std::string unused = (scratch / "unused").string();
  EXPECT_EQ(prism("").status, 2);
  EXPECT_EQ(prism("no-such-command").status, 2);
  Result r = prism("run --preset nonsense --no-report --out " + unused);
  EXPECT_EQ(r.status, 2) << r.output;
  r = prism("run --filter 'no-claim-matches-this' --no-report --out " + unused);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("matches no claim"), std::string::npos) << r.output;
  r = prism("run --bogus-flag");
  EXPECT_EQ(r.status, 2) << r.output;
  r = prism("report /nonexistent/folder");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("results.json"), std::string::npos) << r.output;
}

// Every input prism reads, given wrong: exit 2, the message names the flag,
// variable or file, says how to fix it, and nothing is measured.
struct BadInput {
  const char* name;
  std::string args, env, expected;
};

TEST(Cli, EveryBadInputExitsTwoNamingItAndTheFix) {
  const ScratchDir scratch("prism-cli-test");
  const std::string out = (scratch / "out").string();
  const std::string run = "run --filter min-norm-alignment --no-report --quiet ";
  const std::string a_file = scratch.write("a-file", "x").string();
  fs::create_directories(scratch / "a-folder");
  fs::create_directories(scratch / "no-results");
  scratch.write("broken/results.json", "{");
  const std::string good = (scratch / "good").string();
  ASSERT_EQ(prism(run + "--out " + good).status, 0);
  const std::vector<BadInput> cases = {
      {"out is a file", run + "--out " + a_file, "", "is a file, not a folder"},
      {"out under a file", run + "--out " + a_file + "/sub", "", "cannot create the folder"},
      {"out in /proc", run + "--out /proc/prism-out", "", "cannot create the folder"},
      {"negative threads", run + "--threads -1 --out " + out, "", "--threads -1"},
      {"threads not a number", run + "--threads two --out " + out, "", "--threads"},
      {"negative seeds", run + "--seeds -3 --out " + out, "", "--seeds"},
      {"negative seed base", run + "--seed-base -5 --out " + out, "", "--seed-base -5"},
      {"bad shard", run + "--shard 4/3 --out " + out, "", "--shard 4/3"},
      {"bad regex", "run --filter '(' --no-report --out " + out, "", "not a valid regular expression"},
      {"unknown preset", run + "--preset no-such-preset --out " + out, "", "no selected claim declares this preset"},
      {"unknown backend", run + "--blas mkl-9 --out " + out, "", "unknown backend"},
      {"junit under a file", run + "--junit " + a_file + "/j.xml --out " + out, "", "a-file is a file, not a folder"},
      {"summary is a folder", run + "--summary-md " + (scratch / "a-folder").string() + " --out " + out, "",
       "is a folder, not a file"},
      {"resume without a journal", run + "--resume " + (scratch / "a-folder").string(), "", "no journal to resume"},
      {"thread variable not a number", run + "--out " + out, "OPENBLAS_NUM_THREADS=all", "OPENBLAS_NUM_THREADS=all"},
      {"thread variable zero", run + "--out " + out, "OMP_NUM_THREADS=0", "OMP_NUM_THREADS=0"},
      {"reference folder missing", run + "--out " + out, "PRISM_REFERENCE_DIR=" + (scratch / "none").string(),
       "PRISM_REFERENCE_DIR="},
      {"data folder missing", "run --filter sgd-exponential --no-report --quiet --out " + out,
       "PRISM_DATA=" + (scratch / "none").string(), "fetch-data"},
      {"report of a folder without results", "report " + (scratch / "no-results").string(), "", "results.json"},
      {"report of damaged results", "report " + (scratch / "broken").string(), "", "not a prism results file"},
      {"report under a file", "report " + good + " --out " + a_file + "/r.pdf", "",
       "a-file is a file, not a folder"},
      {"bench threads not a number", "bench --threads two", "", "--threads two"},
      {"bench summary under a file",
       "bench --benchmark_filter=none --summary " + a_file + "/s.json", "", "a-file is a file, not a folder"},
  };
  for (const auto& c : cases) {
    const Result r = prism(c.args, c.env);
    EXPECT_EQ(r.status, 2) << c.name << "\n" << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << c.name << ": expected '" << c.expected << "' in\n"
                                                            << r.output;
    EXPECT_NE(r.output.find("fix:"), std::string::npos) << c.name << ": says how to fix it\n" << r.output;
    EXPECT_EQ(r.output.find("internal error"), std::string::npos) << c.name << "\n" << r.output;
    EXPECT_FALSE(fs::exists(scratch / "out" / "results.json")) << c.name << ": measured nothing";
  }
}

// A disk that fills while the results are written: exit 2 naming results.json,
// the journal keeps every run, and --resume writes the results without measuring.
TEST(Cli, FullDiskKeepsTheJournalAndResumeWritesTheResults) {
  const ScratchDir scratch("prism-cli-test");
  const std::string run = "run --filter min-norm-alignment --no-report --quiet --threads 1 ";
  ASSERT_EQ(prism(run + "--out " + (scratch / "whole").string()).status, 0);
  // A limit the journal fits under and results.json does not.
  const auto journal_bytes = fs::file_size(scratch / "whole" / "journal.jsonl");
  const auto results_bytes = fs::file_size(scratch / "whole" / "results.json");
  ASSERT_LT(journal_bytes, results_bytes) << "results.json holds everything the journal does, and more";
  const fs::path full = scratch / "full";
  const Result r = prism_with_file_limit(run + "--out " + full.string(), (journal_bytes + results_bytes) / 2,
                                         scratch / "log.txt");
  EXPECT_EQ(r.status, 2) << r.output;
  for (const char* said : {"results.json", "File too large", "journal.jsonl", "--resume"})
    EXPECT_NE(r.output.find(said), std::string::npos) << "expected '" << said << "' in\n" << r.output;
  EXPECT_EQ(line_count(full / "journal.jsonl"), line_count(scratch / "whole" / "journal.jsonl"));
  EXPECT_FALSE(fs::exists(full / "results.json"));
  EXPECT_FALSE(fs::exists(full / "results.json.tmp")) << "no half-written temporary is left";

  const Result resumed = prism("run --resume " + full.string() + " --no-report --quiet --threads 1");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  const auto a = read_json(scratch / "whole" / "results.json"), b = read_json(full / "results.json");
  EXPECT_EQ(a["claims"][0]["points"], b["claims"][0]["points"]);
  EXPECT_EQ(a["claims"][0]["checks"], b["claims"][0]["checks"]);
}

// SIGKILL part-way through a quick run of two real claims, then --resume: the
// same measured values and verdicts as an uninterrupted run (timings aside).
TEST(Cli, SigkillMidCatalogThenResumeEqualsAnUninterruptedRun) {
  const ScratchDir scratch("prism-cli-test");
  const std::string run = "run --preset quick --filter 'min-norm-alignment|winn-consistency' --no-report --quiet "
                          "--threads 1 --out ";
  const fs::path killed = scratch / "killed", whole = scratch / "whole";
  ASSERT_EQ(prism(run + whole.string()).status, 0);
  const size_t total = line_count(whole / "journal.jsonl");

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string cmd = "exec " + std::string(PRISM_BINARY) + " " + run + killed.string() + " >/dev/null 2>&1";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill it once a third of its runs are journaled (header line aside).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(2);
  while (line_count(killed / "journal.jsonl") < 1 + total / 3 && std::chrono::steady_clock::now() < give_up)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  kill(child, SIGKILL);
  int raw = 0;
  waitpid(child, &raw, 0);
  ASSERT_TRUE(WIFSIGNALED(raw) && WTERMSIG(raw) == SIGKILL) << "it finished before the kill; the test saw nothing";
  const size_t kept = line_count(killed / "journal.jsonl");
  EXPECT_GT(kept, 1u);
  EXPECT_LT(kept, total) << "killed part-way";
  EXPECT_FALSE(fs::exists(killed / "results.json"));

  // Reported as it stands: min-norm-alignment (the first 20 runs) complete, as
  // an uninterrupted run measures and judges it; winn-consistency left out; exit 1.
  const Result report = prism("report " + killed.string() + " --out " + (scratch / "r" / "report.pdf").string());
  EXPECT_EQ(report.status, 1) << report.output;
  EXPECT_NE(report.output.find("is an interrupted run"), std::string::npos) << report.output;
  // winn-consistency's 192 quick runs come after min-norm-alignment's.
  const std::string left =
      "not yet: winn-consistency (" + std::to_string(kept - 1 - (total - 1 - 192)) + " of 192 runs)";
  EXPECT_NE(report.output.find(left), std::string::npos) << "expected: " << left << "\n" << report.output;
  {
    const auto a = read_json(whole / "results.json"), p = read_json(killed / "partial" / "results.json");
    ASSERT_EQ(p["claims"].size(), 1u) << p["context"]["incomplete"];
    EXPECT_EQ(p["claims"][0]["id"], "min-norm-alignment");
    EXPECT_EQ(p["claims"][0]["verdict"], a["claims"][0]["verdict"]);
    EXPECT_EQ(p["claims"][0]["points"], a["claims"][0]["points"]);
    EXPECT_EQ(p["claims"][0]["checks"], a["claims"][0]["checks"]);
    EXPECT_EQ(p["context"]["incomplete"]["claims"][0]["claim"], "winn-consistency");
    EXPECT_EQ(p["context"]["incomplete"]["journaled_runs"], kept - 1);
    // The journal records neither the start nor the library: the report says when it read it.
    EXPECT_FALSE(p["context"].contains("started")) << p["context"];
    EXPECT_TRUE(p["context"].contains("reported")) << p["context"];
    EXPECT_EQ(p["context"]["blas"]["backend"], a["context"]["blas"]["backend"]);
  }

  const Result resumed = prism("run --resume " + killed.string() + " --no-report --quiet --threads 1");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_FALSE(fs::exists(killed / "partial")) << "the finished run removes the interrupted run's report";
  EXPECT_EQ(line_count(killed / "journal.jsonl"), total) << "each run journaled once";
  const auto a = read_json(whole / "results.json"), b = read_json(killed / "results.json");
  ASSERT_EQ(a["claims"].size(), 2u);
  ASSERT_EQ(b["claims"].size(), 2u);
  for (size_t c = 0; c < 2; ++c) {
    EXPECT_EQ(a["claims"][c]["verdict"], b["claims"][c]["verdict"]);
    EXPECT_EQ(a["claims"][c]["points"], b["claims"][c]["points"]) << a["claims"][c]["id"];
    EXPECT_EQ(a["claims"][c]["checks"], b["claims"][c]["checks"]) << a["claims"][c]["id"];
    EXPECT_EQ(a["claims"][c]["controls"], b["claims"][c]["controls"]) << a["claims"][c]["id"];
  }
}

// The first `lines` lines of a journal, as a run killed there would leave it.
void journal_cut(const fs::path& from, const fs::path& to, size_t lines) {
  fs::create_directories(to);
  std::ifstream in(from / "journal.jsonl");
  std::ofstream out(to / "journal.jsonl");
  std::string line;
  for (size_t i = 0; i < lines && std::getline(in, line); ++i) out << line << "\n";
}

// Shards of which one was interrupted merge into the claims every shard
// finished; a journal written by another commit is refused (its sweep and
// checks need not be this build's).
TEST(Cli, InterruptedShardsMergeTheirCompleteClaims) {
  const ScratchDir scratch("prism-cli-test");
  const std::string run = "run --preset quick --filter 'min-norm-alignment|winn-consistency' --no-report --quiet "
                          "--threads 1 --shard ";
  for (int k = 1; k <= 2; ++k)
    ASSERT_EQ(prism(run + std::to_string(k) + "/2 --out " + (scratch / ("s" + std::to_string(k))).string()).status, 0);
  const size_t lines = line_count(scratch / "s2" / "journal.jsonl");
  journal_cut(scratch / "s2", scratch / "cut", lines / 2);
  const Result merged = prism("report " + (scratch / "s1").string() + " " + (scratch / "cut").string() + " --out " +
                              (scratch / "m" / "report.pdf").string());
  EXPECT_EQ(merged.status, 1) << merged.output;
  EXPECT_FALSE(fs::exists(scratch / "m" / "results.json")) << "a merge of interrupted shards is not a finished run";
  const auto m = read_json(scratch / "m" / "partial" / "results.json");
  ASSERT_EQ(m["claims"].size(), 1u);
  EXPECT_EQ(m["claims"][0]["id"], "min-norm-alignment");
  EXPECT_EQ(m["claims"][0]["verdict"], "pass");
  const auto& inc = m["context"]["incomplete"];
  ASSERT_EQ(inc["claims"].size(), 1u) << inc;
  EXPECT_EQ(inc["claims"][0]["claim"], "winn-consistency");
  EXPECT_EQ(inc["claims"][0]["runs"], 192) << "both shards' runs of the claim";
  EXPECT_EQ(inc["journaled_runs"], line_count(scratch / "s1" / "journal.jsonl") - 1 + lines / 2 - 1);

  // The same journal under another commit's name.
  journal_cut(scratch / "s2", scratch / "foreign", lines / 2);
  {
    std::ifstream in(scratch / "foreign" / "journal.jsonl");
    std::stringstream all;
    all << in.rdbuf();
    std::string text = all.str();
    const auto at = text.find("\"git_commit\":\"");
    ASSERT_NE(at, std::string::npos) << text.substr(0, 300);
    text.replace(at + 14, 7, "0000000");
    std::ofstream(scratch / "foreign" / "journal.jsonl") << text;
  }
  const Result foreign = prism("report " + (scratch / "foreign").string());
  EXPECT_EQ(foreign.status, 2) << foreign.output;
  EXPECT_NE(foreign.output.find("the journal is from another run (git_commit: journal \"0000000"), std::string::npos) << foreign.output;
  EXPECT_NE(foreign.output.find("\", this build \""), std::string::npos) << foreign.output;
  EXPECT_NE(foreign.output.find("report it with the prism build that ran it"), std::string::npos) << foreign.output;
}

// The journal names its BLAS backend: a resume without --blas runs on it, one
// that names another backend is refused (two backends' numbers never mix).
TEST(Cli, ResumeRunsOnTheJournalsBackendAndRefusesAnother) {
  const ScratchDir scratch("prism-cli-test");
  const fs::path out = scratch / "out";
  ASSERT_EQ(prism("run --filter min-norm-alignment --no-report --quiet --threads 1 --blas reference --out " +
                  out.string()).status,
            0);
  const Result other = prism("run --resume " + out.string() + " --blas openblas --no-report --quiet --threads 1");
  EXPECT_EQ(other.status, 2) << other.output;
  EXPECT_NE(other.output.find("blas: journal \"reference\", this run \"openblas\""), std::string::npos)
      << other.output;
  const Result same = prism("run --resume " + out.string() + " --no-report --quiet");
  ASSERT_EQ(same.status, 0) << same.output;
  EXPECT_EQ(read_json(out / "results.json")["context"]["blas"]["backend"], "reference");
}

TEST(Cli, ListJsonNamesTheClaims) {
  Result r = prism("list --json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  std::set<std::string> ids;
  for (const auto& c : j) ids.insert(c["id"].get<std::string>());
  EXPECT_TRUE(ids.count("sgd-exponential"));
  EXPECT_TRUE(ids.count("min-norm-alignment"));
  for (const auto& c : j) {
    EXPECT_FALSE(c["source"].get<std::string>().empty()) << c["id"];
    EXPECT_TRUE(c["presets"].size() >= 2) << c["id"] << " needs quick and full presets";
  }
}

// The scripts that reuse result folders (flip-test, compare-blas) trust this:
// `prism version` names the commit that the binary's runs record.
TEST(Cli, VersionNamesTheCommitItsRunsRecord) {
  const ScratchDir scratch("prism-cli-test");
  Result v = prism("version --json");
  ASSERT_EQ(v.status, 0) << v.output;
  const auto version = nlohmann::json::parse(v.output);
  ASSERT_EQ(version.at("git_commit").get<std::string>().size(), 40u) << v.output;
  const fs::path out = scratch / "run";
  Result run = prism("run --filter min-norm-alignment --seeds 1 --allow-inconclusive --no-report --quiet --threads 1 "
                     "--out " + out.string());
  ASSERT_EQ(run.status, 0) << run.output;
  std::ifstream in(out / "results.json");
  const auto context = nlohmann::json::parse(in).at("context");
  EXPECT_EQ(context.at("git_commit"), version.at("git_commit"));
  EXPECT_EQ(context.at("git_dirty"), version.at("git_dirty"));
  EXPECT_EQ(context.at("prism_version"), version.at("prism_version"));
  Result text = prism("version");
  EXPECT_EQ(text.status, 0);
  EXPECT_NE(text.output.find(version.at("git_commit").get<std::string>()), std::string::npos) << text.output;
}

// prism re-executes itself with glibc's allocator tunables (the heap keeps
// freed blocks; huge pages where the kernel advises them: src/core/
// malloc_tunables.h), records what it ran with, and keeps a user's own values.
TEST(Cli, RunsWithTheAllocatorTunables) {
  const std::string mode = prism::transparent_huge_page_mode();
  const auto malloc_of = [](const Result& r) {
    EXPECT_EQ(r.status, 0) << r.output;
    return nlohmann::json::parse(r.output).at("malloc");
  };
  const std::string heap = std::string("glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=") + prism::kTrimThreshold;
  const std::string huge = mode == "madvise" ? ":glibc.malloc.hugetlb=1" : "";
  const auto plain = malloc_of(prism("version --json", "env -u GLIBC_TUNABLES"));
  EXPECT_EQ(plain.at("transparent_huge_pages"), mode);
  EXPECT_EQ(plain.at("GLIBC_TUNABLES"), heap + huge) << "THP mode '" << mode << "'";
  EXPECT_EQ(malloc_of(prism("version --json", "GLIBC_TUNABLES=glibc.malloc.hugetlb=0")).at("GLIBC_TUNABLES"),
            "glibc.malloc.hugetlb=0:" + heap);
  EXPECT_EQ(malloc_of(prism("version --json", "GLIBC_TUNABLES=glibc.malloc.arena_max=4")).at("GLIBC_TUNABLES"),
            "glibc.malloc.arena_max=4:" + heap + huge);
}

TEST(Cli, MalformedReferenceExitsTwoNamingTheFile) {
  const ScratchDir refs("prism-cli-test");
  fs::copy(fs::path(PRISM_SOURCE_DIR) / "reference", refs.path(), fs::copy_options::recursive);
  std::ofstream(refs / "sgd-exponential.toml", std::ios::app) << "\n[[check]]\nname = \"broken\nkind = 3\n";
  Result r = prism("run --filter sgd-exponential --no-report --out " + (refs / "out").string(),
                   "PRISM_REFERENCE_DIR=" + refs.path().string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("sgd-exponential.toml"), std::string::npos) << r.output;
  // Validation comes before measurement: nothing was run.
  EXPECT_FALSE(fs::exists(refs / "out" / "results.json"));
}

TEST(Cli, EmptyDataFolderExitsTwoAndSaysHowToFetch) {
  const ScratchDir empty("prism-cli-test");
  Result r = run_on_data(empty.path());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("fetch-data"), std::string::npos) << r.output;
}

TEST(Cli, TruncatedMnistExitsTwoNamingTheFile) {
  if (!have_mnist()) GTEST_SKIP() << "MNIST not fetched (scripts/fetch-data)";
  const ScratchDir data("prism-cli-test");
  fs::create_directories(data / "mnist");
  for (const auto& e : fs::directory_iterator(prism::data::data_root() / "mnist"))
    fs::copy_file(e.path(), data / "mnist" / e.path().filename());
  fs::resize_file(data / "mnist" / "train-images-idx3-ubyte", 1000000);
  Result r = run_on_data(data.path());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("train-images-idx3-ubyte"), std::string::npos) << r.output;
}

// The acceptance run of the foundation: both claims verified, both controls
// rejected, the loaded BLAS library recorded, and a report with a page per claim.
TEST(Cli, QuickRunOfBothClaimsEndToEnd) {
  if (!have_mnist()) GTEST_SKIP() << "MNIST not fetched (scripts/fetch-data)";
  const ScratchDir out("prism-cli-test");
  Result r =
      prism("run --preset quick --filter 'sgd-exponential|min-norm-alignment' --quiet --out " + out.path().string());
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = read_json(out / "results.json");
  ASSERT_EQ(j["claims"].size(), 2u);
  for (const auto& c : j["claims"]) {
    EXPECT_EQ(c["verdict"], "pass") << c["id"] << ": " << c["verdict_reason"];
    ASSERT_FALSE(c["controls"].empty()) << c["id"];
    for (const auto& k : c["controls"]) EXPECT_EQ(k["verdict"], "fail") << c["id"] << " control " << k["name"];
    for (const auto& k : c["checks"]) EXPECT_FALSE(k["source"].get<std::string>().empty());
    EXPECT_TRUE(fs::exists(out / "data" / (c["id"].get<std::string>() + ".csv")));
  }
  const std::string lib = j["context"]["blas"]["library"];
  EXPECT_TRUE(fs::exists(lib)) << "context.blas.library = '" << lib << "' is not a file";
  ASSERT_TRUE(fs::exists(out / "report.pdf"));
  // Google Benchmark's own JSON is written beside ours (compare.py reads it).
  auto gb = read_json(out / "benchmarks.json");
  EXPECT_FALSE(gb["benchmarks"].empty());
  const Result text = ::prism::testing::run_command("pdftotext '" + (out / "report.pdf").string() + "' - 2>/dev/null");
  EXPECT_NE(text.output.find("sgd-exponential"), std::string::npos);
  EXPECT_NE(text.output.find("min-norm-alignment"), std::string::npos);
  const Result info = ::prism::testing::run_command("pdfinfo '" + (out / "report.pdf").string() + "' 2>/dev/null | grep Pages");
  int pages = 0;
  if (std::sscanf(info.output.c_str(), "Pages: %d", &pages) != 1) pages = 0;
  EXPECT_GE(pages, 4) << info.output;
  // `prism report` over the folder again gives the same verdicts and exits 0.
  Result rep = prism("report " + out.path().string() + " --out " + (out / "again.pdf").string());
  EXPECT_EQ(rep.status, 0) << rep.output;
}

// `prism run --shard K/N` then `prism report` over the N folders: the merged run
// has every point in sweep order with the same observations as an unsharded run
// (the same seeds measure the same values), and its checks are evaluated.
// min-norm-alignment is one share group; winn-consistency's groups (d, n) are
// dealt round the shards after it, so every shard runs points.
TEST(Cli, ShardsMergeIntoTheUnshardedRun) {
  const ScratchDir out("prism-cli-test");
  const std::string run =
      "run --preset quick --filter 'min-norm-alignment|winn-consistency' --quiet --no-report --threads 1 ";
  ASSERT_EQ(prism(run + "--out " + (out / "whole").string()).status, 0);
  for (int k = 1; k <= 3; ++k) {
    const fs::path dir = out / ("s" + std::to_string(k));
    Result r = prism(run + "--shard " + std::to_string(k) + "/3 --out " + dir.string());
    ASSERT_EQ(r.status, 0) << r.output;
    const auto shard = read_json(dir / "results.json");
    size_t points = 0;
    for (const auto& c : shard["claims"]) points += c["points"].size();
    EXPECT_GT(points, 0u) << "shard " << k << " of 3 ran no point";
  }
  const std::string s1 = (out / "s1").string(), s2 = (out / "s2").string(), s3 = (out / "s3").string();
  Result merged = prism("report " + s3 + " " + s1 + " " + s2 + " --out " + (out / "merged" / "report.pdf").string());
  ASSERT_EQ(merged.status, 0) << merged.output;
  const auto whole = read_json(out / "whole" / "results.json"), both = read_json(out / "merged" / "results.json");
  ASSERT_EQ(both["claims"].size(), 2u);
  for (size_t c = 0; c < 2; ++c) {
    const auto& a = whole["claims"][c];
    const auto& b = both["claims"][c];
    EXPECT_EQ(b["verdict"], "pass") << b["verdict_reason"];
    ASSERT_EQ(a["points"].size(), b["points"].size());
    for (size_t i = 0; i < a["points"].size(); ++i) {
      EXPECT_EQ(a["points"][i]["params"], b["points"][i]["params"]) << "point " << i;
      for (const auto& [name, obs] : a["points"][i]["observations"].items())
        EXPECT_EQ(obs["values"], b["points"][i]["observations"][name]["values"]) << name << " at point " << i;
    }
    ASSERT_EQ(a["checks"].size(), b["checks"].size());
    for (size_t i = 0; i < a["checks"].size(); ++i) EXPECT_EQ(a["checks"][i]["value"], b["checks"][i]["value"]);
  }
  // A missing or repeated shard is bad input, named.
  Result missing = prism("report " + s1 + " " + s3 + " --out " + (out / "m" / "r.pdf").string());
  EXPECT_EQ(missing.status, 2) << missing.output;
  EXPECT_NE(missing.output.find("shard 2/3 is missing"), std::string::npos) << missing.output;
  Result twice = prism("report " + s1 + " " + s1 + " " + s2 + " --out " + (out / "m" / "r.pdf").string());
  EXPECT_EQ(twice.status, 2) << twice.output;
  EXPECT_NE(twice.output.find("given twice"), std::string::npos) << twice.output;
  Result mixed = prism("report " + s1 + " " + (out / "whole").string() + " --out " + (out / "m" / "r.pdf").string());
  EXPECT_EQ(mixed.status, 2) << mixed.output;
}

}  // namespace
