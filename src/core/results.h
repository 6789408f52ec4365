// The results model of a run, and its one encoding on disk.
//
// `prism run` fills a RunResult, writes it (OUT/results.json, OUT/data/*.csv)
// and the report reads it back through read_results; `prism report` merges
// shard folders the same way. Nothing else reads or writes these files.
//
// Encoding: non-finite numbers are the JSON strings "inf", "-inf" and "nan"
// everywhere (JSON has no literal for them); series CSVs keep 17 significant
// digits, so a read gives back the very doubles that were written.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "src/core/checks.h"
#include "src/core/claim.h"
#include "src/core/reference.h"

namespace prism {

// What a claim declared, recorded with its results (the report needs no build).
struct ClaimInfo {
  std::string id, title, source, statement;
  std::vector<std::string> notes;
  std::vector<Figure> figures;
  std::string reference_file, reference_source;
};

ClaimInfo claim_info(const ClaimSpec& spec, const ReferenceFile& reference);

struct ClaimResult {
  ClaimInfo info;
  std::vector<PointRuns> points;   // in sweep order
  std::vector<CheckResult> checks;
  std::vector<CheckResult> controls;
  Verdict verdict = Verdict::Inconclusive;
  std::string verdict_reason;
  double seconds = 0;
  // A filter selected some of the claim's sweep points (`claim/point` names):
  // checks whose points did not run are "not evaluated", never passed.
  bool partial = false;
  std::string derive_error;  // a partial run's Derive hook that lacked points
};

struct RunResult {
  Json context;                     // machine, build, preset, seeds, shard, command, blas
  std::vector<ClaimResult> claims;
  Json benchmark_runs = Json::array();  // Google Benchmark's runs, as reported
};

// One encoding of non-finite numbers.
Json encode_number(double v);
// A number or "inf"/"-inf"/"nan"; InputError at `where` for anything else.
double decode_number(const Json& j, const std::string& where);

Verdict verdict_from_string(const std::string& s, const std::string& where);

Json check_to_json(const CheckResult& c);
CheckResult check_from_json(const Json& j, const std::string& where);

// Writes results.json, data/<claim>.csv (every scalar's seed summary per point)
// and data/<claim>/<series>-p<i>.csv (x, then one column per seed); returns the
// path of results.json.
std::filesystem::path write_results(const RunResult& r, const std::filesystem::path& out);

// Reads a folder written by write_results back into the model; InputError
// naming the file when results.json or a series CSV is missing or corrupt.
RunResult read_results(const std::filesystem::path& dir);

// True for the results of `prism run --shard K/N` with N > 1; {K, N}.
std::pair<int, int> shard_of(const RunResult& r);
bool is_shard(const RunResult& r);

// The claims an interrupted run left out (context["incomplete"]), as plain
// text: "a (3 of 10 runs), b (0 of 4 runs)"; empty when none is.
std::string incomplete_claims_text(const Json& incomplete);

}  // namespace prism
