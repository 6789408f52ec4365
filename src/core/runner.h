// Runs registered claims through Google Benchmark, checks them against their
// reference files, and writes OUT/results.json and OUT/data/*.csv.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "src/core/checks.h"
#include "src/core/claim.h"
#include "src/core/reference.h"

namespace prism {

struct RunOptions {
  std::string preset = "quick";
  std::string filter = ".*";          // ECMAScript regex on claim ids (search, not full match)
  int seeds = 0;                      // 0: the claim's own count for the preset
  std::filesystem::path out = "prism-out";
  bool progress = true;
  int shard_index = 0, shard_count = 1;  // run points whose index % count == index
  std::vector<std::string> argv;      // the command line, recorded
};

struct ClaimResult {
  const ClaimSpec* spec = nullptr;
  ReferenceFile reference;
  std::vector<PointRuns> points;
  std::vector<CheckResult> checks;
  std::vector<CheckResult> controls;
  std::vector<std::string> control_why;
  Verdict verdict = Verdict::Inconclusive;
  std::string verdict_reason;
  double seconds = 0;
};

struct RunResult {
  Json context;
  std::vector<ClaimResult> claims;
  Json benchmark_runs = Json::array();
};

// Claims whose id matches the filter; a filter that matches none is an InputError.
std::vector<const ClaimSpec*> select_claims(const std::string& filter);

// Every reference file is read and validated before any measurement starts,
// so a malformed file costs nothing.
RunResult run_claims(const RunOptions& options);

// Evaluates the checks and controls of one claim on its collected points.
void evaluate_claim(ClaimResult& claim, const std::string& preset);

// True when every claim passed (and, unless allowed, none was inconclusive).
bool all_verified(const RunResult& r, bool allow_inconclusive);

// Writes results.json, data/<claim>.csv (every scalar summary) and one CSV per
// recorded series; returns the path of results.json.
std::filesystem::path write_results(const RunResult& r, const std::filesystem::path& out);

Json check_to_json(const CheckResult& c);

// True for the results of `prism run --shard K/N` with N > 1.
bool is_shard(const Json& results);

// Merges the result folders of `prism run --shard K/N`, K = 1..N, into the run
// an unsharded `prism run` would have made: the points in sweep order with each
// seed's scalars and series as measured, then the claim's Derive hook and its
// checks and controls. `results[i]` is the parsed results.json of `dirs[i]`.
// InputError naming the folder when a shard is missing or repeated, or comes
// from another run (preset, seeds, filter, commit, or this build's sweep differ).
RunResult merge_shards(const std::vector<std::filesystem::path>& dirs, const std::vector<Json>& results);

}  // namespace prism
