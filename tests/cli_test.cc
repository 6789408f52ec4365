// The `prism` command end to end: exit statuses, results.json, the report, and
// the bad-input paths (truncated data, empty data folder, malformed reference).
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "datasets/mnist.h"
#include "tests/support/test_support.h"

namespace fs = std::filesystem;
using ::prism::testing::ScratchDir;

namespace {

struct Result {
  int status = -1;
  std::string output;
};

// Runs prism with `env` prefixed (VAR=value ...), capturing stdout and stderr.
Result prism(const std::string& args, const std::string& env = "") {
  const std::string cmd = env + " " + PRISM_BINARY + " " + args + " 2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
  const int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

// A one-seed run of sgd-exponential whose PRISM_DATA is `data`, writing under it.
Result run_on_data(const fs::path& data) {
  return prism("run --filter sgd-exponential --seeds 1 --quiet --no-report --out " + (data / "out").string(),
               "PRISM_DATA=" + data.string());
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
  Result text = {0, ""};
  FILE* p = popen(("pdftotext '" + (out / "report.pdf").string() + "' - 2>/dev/null").c_str(), "r");
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) text.output.append(buf, n);
  pclose(p);
  EXPECT_NE(text.output.find("sgd-exponential"), std::string::npos);
  EXPECT_NE(text.output.find("min-norm-alignment"), std::string::npos);
  FILE* info = popen(("pdfinfo '" + (out / "report.pdf").string() + "' 2>/dev/null | grep Pages").c_str(), "r");
  int pages = 0;
  if (info && fscanf(info, "Pages: %d", &pages) != 1) pages = 0;
  if (info) pclose(info);
  EXPECT_GE(pages, 4);
  // `prism report` over the folder again gives the same verdicts and exits 0.
  Result rep = prism("report " + out.path().string() + " --out " + (out / "again.pdf").string());
  EXPECT_EQ(rep.status, 0) << rep.output;
}

// `prism run --shard K/N` then `prism report` over the N folders: the merged run
// has every point in sweep order with the same observations as an unsharded run
// (the same seeds measure the same values), and its checks are evaluated.
TEST(Cli, ShardsMergeIntoTheUnshardedRun) {
  const ScratchDir out("prism-cli-test");
  const std::string run = "run --preset quick --filter min-norm-alignment --quiet --no-report --threads 1 ";
  ASSERT_EQ(prism(run + "--out " + (out / "whole").string()).status, 0);
  for (int k = 1; k <= 3; ++k) {
    Result r = prism(run + "--shard " + std::to_string(k) + "/3 --out " + (out / ("s" + std::to_string(k))).string());
    ASSERT_EQ(r.status, 0) << r.output;
  }
  const std::string s1 = (out / "s1").string(), s2 = (out / "s2").string(), s3 = (out / "s3").string();
  Result merged = prism("report " + s3 + " " + s1 + " " + s2 + " --out " + (out / "merged" / "report.pdf").string());
  ASSERT_EQ(merged.status, 0) << merged.output;
  const auto whole = read_json(out / "whole" / "results.json"), both = read_json(out / "merged" / "results.json");
  ASSERT_EQ(both["claims"].size(), 1u);
  const auto& a = whole["claims"][0];
  const auto& b = both["claims"][0];
  EXPECT_EQ(b["verdict"], "pass") << b["verdict_reason"];
  ASSERT_EQ(a["points"].size(), b["points"].size());
  for (size_t i = 0; i < a["points"].size(); ++i) {
    EXPECT_EQ(a["points"][i]["params"], b["points"][i]["params"]) << "point " << i;
    for (const auto& [name, obs] : a["points"][i]["observations"].items())
      EXPECT_EQ(obs["values"], b["points"][i]["observations"][name]["values"]) << name << " at point " << i;
  }
  ASSERT_EQ(a["checks"].size(), b["checks"].size());
  for (size_t i = 0; i < a["checks"].size(); ++i) EXPECT_EQ(a["checks"][i]["value"], b["checks"][i]["value"]);
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
