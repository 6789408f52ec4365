#include "reports/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/results.h"
#include "src/core/stats.h"

namespace prism {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

constexpr size_t kMaxPlotRows = 400;  // pgfplots runs out of TeX memory on long series

// Links and bookmarks that need no second LaTeX pass: \hyperlink to a
// \hypertarget resolves as a PDF named destination (no .aux round trip), and the
// bookmark package writes its outline entries in the pass that meets them.
std::string claim_link(const std::string& id) { return "\\hyperlink{claim:" + id + "}"; }

std::string num(double v) {
  if (std::isnan(v)) return "--";
  if (std::isinf(v)) return v > 0 ? "$\\infty$" : "$-\\infty$";
  return fmt::format("{:.4g}", v);
}

std::string interval(double lo, double hi) { return "[" + num(lo) + ", " + num(hi) + "]"; }

std::string verdict_cell(const std::string& v, bool control = false) {
  // For a control, "fail" is the wanted outcome.
  const bool good = control ? v == "fail" : v == "pass";
  const char* colour = good ? "passgreen" : (v == "inconclusive" || v == "not evaluated" ? "inconcl" : "failred");
  return fmt::format("\\textcolor{{{}}}{{\\textbf{{{}}}}}", colour, tex_escape(v));
}

struct PlotLine {
  std::string label, csv;
  bool errors = false;
  double xmin = INFINITY, xmax = -INFINITY;
};

// Writes the CSV of each line of a figure (x, y[, ep, em]); a line with no
// point in this run is named in `empty` (and drawn nowhere).
std::vector<PlotLine> build_lines(const ClaimResult& claim, const Figure& fig, const fs::path& tex_dir,
                                  const std::string& prefix, std::vector<std::string>& empty) {
  std::vector<PlotLine> out;
  int k = 0;
  for (const auto& line : fig.lines) {
    const size_t before = out.size();
    if (!line.series.empty()) {
      for (const auto& p : claim.points) {
        if (!p.matches(line.where) || p.runs.empty() || !p.runs.front().series.count(line.series)) continue;
        size_t rows = 0;
        for (const auto& run : p.runs) rows = std::max(rows, run.series.at(line.series).x.size());
        // Mean over the seeds present at each row; thinned for TeX.
        const size_t stride = std::max<size_t>(1, rows / kMaxPlotRows);
        const std::string name = fmt::format("{}-{}-{}.csv", prefix, fig.id, k++);
        std::ofstream csv(tex_dir / name);
        csv << "x,y\n";
        PlotLine pl{line.label.empty() ? line.series : line.label, name, false};
        for (size_t r = 0; r < rows; ++r) {
          double x = 0, sum = 0;
          int n = 0;
          for (const auto& run : p.runs) {
            const Series& s = run.series.at(line.series);
            if (r < s.y.size()) x = s.x[r], sum += s.y[r], ++n;
          }
          pl.xmin = std::min(pl.xmin, x), pl.xmax = std::max(pl.xmax, x);
          if (r % stride && r + 1 != rows) continue;
          if (n) csv << fmt::format("{:.8g},{:.8g}\n", x, sum / n);
        }
        if (rows) out.push_back(pl);
      }
    } else {
      struct Row { double x, y, lo, hi; };
      std::vector<Row> rows;
      for (const auto& p : claim.points) {
        if (!p.matches(line.where) || p.runs.empty() || !p.runs.front().scalars.count(line.y)) continue;
        double xv;
        if (p.params.contains(line.x) && p.params[line.x].is_number()) xv = p.params[line.x].get<double>();
        else if (p.runs.front().scalars.count(line.x)) xv = summarize(p.values(line.x, claim.info.id)).mean;
        else continue;
        const Summary o = summarize(p.values(line.y, claim.info.id));
        rows.push_back({xv, o.mean, std::isfinite(o.ci_lo) ? o.ci_lo : o.mean, std::isfinite(o.ci_hi) ? o.ci_hi : o.mean});
      }
      if (!rows.empty()) {
        std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.x < b.x; });
        const std::string name = fmt::format("{}-{}-{}.csv", prefix, fig.id, k++);
        std::ofstream csv(tex_dir / name);
        csv << "x,y,ep,em\n";
        for (const auto& r : rows) {
          double em = r.y - r.lo;
          if (fig.logy && r.lo <= 0) em = r.y * 0.999;  // keep the bar on a log axis
          csv << fmt::format("{:.10g},{:.10g},{:.6g},{:.6g}\n", r.x, r.y, r.hi - r.y, em);
        }
        PlotLine pl{line.label.empty() ? line.y : line.label, name, true};
        pl.xmin = rows.front().x, pl.xmax = rows.back().x;
        out.push_back(pl);
      }
    }
    if (out.size() == before) empty.push_back(line.label);
  }
  return out;
}

const CheckResult* find_check(const ClaimResult& claim, const std::string& name) {
  for (const auto* list : {&claim.checks, &claim.controls})
    for (const auto& c : *list)
      if (c.name == name) return &c;
  return nullptr;
}

