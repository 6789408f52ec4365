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

namespace prism {

struct ReportOptions {
  std::vector<std::filesystem::path> inputs;  // result folders holding results.json
  std::filesystem::path out;                  // the PDF; default <first input>/report.pdf
  bool compile = true;                        // false: write the .tex only (tests)
};

struct ReportOutcome {
  std::filesystem::path tex, pdf;
  int pages = 0;
  bool verdicts_agree = true;  // across folders
};

// Throws InputError when LaTeX is missing or the document does not compile
// (naming the log file).
ReportOutcome write_report(const ReportOptions& options);

// LaTeX-escapes plain text.
std::string tex_escape(const std::string& s);

}  // namespace prism
