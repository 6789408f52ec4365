// reference/<claim>.toml: reference values, tolerances and their provenance.
//
// The file is the only place a claim's expected numbers live. Every check and
// every value carries a `source` (paper, section, figure, table, equation, or
// the derivation that gives the band). Parsing is strict: an unknown key, a
// missing field or a wrong type is a ReferenceError naming file and line,
// because a typo in a tolerance must never turn into a check that cannot fail.
// The fields of a check are parsed once, into CheckParams; the kinds and which
// fields each takes are the table of checks.h.
#pragma once

#include <array>
#include <filesystem>
#include <optional>
#include <optional>
#include <string>
#include <vector>

#include "src/core/claim.h"

namespace prism {

// A field that is either the name of an observation/parameter or a literal.
struct NameOrNumber {
  std::string name;  // empty: `number` holds the value
  double number = 0;
};

// Every field a check kind may take, typed. Which ones a kind requires or
// accepts is its row in check_kinds(); an absent optional is "not given".
struct CheckParams {
  std::string measured, x, y, series;          // names of measured quantities / parameters
  std::string expected_se;                     // agrees: a quantity holding the SE of `expected`
  std::optional<double> min, max, value, rtol, atol, min_r2, slack, from, fit_from, fit_to, sigmas;
  std::optional<std::array<double, 2>> window;  // [lo, hi], lo <= hi
  std::optional<std::array<double, 2>> slopes;  // (before, after) a knee
  std::optional<NameOrNumber> expected, relative_to;
  std::optional<bool> logx, logy, y_ratio_to_first, every_seed;
  // bound: the measured value is a residual that exact arithmetic (or the
  // converged algorithm) makes ~0, so its size is the backend's rounding and only
  // the bound is claimed: compare-blas judges it by the bound, not by its value.
  std::optional<bool> residual;
  std::string direction;  // monotone: "increasing" | "decreasing"
  std::string slope;      // linear_fit: "negative" | "positive"
  std::string transform;  // linear_fit: "log" (default) | "linear"
};

// A number as the paper printed it, for the report's reproduction table:
// `published = { value = 0.153, printed = "0.153", source = "EigenPro2 logs",
// quantity = "lambda_1", at = { n = 10000 } }`. Without `quantity` prism's
// side is the check's decided value and interval; with it, the seed mean and
// interval of that scalar at the first selected point (narrowed by `at`).
struct Published {
  double value = 0;
  std::string printed, source, quantity;
  Json at = Json::object();
};

struct CheckSpec {
  std::string name, kind, source;
  std::optional<Published> published;  // checks only (a control does not inherit it)
  std::vector<std::string> presets;  // empty: every preset
  Json where = Json::object();       // sweep-point filter
  Json fields = Json::object();      // the whole table as written (controls merge into it)
  CheckParams params;                // `fields`, parsed and validated
  std::string location;              // "file:line", for messages
  bool applies_to(const std::string& preset) const;
};

struct ControlSpec {
  std::string name, applies, why;
  CheckSpec check;  // the applied check with the control's overrides merged in
};

struct ReferenceFile {
  std::string id, source, path;
  std::vector<CheckSpec> checks;
  std::vector<ControlSpec> controls;
  // The check or control called `name`, or null.
  const CheckSpec* find(const std::string& name) const;
};

// A check from the keys of one [[check]] table (name, kind, source, where,
// presets and the kind's fields): validated against its kind's row of the
// table and parsed into `params`. ReferenceError at `location` otherwise.
CheckSpec make_check(const Json& table, const std::string& location);

ReferenceFile load_reference(const std::filesystem::path& file);

// reference/ beside the sources, or $PRISM_REFERENCE_DIR.
std::filesystem::path reference_dir();

}  // namespace prism