std::string figure_tex(const ClaimResult& claim, const Figure& fig, const fs::path& tex_dir, const std::string& prefix) {
  std::vector<std::string> empty;
  auto lines = build_lines(claim, fig, tex_dir, prefix, empty);
  std::string t;
  if (lines.empty()) return "\\emph{No data for figure " + tex_escape(fig.title) + " in this run.}\n\n";
  double xmin = INFINITY, xmax = -INFINITY;
  for (const auto& l : lines) xmin = std::min(xmin, l.xmin), xmax = std::max(xmax, l.xmax);
  t += "\\begin{center}\\begin{tikzpicture}\n\\begin{axis}[width=0.92\\textwidth, height=0.5\\textwidth, ";
  t += fmt::format("xmode={}, ymode={}, ", fig.logx ? "log" : "normal", fig.logy ? "log" : "normal");
  if (fig.logx) t += "log ticks with fixed point, ";
  t += "title={" + tex_escape(fig.title) + "}, xlabel={" + tex_escape(fig.xlabel) + "}, ylabel={" +
       tex_escape(fig.ylabel) + "}, legend pos=" + fig.legend +
       ", legend style={font=\\scriptsize, fill=white, fill opacity=0.85, text opacity=1}, "
       "grid=major, grid style={gray!20}, enlarge x limits=false, cycle list name=prism, tick label style={font=\\footnotesize}]\n";
  for (const auto& l : lines) {
    if (l.errors)
      t += "\\addplot+[error bars/.cd, y dir=both, y explicit] table[x=x, y=y, y error plus=ep, y error minus=em, "
           "col sep=comma]{" + l.csv + "};\n";
    else
      t += "\\addplot+[no marks, thick] table[x=x, y=y, col sep=comma]{" + l.csv + "};\n";
    t += "\\addlegendentry{" + tex_escape(l.label) + "}\n";
  }
  // Reference intervals of the banded checks, as the check's kind draws them
  // (a check that does not apply to this preset has no result and no band).
  for (const auto& name : fig.bands) {
    const CheckResult* c = find_check(claim, name);
    if (!c) continue;
    const CheckKind* kind = find_check_kind(c->kind);
    const Overlay overlay = kind ? kind->overlay : Overlay::None;
    const double ref[2] = {c->ref_lo, c->ref_hi};
    if (overlay == Overlay::Levels) {
      for (double level : ref)
        if (std::isfinite(level))
          t += fmt::format("\\addplot[densely dashed, black!60, forget plot] coordinates {{({:.8g},{:.8g}) ({:.8g},{:.8g})}};\n",
                           xmin, level, xmax, level);
      t += "\\addlegendimage{densely dashed, black!60}\\addlegendentry{reference: " + tex_escape(name) + "}\n";
    } else if (overlay == Overlay::SlopeWedge && c->per_point.is_array() && !c->per_point.empty()) {
      // The finite limiting slopes through the first fitted point (a one-sided band draws one line).
      const auto& pts = c->per_point;
      const double x0 = pts.front()["x"].get<double>(), y0 = pts.front()["y"].get<double>();
      const double x1 = pts.back()["x"].get<double>();
      for (double slope : ref)
        if (std::isfinite(slope))
          t += fmt::format("\\addplot[densely dashed, black!60, forget plot] coordinates {{({:.8g},{:.8g}) ({:.8g},{:.8g})}};\n",
                           x0, y0, x1, y0 * std::pow(x1 / x0, slope));
      t += "\\addlegendimage{densely dashed, black!60}\\addlegendentry{reference slopes " + num(ref[0]) + ", " +
           num(ref[1]) + "}\n";
    }
  }
  t += "\\end{axis}\n\\end{tikzpicture}\\end{center}\n";
  std::string caption = fig.caption;
  if (!empty.empty()) caption += (caption.empty() ? "" : " ") + fmt::format("No data in this run for: {}.", fmt::join(empty, "; "));
  if (!caption.empty()) t += "{\\small " + tex_escape(caption) + "}\n\n";
  return t;
}

std::string checks_table(const std::vector<CheckResult>& list, bool controls) {
  std::string t;
  t += "{\\footnotesize\\begin{longtable}{@{}p{0.19\\textwidth}p{0.27\\textwidth}p{0.2\\textwidth}p{0.13\\textwidth}p{0.1\\textwidth}@{}}\n\\toprule\n";
  t += controls ? "control & quantity (applies to) & measured [CI] & reference & verdict\\\\\n\\midrule\n"
                : "check & quantity & measured [CI] & reference & verdict\\\\\n\\midrule\n";
  for (const auto& c : list) {
    std::string quantity = tex_escape(c.quantity);
    if (controls && !c.applies.empty()) quantity += " (" + tex_escape(c.applies) + ")";
    t += tex_escape(c.name) + " {\\scriptsize(" + tex_escape(c.kind) + (c.residual ? ", residual" : "") + ")} & " +
         quantity + " & " + num(c.value) + " " + interval(c.ci_lo, c.ci_hi) + " & " + interval(c.ref_lo, c.ref_hi) + " & " +
         verdict_cell(to_string(c.verdict), controls) + "\\\\\n";
    std::string under = "\\multicolumn{5}{@{}p{0.95\\textwidth}@{}}{\\scriptsize\\quad ";
    if (controls && !c.why.empty()) under += "\\emph{Why it must fail:} " + tex_escape(c.why) + " ";
    under += "\\emph{Measured:} " + tex_escape(c.detail) + ". \\emph{Source:} " + tex_escape(c.source);
    if (c.verdict == Verdict::Inconclusive && c.seeds_needed > 0)
      under += fmt::format(". Inconclusive: about {} seeds would decide it", c.seeds_needed);
    if (c.seeds > 1 && c.ci_lo == c.ci_hi && std::isfinite(c.ci_lo))  // not precision: nothing varied
      under += fmt::format(". The value is the same in all {} seeds (a fixed data subset, a worst case over "
                           "seeds, or an exact quantity): its zero-width interval shows no randomness, not precision",
                           c.seeds);
    t += under + "}\\\\[2pt]\n";
  }
  t += "\\bottomrule\n\\end{longtable}}\n";
  return t;
}

