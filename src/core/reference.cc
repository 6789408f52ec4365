#include "src/core/reference.h"

#include <cstdlib>
#include <map>
#include <set>

#include <toml++/toml.h>

#include "src/core/error.h"

namespace prism {
namespace {

// Required and optional keys per kind; "where", "presets", "name", "kind",
// "source" are common to all.
struct KindSchema {
  std::set<std::string> required, optional;
};

const std::map<std::string, KindSchema>& schemas() {
  static const std::map<std::string, KindSchema> s = {
      {"bound", {{"measured"}, {"min", "max"}}},
      {"band", {{"measured", "min", "max"}, {}}},
      {"close", {{"measured", "value"}, {"rtol", "atol"}}},
      {"slope", {{"x", "y", "min", "max"}, {"logx", "logy"}}},
      {"knee", {{"x", "y", "expected", "window"}, {"slopes", "y_ratio_to_first"}}},
      {"argmax", {{"x", "y", "window"}, {"relative_to"}}},
      {"monotone", {{"x", "y", "direction"}, {"slack", "from"}}},
      {"linear_fit", {{"series", "min_r2", "slope"}, {"transform", "fit_from", "fit_to"}}},
  };
  return s;
}

const std::set<std::string> kCommon = {"name", "kind", "source", "where", "presets"};

std::string at(const std::string& file, const toml::node& n) {
  return file + ":" + std::to_string(n.source().begin.line);
}

Json to_json(const toml::node& n, const std::string& loc) {
  if (auto* t = n.as_table()) {
    Json j = Json::object();
    for (auto&& [k, v] : *t) j[std::string(k.str())] = to_json(v, loc);
    return j;
  }
  if (auto* a = n.as_array()) {
    Json j = Json::array();
    for (auto&& v : *a) j.push_back(to_json(v, loc));
    return j;
  }
  if (auto v = n.value<std::int64_t>(); v && n.is_integer()) return *v;
  if (auto v = n.value<double>(); v && n.is_floating_point()) return *v;
  if (auto v = n.value<bool>(); v && n.is_boolean()) return *v;
  if (auto v = n.value<std::string>(); v && n.is_string()) return *v;
  throw ReferenceError(loc, "unsupported TOML value type (dates are not used in reference files)");
}

std::string require_string(const toml::table& t, const char* key, const std::string& file, const std::string& what) {
  const toml::node* n = t.get(key);
  if (!n) throw ReferenceError(at(file, t), what + " has no '" + key + "'", std::string("add ") + key + " = \"...\"");
  auto s = n->value<std::string>();
  if (!n->is_string() || s->empty()) throw ReferenceError(at(file, *n), std::string("'") + key + "' must be a non-empty string");
  return *s;
}

bool is_num(const Json& j) { return j.is_number(); }

void validate_fields(const CheckSpec& c, bool is_control_merge) {
  const auto& schema = schemas().at(c.kind);
  for (const auto& key : schema.required)
    if (!c.fields.contains(key))
      throw ReferenceError(c.location, "check '" + c.name + "' of kind " + c.kind + " needs '" + key + "'");
  for (const auto& [key, value] : c.fields.items()) {
    if (kCommon.count(key) || schema.required.count(key) || schema.optional.count(key)) continue;
    if (is_control_merge && (key == "applies" || key == "why")) continue;
    throw ReferenceError(c.location, "check '" + c.name + "': unknown key '" + key + "' for kind " + c.kind,
                         "remove it or fix its spelling");
  }
  const auto& f = c.fields;
  auto need_num = [&](const char* key) {
    if (f.contains(key) && !is_num(f[key]))
      throw ReferenceError(c.location, "check '" + c.name + "': '" + key + "' must be a number");
  };
  // `window` is an interval [lo, hi]; `slopes` is (before, after) the knee,
  // typically decreasing (1 then 0), so only the window is ordered.
  auto need_pair = [&](const char* key, bool ordered) {
    if (f.contains(key) && !(f[key].is_array() && f[key].size() == 2 && is_num(f[key][0]) && is_num(f[key][1]) &&
                             (!ordered || f[key][0].get<double>() <= f[key][1].get<double>())))
      throw ReferenceError(c.location, "check '" + c.name + "': '" + key + "' must be " +
                                           (ordered ? "[lo, hi] with lo <= hi" : "a pair of numbers"));
  };
  for (const char* k : {"min", "max", "value", "rtol", "atol", "min_r2", "slack", "fit_from", "fit_to"}) need_num(k);
  need_pair("window", true);
  need_pair("slopes", false);
  if (c.kind == "bound" && f.contains("min") == f.contains("max"))
    throw ReferenceError(c.location, "check '" + c.name + "': a bound has exactly one of min, max (use kind band for both)");
  if ((c.kind == "band" || c.kind == "slope") && f["min"].get<double>() > f["max"].get<double>())
    throw ReferenceError(c.location, "check '" + c.name + "': min > max");
  if (c.kind == "close" && !f.contains("rtol") && !f.contains("atol"))
    throw ReferenceError(c.location, "check '" + c.name + "': close needs rtol or atol");
  if (c.kind == "monotone") {
    const std::string d = f["direction"].is_string() ? f["direction"].get<std::string>() : "";
    if (d != "increasing" && d != "decreasing")
      throw ReferenceError(c.location, "check '" + c.name + "': direction must be \"increasing\" or \"decreasing\"");
  }
  if (c.kind == "linear_fit") {
    const std::string s = f["slope"].is_string() ? f["slope"].get<std::string>() : "";
    if (s != "negative" && s != "positive")
      throw ReferenceError(c.location, "check '" + c.name + "': slope must be \"negative\" or \"positive\"");
  }
  if (c.kind == "knee" && !(f["expected"].is_string() || is_num(f["expected"])))
    throw ReferenceError(c.location, "check '" + c.name + "': expected must name an observation or be a number");
  if (!c.where.is_object())
    throw ReferenceError(c.location, "check '" + c.name + "': where must be an inline table");
}

CheckSpec parse_check(const toml::table& t, const std::string& file) {
  CheckSpec c;
  c.location = at(file, t);
  c.name = require_string(t, "name", file, "a [[check]]");
  c.kind = require_string(t, "kind", file, "check '" + c.name + "'");
  if (!schemas().count(c.kind)) {
    std::string kinds;
    for (const auto& k : check_kinds()) kinds += " " + k;
    throw ReferenceError(at(file, *t.get("kind")), "check '" + c.name + "': unknown kind '" + c.kind + "'",
                         "use one of:" + kinds);
  }
  c.source = require_string(t, "source", file, "check '" + c.name + "'");
  c.fields = to_json(t, c.location);
  if (c.fields.contains("where")) c.where = c.fields["where"];
  if (c.fields.contains("presets")) {
    if (!c.fields["presets"].is_array())
      throw ReferenceError(c.location, "check '" + c.name + "': presets must be an array of strings");
    for (const auto& p : c.fields["presets"]) {
      if (!p.is_string()) throw ReferenceError(c.location, "check '" + c.name + "': presets must be strings");
      c.presets.push_back(p.get<std::string>());
    }
  }
  validate_fields(c, false);
  return c;
}

}  // namespace

bool CheckSpec::applies_to(const std::string& preset) const {
  if (presets.empty()) return true;
  for (const auto& p : presets)
    if (p == preset) return true;
  return false;
}

const std::vector<std::string>& check_kinds() {
  static const std::vector<std::string> k = {"bound", "band", "close", "slope",
                                             "knee", "argmax", "monotone", "linear_fit"};
  return k;
}

std::filesystem::path reference_dir() {
  if (const char* d = std::getenv("PRISM_REFERENCE_DIR"); d && *d) return d;
  return std::filesystem::path(PRISM_SOURCE_DIR) / "reference";
}

ReferenceFile load_reference(const std::filesystem::path& path) {
  const std::string file = path.string();
  if (!std::filesystem::exists(path))
    throw ReferenceError(file, "reference file not found", "every registered claim needs reference/<id>.toml");
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    throw ReferenceError(file + ":" + std::to_string(e.source().begin.line) + ":" +
                             std::to_string(e.source().begin.column),
                         std::string("TOML syntax error: ") + std::string(e.description()),
                         "fix the file (see https://toml.io for the syntax)");
  }
  ReferenceFile ref;
  ref.path = file;
  ref.id = require_string(root, "id", file, "the file");
  ref.source = require_string(root, "source", file, "the file");
  for (auto&& [k, v] : root) {
    const std::string key(k.str());
    if (key != "id" && key != "source" && key != "title" && key != "check" && key != "control" && key != "notes")
      throw ReferenceError(at(file, v), "unknown top-level key '" + key + "'", "remove it or fix its spelling");
  }
  std::set<std::string> names;
  if (auto* checks = root.get_as<toml::array>("check")) {
    for (auto&& node : *checks) {
      auto* t = node.as_table();
      if (!t) throw ReferenceError(at(file, node), "[[check]] must be a table");
      CheckSpec c = parse_check(*t, file);
      if (!names.insert(c.name).second) throw ReferenceError(c.location, "duplicate check name '" + c.name + "'");
      ref.checks.push_back(std::move(c));
    }
  }
  if (ref.checks.empty()) throw ReferenceError(file, "no [[check]] entries", "a claim with no checks verifies nothing");
  if (auto* controls = root.get_as<toml::array>("control")) {
    for (auto&& node : *controls) {
      auto* t = node.as_table();
      if (!t) throw ReferenceError(at(file, node), "[[control]] must be a table");
      ControlSpec ctl;
      const std::string loc = at(file, *t);
      ctl.name = require_string(*t, "name", file, "a [[control]]");
      ctl.applies = require_string(*t, "applies", file, "control '" + ctl.name + "'");
      ctl.why = require_string(*t, "why", file, "control '" + ctl.name + "'");
      const CheckSpec* base = nullptr;
      for (const auto& c : ref.checks)
        if (c.name == ctl.applies) base = &c;
      if (!base) throw ReferenceError(loc, "control '" + ctl.name + "' applies to unknown check '" + ctl.applies + "'");
      // The control is the same check with its overrides: the `where` tables merge.
      ctl.check = *base;
      ctl.check.name = ctl.name;
      ctl.check.location = loc;
      Json over = to_json(*t, loc);
      for (const auto& [key, value] : over.items()) {
        if (key == "name" || key == "applies" || key == "why") continue;
        if (key == "kind") throw ReferenceError(loc, "control '" + ctl.name + "' may not change the check's kind");
        if (key == "where") {
          if (!value.is_object()) throw ReferenceError(loc, "control '" + ctl.name + "': where must be a table");
          for (const auto& [wk, wv] : value.items()) ctl.check.where[wk] = wv;
          ctl.check.fields["where"] = ctl.check.where;
        } else {
          ctl.check.fields[key] = value;
        }
      }
      if (over.contains("source")) {
        if (!over["source"].is_string() || over["source"].get<std::string>().empty())
          throw ReferenceError(loc, "control '" + ctl.name + "': 'source' must be a non-empty string");
        ctl.check.source = over["source"].get<std::string>();
      }
      if (over.contains("presets")) {
        if (!over["presets"].is_array())
          throw ReferenceError(loc, "control '" + ctl.name + "': presets must be an array of strings");
        ctl.check.presets.clear();
        for (const auto& p : over["presets"]) {
          if (!p.is_string()) throw ReferenceError(loc, "control '" + ctl.name + "': presets must be strings");
          ctl.check.presets.push_back(p.get<std::string>());
        }
      }
      validate_fields(ctl.check, true);
      if (!names.insert(ctl.name).second) throw ReferenceError(loc, "duplicate name '" + ctl.name + "'");
      ref.controls.push_back(std::move(ctl));
    }
  }
  if (ref.controls.empty())
    throw ReferenceError(file, "no [[control]] entries", "every claim needs a negative control that must fail its check");
  return ref;
}

}  // namespace prism
