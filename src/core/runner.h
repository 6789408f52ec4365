// Runs registered claims through Google Benchmark and judges them against
// their reference files. One file per step: run.cc (measure), verdict.cc
// (checks, controls, verdicts, figure validation), shard_merge.cc (the folders
// of `prism run --shard K/N`); results.h is the model they fill.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/core/checks.h"
#include "src/core/claim.h"
#include "src/core/reference.h"
#include "src/core/results.h"

namespace prism {

struct RunOptions {
  std::string preset = "quick";
  std::string filter = ".*";          // ECMAScript regex (search) on claim ids, or on `id/point` names to run part of a claim
  int seeds = 0;                      // 0: the claim's own count for the preset
  std::filesystem::path out = "prism-out";
  bool progress = true;
  int shard_index = 0, shard_count = 1;  // run the share groups shard_assignment gives shard_index
  std::uint64_t seed_base = 0;        // seeds are seed_base + 1 ... seed_base + S
  bool resume = false;                // continue the journal in `out` (OUT/journal.jsonl)
  std::vector<std::string> argv;      // the command line, recorded
};

// SIGINT or SIGTERM arrived: the run stopped after its current measurement;
// every finished one is in the journal. `signal` is the signal's number (exit
// status 128 + signal).
struct Interrupted : std::runtime_error {
  Interrupted(int signal, const std::string& what) : std::runtime_error(what), signal(signal) {}
  int signal;
};

// ---- run.cc ----------------------------------------------------------------

// Claims whose id, or the name `id/point` of one of their points in `preset`,
// matches the filter; a filter that matches none is an InputError.
std::vector<const ClaimSpec*> select_claims(const std::string& filter, const std::string& preset);

// The reference file of a claim, checked to belong to it.
ReferenceFile load_claim_reference(const ClaimSpec& spec);

// Every reference file is read and validated, and every figure's bands
// checked against it, before any measurement starts: a malformed file costs
// nothing. Then the points are measured (each claim's share groups together),
// each finished run appended to the journal (journal.h) before the next
// starts, the Derive hooks run and, unsharded, the checks are evaluated.
// A fresh run first removes the previous run's results from `out`, so the
// folder never mixes two runs; with `resume`, the journal's runs are taken as
// measured (InputError if it comes from another preset, filter, seed set,
// shard, claim set or commit). SIGINT/SIGTERM: Interrupted after the current run.
RunResult run_claims(const RunOptions& options);

// The results of an interrupted run (a folder with a journal and no
// results.json), as far as it got: the claims whose every run is journaled,
// derived and checked as `prism run` would (a shard's left unchecked, for the
// merge); the others left out and listed in context["incomplete"] (with the
// runs journaled and planned, and every claim of the run, which a merge of
// shards needs). InputError naming the journal when it is missing or damaged,
// or was written by another commit (the sweep and checks are this build's).
RunResult results_from_journal(const std::filesystem::path& dir);

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

// The shard (0 ... count-1) of every sweep point of `preset`, claim by claim
// in the order of `specs`: share groups (ClaimSpec::share_group) are numbered
// across the run in order of first appearance and group g goes to shard
// g mod count, so a group's shared setup (a data set, a factorised kernel) is
// built on one shard only. A claim without ShareBy is one group. Sweep points
// dealt out one by one instead built each group's setup on every shard: two
// shards of bayes-tracking factorised every kernel twice.
std::vector<std::vector<int>> shard_assignment(const std::vector<const ClaimSpec*>& specs, const std::string& preset,
                                               int count);

// Merges the result folders of `prism run --shard K/N`, K = 1..N, into the run
// an unsharded `prism run` would have made: the points in sweep order with each
// seed's scalars and series as measured, then the claim's Derive hook, its
// checks and controls. `shards[i]` was read from `dirs[i]`. InputError naming
// the folder when a shard is missing or repeated, or comes from another run
// (preset, seeds, filter, commit, or this build's sweep differ).
RunResult merge_shards(const std::vector<std::filesystem::path>& dirs, const std::vector<RunResult>& shards);

}  // namespace prism