// Every published number a reference file carries, beside prism's measurement
// at the scale that ran (the preset and the point), its interval and the
// check's verdict. Empty when no check of the run has one.
std::string reproduction_table(const RunResult& run) {
  std::string rows;
  const std::string preset = run.context.value("preset", "");
  for (const auto& c : run.claims)
    for (const auto& k : c.checks) {
      if (k.published.is_null()) continue;
      const Json& p = k.published;
      const auto number = [&](const Json& j) { return decode_number(j, c.info.reference_file); };
      std::string point = p.value("point", "");
      for (size_t at = point.find(','); at != std::string::npos; at = point.find(',', at + 2)) point.insert(at + 1, " ");
      const std::string scale = preset + (point.empty() ? "" : ", " + point);  // spaced, so the cell can wrap
      rows += claim_link(c.info.id) + "{" + tex_escape(c.info.id) + "} & " + tex_escape(k.name) + " & " +
              tex_escape(p.value("printed", "")) + " {\\scriptsize(" + tex_escape(p.value("source", "")) + ")} & " +
              num(number(p.at("measured"))) + " " + interval(number(p.at("ci").at(0)), number(p.at("ci").at(1))) +
              " {\\scriptsize(" + tex_escape(p.value("quantity", "")) + ")} & " + tex_escape(scale) + " & " +
              verdict_cell(to_string(k.verdict)) + "\\\\\n";
    }
  if (rows.empty()) return "";
  return "\\subsection*{Published numbers and prism's}\n{\\small The paper's numbers as printed, beside prism's "
         "measurement (seed mean and 95\\% interval) at the scale that ran; the paper's scale may differ (see each "
         "claim's reference file).}\n\n"
         "{\\footnotesize\\begin{longtable}{@{}p{0.15\\textwidth}p{0.17\\textwidth}p{0.22\\textwidth}p{0.24\\textwidth}p{0.12\\textwidth}l@{}}"
         "\\toprule\nclaim & check & published & prism [95\\% CI] & scale & verdict\\\\\\midrule\n" +
         rows + "\\bottomrule\\end{longtable}}\n";
}

std::string summary_row(const ClaimResult& c) {
  // Counts, not the first check alone: "13/13 pass", "3/3 fail" (controls must fail).
  size_t passed = 0, failed = 0, control_passed = 0;
  for (const auto& k : c.checks) passed += k.verdict == Verdict::Pass;
  for (const auto& k : c.controls) failed += k.verdict == Verdict::Fail, control_passed += k.verdict == Verdict::Pass;
  const std::string checks = fmt::format("{}/{} pass", passed, c.checks.size());
  const std::string control =
      c.controls.empty() ? "--"
                         : verdict_cell(failed == c.controls.size() ? "fail" : control_passed > 0 ? "pass" : "inconclusive", true) +
                               fmt::format(" {}/{} fail", failed, c.controls.size());
  return claim_link(c.info.id) + "{" + tex_escape(c.info.id) + "} & " + tex_escape(c.info.source) + " & " +
         checks + " & " + verdict_cell(to_string(c.verdict)) + " & " + control + " & " +
         fmt::format("{:.1f}", c.seconds) + "\\\\\n";
}

std::string preamble() {
  return R"(\documentclass[10pt,a4paper]{article}
\usepackage[margin=2cm]{geometry}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage{booktabs,longtable,array}
\usepackage{xcolor}
\usepackage{pgfplots}
\pgfplotsset{compat=1.18}
\usepackage[hidelinks]{hyperref}
\usepackage{bookmark}
\definecolor{passgreen}{RGB}{0,120,40}
\definecolor{failred}{RGB}{200,0,0}
\definecolor{inconcl}{RGB}{200,120,0}
\pgfplotscreateplotcyclelist{prism}{
  {blue!80!black, mark=*, mark size=1.5pt}, {red!80!black, mark=square*, mark size=1.5pt},
  {green!50!black, mark=triangle*, mark size=1.8pt}, {orange!90!black, mark=diamond*, mark size=1.8pt},
  {violet, mark=pentagon*, mark size=1.6pt}, {teal, mark=o}, {brown, mark=x}, {gray, mark=+}}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\begin{document}
)";
}

