// The check kinds of docs/design.md, evaluated on seed-repeated measurements.
//
// Each check reduces the runs it selects (`where`) to one decided quantity
// with a confidence interval and compares that interval with the reference
// interval: inside -> pass, outside -> fail, straddling -> inconclusive. A
// control is evaluated by the very same function on its own points.
#pragma once

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
  int seeds = 0;
  int seeds_needed = 0;             // for inconclusive verdicts (-1: not estimable)
  std::string detail;               // a line a reader can check by hand
  Json per_point = Json::array();   // the per-point figures behind the verdict
};

// The points of `data` that `check` selects; a `where` that selects nothing is a
// ReferenceError (a check on no data would pass vacuously).
std::vector<const PointRuns*> select_points(const CheckSpec& check, const std::vector<PointRuns>& data);

CheckResult evaluate_check(const CheckSpec& check, const std::vector<PointRuns>& data);

}  // namespace prism
