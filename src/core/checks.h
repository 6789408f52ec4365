// The check kinds, evaluated on seed-repeated measurements, and the one table
// that defines them (name, fields, rules across fields, evaluation, overlay).
//
// Each check reduces the runs it selects (`where`) to one decided quantity
// with a confidence interval and compares that interval with the reference
// interval: inside -> pass, outside -> fail, straddling -> inconclusive. A
// control is evaluated by the very same function on its own points.
// A new kind is one row of check_kinds() (and, for a new field, one line of
// the field table in reference.cc).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "src/core/claim.h"
#include "src/core/reference.h"
#include "src/core/stats.h"

namespace prism {

struct CheckResult {
  std::string name, kind, source, location;
  Verdict verdict = Verdict::Inconclusive;
  std::string quantity;             // what was decided, in words
  double value = 0;                 // its mean
  double ci_lo = 0, ci_hi = 0;      // and confidence interval
  double ref_lo = 0, ref_hi = 0;    // the reference interval it was held against
  bool residual = false;            // a rounding residual: only its bound is claimed (CheckParams)
  int seeds = 0;
  int seeds_needed = 0;             // for inconclusive verdicts (-1: not estimable)
  std::string detail;               // a line a reader can check by hand
  Json per_point = Json::array();   // the per-point figures behind the verdict
  // Controls only: the check it applies, and why it must fail.
  std::string applies, why;
  // Checks with a published number: {value, printed, source, quantity,
  // measured, ci: [lo, hi], point} (the reproduction table); null otherwise.
  Json published;
};

// How the report draws a check's reference interval over a figure.
enum class Overlay {
  None,        // nothing to draw on the figure's axes (a knee, a location, an R^2)
  Levels,      // horizontal lines at the finite ends of [ref_lo, ref_hi]
  SlopeWedge,  // the finite limiting slopes through the first fitted point
};

using EvaluateFn = std::function<CheckResult(const CheckSpec&, const std::vector<const PointRuns*>&)>;

struct CheckKind {
  std::string name;
  std::vector<std::string> required, optional;     // fields (typed by the field table of reference.cc)
  std::function<void(const CheckSpec&)> validate;  // rules across fields; throws ReferenceError
  EvaluateFn evaluate;
  Overlay overlay = Overlay::None;
};

// The table: bound band close slope knee argmax monotone linear_fit agrees.
const std::vector<CheckKind>& check_kinds();
// The row called `name`, or null.
const CheckKind* find_check_kind(const std::string& name);

// The points of `data` that `check` selects; a `where` that selects nothing is a
// ReferenceError (a check on no data would pass vacuously).
std::vector<const PointRuns*> select_points(const CheckSpec& check, const std::vector<PointRuns>& data);

CheckResult evaluate_check(const CheckSpec& check, const std::vector<PointRuns>& data);

}  // namespace prism