std::string environment_page(const Json& ctx, const std::string& heading) {
  std::string t = "\\section*{Environment" + (heading.empty() ? "" : ": " + tex_escape(heading)) + "}\n";
  t += "{\\small\\begin{longtable}{@{}p{0.25\\textwidth}p{0.7\\textwidth}@{}}\\toprule\n";
  std::function<void(const std::string&, const Json&)> add = [&](const std::string& key, const Json& v) {
    if (v.is_object()) {
      for (const auto& [k, x] : v.items()) add(key.empty() ? k : key + "." + k, x);
      return;
    }
    std::string s;
    if (v.is_array()) {
      for (const auto& x : v) s += (s.empty() ? "" : "\\newline ") + tex_escape(x.is_string() ? x.get<std::string>() : x.dump());
    } else {
      s = tex_escape(v.is_string() ? v.get<std::string>() : v.dump());
    }
    t += "\\texttt{" + tex_escape(key) + "} & {\\raggedright " + s + "}\\\\\n";
  };
  add("", ctx);
  t += "\\bottomrule\\end{longtable}}\n";
  return t;
}

// Kernel rates from `prism bench --summary DIR/bench-summary.json`, per run,
// with the speed-up over the reference BLAS run where there is one.
std::string bench_table(const std::vector<RunResult>& runs, const std::vector<std::string>& names,
                        const std::vector<fs::path>& dirs) {
  // A folder without a summary (its benchmarks not run yet) shows "--" in its column.
  std::vector<Json> benches(dirs.size(), Json::object());
  bool any = false;
  for (size_t i = 0; i < dirs.size(); ++i) {
    const fs::path file = dirs[i] / "bench-summary.json";
    std::ifstream in(file);
    if (!in) continue;
    const auto damaged = [&](const std::string& why) {
      return InputError(file.string(), "not a benchmark summary (" + why + ")",
                        "remove it and rerun `prism bench --summary " + file.string() + "`, or scripts/compare-blas");
    };
    try {
      benches[i] = Json::parse(in);
    } catch (const Json::exception& e) {
      throw damaged(e.what());
    }
    if (!benches[i].is_object()) throw damaged("not a JSON object");
    any = true;
  }
  if (!any) return "";
  int ref = -1;
  for (size_t i = 0; i < runs.size(); ++i)
    if (runs[i].context.value("blas", Json::object()).value("backend", "") == "reference") ref = static_cast<int>(i);
  std::string t = "\\subsection*{Kernels (GFLOP/s; in parentheses: ratio to the DGEMM rate of the same run" +
                  std::string(ref >= 0 ? "; last column group: speed-up over reference BLAS" : "") + ")}\n";
  std::vector<std::string> kernels;
  for (const auto& b : benches)
    if (b.contains("kernels"))
      for (const auto& k : b["kernels"])
        if (std::find(kernels.begin(), kernels.end(), k["name"].get<std::string>()) == kernels.end())
          kernels.push_back(k["name"]);
  std::string cols = "@{}l";
  for (size_t i = 0; i < dirs.size(); ++i) cols += "r";
  t += "{\\scriptsize\\begin{longtable}{" + cols + "@{}}\\toprule\nkernel";
  for (const auto& n : names) t += " & " + tex_escape(n);
  t += "\\\\\\midrule\n";
  auto rate = [&](size_t i, const std::string& k) -> double {
    if (!benches[i].contains("kernels")) return 0;
    for (const auto& e : benches[i]["kernels"])
      if (e["name"] == k) return e["gflops"].get<double>();
    return 0;
  };
  for (const auto& k : kernels) {
    t += "\\texttt{" + tex_escape(k) + "}";
    for (size_t i = 0; i < dirs.size(); ++i) {
      const double r = rate(i, k);
      const double dg = benches[i].value("dgemm_gflops", 0.0);
      if (r <= 0) { t += " & --"; continue; }
      t += fmt::format(" & {:.1f} ({:.2f})", r, dg > 0 ? r / dg : 0.0);
      if (ref >= 0 && rate(ref, k) > 0 && static_cast<int>(i) != ref) t += fmt::format(" {:.1f}x", r / rate(ref, k));
    }
    t += "\\\\\n";
  }
  // The DGEMM rate itself and prism's wrapper against a bare dgemm_ call.
  t += "\\midrule DGEMM rate";
  for (size_t i = 0; i < dirs.size(); ++i) {
    const double dg = benches[i].value("dgemm_gflops", 0.0);
    t += dg > 0 ? fmt::format(" & {:.1f}", dg) : std::string(" & --");
  }
  // Against OpenBLAS: a BLIS without its CPU's kernels (generic fallback) shows here at ~0.6.
  int openblas = -1;
  for (size_t i = 0; i < runs.size(); ++i)
    if (runs[i].context.value("blas", Json::object()).value("backend", "") == "openblas") openblas = static_cast<int>(i);
  if (openblas >= 0 && benches[openblas].value("dgemm_gflops", 0.0) > 0) {
    t += "\\\\\nDGEMM rate / OpenBLAS's";
    for (size_t i = 0; i < dirs.size(); ++i) {
      const double dg = benches[i].value("dgemm_gflops", 0.0);
      t += dg > 0 ? fmt::format(" & {:.2f}", dg / benches[openblas]["dgemm_gflops"].get<double>()) : std::string(" & --");
    }
  }
  t += "\\\\\nprism DGEMM / bare \\texttt{dgemm\\_} (worst size)";
  for (size_t i = 0; i < dirs.size(); ++i) {
    double worst = 0;
    for (const auto& w : benches[i].value("wrapper_ratios", Json::array()))
      worst = worst == 0 ? w["ratio"].get<double>() : std::min(worst, w["ratio"].get<double>());
    t += worst > 0 ? fmt::format(" & {:.3f}", worst) : std::string(" & --");
  }
  t += "\\\\\n\\bottomrule\\end{longtable}}\n";
  return t;
}

