#include "src/core/results.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <limits>

#include <fmt/format.h>

#include "src/core/atomic_file.h"
#include "src/core/error.h"
#include "src/core/stats.h"

namespace prism {
namespace fs = std::filesystem;

namespace {

Json figure_to_json(const Figure& f) {
  Json jf = {{"id", f.id},     {"title", f.title}, {"xlabel", f.xlabel},   {"ylabel", f.ylabel},
             {"logx", f.logx}, {"logy", f.logy},   {"bands", f.bands},     {"caption", f.caption},
             {"legend", f.legend}, {"lines", Json::array()}};
  for (const auto& l : f.lines)
    jf["lines"].push_back({{"label", l.label}, {"x", l.x}, {"y", l.y}, {"series", l.series}, {"where", l.where}});
  return jf;
}

Figure figure_from_json(const Json& j) {
  Figure f(j.at("id").get<std::string>());
  f.Title(j.at("title")).Axes(j.at("xlabel"), j.at("ylabel")).LogX(j.at("logx")).LogY(j.at("logy"));
  f.Caption(j.value("caption", "")).Legend(j.value("legend", "north east"));
  for (const auto& b : j.at("bands")) f.Band(b);
  for (const auto& l : j.at("lines"))
    f.lines.push_back({l.at("label"), l.at("x"), l.at("y"), l.at("series"), l.at("where")});
  return f;
}

// data/<claim>/<series>-p<i>.csv: x, then one column per seed, a seed's
// column blank past its own length.
void write_series_csv(const fs::path& file, const PointRuns& p, const std::string& name) {
  std::ostringstream sc;
  sc << "x";
  for (auto seed : p.seeds) sc << ",seed" << seed;
  sc << "\n";
  size_t len = 0;
  for (const auto& run : p.runs) len = std::max(len, run.series.at(name).x.size());
  for (size_t k = 0; k < len; ++k) {
    const Series* longest = nullptr;
    for (const auto& run : p.runs)
      if (run.series.at(name).x.size() > k) longest = &run.series.at(name);
    sc << fmt::format("{:.17g}", longest->x[k]);
    for (const auto& run : p.runs) {
      const Series& s = run.series.at(name);
      sc << ",";
      if (k < s.y.size()) sc << fmt::format("{:.17g}", s.y[k]);
    }
    sc << "\n";
  }
  write_file_atomically(file, sc.str());
}

std::vector<Series> read_series_csv(const fs::path& file, size_t seeds) {
  std::ifstream in(file);
  if (!in) throw InputError(file.string(), "series file missing", "re-run `prism run` into this folder");
  std::vector<Series> out(seeds);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    size_t start = 0;
    for (size_t comma; (comma = line.find(',', start)) != std::string::npos; start = comma + 1)
      cells.push_back(line.substr(start, comma - start));
    cells.push_back(line.substr(start));
    if (cells.size() != seeds + 1)
      throw InputError(file.string(), fmt::format("a row has {} cells, expected {}", cells.size(), seeds + 1),
                       "re-run `prism run` into this folder");
    try {
      const double x = std::stod(cells[0]);
      for (size_t s = 0; s < seeds; ++s)
        if (!cells[s + 1].empty()) out[s].x.push_back(x), out[s].y.push_back(std::stod(cells[s + 1]));
    } catch (const std::exception&) {
      throw InputError(file.string(), "a cell is not a number: " + line, "re-run `prism run` into this folder");
    }
  }
  return out;
}

}  // namespace

ClaimInfo claim_info(const ClaimSpec& spec, const ReferenceFile& reference) {
  return {spec.id, spec.title, spec.source, spec.statement, spec.notes, spec.figures, reference.path, reference.source};
}

Json encode_number(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

double decode_number(const Json& j, const std::string& where) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const std::string s = j.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
  }
  throw InputError(where, "expected a number or \"inf\", \"-inf\", \"nan\", found " + j.dump(),
                   "re-run `prism run` into this folder");
}

Verdict verdict_from_string(const std::string& s, const std::string& where) {
  for (Verdict v : {Verdict::Pass, Verdict::Fail, Verdict::Inconclusive, Verdict::NotEvaluated})
    if (s == to_string(v)) return v;
  throw InputError(where, "unknown verdict '" + s + "'", "re-run `prism run` into this folder");
}

