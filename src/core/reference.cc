#include "src/core/reference.h"

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>

#include "src/core/checks.h"
#include "src/core/error.h"

namespace prism {
namespace {

const std::set<std::string> kCommon = {"name", "kind", "source", "where", "presets", "published"};

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

// ---- the field table: every field of every kind, with its type -------------

// Parses one field's JSON value into CheckParams; `fail(what)` throws naming the check.
using FieldSetter = std::function<void(CheckParams&, const Json&, const std::function<void(const std::string&)>&)>;

FieldSetter number(std::optional<double> CheckParams::*m) {
  return [m](CheckParams& p, const Json& v, const auto& fail) {
    if (!v.is_number()) fail("must be a number");
    p.*m = v.get<double>();
  };
}
FieldSetter name(std::string CheckParams::*m) {
  return [m](CheckParams& p, const Json& v, const auto& fail) {
    if (!v.is_string() || v.get<std::string>().empty()) fail("must name a measured quantity or parameter");
    p.*m = v.get<std::string>();
  };
}
FieldSetter flag(std::optional<bool> CheckParams::*m) {
  return [m](CheckParams& p, const Json& v, const auto& fail) {
    if (!v.is_boolean()) fail("must be true or false");
    p.*m = v.get<bool>();
  };
}
// `window` is an interval [lo, hi]; `slopes` is (before, after) the knee,
// typically decreasing (1 then 0), so only the window is ordered.
FieldSetter pair(std::optional<std::array<double, 2>> CheckParams::*m, bool ordered) {
  return [m, ordered](CheckParams& p, const Json& v, const auto& fail) {
    if (!(v.is_array() && v.size() == 2 && v[0].is_number() && v[1].is_number() &&
          (!ordered || v[0].get<double>() <= v[1].get<double>())))
      fail(ordered ? "must be [lo, hi] with lo <= hi" : "must be a pair of numbers");
    p.*m = std::array<double, 2>{v[0].get<double>(), v[1].get<double>()};
  };
}
FieldSetter name_or_number(std::optional<NameOrNumber> CheckParams::*m, const char* what) {
  return [m, what](CheckParams& p, const Json& v, const auto& fail) {
    if (v.is_number()) p.*m = NameOrNumber{"", v.get<double>()};
    else if (v.is_string() && !v.get<std::string>().empty()) p.*m = NameOrNumber{v.get<std::string>(), 0};
    else fail(what);
  };
}
FieldSetter choice(std::string CheckParams::*m, std::string key, std::vector<std::string> choices) {
  return [m, key, choices](CheckParams& p, const Json& v, const auto& fail) {
    const std::string s = v.is_string() ? v.get<std::string>() : "";
    if (std::find(choices.begin(), choices.end(), s) == choices.end())
      fail(fmt::format("{} must be \"{}\"", key, fmt::join(choices, "\" or \"")));
    p.*m = s;
  };
}

const std::map<std::string, FieldSetter>& field_table() {
  using P = CheckParams;
  static const std::map<std::string, FieldSetter> t = {
      {"measured", name(&P::measured)},
      {"x", name(&P::x)},
      {"y", name(&P::y)},
      {"series", name(&P::series)},
      {"expected_se", name(&P::expected_se)},
      {"min", number(&P::min)},
      {"max", number(&P::max)},
      {"value", number(&P::value)},
      {"rtol", number(&P::rtol)},
      {"atol", number(&P::atol)},
      {"min_r2", number(&P::min_r2)},
      {"slack", number(&P::slack)},
      {"from", number(&P::from)},
      {"fit_from", number(&P::fit_from)},
      {"fit_to", number(&P::fit_to)},
      {"sigmas", number(&P::sigmas)},
      {"window", pair(&P::window, true)},
      {"slopes", pair(&P::slopes, false)},
      {"expected", name_or_number(&P::expected, "expected must name an observation or be a number")},
      {"relative_to", name_or_number(&P::relative_to, "relative_to must name an observation or be a number")},
      {"logx", flag(&P::logx)},
      {"logy", flag(&P::logy)},
      {"y_ratio_to_first", flag(&P::y_ratio_to_first)},
      {"every_seed", flag(&P::every_seed)},
      {"residual", flag(&P::residual)},
      {"direction", choice(&P::direction, "direction", {"increasing", "decreasing"})},
      {"slope", choice(&P::slope, "slope", {"negative", "positive"})},
      {"transform", choice(&P::transform, "transform", {"log", "linear"})},
  };
  return t;
}

std::string kind_names() {
  std::string kinds;
  for (const auto& k : check_kinds()) kinds += " " + k.name;
  return kinds;
}

}  // namespace

const CheckSpec* ReferenceFile::find(const std::string& name) const {
  for (const auto& c : checks)
    if (c.name == name) return &c;
  for (const auto& c : controls)
    if (c.name == name) return &c.check;
  return nullptr;
}

bool CheckSpec::applies_to(const std::string& preset) const {
  if (presets.empty()) return true;
  for (const auto& p : presets)
    if (p == preset) return true;
  return false;
}

CheckSpec make_check(const Json& table, const std::string& location) {
  CheckSpec c;
  c.location = location;
  c.fields = table;
  c.name = table.value("name", std::string());
  c.kind = table.value("kind", std::string());
  c.source = table.value("source", std::string());
  const CheckKind* kind = find_check_kind(c.kind);
  if (!kind)
    throw ReferenceError(location, "check '" + c.name + "': unknown kind '" + c.kind + "'", "use one of:" + kind_names());
  if (table.contains("where")) c.where = table["where"];
  if (!c.where.is_object())
    throw ReferenceError(location, "check '" + c.name + "': where must be an inline table");
  if (table.contains("presets")) {
    if (!table["presets"].is_array())
      throw ReferenceError(location, "check '" + c.name + "': presets must be an array of strings");
    for (const auto& p : table["presets"]) {
      if (!p.is_string()) throw ReferenceError(location, "check '" + c.name + "': presets must be strings");
      c.presets.push_back(p.get<std::string>());
    }
  }
  for (const auto& key : kind->required)
    if (!table.contains(key))
      throw ReferenceError(location, "check '" + c.name + "' of kind " + c.kind + " needs '" + key + "'");
  const auto allowed = [&](const std::string& key) {
    return std::find(kind->required.begin(), kind->required.end(), key) != kind->required.end() ||
           std::find(kind->optional.begin(), kind->optional.end(), key) != kind->optional.end();
  };
  for (const auto& [key, value] : table.items()) {
    if (kCommon.count(key)) continue;
    if (!allowed(key))
      throw ReferenceError(location, "check '" + c.name + "': unknown key '" + key + "' for kind " + c.kind,
                           "remove it or fix its spelling");
    field_table().at(key)(c.params, value, [&](const std::string& what) {
      // A message that already names its field (expected ..., relative_to ...) is used as it is.
      throw ReferenceError(location, "check '" + c.name + "': " + (what.rfind(key, 0) == 0 ? what : "'" + key + "' " + what));
    });
  }
  if (table.contains("published")) {
    const Json& p = table["published"];
    const auto bad = [&](const std::string& what) {
      throw ReferenceError(location, "check '" + c.name + "': published " + what,
                           "published = { value = 0.153, printed = \"0.153\", source = \"Table 3\" } (quantity, at optional)");
    };
    if (!p.is_object()) bad("must be an inline table");
    for (const auto& [k, v] : p.items())
      if (k != "value" && k != "printed" && k != "source" && k != "quantity" && k != "at") bad("has an unknown key '" + k + "'");
    if (!p.contains("value") || !p["value"].is_number()) bad("needs a number 'value'");
    if (!p.contains("source") || !p["source"].is_string() || p["source"].get<std::string>().empty())
      bad("needs its 'source' (table, figure or log it was printed in)");
    Published pub;
    pub.value = p["value"].get<double>();
    pub.printed = p.value("printed", fmt::format("{:g}", pub.value));
    pub.source = p["source"].get<std::string>();
    pub.quantity = p.value("quantity", std::string());
    if (p.contains("at")) {
      if (!p["at"].is_object()) bad("'at' must be an inline table of sweep parameters");
      pub.at = p["at"];
    }
    c.published = pub;
  }
  if (kind->validate) kind->validate(c);
  return c;
}

std::filesystem::path reference_dir() {
  if (const char* d = std::getenv("PRISM_REFERENCE_DIR"); d && *d) {
    if (!std::filesystem::is_directory(d))
      throw ReferenceError(std::string("PRISM_REFERENCE_DIR=") + d, "no such folder",
                           "unset it (prism reads its own reference/ folder) or name a folder of <claim>.toml files");
    return d;
  }
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
      const std::string name = require_string(*t, "name", file, "a [[check]]");
      const std::string kind = require_string(*t, "kind", file, "check '" + name + "'");
      if (!find_check_kind(kind))
        throw ReferenceError(at(file, *t->get("kind")), "check '" + name + "': unknown kind '" + kind + "'",
                             "use one of:" + kind_names());
      require_string(*t, "source", file, "check '" + name + "'");
      CheckSpec c = make_check(to_json(*t, at(file, *t)), at(file, *t));
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
      Json merged = base->fields;
      merged.erase("published");  // the paper's number belongs to the check, not to its control
      const Json over = to_json(*t, loc);
      for (const auto& [key, value] : over.items()) {
        if (key == "applies" || key == "why") continue;  // the control's own, not the check's
        if (key == "kind") throw ReferenceError(loc, "control '" + ctl.name + "' may not change the check's kind");
        if (key == "source" && (!value.is_string() || value.get<std::string>().empty()))
          throw ReferenceError(loc, "control '" + ctl.name + "': 'source' must be a non-empty string");
        if (key == "where") {
          if (!value.is_object()) throw ReferenceError(loc, "control '" + ctl.name + "': where must be a table");
          for (const auto& [wk, wv] : value.items()) merged["where"][wk] = wv;
        } else {
          merged[key] = value;
        }
      }
      ctl.check = make_check(merged, loc);
      if (!names.insert(ctl.name).second) throw ReferenceError(loc, "duplicate name '" + ctl.name + "'");
      ref.controls.push_back(std::move(ctl));
    }
  }
  if (ref.controls.empty())
    throw ReferenceError(file, "no [[control]] entries", "every claim needs a negative control that must fail its check");
  return ref;
}

}  // namespace prism