// Observations smaller than this in magnitude are rounding-level (residuals,
// distances ~1e-15): their relative spread across backends says nothing.
constexpr double kDeviationFloor = 1e-6;

}  // namespace

std::vector<ValueDisagreement> check_value_disagreements(const std::vector<RunResult>& runs) {
  std::vector<ValueDisagreement> out;
  const auto half_width = [](const CheckResult& c) { return 0.5 * (c.ci_hi - c.ci_lo); };
  for (size_t a = 0; a < runs.size(); ++a)
    for (size_t b = a + 1; b < runs.size(); ++b)
      for (const auto& ca : runs[a].claims)
        for (const auto& cb : runs[b].claims) {
          if (ca.info.id != cb.info.id) continue;
          const auto compare = [&](const std::vector<CheckResult>& xs, const std::vector<CheckResult>& ys) {
            for (const auto& x : xs)
              for (const auto& y : ys) {
                if (x.name != y.name) continue;
                if (x.residual || y.residual) {
                  // Only the bound is claimed: both within it, or both beyond it (a verdict the claim shows).
                  const auto within = [](const CheckResult& c) { return c.value >= c.ref_lo && c.value <= c.ref_hi; };
                  if (within(x) != within(y))
                    out.push_back({ca.info.id, x.name, a, b, x.value, y.value, std::max(x.ref_hi, y.ref_hi)});
                  continue;
                }
                const double hx = half_width(x), hy = half_width(y);
                if (!std::isfinite(x.value) || !std::isfinite(y.value) || !std::isfinite(hx) || !std::isfinite(hy))
                  continue;  // undecidable in one run: nothing to compare
                // Rounding is relative to the quantity's scale, which for a value that is 0 in
                // exact arithmetic (a ratio at rank deficiency) is that of its reference interval.
                double scale = std::max(std::abs(x.value), std::abs(y.value));
                for (const double end : {x.ref_lo, x.ref_hi, y.ref_lo, y.ref_hi})
                  if (std::isfinite(end)) scale = std::max(scale, std::abs(end));
                const double tol = hx + hy + kBackendRelativeTolerance * scale;
                if (std::abs(x.value - y.value) > tol) out.push_back({ca.info.id, x.name, a, b, x.value, y.value, tol});
              }
          };
          compare(ca.checks, cb.checks);
          compare(ca.controls, cb.controls);
        }
  return out;
}