namespace {

// The per-point detail of a check, with its non-finite numbers encoded.
Json encode_numbers(const Json& j) {
  if (j.is_number_float()) return encode_number(j.get<double>());
  if (!j.is_structured()) return j;
  Json out = j;
  for (auto it = out.begin(); it != out.end(); ++it) *it = encode_numbers(*it);
  return out;
}

}  // namespace

Json check_to_json(const CheckResult& c) {
  Json j;
  j["name"] = c.name;
  j["kind"] = c.kind;
  j["verdict"] = to_string(c.verdict);
  j["quantity"] = c.quantity;
  j["value"] = encode_number(c.value);
  j["ci"] = {encode_number(c.ci_lo), encode_number(c.ci_hi)};
  j["reference"] = {encode_number(c.ref_lo), encode_number(c.ref_hi)};
  j["seeds"] = c.seeds;
  if (c.residual) j["residual"] = true;
  if (c.verdict == Verdict::Inconclusive) j["seeds_needed"] = c.seeds_needed;
  j["detail"] = c.detail;
  j["source"] = c.source;
  j["location"] = c.location;
  j["points"] = encode_numbers(c.per_point);
  if (!c.why.empty()) j["why"] = c.why;
  if (!c.applies.empty()) j["applies"] = c.applies;
  if (!c.published.is_null()) j["published"] = encode_numbers(c.published);
  return j;
}

CheckResult check_from_json(const Json& j, const std::string& where) {
  CheckResult c;
  c.name = j.at("name");
  c.kind = j.at("kind");
  c.verdict = verdict_from_string(j.at("verdict"), where);
  c.quantity = j.at("quantity");
  c.value = decode_number(j.at("value"), where);
  c.ci_lo = decode_number(j.at("ci").at(0), where);
  c.ci_hi = decode_number(j.at("ci").at(1), where);
  c.ref_lo = decode_number(j.at("reference").at(0), where);
  c.ref_hi = decode_number(j.at("reference").at(1), where);
  c.seeds = j.at("seeds");
  c.seeds_needed = j.value("seeds_needed", 0);
  c.residual = j.value("residual", false);
  c.detail = j.at("detail");
  c.source = j.at("source");
  c.location = j.at("location");
  c.per_point = j.at("points");
  c.why = j.value("why", "");
  c.applies = j.value("applies", "");
  c.published = j.value("published", Json());
  return c;
}

fs::path write_results(const RunResult& r, const fs::path& out) {
  fs::create_directories(out / "data");
  Json root;
  root["context"] = r.context;
  root["claims"] = Json::array();
  for (const auto& c : r.claims) {
    const ClaimInfo& info = c.info;
    Json jc;
    jc["id"] = info.id;
    jc["title"] = info.title;
    jc["source"] = info.source;
    jc["statement"] = info.statement;
    jc["reference_file"] = info.reference_file;
    jc["reference_source"] = info.reference_source;
    jc["verdict"] = to_string(c.verdict);
    jc["verdict_reason"] = c.verdict_reason;
    jc["partial"] = c.partial;
    jc["seconds"] = c.seconds;
    jc["notes"] = info.notes;
    jc["checks"] = Json::array();
    for (const auto& k : c.checks) jc["checks"].push_back(check_to_json(k));
    jc["controls"] = Json::array();
    for (const auto& k : c.controls) jc["controls"].push_back(check_to_json(k));
    jc["figures"] = Json::array();
    for (const auto& f : info.figures) jc["figures"].push_back(figure_to_json(f));
    // Observations: every scalar's seed summary at every point, and the raw values.
    jc["points"] = Json::array();
    std::ostringstream csv;
    csv << "point,params,quantity,n,mean,sd,ci_lo,ci_hi\n";
    fs::create_directories(out / "data" / info.id);
    for (size_t i = 0; i < c.points.size(); ++i) {
      const auto& p = c.points[i];
      Json jp;
      jp["index"] = i;
      jp["params"] = p.params;
      jp["seeds"] = p.seeds;
      for (const auto& name : p.scalar_names()) {
        const std::vector<double> v = p.values(name, info.reference_file);
        const Summary s = summarize(v);
        jp["observations"][name] = {{"mean", encode_number(s.mean)},
                                    {"sd", encode_number(s.sd)},
                                    {"ci", {encode_number(s.ci_lo), encode_number(s.ci_hi)}},
                                    {"n", s.n},
                                    {"values", v}};
        csv << i << ",\"" << point_label(p.params) << "\"," << name << "," << s.n << ","
            << fmt::format("{:.10g}", s.mean) << "," << fmt::format("{:.6g}", s.sd) << ","
            << fmt::format("{:.10g}", s.ci_lo) << "," << fmt::format("{:.10g}", s.ci_hi) << "\n";
      }
      if (!p.runs.empty())
        for (const auto& [sname, first] : p.runs.front().series) {
          const std::string rel = "data/" + info.id + "/" + sname + "-p" + std::to_string(i) + ".csv";
          write_series_csv(out / rel, p, sname);
          jp["series"][sname] = rel;
        }
      jc["points"].push_back(jp);
    }
    write_file_atomically(out / "data" / (info.id + ".csv"), csv.str());
    root["claims"].push_back(jc);
  }
  root["benchmarks"] = r.benchmark_runs;
  const auto path = out / "results.json";
  write_file_atomically(path, root.dump(2) + "\n");  // last: its CSVs are complete before it exists
  return path;
}

