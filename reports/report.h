// The PDF report: results.json (+ data/*.csv) -> LaTeX with pgfplots -> PDF.
//
// One result folder gives: a summary table, one page per claim (its figure as
// the paper draws it with the reference band, the checks and controls with
// provenance), and an environment page. Several folders (e.g. one per BLAS
// backend) add a comparison page: time per claim per folder, the largest
// relative deviation of every measured value between folders, and the verdicts
// side by side, with disagreements marked.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/core/results.h"

namespace prism {

struct ReportOptions {
  std::vector<std::filesystem::path> inputs;  // result folders holding results.json
  std::filesystem::path out;                  // the PDF; default <first input>/report.pdf
  bool compile = true;                        // false: write the .tex only (tests)
};

// How the report names result folders (the comparison's columns, summaries and
// environment pages): each folder's last path component plus its suffix (the
// BLAS backend, " (openblas)"); where two would read alike, more of their
// paths from the end until they differ: /x/a/quick and /x/b/quick are
// "a/quick (openblas)" and "b/quick (openblas)". One folder given twice keeps
// its whole path twice.
std::vector<std::string> folder_names(const std::vector<std::filesystem::path>& folders,
                                      const std::vector<std::string>& suffixes);

struct ReportOutcome {
  std::filesystem::path tex, pdf;
  int pages = 0;
  int latex_passes = 0;  // pdflatex passes run: 1 unless the log asked for another; 0 when not compiled
  bool verdicts_agree = true;  // across folders
  bool values_agree = true;    // every check's decided value, across folders (check_value_disagreements)
};

// A check (or control) whose decided value differs between two runs of the
// same claim by more than the tolerance: the two confidence half-widths
// together (the resolution the claim's own seeds give it) plus 1e-6 of the
// larger magnitude of the two values and the reference intervals' finite ends
// (rounding, amplified by the conditioning of the computation: e.g. another
// BLAS; a value 0 in exact arithmetic rounds relative to the scale its
// reference holds it to). A check undecidable in either run (an infinite
// interval) is not compared. A rounding residual (`residual = true`: exact
// arithmetic makes it ~0, so its size is the backend's rounding) is compared
// by its bound only: listed (tolerance = the bound) when it lies within the
// reference interval in one run and not in the other.
struct ValueDisagreement {
  std::string claim, check;
  size_t run_a = 0, run_b = 0;  // indices into the runs
  double a = 0, b = 0, tolerance = 0;
};
constexpr double kBackendRelativeTolerance = 1e-6;
std::vector<ValueDisagreement> check_value_disagreements(const std::vector<RunResult>& runs);

// Whether a pdflatex log asks for another pass: LaTeX's "Rerun to get
// cross-references right", rerunfilecheck's "Rerun to get outlines right",
// longtable's "Rerun LaTeX". The rerunfilecheck package's banner ("Rerun checks
// for auxiliary files") does not ask. write_report runs at most kMaxLatexPasses.
bool latex_log_asks_for_rerun(const std::string& log);
constexpr int kMaxLatexPasses = 3;

// Throws InputError when LaTeX is missing or the document does not compile
// (naming the log file).
ReportOutcome write_report(const ReportOptions& options);

// LaTeX-escapes plain text.
std::string tex_escape(const std::string& s);

}  // namespace prism