namespace {

// An interrupted run (results_from_journal) reports its complete claims only:
// say which are left out and how far each got.
std::string incomplete_note(const Json& context) {
  if (!context.contains("incomplete")) return "";
  const Json& inc = context["incomplete"];
  std::string t = fmt::format("\\noindent\\textbf{{Interrupted run}}: {} of {} runs journaled. ",
                              inc.value("journaled_runs", size_t{0}), inc.value("runs", size_t{0}));
  const std::string missing = tex_escape(incomplete_claims_text(inc));
  t += missing.empty() ? std::string("Every claim is complete.")
                       : "Left out until \\texttt{prism run -{}-resume} finishes them: " + missing + ".";
  return t + "\n\n";
}

// What each compared run measured: commit, preset, seeds, filter, shards. Runs
// that differ in any of the first four are flagged: a value that differs
// between them may come from the code or the seeds, not from the BLAS.
std::string runs_compared(const std::vector<RunResult>& runs, const std::vector<std::string>& names) {
  const auto commit = [](const Json& c) {
    return c.value("git_commit", std::string("?")).substr(0, 12) + (c.value("git_dirty", false) ? " (modified)" : "");
  };
  const auto seeds = [](const Json& c) {
    const int s = c.value("seeds", 0);
    return s > 0 ? std::to_string(s) : std::string("each claim's");
  };
  // A long filter (a list of claims) breaks after each "|".
  const auto filter = [](const Json& c) {
    std::string f = tex_escape(c.value("filter", std::string(".*"))), o;
    for (char ch : f) o += ch == '|' ? std::string("|\\allowbreak{}") : std::string(1, ch);
    return o;
  };
  std::string t = "{\\footnotesize\\begin{longtable}{@{}lllllp{0.3\\textwidth}@{}}\\toprule\n"
                  "run & commit & preset & seeds & seed base & filter, shards\\\\\\midrule\n";
  const Json& c0 = runs.front().context;
  for (size_t r = 0; r < runs.size(); ++r) {
    const Json& c = runs[r].context;
    t += tex_escape(names[r]) + " & \\texttt{" + tex_escape(commit(c)) + "} & " + tex_escape(c.value("preset", "?")) +
         " & " + tex_escape(seeds(c)) + " & " + std::to_string(c.value("seed_base", std::uint64_t{0})) + " & \\texttt{" +
         filter(c) + "}, " + tex_escape(c.value("shard", "1/1")) + "\\\\\n";
  }
  t += "\\bottomrule\\end{longtable}}\n\n";
  const auto all_same = [&](const auto& key) {
    return std::all_of(runs.begin(), runs.end(), [&](const RunResult& r) { return key(r.context) == key(c0); });
  };
  std::string differ;
  const auto flag = [&](bool same, const char* what) {
    if (!same) differ += (differ.empty() ? "" : ", ") + std::string(what);
  };
  flag(all_same(commit), "commit");
  flag(all_same([](const Json& c) { return c.value("preset", std::string()); }), "preset");
  flag(all_same(seeds), "seeds");
  flag(all_same([](const Json& c) { return c.value("seed_base", std::uint64_t{0}); }), "seed base");
  if (!differ.empty())
    t += "\\noindent\\textbf{These runs differ in " + differ +
         "}: a value that differs between them may come from the code or the seeds rather than the BLAS.\n\n";
  return t;
}

// Relative deviation of every observation mean between folders, per claim.
std::string comparison_page(const std::vector<RunResult>& runs, const std::vector<std::string>& names,
                            const std::vector<fs::path>& dirs, bool& agree, bool& values_agree) {
  const std::vector<ValueDisagreement> off = check_value_disagreements(runs);
  values_agree = off.empty();
  std::string t = "\\section*{Comparison of " + std::to_string(runs.size()) + " runs}\n";
  t += runs_compared(runs, names);
  t += "Times are seconds per claim; deviation is the largest relative difference "
       "$|a-b|/\\max(|a|,|b|)$ of any seed-mean observation between runs, at the same sweep point, and the "
       "observation where it occurs; timings, rates and observations below " + fmt::format("{:g}", kDeviationFloor) +
       " in magnitude (rounding-level residuals, held to bounds by the checks) are left out.\n\n";
  std::string cols = "@{}l";
  for (size_t i = 0; i < runs.size(); ++i) cols += "rl";
  cols += "r@{}";
  t += "{\\footnotesize\\begin{longtable}{" + cols + "}\\toprule\nclaim";
  for (const auto& n : names) t += " & \\multicolumn{2}{c}{" + tex_escape(n) + "}";
  t += " & max dev.\\\\\n";
  for (size_t i = 0; i < runs.size(); ++i) t += " & time & verdict";
  t += " & \\\\\\midrule\n";
  std::set<std::string> ids;
  for (const auto& r : runs)
    for (const auto& c : r.claims) ids.insert(c.info.id);
  for (const auto& id : ids) {
    std::vector<const ClaimResult*> cs;
    for (const auto& r : runs) {
      const ClaimResult* f = nullptr;
      for (const auto& c : r.claims)
        if (c.info.id == id) f = &c;
      cs.push_back(f);
    }
    std::set<Verdict> verdicts;
    for (auto* c : cs)
      if (c) verdicts.insert(c->verdict);
    const bool differs = verdicts.size() > 1;
    agree &= !differs;
    double dev = 0;
    std::string dev_name;
    for (size_t a = 0; a < cs.size(); ++a)
      for (size_t b = a + 1; b < cs.size(); ++b) {
        if (!cs[a] || !cs[b]) continue;
        for (const auto& pa : cs[a]->points)
          for (const auto& pb : cs[b]->points) {
            if (pa.params != pb.params || pa.runs.empty() || pb.runs.empty()) continue;
            for (const auto& k : pa.scalar_names()) {
              if (!pb.runs.front().scalars.count(k)) continue;
              // Timings differ by design; only measured values must agree.
              if (k.find("seconds") != std::string::npos || k.find("gflops") != std::string::npos) continue;
              const double x = summarize(pa.values(k, id)).mean, y = summarize(pb.values(k, id)).mean;
              // Rounding-level quantities (residuals, distances ~1e-15) have no
              // meaningful relative spread; they are held to bounds, not compared.
              const double den = std::max(std::abs(x), std::abs(y));
              if (den >= kDeviationFloor && std::abs(x - y) / den > dev) dev = std::abs(x - y) / den, dev_name = k;
            }
          }
      }
    t += (differs ? "\\textcolor{failred}{\\textbf{" + tex_escape(id) + "}}" : tex_escape(id));
    for (auto* c : cs) {
      if (!c) { t += " & -- & --"; continue; }
      t += fmt::format(" & {:.1f} & ", c->seconds) + verdict_cell(to_string(c->verdict));
    }
    // A claim measured by one run only has nothing to deviate from: no 0 that reads as agreement.
    if (std::count(cs.begin(), cs.end(), nullptr) + 1 >= static_cast<std::ptrdiff_t>(cs.size()))
      t += " & -- \\textit{\\scriptsize in one run only}\\\\\n";
    else
      t += fmt::format(" & {:.2g} {}\\\\\n", dev, dev_name.empty() ? "" : "\\texttt{\\scriptsize " + tex_escape(dev_name) + "}");
  }
  t += "\\bottomrule\\end{longtable}}\n";
  if (!agree) t += "\\textcolor{failred}{\\textbf{Verdicts differ between runs (marked in red).}}\n";
  // Every check's decided value against every other run's, within the claim's own resolution.
  t += fmt::format("\n\\noindent Decided values of the checks and controls, run against run: a difference larger "
                   "than the two confidence half-widths together plus {:g} of the larger of the values and the "
                   "reference interval's finite ends is listed here; a rounding residual (a check marked "
                   "\\texttt{{residual}}) is listed when it lies within its bound in one run and not in the other. ",
                   kBackendRelativeTolerance);
  if (off.empty()) {
    t += "None: every value agrees within that tolerance.\n";
  } else {
    t += "\\textcolor{failred}{\\textbf{" + std::to_string(off.size()) + " differ:}}\n";
    t += "{\\footnotesize\\begin{longtable}{@{}llllll@{}}\\toprule\nclaim & check & run & value & run & value "
         "(tolerance)\\\\\\midrule\n";
    for (const auto& d : off)
      t += fmt::format("{} & {} & {} & {:.6g} & {} & {:.6g} ({:.2g})\\\\\n", tex_escape(d.claim), tex_escape(d.check),
                       tex_escape(names[d.run_a]), d.a, tex_escape(names[d.run_b]), d.b, d.tolerance);
    t += "\\bottomrule\\end{longtable}}\n";
  }
  t += bench_table(runs, names, dirs);
  return t;
}

int count_pdf_pages(const fs::path& pdf) {
  FILE* p = popen(("pdfinfo '" + pdf.string() + "' 2>/dev/null").c_str(), "r");
  if (!p) return 0;
  char buf[512];
  int pages = 0;
  while (fgets(buf, sizeof buf, p))
    if (std::string(buf).rfind("Pages:", 0) == 0) pages = std::atoi(buf + 6);
  pclose(p);
  return pages;
}

}  // namespace

