// `prism report` over the folders of one `prism run --shard K/N` series.
#include <fmt/format.h>

#include "src/core/error.h"
#include "src/core/runner.h"

namespace prism {

RunResult merge_shards(const std::vector<std::filesystem::path>& dirs, const std::vector<RunResult>& shards) {
  const auto file = [&](size_t i) { return (dirs[i] / "results.json").string(); };
  const int count = shard_of(shards.front()).second;
  std::vector<int> slot(static_cast<size_t>(count), -1);
  for (size_t i = 0; i < shards.size(); ++i) {
    const auto [k, n] = shard_of(shards[i]);
    if (n != count)
      throw InputError(file(i), fmt::format("shard {}/{} beside shards of {}", k, n, count),
                       "merge the folders of one `prism run --shard K/N` series");
    if (slot[k - 1] >= 0)
      throw InputError(file(i), fmt::format("shard {}/{} given twice (also {})", k, n, file(slot[k - 1])),
                       "pass each shard folder once");
    slot[k - 1] = static_cast<int>(i);
    for (const char* key : {"preset", "seeds", "seed_base", "filter", "git_commit"}) {
      const Json a = shards[i].context.value(key, Json()), b = shards.front().context.value(key, Json());
      if (a != b)
        throw InputError(file(i), fmt::format("context.{} is {} but {} in {}", key, a.dump(), b.dump(), file(0)),
                         "merge the shards of one run");
    }
  }
  for (int k = 0; k < count; ++k)
    if (slot[k] < 0)
      throw InputError(file(0), fmt::format("shard {}/{} is missing", k + 1, count),
                       fmt::format("pass all {} shard folders to `prism report`", count));

  // Point i of a sweep ran in shard i % count, as its (i / count)-th point.
  const auto shard = [&](size_t point) { return static_cast<size_t>(slot[point % count]); };
  RunResult out;
  out.context = shards[shard(0)].context;
  out.context["shard"] = fmt::format("merged from {} shards", count);
  out.context["merged_from"] = Json::array();
  for (int k = 0; k < count; ++k) out.context["merged_from"].push_back(dirs[slot[k]].string());
  const std::string preset = out.context.value("preset", std::string("quick"));
  for (int k = 0; k < count; ++k)
    for (const auto& b : shards[slot[k]].benchmark_runs) out.benchmark_runs.push_back(b);

  for (const auto& first_claim : shards[shard(0)].claims) {
    const std::string& id = first_claim.info.id;
    const ClaimSpec* spec = ClaimRegistry::instance().find(id);
    if (!spec)
      throw InputError(file(shard(0)), "claim '" + id + "' is not in this prism build",
                       "merge with the build that ran the shards");
    const ReferenceFile reference = load_claim_reference(*spec);
    const auto sweep_it = spec->sweep.find(preset);
    if (sweep_it == spec->sweep.end())
      throw InputError(file(shard(0)), "claim '" + id + "' has no preset '" + preset + "' in this build",
                         "merge with the prism build that ran the shards");
    const auto& sweep = sweep_it->second;
    std::vector<const ClaimResult*> parts(static_cast<size_t>(count), nullptr);
    size_t points_in_parts = 0;
    ClaimResult cr;
    cr.info = claim_info(*spec, reference);
    for (int k = 0; k < count; ++k) {
      for (const auto& c : shards[slot[k]].claims)
        if (c.info.id == id) parts[k] = &c;
      if (!parts[k]) throw InputError(file(slot[k]), "claim '" + id + "' is missing from this shard", "re-run this shard");
      points_in_parts += parts[k]->points.size();
      cr.seconds += parts[k]->seconds;
    }
    if (points_in_parts != sweep.size())
      throw InputError(file(shard(0)), fmt::format("the shards hold {} points of '{}', this build's {} sweep has {}",
                                                   points_in_parts, id, preset, sweep.size()),
                       "merge with the build that ran the shards");
    for (size_t i = 0; i < sweep.size(); ++i) {
      const PointRuns& p = parts[i % static_cast<size_t>(count)]->points.at(i / static_cast<size_t>(count));
      if (p.params != sweep[i])
        throw InputError(file(shard(i)), fmt::format("point {} of '{}' is {}, this build's sweep has {}", i, id,
                                                     p.params.dump(), sweep[i].dump()),
                         "merge with the build that ran the shards");
      cr.points.push_back(p);
    }
    derive_claim(*spec, cr);
    evaluate_claim(cr, reference, preset);
    out.claims.push_back(std::move(cr));
  }
  return out;
}

}  // namespace prism
