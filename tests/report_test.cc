// The report's LaTeX (reports/report.h), written without compiling it: each
// figure with its lines and its band, the check and control rows, and a line
// that selects nothing named under its figure rather than dropped.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "reports/report.h"
#include "src/core/error.h"
#include "src/core/results.h"
#include "tests/support/sample_run.h"
#include "tests/support/test_support.h"

namespace prism {
namespace {

namespace fs = std::filesystem;

std::string tex_of(const testing::ScratchDir& dir) {
  write_results(testing::sample_run(), dir.path());
  ReportOptions options;
  options.inputs = {dir.path()};
  options.compile = false;
  const ReportOutcome outcome = write_report(options);
  std::ifstream in(outcome.tex);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

TEST(Report, FigureWithItsLinesAndBand) {
  testing::ScratchDir dir("prism-report-test");
  const std::string tex = tex_of(dir);
  EXPECT_TRUE(contains(tex, "title={Error against n}"));
  EXPECT_TRUE(contains(tex, "xmode=log, ymode=log"));
  EXPECT_TRUE(contains(tex, "\\addlegendentry{measured error}"));
  // The bound's finite end, as a dashed level across the x range of the lines.
  EXPECT_TRUE(contains(tex, "coordinates {(10,0.05) (1000,0.05)}")) << tex;
  EXPECT_TRUE(contains(tex, "reference: err-bound"));
  // The series figure: one curve per point, seed means over the seeds present.
  EXPECT_TRUE(contains(tex, "title={Loss curves}"));
  const fs::path curve = dir / "report-tex" / "sample-claim-loss-0.csv";
  ASSERT_TRUE(fs::exists(curve));
  std::ifstream in(curve);
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  EXPECT_EQ(header, "x,y");
  EXPECT_EQ(first, "0,0.33333333") << "both seeds start at 1/3";
}

TEST(Report, ALineWithNoPointIsNamedUnderItsFigure) {
  testing::ScratchDir dir("prism-report-test");
  const std::string tex = tex_of(dir);
  EXPECT_TRUE(contains(tex, "No data in this run for: only at n = 7.")) << tex;
}

TEST(Report, CheckAndControlRows) {
  testing::ScratchDir dir("prism-report-test");
  const std::string tex = tex_of(dir);
  EXPECT_TRUE(contains(tex, "err-bound {\\scriptsize(bound)}"));
  EXPECT_TRUE(contains(tex, "[$-\\infty$, 0.05]")) << "a one-sided reference interval";
  EXPECT_TRUE(contains(tex, "Inconclusive: about 7 seeds would decide it"));
  EXPECT_TRUE(contains(tex, "err-control {\\scriptsize(bound)}"));
  EXPECT_TRUE(contains(tex, "(err-bound)")) << "a control names the check it applies";
  EXPECT_TRUE(contains(tex, "\\emph{Why it must fail:} a bound 100 times tighter must fail"));
  EXPECT_TRUE(contains(tex, "\\hyperlink{claim:sample-claim}"));
  EXPECT_TRUE(contains(tex, "\\hypertarget{claim:sample-claim}{}"));
}

// The report compiles in one pdflatex pass (links to named destinations, the
// outline written as it is met), and the PDF has them: the summary's link to
// the claim's page resolves, and the outline lists the summary, the claim and
// the environment.
TEST(Report, CompilesInOnePassWithLinksAndAnOutline) {
  testing::ScratchDir dir("prism-report-test");
  write_results(testing::sample_run(), dir.path());
  ReportOptions options;
  options.inputs = {dir.path()};
  const ReportOutcome outcome = write_report(options);
  EXPECT_EQ(outcome.latex_passes, 1) << "read " << (dir / "report-tex" / "report.log").string();
  EXPECT_GE(outcome.pages, 3);
  const std::string pdf = outcome.pdf.string();
  const std::string dests = testing::run_command("pdfinfo -dests '" + pdf + "' 2>&1").output;
  // pdfinfo: "<page> [ XYZ ... ] \"claim:sample-claim\"", one line per destination.
  int claim_page = 0;
  std::istringstream lines(dests);
  for (std::string line; std::getline(lines, line);)
    if (contains(line, "\"claim:sample-claim\"")) claim_page = std::atoi(line.c_str());
  ASSERT_GT(claim_page, 0) << "no destination claim:sample-claim in\n" << dests;
  const std::string xml = testing::run_command("pdftohtml -xml -i -stdout '" + pdf + "' 2>&1").output;
  EXPECT_TRUE(contains(xml, "<a href=\"" + outcome.pdf.stem().string() + ".html#" + std::to_string(claim_page) + "\""))
      << "no link to the claim's page " << claim_page;
  for (const std::string entry : {"Summary", "sample-claim", "Environment"})
    EXPECT_TRUE(contains(xml, ">" + entry + "</item>")) << "no outline entry " << entry << " in\n" << xml.substr(0, 2000);
}

// Another pass only where the log asks for one, in the words LaTeX, hyperref's
// rerunfilecheck and longtable use; the package banner does not ask.
TEST(Report, ALogAsksForAnotherPassOnlyWhenItSaysRerun) {
  EXPECT_TRUE(latex_log_asks_for_rerun("LaTeX Warning: Label(s) may have changed. Rerun to get cross-references right."));
  EXPECT_TRUE(latex_log_asks_for_rerun("Package rerunfilecheck Warning: File `report.out' has changed.\n"
                                       "(rerunfilecheck)                Rerun to get outlines right"));
  EXPECT_TRUE(latex_log_asks_for_rerun("Package longtable Warning: Table widths have changed. Rerun LaTeX."));
  EXPECT_FALSE(latex_log_asks_for_rerun(
      "Package: rerunfilecheck 2022-07-10 v1.10 Rerun checks for auxiliary files (HO)\nOutput written on report.pdf"));
  EXPECT_FALSE(latex_log_asks_for_rerun(""));
}

// Two runs of the sample claim, the second's first check moved: within the two
// half-widths (the seeds' resolution) it agrees, beyond them it is listed; a
// rounding-level difference of a zero-width value agrees; an undecidable
// (infinite) interval is never compared.
TEST(CompareRuns, ValuesAgreeWithinTheirOwnResolution) {
  const RunResult a = testing::sample_run();
  ASSERT_FALSE(a.claims.empty());
  ASSERT_FALSE(a.claims[0].checks.empty());
  RunResult b = a;
  EXPECT_TRUE(check_value_disagreements({a, b}).empty()) << "a run agrees with itself";
  CheckResult& c = b.claims[0].checks[0];
  c.ci_lo = c.value - 0.1, c.ci_hi = c.value + 0.1;
  RunResult a2 = a;
  a2.claims[0].checks[0].ci_lo = c.value - 0.1, a2.claims[0].checks[0].ci_hi = c.value + 0.1;
  c.value += 0.19, c.ci_lo += 0.19, c.ci_hi += 0.19;  // within 0.1 + 0.1
  EXPECT_TRUE(check_value_disagreements({a2, b}).empty());
  c.value += 0.02, c.ci_lo += 0.02, c.ci_hi += 0.02;  // 0.21 apart
  const auto off = check_value_disagreements({a2, b});
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0].check, c.name);
  EXPECT_EQ(off[0].claim, a.claims[0].info.id);
  EXPECT_NEAR(off[0].b - off[0].a, 0.21, 1e-12);
  // Zero-width intervals: rounding-level differences agree, real ones do not.
  RunResult x = a, y = a;
  for (RunResult* r : {&x, &y}) {
    CheckResult& k = r->claims[0].checks[0];
    k.value = 2.0, k.ci_lo = k.ci_hi = 2.0;
  }
  y.claims[0].checks[0].value = 2.0 * (1 + 1e-9);
  EXPECT_TRUE(check_value_disagreements({x, y}).empty());
  y.claims[0].checks[0].value = 2.0 * (1 + 1e-4);
  EXPECT_EQ(check_value_disagreements({x, y}).size(), 1u);
  y.claims[0].checks[0].ci_hi = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(check_value_disagreements({x, y}).empty()) << "an undecidable value is not compared";
}

// A value 0 in exact arithmetic (a ratio at rank deficiency, held to the band
// [0.5, 1.5] by its check) rounds relative to that band's scale, not to itself.
TEST(CompareRuns, AZeroValueRoundsAtItsReferenceScale) {
  RunResult x = testing::sample_run(), y = x;
  for (RunResult* r : {&x, &y}) {
    CheckResult& k = r->claims[0].checks[0];
    k.ref_lo = 0.5, k.ref_hi = 1.5;
    k.value = k.ci_lo = k.ci_hi = -7.0e-15;
  }
  CheckResult& k = y.claims[0].checks[0];
  k.value = k.ci_lo = k.ci_hi = -9.5e-15;
  EXPECT_TRUE(check_value_disagreements({x, y}).empty());
  k.value = k.ci_lo = k.ci_hi = 1e-5;  // beyond 1e-6 of 1.5
  const auto off = check_value_disagreements({x, y});
  ASSERT_EQ(off.size(), 1u);
  EXPECT_DOUBLE_EQ(off[0].tolerance, 1.5e-6);
}

// A rounding residual is claimed only below its bound: any two values within
// it agree (3e-13 against 2e-7, bound 1e-6); one within and one beyond do not.
TEST(CompareRuns, ARoundingResidualIsJudgedByItsBound) {
  RunResult x = testing::sample_run(), y = x;
  const auto residual_of = [](RunResult& r) -> CheckResult& {
    for (auto& c : r.claims[0].checks)
      if (c.residual) return c;
    throw std::logic_error("the sample run has a residual check");
  };
  ASSERT_TRUE(residual_of(x).value < 1e-12);
  CheckResult& k = residual_of(y);
  k.value = k.ci_lo = k.ci_hi = 2e-7;
  EXPECT_TRUE(check_value_disagreements({x, y}).empty());
  k.value = k.ci_lo = k.ci_hi = 2e-6;
  const auto off = check_value_disagreements({x, y});
  ASSERT_EQ(off.size(), 1u);
  EXPECT_EQ(off[0].check, k.name);
  EXPECT_EQ(off[0].tolerance, 1e-6) << "the tolerance shown is the bound";
  residual_of(x).value = 5e-6;  // both beyond: the failing verdict shows it, the values need not agree
  EXPECT_TRUE(check_value_disagreements({x, y}).empty());
}

// The comparison page lists what each run measured, and flags runs of another
// commit, preset, seed count or seed base: their differences need not be the BLAS's.
// The LaTeX of the report `options` asks for (not compiled).
std::string report_tex(const ReportOptions& options) {
  std::ifstream in(write_report(options).tex);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(CompareRuns, RunsOfAnotherCommitOrSeedsAreFlagged) {
  testing::ScratchDir a("prism-report-runs-a"), b("prism-report-runs-b");
  RunResult ra = testing::sample_run(), rb = testing::sample_run();
  ra.context["filter"] = "^(one-nn|pl-star)$";
  write_results(ra, a.path());
  write_results(rb, b.path());
  ReportOptions options;
  options.inputs = {a.path(), b.path()};
  options.compile = false;
  std::string tex = report_tex(options);
  EXPECT_TRUE(contains(tex, "\\texttt{0123456789ab} & quick & each claim's & 0 & "
                            "\\texttt{\\textasciicircum{}(one-nn|\\allowbreak{}pl-star)\\$}, 1/1"))
      << tex;
  EXPECT_FALSE(contains(tex, "These runs differ")) << tex;
  rb.context["git_commit"] = "fedcba9876543210";
  rb.context["git_dirty"] = true;
  rb.context["seed_base"] = 1000;
  write_results(rb, b.path());
  tex = report_tex(options);
  EXPECT_TRUE(contains(tex, "\\texttt{fedcba987654 (modified)} & quick & each claim's & 1000")) << tex;
  EXPECT_TRUE(contains(tex, "These runs differ in commit, seed base}")) << tex;
}

// Folders are named by their last path component and backend; where two read
// alike, by more of their paths.
TEST(CompareRuns, FolderNamesDifferWhereTheFoldersDo) {
  using Names = std::vector<std::string>;
  EXPECT_EQ(folder_names({"/x/a/quick", "/x/b/quick"}, {" (openblas)", " (openblas)"}),
            (Names{"a/quick (openblas)", "b/quick (openblas)"}));
  EXPECT_EQ(folder_names({"/x/a/quick", "/x/b/quick"}, {" (openblas)", " (blis)"}),
            (Names{"quick (openblas)", "quick (blis)"}));
  EXPECT_EQ(folder_names({"/x/a/quick/", "/y/a/quick", "/z/full"}, {"", "", ""}), (Names{"x/a/quick", "y/a/quick", "full"}));
  EXPECT_EQ(folder_names({"/x/quick", "/x/quick"}, {"", ""}), (Names{"x/quick", "x/quick"})) << "the same folder twice";
  // Through the report: two folders named quick get two environment pages apart.
  testing::ScratchDir a("prism-report-names-a"), b("prism-report-names-b");
  write_results(testing::sample_run(), a / "quick");
  write_results(testing::sample_run(), b / "quick");
  ReportOptions options;
  options.inputs = {a / "quick", b / "quick"};
  options.compile = false;
  const std::string tex = report_tex(options);
  for (const auto& dir : {a.path(), b.path()})
    EXPECT_TRUE(contains(tex, "\\section*{Environment: " + tex_escape(dir.filename().string() + "/quick")))
        << dir << "\n" << tex.substr(tex.find("Environment"));
}

// A claim that only one run measured (a backend still running, a filtered
// run) shows no deviation rather than a 0 that reads as agreement.
TEST(CompareRuns, AClaimInOneRunOnlyHasNoDeviation) {
  testing::ScratchDir a("prism-report-one-a"), b("prism-report-one-b");
  RunResult ra = testing::sample_run(), rb = testing::sample_run();
  rb.claims[0].info.id = "another-claim";
  write_results(ra, a.path());
  write_results(rb, b.path());
  ReportOptions options;
  options.inputs = {a.path(), b.path()};
  options.compile = false;
  const std::string tex = report_tex(options);
  const std::string one_only = "& -- \\textit{\\scriptsize in one run only}\\\\";
  size_t rows = 0;
  for (auto at = tex.find(one_only); at != std::string::npos; at = tex.find(one_only, at + 1)) ++rows;
  EXPECT_EQ(rows, 2u) << "both claims, each in one run\n" << tex;
  write_results(ra, b.path());
  EXPECT_FALSE(contains(report_tex(options), one_only)) << "a claim in both runs has a deviation";
}

// compare-blas reports while a backend's benchmarks are still to run: that
// folder's column reads "--"; a damaged summary is an input error naming it.
TEST(CompareRuns, AFolderWithoutBenchmarksIsAColumnOfDashes) {
  testing::ScratchDir a("prism-report-bench-a"), b("prism-report-bench-b");
  write_results(testing::sample_run(), a.path());
  write_results(testing::sample_run(), b.path());
  a.write("bench-summary.json", R"({"dgemm_gflops": 90.0, "kernels": [{"name": "dgemm", "gflops": 90.0}],
                                     "wrapper_ratios": [{"size": 1000, "ratio": 0.97}]})");
  ReportOptions options;
  options.inputs = {a.path(), b.path()};
  options.compile = false;
  const ReportOutcome outcome = write_report(options);
  std::ifstream in(outcome.tex);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string tex = ss.str();
  EXPECT_TRUE(contains(tex, "\\texttt{dgemm} & 90.0 (1.00) & --")) << tex;
  EXPECT_TRUE(contains(tex, "DGEMM rate & 90.0 & --")) << tex;
  EXPECT_TRUE(contains(tex, "(worst size) & 0.970 & --")) << tex;
  b.write("bench-summary.json", "{\"dgemm_gflops\": ");
  PRISM_EXPECT_THROW_WITH(write_report(options), InputError, (b.path() / "bench-summary.json").string(),
                          "not a benchmark summary");
}

}  // namespace
}  // namespace prism