std::string tex_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '\\': o += "\\textbackslash{}"; break;
      case '_': case '%': case '&': case '#': case '$': case '{': case '}': o += '\\'; o += c; break;
      case '~': o += "\\textasciitilde{}"; break;
      case '^': o += "\\textasciicircum{}"; break;
      case '<': o += "\\textless{}"; break;
      case '>': o += "\\textgreater{}"; break;
      default: o += c;
    }
  }
  return o;
}

bool latex_log_asks_for_rerun(const std::string& log) {
  return log.find("Rerun to get") != std::string::npos || log.find("Rerun LaTeX") != std::string::npos;
}

std::vector<std::string> folder_names(const std::vector<fs::path>& folders, const std::vector<std::string>& suffixes) {
  std::vector<std::vector<std::string>> parts;  // each folder's path components, root first
  for (const auto& f : folders) {
    std::vector<std::string> p;
    for (const auto& c : fs::absolute(f).lexically_normal())
      if (!c.empty() && c != c.root_directory()) p.push_back(c.string());
    parts.push_back(p);
  }
  std::vector<size_t> depth(folders.size(), 1);
  const auto name = [&](size_t i) {
    const std::vector<std::string>& p = parts[i];
    std::string s;
    for (size_t k = p.size() - std::min(depth[i], p.size()); k < p.size(); ++k) s += (s.empty() ? "" : "/") + p[k];
    return s + (i < suffixes.size() ? suffixes[i] : "");
  };
  for (bool longer = true; longer;) {  // ends: every pass lengthens a name or none is left to lengthen
    longer = false;
    for (size_t i = 0; i < folders.size(); ++i)
      for (size_t j = i + 1; j < folders.size(); ++j)
        if (name(i) == name(j))
          for (size_t k : {i, j})
            if (depth[k] < parts[k].size()) ++depth[k], longer = true;
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < folders.size(); ++i) out.push_back(name(i));
  return out;
}

