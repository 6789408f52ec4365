#include "tests/support/sample_run.h"

#include <limits>

namespace prism::testing {

RunResult sample_run() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  RunResult r;
  r.context = {{"preset", "quick"}, {"seeds", 0}, {"shard", "1/1"}, {"git_commit", "0123456789abcdef"}};
  ClaimResult c;
  c.info.id = kSampleClaim;
  c.info.title = "A sample claim";
  c.info.source = "Sample 2024, Eq. 1";
  c.info.statement = "err falls like 1/n";
  c.info.notes = {"a note"};
  c.info.reference_file = "reference/sample-claim.toml";
  c.info.reference_source = "Sample 2024";
  c.info.figures.push_back(Figure("error")
                               .Title("Error against n")
                               .Axes("n", "err")
                               .LogX()
                               .LogY()
                               .Line("measured error", "n", "err")
                               .Line("only at n = 7", "n", "err", {{"n", 7}})
                               .Band("err-bound")
                               .Caption("A caption."));
  c.info.figures.push_back(Figure("loss").Title("Loss curves").Axes("t", "L").LogY().Series("loss", "loss"));
  for (int n : {10, 100}) {
    PointRuns p;
    p.params = {{"n", n}, {"method", "gd"}};
    p.seeds = {1, 2};
    for (std::uint64_t s : p.seeds) {
      Measurement m;
      m.set("err", 1.0 / n + 0.001 * static_cast<double>(s));
      m.set("tiny", 1e-300 * static_cast<double>(s));
      const size_t len = 3 + s;  // seed 2's curve is longer
      std::vector<double> t, l;
      for (size_t k = 0; k < len; ++k) t.push_back(static_cast<double>(k)), l.push_back(1.0 / (1.0 + k * n) / 3.0);
      m.add_series("loss", t, l);
      p.runs.push_back(m);
    }
    c.points.push_back(p);
  }
  PointRuns single;
  single.params = {{"n", 1000}, {"method", "gd"}};
  single.seeds = {1};
  Measurement m;
  m.set("err", 0.001);
  m.set("tiny", 1e-300);
  m.add_series("loss", {0.0, 1.0}, {1.0, 0.5});
  single.runs.push_back(m);
  c.points.push_back(single);

  CheckResult bound;
  bound.name = "err-bound";
  bound.kind = "bound";
  bound.verdict = Verdict::Pass;
  bound.quantity = "err";
  bound.value = 0.0105;
  bound.ci_lo = 0.0095;
  bound.ci_hi = 0.0115;
  bound.ref_lo = -kInf;
  bound.ref_hi = 0.05;
  bound.seeds = 2;
  bound.detail = "err at 2 point(s)";
  bound.source = "Sample 2024, Eq. 1";
  bound.location = "reference/sample-claim.toml:5";
  bound.per_point = Json::array({{{"params", {{"n", 10}}}, {"mean", 0.1015}}});
  c.checks.push_back(bound);
  CheckResult open = bound;
  open.name = "err-open";
  open.verdict = Verdict::Inconclusive;
  open.ci_lo = -kInf;
  open.ci_hi = kInf;
  open.seeds_needed = 7;
  c.checks.push_back(open);
  CheckResult residual = bound;
  residual.name = "solve-residual";
  residual.quantity = "residual";
  residual.value = residual.ci_lo = residual.ci_hi = 3e-13;
  residual.ref_hi = 1e-6;
  residual.residual = true;
  c.checks.push_back(residual);
  CheckResult control = bound;
  control.name = "err-control";
  control.verdict = Verdict::Fail;
  control.ref_hi = 1e-4;
  control.applies = "err-bound";
  control.why = "a bound 100 times tighter must fail";
  c.controls.push_back(control);
  c.verdict = Verdict::Inconclusive;
  c.verdict_reason = "check err-open inconclusive";
  c.seconds = 1.25;
  r.claims.push_back(c);
  r.benchmark_runs = Json::array({{{"name", "claim/sample-claim/n=10/seed:1"}, {"real_time", 1.5}}});
  return r;
}

}  // namespace prism::testing
