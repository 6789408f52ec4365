// The claim registry.
//
// A claim file registers one family with a builder chain, in the manner of
// Google Benchmark's BENCHMARK(fn)->Args(...):
//
//   PRISM_CLAIM("min-norm-alignment", MeasureMinNorm)
//       ->Title("GD/SGD from the origin find X^+ y")
//       ->Source("Belkin 2021 §3.8-3.9, Eq. 9")
//       ->Sweep("quick", {{{"method", "gd"}}, {{"method", "sgd"}}})
//       ->Seeds(5)
//       ->Plot(Figure("distance").Axes("step", "||w - X^+ y||").LogY().Series("GD", "distance"));
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
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <typeindex>
#include <vector>

#include <nlohmann/json.hpp>

#include "src/core/figure.h"
#include "src/core/rng.h"

namespace prism {

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

// Seed-independent setup shared by the runs of one claim: a data set, a
// kernel matrix and its spectrum. The eviction rule, the only one: an entry is
// built at most once per share group of the claim and freed when the runner
// finishes that group. A claim's share groups are the distinct values of the
// parameters it names in ShareBy (ShareBy({}): one group for the whole claim;
// without ShareBy every point is its own group and shares nothing); the runner
// measures each group's points together, in sweep order, whatever the order of
// the sweep. Values must be pure functions of their key, so what is measured
// never depends on what was shared.
class SharedStore {
 public:
  // The value under `key`, built by `build()` (returning T) on first use.
  template <class Build>
  auto get(const std::string& key, Build&& build) -> std::shared_ptr<const decltype(build())> {
    using T = decltype(build());
    std::lock_guard<std::recursive_mutex> lock(mu_);  // recursive: a build may share its own parts
    auto it = items_.find(key);
    if (it == items_.end()) {
      std::shared_ptr<const void> v = std::make_shared<const T>(build());
      it = items_.emplace(key, Item{std::type_index(typeid(T)), std::move(v)}).first;
    } else if (it->second.type != std::type_index(typeid(T))) {
      throw std::logic_error("shared value '" + key + "' requested as two different types");
    }
    return std::static_pointer_cast<const T>(it->second.value);
  }
  void clear() {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    items_.clear();
  }
  size_t size() const {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    return items_.size();
  }

 private:
  struct Item {
    std::type_index type;
    std::shared_ptr<const void> value;
  };
  mutable std::recursive_mutex mu_;
  std::map<std::string, Item> items_;
};

// What a measurement may see: the sweep point, the seed, the preset name, and
// the claim's shared setup.
class RunContext {
 public:
  // `seeds`: every seed this run measures at this point, `seed` among them
  // (empty: just `seed`).
  RunContext(const Json& point, std::uint64_t seed, std::string preset, SharedStore* shared = nullptr,
             std::vector<std::uint64_t> seeds = {})
      : point_(point), seed_(seed), preset_(std::move(preset)), shared_(shared), seeds_(std::move(seeds)) {
    if (seeds_.empty()) seeds_.push_back(seed_);
  }

  const Json& point() const { return point_; }
  std::uint64_t seed() const { return seed_; }
  // The point's seeds in this run (after --seed-base and a max_seeds cap), in
  // order. A claim whose seeds share one expensive operation (one pass of K
  // for every seed's right-hand sides) computes them together under a shared
  // key naming them all, and each run then reads its own part.
  const std::vector<std::uint64_t>& seeds() const { return seeds_; }
  const std::string& preset() const { return preset_; }

  double num(const std::string& key) const;        // throws naming the key if absent
  std::string str(const std::string& key) const;
  bool has(const std::string& key) const { return point_.contains(key); }
  // An independent stream per (seed, name): data, initialisation and batches
  // draw from different streams so changing one leaves the others unchanged.
  Rng rng(std::string_view stream) const { return Rng(seed_, stream); }

  // Seed-independent setup under `key` (see SharedStore), built by `build()`
  // once per share group. The key must name everything the value depends on.
  // Without a store (a RunContext made by hand) it is built on every call.
  template <class Build>
  auto shared(const std::string& key, Build&& build) const -> std::shared_ptr<const decltype(build())> {
    using T = decltype(build());
    if (!shared_) return std::make_shared<const T>(build());
    return shared_->get(key, std::forward<Build>(build));
  }

