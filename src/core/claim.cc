#include "src/core/claim.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace prism {

std::string point_label(const Json& p) {
  std::string s;
  for (const auto& [k, v] : p.items()) {
    if (!s.empty()) s += ",";
    s += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
  }
  return s.empty() ? "default" : s;
}

bool where_matches(const Json& params, const Json& where) {
  for (const auto& [k, v] : where.items()) {
    if (!params.contains(k)) return false;
    const Json& p = params[k];
    if (p.is_number() && v.is_number()) {
      const double x = p.get<double>(), y = v.get<double>();
      if (x != y && std::abs(x - y) > 1e-12 * std::max(std::abs(x), std::abs(y))) return false;
    } else if (p != v) {
      return false;
    }
  }
  return true;
}

bool PointRuns::matches(const Json& where) const { return where_matches(params, where); }

void record_worst_over_seeds(PointRuns& point, const std::string& quantity, Worst worst, const std::string& as) {
  if (point.runs.empty()) return;
  double w = point.runs.front().scalars.at(quantity);
  for (const auto& run : point.runs) {
    const double v = run.scalars.at(quantity);
    w = worst == Worst::kLargest ? std::max(w, v) : std::min(w, v);
  }
  for (auto& run : point.runs) run.scalars[as] = w;
}

double RunContext::num(const std::string& key) const {
  if (!point_.contains(key) || !point_[key].is_number())
    throw std::invalid_argument("sweep point " + point_.dump() + " has no numeric parameter '" + key + "'");
  return point_[key].get<double>();
}

std::string RunContext::str(const std::string& key) const {
  if (!point_.contains(key) || !point_[key].is_string())
    throw std::invalid_argument("sweep point " + point_.dump() + " has no string parameter '" + key + "'");
  return point_[key].get<std::string>();
}

std::vector<std::string> ClaimSpec::presets() const {
  std::vector<std::string> out;
  for (const auto& [name, points] : sweep) out.push_back(name);
  return out;
}

int ClaimSpec::seeds_for(const std::string& preset) const {
  auto it = seeds.find(preset);
  if (it != seeds.end()) return it->second;
  it = seeds.find("*");
  return it != seeds.end() ? it->second : 5;
}

Claim* Claim::Title(std::string s) { spec_->title = std::move(s); return this; }
Claim* Claim::Source(std::string s) { spec_->source = std::move(s); return this; }
Claim* Claim::Statement(std::string s) { spec_->statement = std::move(s); return this; }
Claim* Claim::Sweep(const std::string& preset, std::vector<Json> points) {
  // A point names its runs in the journal and, without ShareBy, its share group.
  for (size_t i = 0; i < points.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (points[i] == points[j])
        throw std::logic_error("claim " + spec_->id + ", preset " + preset + ": point " + points[i].dump() +
                               " is in the sweep twice");
  spec_->sweep[preset] = std::move(points);
  return this;
}
Claim* Claim::Seeds(int n) { spec_->seeds["*"] = n; return this; }
Claim* Claim::Seeds(const std::string& preset, int n) { spec_->seeds[preset] = n; return this; }
Claim* Claim::Plot(Figure f) { spec_->figures.push_back(std::move(f)); return this; }
Claim* Claim::Note(std::string s) { spec_->notes.push_back(std::move(s)); return this; }
Claim* Claim::Derive(DeriveFn fn) { spec_->derive = std::move(fn); return this; }
Claim* Claim::ShareBy(std::vector<std::string> params) { spec_->share_by = std::move(params); return this; }
Claim* Claim::SeedBySeed() { spec_->seed_by_seed = true; return this; }

Json ClaimSpec::share_group(const Json& point) const {
  if (!share_by) return point;  // sweep points are distinct: a group each
  Json g = Json::object();
  for (const auto& k : *share_by) g[k] = point.contains(k) ? point[k] : Json();
  return g;
}

ClaimRegistry& ClaimRegistry::instance() {
  static ClaimRegistry registry;
  return registry;
}

Claim* ClaimRegistry::add(std::string id, MeasureFn fn) {
  if (find(id)) throw std::logic_error("claim registered twice: " + id);
  auto spec = std::make_unique<ClaimSpec>();
  spec->id = std::move(id);
  spec->measure = std::move(fn);
  specs_.push_back(std::move(spec));
  // Builders are kept alive by the registry, as Google Benchmark keeps its own.
  static std::vector<std::unique_ptr<Claim>> builders;
  builders.push_back(std::make_unique<Claim>(specs_.back().get()));
  return builders.back().get();
}

std::vector<const ClaimSpec*> ClaimRegistry::claims() const {
  std::vector<const ClaimSpec*> out;
  for (const auto& s : specs_) out.push_back(s.get());
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->id < b->id; });
  return out;
}

const ClaimSpec* ClaimRegistry::find(const std::string& id) const {
  for (const auto& s : specs_)
    if (s->id == id) return s.get();
  return nullptr;
}

}  // namespace prism
