// The claim registry.
//
// A claim file registers one family with a builder chain, in the manner of
// Google Benchmark's BENCHMARK(fn)->Args(...):
//
//   PRISM_CLAIM("min-norm-alignment", MeasureMinNorm)
//       ->Title("GD/SGD from the origin find X^+ y")
//       ->Source("Belkin 2021 §3.8-3.9, Eq. 9")
//       ->Sweep("quick", {{{"method", "gd"}}, {{"method", "sgd"}}})
//       ->Seeds(5);
//
// The measure function maps (sweep point, seed) to a Measurement. It is a pure
// function of its RunContext: it never sees reference values, presets' bands or
// other runs. The runner turns each (point, seed) into one Google Benchmark run
// (Iterations(1)); scalars also become user counters.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/core/rng.h"

namespace prism {

using Json = nlohmann::ordered_json;

// A curve measured in one run, e.g. the loss against the iteration count.
struct Series {
  std::vector<double> x, y;
};

struct Measurement {
  std::map<std::string, double> scalars;
  std::map<std::string, Series> series;

  void set(const std::string& name, double value) { scalars[name] = value; }
  void add_series(const std::string& name, std::vector<double> x, std::vector<double> y) {
    series[name] = Series{std::move(x), std::move(y)};
  }
};

// What a measurement may see: the sweep point, the seed, the preset name.
class RunContext {
 public:
  RunContext(const Json& point, std::uint64_t seed, std::string preset)
      : point_(point), seed_(seed), preset_(std::move(preset)) {}

  const Json& point() const { return point_; }
  std::uint64_t seed() const { return seed_; }
  const std::string& preset() const { return preset_; }

  double num(const std::string& key) const;        // throws naming the key if absent
  std::string str(const std::string& key) const;
  bool has(const std::string& key) const { return point_.contains(key); }
  // An independent stream per (seed, name): data, initialisation and batches
  // draw from different streams so changing one leaves the others unchanged.
  Rng rng(std::string_view stream) const { return Rng(seed_, stream); }

 private:
  const Json& point_;
  std::uint64_t seed_;
  std::string preset_;
};

using MeasureFn = std::function<Measurement(const RunContext&)>;

// Everything measured at one sweep point: one Measurement per seed.
struct PointRuns {
  Json params;
  std::vector<std::uint64_t> seeds;
  std::vector<Measurement> runs;

  bool matches(const Json& where) const;
  // Values of a scalar across seeds; throws ReferenceError at `location` if absent.
  std::vector<double> values(const std::string& name, const std::string& location) const;
  std::vector<std::string> scalar_names() const;
};

// Runs after every point of a claim is measured and before any check: it may
// add scalars computed from several points (e.g. a speed-up t(1)/t(m) with the
// seeds of t(1) averaged first) or append derived points that checks select
// with `where`. It is measurement, not checking: no reference value enters.
using DeriveFn = std::function<void(std::vector<PointRuns>&)>;

// One line of a figure: a measured scalar `y` against `x` (a sweep parameter or
// another scalar) over the points matching `where`, or the seed-mean of series
// `series` at the matching point(s), one line per point.
struct FigureLine {
  std::string label;
  std::string x, y;       // scalar mode
  std::string series;     // series mode (x, y unused)
  Json where = Json::object();
};

struct Figure {
  std::string id, title, xlabel, ylabel;
  bool logx = false, logy = false;
  std::vector<FigureLine> lines;
  std::vector<std::string> overlay_checks;  // checks whose reference band is drawn
  std::string caption;
  std::string legend = "north east";  // pgfplots legend pos, e.g. "north west", "south west"
};

struct ClaimSpec {
  std::string id, title, source, statement;
  std::map<std::string, std::vector<Json>> sweep;  // preset -> points
  std::map<std::string, int> seeds;                // preset -> default seed count
  MeasureFn measure;
  DeriveFn derive;                                 // optional
  std::vector<Figure> figures;
  std::vector<std::string> notes;                  // printed beside the figure
  std::vector<std::string> presets() const;
  int seeds_for(const std::string& preset) const;
};

// Builder returned by PRISM_CLAIM; every setter returns `this` for chaining.
class Claim {
 public:
  explicit Claim(ClaimSpec* spec) : spec_(spec) {}
  Claim* Title(std::string s);
  Claim* Source(std::string s);
  Claim* Statement(std::string s);
  Claim* Sweep(const std::string& preset, std::vector<Json> points);
  Claim* Seeds(int n);                                   // every preset
  Claim* Seeds(const std::string& preset, int n);
  Claim* Plot(Figure f);
  Claim* Note(std::string s);
  Claim* Derive(DeriveFn fn);

 private:
  ClaimSpec* spec_;
};

class ClaimRegistry {
 public:
  static ClaimRegistry& instance();
  Claim* add(std::string id, MeasureFn fn);
  // Claims sorted by id; specs live as long as the program.
  std::vector<const ClaimSpec*> claims() const;
  const ClaimSpec* find(const std::string& id) const;

 private:
  std::vector<std::unique_ptr<ClaimSpec>> specs_;
};

inline Claim* RegisterClaim(std::string id, MeasureFn fn) {
  return ClaimRegistry::instance().add(std::move(id), std::move(fn));
}

}  // namespace prism

#define PRISM_CONCAT_INNER(a, b) a##b
#define PRISM_CONCAT(a, b) PRISM_CONCAT_INNER(a, b)
#define PRISM_CLAIM(id, fn) \
  static ::prism::Claim* PRISM_CONCAT(prism_claim_, __LINE__) [[maybe_unused]] = ::prism::RegisterClaim(id, fn)
