// Judging a measured claim: Derive, checks, controls, verdict; figure validation.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "src/core/error.h"
#include "src/core/runner.h"

namespace prism {

void require_finite(const std::string& claim, const Json& point, std::uint64_t seed, const Measurement& m) {
  const std::string where = "claim " + claim + " at " + point_label(point) + ", seed " + std::to_string(seed);
  for (const auto& [k, v] : m.scalars)
    if (!std::isfinite(v))
      throw MeasurementError(where, "measured '" + k + "' is " + fmt::format("{}", v) + ", not a finite number",
                             "this is a bug in the claim or a broken input: no check may see it");
  for (const auto& [k, s] : m.series)
    for (double v : s.y)
      if (std::isnan(v))
        throw MeasurementError(where, "series '" + k + "' contains NaN", "this is a bug in the claim or a broken input");
}

void derive_claim(const ClaimSpec& spec, ClaimResult& claim) {
  if (!spec.derive) return;
  if (claim.partial) {
    // Part of a claim: a hook that needs points which did not run (a reference
    // point, the rest of a curve) leaves the checks on its quantities unevaluated.
    try {
      spec.derive(claim.points);
    } catch (const std::exception& e) {
      claim.derive_error = e.what();
    }
  } else {
    spec.derive(claim.points);
  }
  for (const auto& p : claim.points)
    for (size_t s = 0; s < p.runs.size(); ++s) require_finite(spec.id, p.params, p.seeds[s], p.runs[s]);
}

void require_checks_for(const ReferenceFile& reference, const std::string& preset) {
  const auto applies = [&](const CheckSpec& c) { return c.applies_to(preset); };
  if (std::none_of(reference.checks.begin(), reference.checks.end(), applies))
    throw ReferenceError(reference.path, "no check applies to preset '" + preset + "'",
                         "add a check for it, or drop the preset from the claim");
  if (std::none_of(reference.controls.begin(), reference.controls.end(),
                   [&](const ControlSpec& c) { return applies(c.check); }))
    throw ReferenceError(reference.path, "no control applies to preset '" + preset + "'",
                         "every preset needs a negative control");
}

namespace {

// The paper's number beside prism's: the check's decided value, or the named
// scalar at the first selected point (narrowed by `at`).
Json published_beside(const Published& pub, const CheckSpec& c, const CheckResult& r, const std::vector<PointRuns>& points) {
  Json j = {{"value", pub.value}, {"printed", pub.printed}, {"source", pub.source}, {"quantity", pub.quantity}};
  if (pub.quantity.empty()) {
    j["quantity"] = r.quantity;
    j["measured"] = r.value;
    j["ci"] = {r.ci_lo, r.ci_hi};
    j["point"] = "";
    return j;
  }
  Json where = c.where;
  for (const auto& [k, v] : pub.at.items()) where[k] = v;
  for (const auto& p : points) {
    if (!p.matches(where) || p.runs.empty()) continue;
    const Summary s = summarize(p.values(pub.quantity, c.location));
    j["measured"] = s.mean;
    j["ci"] = {s.ci_lo, s.ci_hi};
    j["point"] = point_label(p.params);
    return j;
  }
  throw ReferenceError(c.location, "check '" + c.name + "': published.at = " + where.dump() + " selects no point of this run",
                       "fix published.at, or restrict the check with presets = [...]");
}

}  // namespace

void evaluate_claim(ClaimResult& cr, const ReferenceFile& reference, const std::string& preset) {
  require_checks_for(reference, preset);
  cr.checks.clear();
  cr.controls.clear();
  // In a partial run a check whose points did not run, or whose quantity a
  // Derive hook could not form without them, is "not evaluated": never a pass.
  const auto evaluate = [&](const CheckSpec& c) {
    if (cr.partial) {
      const bool any = std::any_of(cr.points.begin(), cr.points.end(),
                                   [&](const PointRuns& p) { return p.matches(c.where) && !p.runs.empty(); });
      CheckResult r;
      r.name = c.name, r.kind = c.kind, r.source = c.source, r.location = c.location;
      r.verdict = Verdict::NotEvaluated;
      if (!any) {
        r.detail = "not evaluated: the filter ran no point that where = " + c.where.dump() + " selects";
        return r;
      }
      try {
        return evaluate_check(c, cr.points);
      } catch (const ReferenceError& e) {
        r.detail = "not evaluated on this part of the claim: " + std::string(e.what()) +
                   (cr.derive_error.empty() ? "" : " (Derive: " + cr.derive_error + ")");
        return r;
      }
    }
    return evaluate_check(c, cr.points);
  };
  for (const auto& c : reference.checks)
    if (c.applies_to(preset)) {
      cr.checks.push_back(evaluate(c));
      if (c.published && cr.checks.back().verdict != Verdict::NotEvaluated)
        cr.checks.back().published = published_beside(*c.published, c, cr.checks.back(), cr.points);
    }
  for (const auto& ctl : reference.controls)
    if (ctl.check.applies_to(preset)) {
      CheckResult r = evaluate(ctl.check);
      r.why = ctl.why;
      r.applies = ctl.applies;
      cr.controls.push_back(std::move(r));
    }
  bool any_fail = false, any_open = false;
  size_t evaluated = 0;
  std::vector<std::string> reasons, unevaluated;
  for (const auto& c : cr.checks) {
    if (c.verdict == Verdict::Fail) any_fail = true, reasons.push_back("check " + c.name + " failed");
    if (c.verdict == Verdict::Inconclusive) any_open = true, reasons.push_back("check " + c.name + " inconclusive");
    if (c.verdict == Verdict::NotEvaluated) unevaluated.push_back("check " + c.name);
    else ++evaluated;
  }
  for (const auto& c : cr.controls) {
    if (c.verdict == Verdict::Pass)
      any_fail = true, reasons.push_back("control " + c.name + " passed: its check cannot tell");
    if (c.verdict == Verdict::Inconclusive) any_open = true, reasons.push_back("control " + c.name + " inconclusive");
    if (c.verdict == Verdict::NotEvaluated) unevaluated.push_back("control " + c.name);
  }
  cr.verdict = any_fail ? Verdict::Fail : any_open ? Verdict::Inconclusive : evaluated == 0 ? Verdict::NotEvaluated : Verdict::Pass;
  cr.verdict_reason = reasons.empty() ? (evaluated == 0 ? "no check selects a point that ran"
                                                        : "every check evaluated passed and every control evaluated failed")
                                      : fmt::format("{}", fmt::join(reasons, "; "));
  if (!unevaluated.empty())
    cr.verdict_reason = fmt::format("partial run, not evaluated: {}. {}", fmt::join(unevaluated, ", "), cr.verdict_reason);
  else if (reasons.empty())
    cr.verdict_reason = "every check passed and every control failed";
}

namespace {

std::string figure_at(const std::string& claim, const Figure& f) { return "claim " + claim + ", figure '" + f.id + "'"; }

}  // namespace

void validate_figure_bands(const ClaimSpec& spec, const ReferenceFile& reference) {
  for (const auto& f : spec.figures)
    for (const auto& band : f.bands) {
      const CheckSpec* check = reference.find(band);
      if (!check)
        throw ReferenceError(figure_at(spec.id, f), "band '" + band + "' names no check or control of " + reference.path,
                             "fix the name in the claim's Plot(...), or add the check");
      const Overlay overlay = find_check_kind(check->kind)->overlay;
      if (overlay == Overlay::None)
        throw ReferenceError(figure_at(spec.id, f), "band '" + band + "' is a " + check->kind +
                                                        " check, which has no reference interval on a figure's axes",
                             "drop the band; the check's row in the report gives its result");
      if (overlay == Overlay::SlopeWedge &&
          !(f.logx && f.logy && check->params.logx.value_or(true) && check->params.logy.value_or(true)))
        throw ReferenceError(figure_at(spec.id, f), "band '" + band + "' is a log-log slope, drawn only on log-log axes",
                             "set LogX().LogY() on the figure, or drop the band");
    }
}

void validate_figure_lines(const ClaimResult& claim) {
  std::set<std::string> scalars, series, params;
  for (const auto& p : claim.points) {
    for (const auto& [k, v] : p.params.items()) params.insert(k);
    for (const auto& run : p.runs) {
      for (const auto& [k, v] : run.scalars) scalars.insert(k);
      for (const auto& [k, v] : run.series) series.insert(k);
    }
  }
  auto fail = [&](const Figure& f, const FigureLine& l, const std::string& what, const std::set<std::string>& known) {
    throw ReferenceError(figure_at(claim.info.id, f), "line '" + l.label + "' " + what,
                         "names the claim measures here: " + fmt::format("{}", fmt::join(known, ", ")));
  };
  for (const auto& f : claim.info.figures)
    for (const auto& l : f.lines) {
      for (const auto& [k, v] : l.where.items())
        if (!params.count(k)) fail(f, l, "selects on '" + k + "', which is no sweep parameter", params);
      if (!l.series.empty()) {
        if (!series.count(l.series)) fail(f, l, "names series '" + l.series + "', which the claim does not record", series);
        continue;
      }
      if (!scalars.count(l.y)) fail(f, l, "names y = '" + l.y + "', which the claim does not measure", scalars);
      if (!scalars.count(l.x) && !params.count(l.x))
        fail(f, l, "names x = '" + l.x + "', which is neither a measured quantity nor a sweep parameter", scalars);
    }
}

bool all_verified(const RunResult& r, bool allow_inconclusive) {
  for (const auto& c : r.claims) {
    if (c.verdict == Verdict::Fail) return false;
    if ((c.verdict == Verdict::Inconclusive || c.verdict == Verdict::NotEvaluated) && !allow_inconclusive) return false;
  }
  return true;
}

}  // namespace prism
