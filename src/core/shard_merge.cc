// `prism report` over the folders of one `prism run --shard K/N` series.
#include <algorithm>

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/core/runner.h"

namespace prism {

std::vector<std::vector<int>> shard_assignment(const std::vector<const ClaimSpec*>& specs, const std::string& preset,
                                               int count) {
  std::vector<std::vector<int>> out;
  int groups = 0;  // numbered across the run, so one-group claims spread over the shards too
  for (const ClaimSpec* spec : specs) {
    std::vector<Json> seen;  // this claim's groups, in order of first appearance
    std::vector<int> first;  // their run-wide numbers
    std::vector<int> shards;
    const auto it = spec->sweep.find(preset);
    for (const Json& point : it == spec->sweep.end() ? std::vector<Json>{} : it->second) {
      const Json g = spec->share_group(point);
      size_t k = 0;
      while (k < seen.size() && seen[k] != g) ++k;
      if (k == seen.size()) seen.push_back(g), first.push_back(groups++);
      shards.push_back(first[k] % count);
    }
    out.push_back(std::move(shards));
  }
  return out;
}

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

  // Every finished shard lists every claim of the run, in run order (claims
  // with no points on it too), so shard 1/N's list gives the order the runs
  // dealt by. An interrupted shard (results_from_journal) lists its complete
  // claims only, and every claim of the run in context.incomplete.all_claims;
  // a claim is then merged when every shard has it complete.
  const RunResult& first = shards[static_cast<size_t>(slot[0])];
  const std::string preset = first.context.value("preset", std::string("quick"));
  const auto interrupted = [](const RunResult& r) { return r.context.contains("incomplete"); };
  std::vector<std::string> ids;
  for (const auto& c : first.claims) ids.push_back(c.info.id);
  bool any_interrupted = false;
  for (const auto& r : shards)
    if (interrupted(r)) ids = r.context["incomplete"].value("all_claims", ids), any_interrupted = true;
  // Runs of claim `id` journaled on shard r and planned there.
  const auto runs_on = [&](const RunResult& r, const std::string& id) {
    std::pair<size_t, size_t> n{0, 0};
    for (const auto& c : r.claims)
      if (c.info.id == id)
        for (const auto& p : c.points) n.first += p.seeds.size(), n.second += p.seeds.size();
    if (interrupted(r))
      for (const auto& c : r.context["incomplete"].value("claims", Json::array()))
        if (c.value("claim", "") == id) n.first += c.value("journaled_runs", size_t{0}), n.second += c.value("runs", size_t{0});
    return n;
  };
  Json incomplete = Json::array();
  size_t journaled_runs = 0, planned_runs = 0;
  std::vector<const ClaimSpec*> specs;
  for (const auto& id : ids) {
    const ClaimSpec* spec = ClaimRegistry::instance().find(id);
    if (!spec)
      throw InputError(file(static_cast<size_t>(slot[0])), "claim '" + id + "' is not in this prism build",
                       "merge with the build that ran the shards");
    if (spec->sweep.find(preset) == spec->sweep.end())
      throw InputError(file(static_cast<size_t>(slot[0])), "claim '" + id + "' has no preset '" + preset + "' in this build",
                       "merge with the prism build that ran the shards");
    specs.push_back(spec);
  }
  const auto assignment = shard_assignment(specs, preset, count);
  RunResult out;
  out.context = first.context;
  out.context["shard"] = fmt::format("merged from {} shards", count);
  out.context["merged_from"] = Json::array();
  for (int k = 0; k < count; ++k) out.context["merged_from"].push_back(dirs[slot[k]].string());
  for (int k = 0; k < count; ++k)
    for (const auto& b : shards[slot[k]].benchmark_runs) out.benchmark_runs.push_back(b);

  for (size_t c = 0; c < specs.size(); ++c) {
    const ClaimSpec* spec = specs[c];
    const std::string& id = spec->id;
    const ReferenceFile reference = load_claim_reference(*spec);
    const auto& sweep = spec->sweep.at(preset);
    std::vector<const ClaimResult*> parts(static_cast<size_t>(count), nullptr);
    size_t points_in_parts = 0;
    ClaimResult cr;
    cr.info = claim_info(*spec, reference);
    for (int k = 0; k < count; ++k) {
      for (const auto& c : shards[slot[k]].claims)
        if (c.info.id == id) parts[k] = &c;
      if (!parts[k] && !interrupted(shards[slot[k]]))
        throw InputError(file(slot[k]), "claim '" + id + "' is missing from this shard", "re-run this shard");
      if (!parts[k]) continue;
      points_in_parts += parts[k]->points.size();
      cr.seconds += parts[k]->seconds;
    }
    size_t done = 0, runs = 0;
    for (const auto& r : shards) {
      const auto [journaled, planned] = runs_on(r, id);
      done += journaled, runs += planned;
    }
    journaled_runs += done, planned_runs += runs;
    if (std::find(parts.begin(), parts.end(), nullptr) != parts.end()) {  // still running on some shard
      incomplete.push_back({{"claim", id}, {"journaled_runs", done}, {"runs", runs}});
      continue;
    }
    if (points_in_parts != sweep.size())
      throw InputError(file(static_cast<size_t>(slot[0])), fmt::format("the shards hold {} points of '{}', this build's {} sweep has {}",
                                                   points_in_parts, id, preset, sweep.size()),
                       "merge with the build that ran the shards");
    std::vector<size_t> taken(static_cast<size_t>(count), 0);  // points read from each shard so far
    for (size_t i = 0; i < sweep.size(); ++i) {
      const auto k = static_cast<size_t>(assignment[c][i]);
      const ClaimResult& part = *parts[k];
      if (taken[k] >= part.points.size())
        throw InputError(file(static_cast<size_t>(slot[k])),
                         fmt::format("shard {}/{} holds {} points of '{}', this build deals it more", k + 1, count,
                                     part.points.size(), id),
                         "merge with the build that ran the shards");
      const PointRuns& p = part.points[taken[k]++];
      if (p.params != sweep[i])
        throw InputError(file(static_cast<size_t>(slot[k])), fmt::format("point {} of '{}' is {}, this build's sweep has {}", i, id,
                                                     p.params.dump(), sweep[i].dump()),
                         "merge with the build that ran the shards");
      cr.points.push_back(p);
    }
    derive_claim(*spec, cr);
    evaluate_claim(cr, reference, preset);
    out.claims.push_back(std::move(cr));
  }
  out.context.erase("incomplete");
  if (any_interrupted)
    out.context["incomplete"] = {
        {"claims", incomplete}, {"journaled_runs", journaled_runs}, {"runs", planned_runs}, {"all_claims", ids}};
  return out;
}

}  // namespace prism