RunResult read_results(const fs::path& dir) {
  const fs::path file = dir / "results.json";
  const std::string where = file.string();
  std::ifstream in(file);
  if (!in) throw InputError(where, "no results.json here", "run `prism run --out " + dir.string() + "` first");
  RunResult r;
  try {
    const Json root = Json::parse(in);
    if (!root.contains("claims") || !root.contains("context")) throw std::runtime_error("missing 'claims' or 'context'");
    r.context = root.at("context");
    r.benchmark_runs = root.value("benchmarks", Json::array());
    for (const auto& jc : root.at("claims")) {
      ClaimResult c;
      ClaimInfo& info = c.info;
      info.id = jc.at("id");
      info.title = jc.at("title");
      info.source = jc.at("source");
      info.statement = jc.at("statement");
      info.reference_file = jc.at("reference_file");
      info.reference_source = jc.at("reference_source");
      info.notes = jc.at("notes").get<std::vector<std::string>>();
      for (const auto& f : jc.at("figures")) info.figures.push_back(figure_from_json(f));
      c.verdict = verdict_from_string(jc.at("verdict"), where);
      c.verdict_reason = jc.at("verdict_reason");
      c.partial = jc.value("partial", false);
      c.seconds = jc.at("seconds");
      for (const auto& k : jc.at("checks")) c.checks.push_back(check_from_json(k, where));
      for (const auto& k : jc.at("controls")) c.controls.push_back(check_from_json(k, where));
      for (const auto& jp : jc.at("points")) {
        PointRuns p;
        p.params = jp.at("params");
        p.seeds = jp.at("seeds").get<std::vector<std::uint64_t>>();
        p.runs.resize(p.seeds.size());
        const Json observations = jp.value("observations", Json::object());
        for (const auto& [name, obs] : observations.items()) {
          const auto values = obs.at("values").get<std::vector<double>>();
          if (values.size() != p.seeds.size())
            throw std::runtime_error(fmt::format("'{}' at point {} of '{}' has {} values for {} seeds", name,
                                                 jp.at("index").dump(), info.id, values.size(), p.seeds.size()));
          for (size_t s = 0; s < values.size(); ++s) p.runs[s].scalars[name] = values[s];
        }
        const Json series = jp.value("series", Json::object());
        for (const auto& [name, rel] : series.items()) {
          auto per_seed = read_series_csv(dir / rel.get<std::string>(), p.seeds.size());
          for (size_t s = 0; s < per_seed.size(); ++s) p.runs[s].series[name] = std::move(per_seed[s]);
        }
        c.points.push_back(std::move(p));
      }
      r.claims.push_back(std::move(c));
    }
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError(where, std::string("not a prism results file: ") + e.what(), "re-run `prism run` into this folder");
  }
  return r;
}

std::pair<int, int> shard_of(const RunResult& r) {
  const std::string s = r.context.value("shard", std::string("1/1"));
  int k = 1, n = 1;
  if (std::sscanf(s.c_str(), "%d/%d", &k, &n) != 2) return {1, 1};
  return {k, n};
}

bool is_shard(const RunResult& r) { return shard_of(r).second > 1; }

std::string incomplete_claims_text(const Json& incomplete) {
  std::string text;
  for (const auto& c : incomplete.value("claims", Json::array()))
    text += fmt::format("{}{} ({} of {} runs)", text.empty() ? "" : ", ", c.value("claim", "?"),
                        c.value("journaled_runs", 0), c.value("runs", 0));
  return text;
}

}  // namespace prism
