// Runs registered claims through Google Benchmark and judges them against
// their reference files. One file per step: run.cc (measure), verdict.cc
// (checks, controls, verdicts, figure validation), shard_merge.cc (the folders
// of `prism run --shard K/N`); results.h is the model they fill.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "src/core/checks.h"
#include "src/core/claim.h"
#include "src/core/reference.h"
#include "src/core/results.h"

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

// ---- run.cc ----------------------------------------------------------------

// Claims whose id matches the filter; a filter that matches none is an InputError.
std::vector<const ClaimSpec*> select_claims(const std::string& filter);

// The reference file of a claim, checked to belong to it.
ReferenceFile load_claim_reference(const ClaimSpec& spec);

// Every reference file is read and validated, and every figure's bands
// checked against it, before any measurement starts: a malformed file costs
// nothing. Then the points are measured (each claim's share groups together),
// the Derive hooks run and, unsharded, the checks are evaluated.
RunResult run_claims(const RunOptions& options);

// ---- verdict.cc ------------------------------------------------------------

// ReferenceError unless some check and some control apply to `preset`
// (run_claims asks before measuring, so a gap costs nothing).
void require_checks_for(const ReferenceFile& reference, const std::string& preset);

// Evaluates the checks and controls of one claim on its collected points and
// sets its verdict.
void evaluate_claim(ClaimResult& claim, const ReferenceFile& reference, const std::string& preset);

// MeasurementError unless every scalar is finite and no series value is NaN:
// a NaN must never reach a check, where it could compare its way to a pass.
void require_finite(const std::string& claim, const Json& point, std::uint64_t seed, const Measurement& m);

// Runs the claim's Derive hook (if any) on its points, then requires every
// scalar finite (MeasurementError otherwise).
void derive_claim(const ClaimSpec& spec, ClaimResult& claim);

// Figures name only what exists: every band a check or control of the
// reference file (checked before measuring), and, once measured, every line's
// x, y or series a quantity of the claim (x may be a sweep parameter) and
// every `where` key a sweep parameter. ReferenceError (exit 2) naming the
// claim, the figure and the name otherwise.
void validate_figure_bands(const ClaimSpec& spec, const ReferenceFile& reference);
void validate_figure_lines(const ClaimResult& claim);

// True when every claim passed (and, unless allowed, none was inconclusive).
bool all_verified(const RunResult& r, bool allow_inconclusive);

// ---- shard_merge.cc --------------------------------------------------------

// Merges the result folders of `prism run --shard K/N`, K = 1..N, into the run
// an unsharded `prism run` would have made: the points in sweep order with each
// seed's scalars and series as measured, then the claim's Derive hook, its
// checks and controls. `shards[i]` was read from `dirs[i]`. InputError naming
// the folder when a shard is missing or repeated, or comes from another run
// (preset, seeds, filter, commit, or this build's sweep differ).
RunResult merge_shards(const std::vector<std::filesystem::path>& dirs, const std::vector<RunResult>& shards);

}  // namespace prism
