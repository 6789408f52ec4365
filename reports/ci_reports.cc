#include "reports/ci_reports.h"

#include <cmath>

#include <fmt/format.h>

namespace prism {
namespace {

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        // XML 1.0 forbids most control characters; keep tab and newline.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') out += ' ';
        else out += c;
    }
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", v);
}

// "measured 0.87 [0.85, 0.89] (3 seeds) against [0.6, inf]; source: ..."
std::string evidence(const CheckResult& c) {
  std::string s = fmt::format("{}: measured {} [{}, {}] ({} seeds) against [{}, {}]", c.quantity, number(c.value),
                              number(c.ci_lo), number(c.ci_hi), c.seeds, number(c.ref_lo), number(c.ref_hi));
  if (!c.detail.empty()) s += "; " + c.detail;
  if (!c.source.empty()) s += "; source: " + c.source;
  if (!c.why.empty()) s += "; why it must fail: " + c.why;
  return s;
}

bool testcase_passes(const CheckResult& c, bool control) {
  return control ? c.verdict == Verdict::Fail : c.verdict == Verdict::Pass;
}

void testcase(std::string& out, const std::string& claim, const CheckResult& c, bool control) {
  const std::string kind = control ? "control" : "check";
  out += fmt::format("    <testcase name=\"{}: {}\" classname=\"prism.{}.{}\" time=\"0\">\n", kind, xml_escape(c.name),
                     xml_escape(claim), kind);
  const std::string facts = evidence(c);
  if (c.verdict == Verdict::NotEvaluated) {  // part of a claim ran: neither passed nor failed
    out += fmt::format("      <skipped message=\"{}\"/>\n", xml_escape(c.detail));
  } else if (!testcase_passes(c, control)) {
    std::string type = to_string(c.verdict), message;
    if (c.verdict == Verdict::Inconclusive) {
      type = "inconclusive";
      message = c.seeds_needed > 0 ? fmt::format("inconclusive: about {} seeds would decide it", c.seeds_needed)
                                   : "inconclusive: the interval straddles the reference";
    } else if (control) {
      message = fmt::format("the control {} its check (it must fail): the check cannot tell this setting apart",
                            c.verdict == Verdict::Pass ? "passed" : "was not decided by");
    } else {
      message = "the check failed";
    }
    out += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", xml_escape(message + "; " + facts),
                       xml_escape(type), xml_escape(facts));
  }
  out += fmt::format("      <system-out>{}{}</system-out>\n",
                     control && testcase_passes(c, control) ? "the control fails its check, as it must; " : "",
                     xml_escape(facts));
  out += "    </testcase>\n";
}

}  // namespace

std::string junit_xml(const RunResult& run) {
  size_t tests = 0, failures = 0, skipped = 0;
  double seconds = 0;
  std::string suites;
  for (const auto& c : run.claims) {
    size_t n = 0, f = 0, skip = 0;
    std::string cases;
    const auto add = [&](const CheckResult& k, bool control) {
      ++n;
      if (k.verdict == Verdict::NotEvaluated) ++skip;
      else if (!testcase_passes(k, control)) ++f;
      testcase(cases, c.info.id, k, control);
    };
    for (const auto& k : c.checks) add(k, false);
    for (const auto& k : c.controls) add(k, true);
    suites += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" time=\"{:.3f}\" "
        "timestamp=\"{}\">\n",
        xml_escape(c.info.id), n, f, skip, c.seconds, xml_escape(run.context.value("started", "")));
    suites += "    <properties>\n";
    for (const auto& [name, value] : {std::pair<std::string, std::string>{"title", c.info.title},
                                      {"source", c.info.source},
                                      {"verdict", to_string(c.verdict)},
                                      {"reference", c.info.reference_file}})
      suites += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name, xml_escape(value));
    suites += "    </properties>\n" + cases + "  </testsuite>\n";
    tests += n;
    failures += f;
    skipped += skip;
    seconds += c.seconds;
  }
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"prism {}\" tests=\"{}\" failures=\"{}\" "
      "errors=\"0\" skipped=\"{}\" time=\"{:.3f}\">\n{}</testsuites>\n",
      xml_escape(run.context.value("preset", "")), tests, failures, skipped, seconds, suites);
}

std::string summary_markdown(const RunResult& run) {
  std::string md = fmt::format("## prism: {} catalog\n\n", run.context.value("preset", ""));
  md += "| claim | verdict | checks passed | controls failed (as they must) | headline: measured [CI] against reference | time |\n";
  md += "|---|---|---|---|---|---|\n";
  size_t verified = 0;
  for (const auto& c : run.claims) {
    size_t checks = 0, controls = 0;
    for (const auto& k : c.checks) checks += k.verdict == Verdict::Pass;
    for (const auto& k : c.controls) controls += k.verdict == Verdict::Fail;
    verified += c.verdict == Verdict::Pass;
    std::string headline = "-";
    if (!c.checks.empty()) {
      const CheckResult& k = c.checks.front();
      headline = fmt::format("{}: {} [{}, {}] against [{}, {}]", k.name, number(k.value), number(k.ci_lo),
                             number(k.ci_hi), number(k.ref_lo), number(k.ref_hi));
    }
    std::string cell = headline;
    for (auto& ch : cell)
      if (ch == '|') ch = '/';
    md += fmt::format("| {} | **{}** | {}/{} | {}/{} | {} | {:.1f} s |\n", c.info.id, to_string(c.verdict), checks,
                      c.checks.size(), controls, c.controls.size(), cell, c.seconds);
  }
  md += fmt::format("\n{} of {} claims verified (every check passed, every control failed). Commit {}, BLAS {}.\n",
                    verified, run.claims.size(), run.context.value("git_commit", "unknown"),
                    run.context.contains("blas") ? run.context["blas"].value("backend", run.context["blas"].value("library", "?"))
                                                 : std::string("?"));
  return md;
}

}  // namespace prism