ReportOutcome write_report(const ReportOptions& opt) {
  if (opt.inputs.empty()) throw InputError("prism report", "no result folder given", "prism report DIR [DIR...]");
  std::vector<RunResult> runs;
  std::vector<std::string> backends;
  for (const auto& d : opt.inputs) {
    runs.push_back(read_results(d));
    const Json blas = runs.back().context.value("blas", Json::object());
    backends.push_back(blas.contains("backend") ? " (" + blas["backend"].get<std::string>() + ")" : "");
  }
  const std::vector<std::string> names = folder_names(opt.inputs, backends);
  ReportOutcome outcome;
  outcome.pdf = opt.out.empty() ? opt.inputs.front() / "report.pdf" : opt.out;
  const fs::path tex_dir = outcome.pdf.parent_path().empty() ? fs::path(".") : outcome.pdf.parent_path();
  const fs::path work = tex_dir / "report-tex";
  fs::remove_all(work);  // a stale .aux from another report would feed this one; start clean
  fs::create_directories(work);
  outcome.tex = work / (outcome.pdf.stem().string() + ".tex");

  std::string t = preamble();
  const Json& ctx0 = runs.front().context;
  t += "\\pdfbookmark[0]{Summary}{summary}\n{\\LARGE\\textbf{prism: interpolation claims, measured}}\\par\\medskip\n";
  t += "{\\small Preset \\texttt{" + tex_escape(ctx0.value("preset", "?")) + "}, commit \\texttt{" +
       tex_escape(ctx0.value("git_commit", "?").substr(0, 12)) + "}" + (ctx0.value("git_dirty", false) ? " (modified)" : "") +
       (ctx0.contains("incomplete") ? ", an interrupted run reported " + tex_escape(ctx0.value("reported", "?"))
                                    : ", started " + tex_escape(ctx0.value("started", "?"))) +
       ",\\\\ BLAS \\texttt{" +
       tex_escape(ctx0.value("blas", Json::object()).value("library", "?")) + "}.}\\par\n";
  t += "Each claim of Belkin, \\emph{Fit without fear} (Acta Numerica 2021) and the lectures built on it is measured "
       "over seeds and checked against reference values whose provenance is given with each check. "
       "A check passes when the confidence interval ("+ fmt::format("{:.0f}", 95.0) +"\\%, Student $t$ over seeds) lies inside the reference "
       "interval, fails when it lies outside, and is inconclusive otherwise. Every claim has a negative control: the "
       "same check on a setting where the claim must not hold; it must fail.\n\n";
  t += reproduction_table(runs.front());
  for (size_t r = 0; r < runs.size(); ++r) {
    if (runs.size() > 1) t += "\\subsection*{Summary: " + tex_escape(names[r]) + "}\n";
    else t += "\\subsection*{Summary}\n";
    t += "{\\footnotesize\\begin{longtable}{@{}p{0.18\\textwidth}p{0.36\\textwidth}llll@{}}\\toprule\n"
         "claim & source & checks & verdict & controls & time [s]\\\\\\midrule\n";
    for (const auto& c : runs[r].claims) t += summary_row(c);
    t += "\\bottomrule\\end{longtable}}\n";
    t += incomplete_note(runs[r].context);
  }
  if (runs.size() > 1) {
    t += "\\clearpage\n\\pdfbookmark[0]{Comparison}{comparison}\n" + comparison_page(runs, names, opt.inputs, outcome.verdicts_agree, outcome.values_agree);
  }
  for (size_t r = 0; r < runs.size(); ++r) {
    // With several runs, the claim pages of the first one are drawn.
    if (r > 0) break;
    for (const auto& c : runs[r].claims) {
      const std::string& id = c.info.id;
      t += "\\clearpage\n\\section*{\\hypertarget{claim:" + id + "}{}" + tex_escape(id) + ": " + tex_escape(c.info.title) +
           "}\\bookmark[dest=claim:" + id + "]{" + tex_escape(id) + "}\n";
      t += "{\\small\\textbf{Source:} " + tex_escape(c.info.source) + "\\\\ \\textbf{Claim:} " + tex_escape(c.info.statement) +
           "\\\\ \\textbf{Verdict:} " + verdict_cell(to_string(c.verdict)) + " --- " + tex_escape(c.verdict_reason) +
           fmt::format(" ({:.1f} s)", c.seconds) + "}\n\n";
      for (const auto& fig : c.info.figures) t += figure_tex(c, fig, work, id);
      for (const auto& n : c.info.notes) t += "{\\small " + tex_escape(n) + "}\n\n";
      t += "\\subsection*{Checks}\n{\\scriptsize Reference file \\texttt{" + tex_escape(fs::path(c.info.reference_file).filename().string()) +
           "}: " + tex_escape(c.info.reference_source) + "}\n" + checks_table(c.checks, false);
      t += "\\subsection*{Negative controls}\n" + checks_table(c.controls, true);
    }
  }
  for (size_t r = 0; r < runs.size(); ++r)
    t += "\\clearpage\n\\pdfbookmark[0]{Environment" + (runs.size() > 1 ? ": " + tex_escape(names[r]) : "") + "}{environment-" +
         std::to_string(r) + "}\n" + environment_page(runs[r].context, runs.size() > 1 ? names[r] : "");
  t += "\\end{document}\n";
  std::ofstream(outcome.tex) << t;
  if (!opt.compile) return outcome;

  if (std::system("command -v pdflatex >/dev/null 2>&1") != 0)
    throw InputError("pdflatex", "not installed: the report cannot be compiled",
                     "run scripts/setup (it installs TeX Live), or pass --no-report");
  // One pass normally suffices (claim_link); a log that asks for another gets it.
  const fs::path log = work / (outcome.tex.stem().string() + ".log");
  const auto text_of = [](const fs::path& file) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string cmd = "cd '" + work.string() + "' && pdflatex -interaction=nonstopmode -halt-on-error '" +
                          outcome.tex.filename().string() + "' >pdflatex.out 2>&1";
  do {
    if (std::system(cmd.c_str()) != 0)
      throw InputError(log.string(), "LaTeX failed to compile the report", "read the log; the .tex is beside it");
    ++outcome.latex_passes;
  } while (outcome.latex_passes < kMaxLatexPasses && latex_log_asks_for_rerun(text_of(log)));
  // Copied under a temporary name and renamed: OUT never holds half a PDF.
  const fs::path partial = outcome.pdf.string() + ".tmp";
  fs::copy_file(work / (outcome.tex.stem().string() + ".pdf"), partial, fs::copy_options::overwrite_existing);
  commit_file(partial, outcome.pdf);
  outcome.pages = count_pdf_pages(outcome.pdf);
  return outcome;
}

}  // namespace prism