 private:
  const Json& point_;
  std::uint64_t seed_;
  std::string preset_;
  SharedStore* shared_;
  std::vector<std::uint64_t> seeds_;
};

using MeasureFn = std::function<Measurement(const RunContext&)>;

// Everything measured at one sweep point: one Measurement per seed.
struct PointRuns {
  Json params;
  std::vector<std::uint64_t> seeds;
  std::vector<Measurement> runs;

  bool matches(const Json& where) const;  // where_matches(params, where)
  // Values of a scalar across seeds; throws ReferenceError at `location` if absent.
  std::vector<double> values(const std::string& name, const std::string& location) const;
  std::vector<std::string> scalar_names() const;
};

// "k1=v1,k2=v2" for messages and benchmark names ("default" for no parameters).
std::string point_label(const Json& params);

// The one `where` matcher of checks and figures: every key of `where` is a
// parameter of the point with an equal value (numbers to 1e-12 relative).
bool where_matches(const Json& params, const Json& where);

// For a check that must hold in every seed's instance ("for every pair",
// "in every subset"), from a Derive hook: writes the worst value of `quantity`
// over the point's seeds (the largest or the smallest) into every seed as
// `as`, so a bound on `as` decides on the worst instance.
enum class Worst { kLargest, kSmallest };
void record_worst_over_seeds(PointRuns& point, const std::string& quantity, Worst worst, const std::string& as);

// Runs after every point of a claim is measured and before any check: it may
// add scalars computed from several points (e.g. a speed-up t(1)/t(m) with the
// seeds of t(1) averaged first) or append derived points that checks select
// with `where`. It is measurement, not checking: no reference value enters.
using DeriveFn = std::function<void(std::vector<PointRuns>&)>;

struct ClaimSpec {
  std::string id, title, source, statement;
  std::map<std::string, std::vector<Json>> sweep;  // preset -> points
  std::map<std::string, int> seeds;                // preset -> default seed count
  MeasureFn measure;
  DeriveFn derive;                                 // optional
  // Parameters that split the share groups; none given (nullopt): the claim
  // shares no setup, so each point is a group of its own (and `--shard` may
  // deal its points to different shards).
  std::optional<std::vector<std::string>> share_by;
  // Each share group's runs in seed order (every point of a seed, then the
  // next seed) instead of point order: see Claim::SeedBySeed.
  bool seed_by_seed = false;
  std::vector<Figure> figures;
  std::vector<std::string> notes;                  // printed beside the figure
  std::vector<std::string> presets() const;
  int seeds_for(const std::string& preset) const;
  // The share group of a sweep point: its values of the share_by parameters;
  // without ShareBy, the point itself.
  Json share_group(const Json& point) const;
};

// Builder returned by PRISM_CLAIM; every setter returns `this` for chaining.
class Claim {
 public:
  explicit Claim(ClaimSpec* spec) : spec_(spec) {}
  Claim* Title(std::string s);
  Claim* Source(std::string s);
  Claim* Statement(std::string s);
  Claim* Sweep(const std::string& preset, std::vector<Json> points);  // distinct points (logic_error)
  Claim* Seeds(int n);                                   // every preset
  Claim* Seeds(const std::string& preset, int n);
  Claim* Plot(Figure f);
  Claim* Note(std::string s);
  Claim* Derive(DeriveFn fn);
  // Splits the claim's shared setup into groups by these parameters
  // (SharedStore); ShareBy({}) shares it across the whole claim. A claim that
  // uses RunContext::shared without it rebuilds the setup at every point.
  Claim* ShareBy(std::vector<std::string> params);
  // Runs each share group seed by seed: every point of the first seed, then of
  // the next. For claims whose first run of a seed computes all the seed's
  // points in one batch (double-descent: one pass over N per frequency draw),
  // so the seed's runs reach the journal together and a run that dies loses at
  // most one seed's batch; in point order every point but the first would
  // wait for the last seed, and a resumed run would redo every batch.
  Claim* SeedBySeed();

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
