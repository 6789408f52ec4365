// reference/<claim>.toml: reference values, tolerances and their provenance.
//
// The file is the only place a claim's expected numbers live. Every check and
// every value carries a `source` (paper, section, figure, table, equation, or
// the derivation that gives the band). Parsing is strict: an unknown key, a
// missing field or a wrong type is a ReferenceError naming file and line,
// because a typo in a tolerance must never turn into a check that cannot fail.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "src/core/claim.h"

namespace prism {

struct CheckSpec {
  std::string name, kind, source;
  std::vector<std::string> presets;  // empty: every preset
  Json where = Json::object();       // sweep-point filter
  Json fields = Json::object();      // every key of the table, for the check kind
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
};

// The names of the check kinds (docs/design.md): bound band close slope knee argmax monotone linear_fit.
const std::vector<std::string>& check_kinds();

ReferenceFile load_reference(const std::filesystem::path& file);

// reference/ beside the sources, or $PRISM_REFERENCE_DIR.
std::filesystem::path reference_dir();

}  // namespace prism
