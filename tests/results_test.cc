// The results model on disk (src/core/results.h): a run written, read back
// and written again gives the same bytes; non-finite numbers have one encoding;
// a damaged folder is an InputError naming the file.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "src/core/error.h"
#include "src/core/results.h"
#include "tests/support/sample_run.h"
#include "tests/support/test_support.h"

namespace prism {
namespace {

namespace fs = std::filesystem;
using testing::ScratchDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every file under `a` exists under `b` with the same bytes, and no more files.
void expect_same_tree(const fs::path& a, const fs::path& b) {
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(a)) {
    if (!e.is_regular_file()) continue;
    const fs::path rel = fs::relative(e.path(), a);
    ++files;
    ASSERT_TRUE(fs::exists(b / rel)) << rel << " missing after the round trip";
    EXPECT_EQ(slurp(e.path()), slurp(b / rel)) << rel << " differs after the round trip";
  }
  size_t other = 0;
  for (const auto& e : fs::recursive_directory_iterator(b)) other += e.is_regular_file();
  EXPECT_EQ(files, other);
  EXPECT_GT(files, 3u) << "results.json, the summary CSV and the series CSVs";
}

TEST(Results, WriteReadWriteGivesIdenticalBytes) {
  ScratchDir dir("prism-results-test");
  write_results(testing::sample_run(), dir / "first");
  const RunResult back = read_results(dir / "first");
  write_results(back, dir / "second");
  expect_same_tree(dir / "first", dir / "second");
}

TEST(Results, ReadGivesBackTheModel) {
  ScratchDir dir("prism-results-test");
  const RunResult run = testing::sample_run();
  write_results(run, dir.path());
  const RunResult back = read_results(dir.path());
  ASSERT_EQ(back.claims.size(), 1u);
  const ClaimResult &a = run.claims[0], &b = back.claims[0];
  EXPECT_EQ(b.info.id, a.info.id);
  EXPECT_EQ(b.verdict, Verdict::Inconclusive);
  ASSERT_EQ(b.points.size(), a.points.size());
  for (size_t i = 0; i < a.points.size(); ++i) {
    EXPECT_EQ(b.points[i].params, a.points[i].params);
    EXPECT_EQ(b.points[i].seeds, a.points[i].seeds);
    for (size_t s = 0; s < a.points[i].runs.size(); ++s) {
      // Exact: the scalars travel as JSON numbers, the series at 17 digits.
      EXPECT_EQ(b.points[i].runs[s].scalars, a.points[i].runs[s].scalars);
      const Series &x = a.points[i].runs[s].series.at("loss"), &y = b.points[i].runs[s].series.at("loss");
      EXPECT_EQ(y.x, x.x);
      EXPECT_EQ(y.y, x.y) << "point " << i << " seed slot " << s;
    }
  }
  ASSERT_EQ(b.info.figures.size(), 2u);
  EXPECT_EQ(b.info.figures[0].bands, std::vector<std::string>{"err-bound"});
  EXPECT_EQ(b.info.figures[0].lines[1].where, Json({{"n", 7}}));
  EXPECT_TRUE(b.info.figures[1].logy);
  ASSERT_EQ(b.controls.size(), 1u);
  EXPECT_EQ(b.controls[0].why, a.controls[0].why);
  EXPECT_EQ(b.controls[0].applies, "err-bound");
  EXPECT_EQ(b.checks[1].seeds_needed, 7);
  EXPECT_FALSE(b.checks[0].residual);
  EXPECT_TRUE(b.checks[2].residual);
}

TEST(Results, NonFiniteNumbersHaveOneEncoding) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(encode_number(kInf), Json("inf"));
  EXPECT_EQ(encode_number(-kInf), Json("-inf"));
  EXPECT_EQ(encode_number(std::nan("")), Json("nan"));
  EXPECT_EQ(encode_number(0.25), Json(0.25));
  EXPECT_EQ(decode_number("inf", "x"), kInf);
  EXPECT_EQ(decode_number("-inf", "x"), -kInf);
  EXPECT_TRUE(std::isnan(decode_number("nan", "x")));
  PRISM_EXPECT_THROW_WITH(decode_number("infinity", "results.json"), InputError, "results.json", "infinity");
  PRISM_EXPECT_THROW_WITH(decode_number(Json(), "results.json"), InputError, "null");

  // In the file: the one-seed point's interval and the one-sided reference
  // are strings, and no null stands for a number anywhere.
  ScratchDir dir("prism-results-test");
  const std::string text = slurp(write_results(testing::sample_run(), dir.path()));
  EXPECT_NE(text.find("\"-inf\""), std::string::npos);
  EXPECT_NE(text.find("\"inf\""), std::string::npos);
  EXPECT_EQ(text.find("null"), std::string::npos) << text.substr(0, 2000);
}

TEST(Results, MissingOrDamagedFilesNameTheFile) {
  ScratchDir dir("prism-results-test");
  PRISM_EXPECT_THROW_WITH(read_results(dir / "nowhere"), InputError, "results.json", "prism run");

  dir.write("corrupt/results.json", "{\"claims\": [");
  PRISM_EXPECT_THROW_WITH(read_results(dir / "corrupt"), InputError, (dir / "corrupt/results.json").string());

  write_results(testing::sample_run(), dir / "lost-series");
  fs::remove(dir / "lost-series/data/sample-claim/loss-p0.csv");
  PRISM_EXPECT_THROW_WITH(read_results(dir / "lost-series"), InputError, "loss-p0.csv", "missing");

  write_results(testing::sample_run(), dir / "short-row");
  dir.write("short-row/data/sample-claim/loss-p1.csv", "x,seed1,seed2\n0,1\n");
  PRISM_EXPECT_THROW_WITH(read_results(dir / "short-row"), InputError, "loss-p1.csv", "2 cells, expected 3");

  write_results(testing::sample_run(), dir / "bad-verdict");
  std::string text = slurp(dir / "bad-verdict/results.json");
  text.replace(text.find("\"inconclusive\""), 14, "\"maybe\"");
  dir.write("bad-verdict/results.json", text);
  PRISM_EXPECT_THROW_WITH(read_results(dir / "bad-verdict"), InputError, "unknown verdict 'maybe'");
}

TEST(Results, ShardOfReadsTheContext) {
  RunResult r;
  r.context["shard"] = "2/3";
  EXPECT_EQ(shard_of(r), std::make_pair(2, 3));
  EXPECT_TRUE(is_shard(r));
  r.context["shard"] = "1/1";
  EXPECT_FALSE(is_shard(r));
  r.context["shard"] = "merged from 3 shards";
  EXPECT_FALSE(is_shard(r));
}

TEST(WhereMatches, OneMatcherForChecksAndFigures) {
  const Json params = {{"n", 100}, {"ratio", 4.0}, {"method", "gd"}};
  EXPECT_TRUE(where_matches(params, Json::object()));
  EXPECT_TRUE(where_matches(params, {{"n", 100.0}}));                    // an integer equals its double
  EXPECT_TRUE(where_matches(params, {{"ratio", 4.0 * (1 + 1e-13)}}));    // within 1e-12 relative
  EXPECT_FALSE(where_matches(params, {{"ratio", 4.0 * (1 + 1e-11)}}));
  EXPECT_FALSE(where_matches(params, {{"method", "sgd"}}));
  EXPECT_FALSE(where_matches(params, {{"batch", 1}}));                    // a key the point lacks
  EXPECT_FALSE(where_matches(params, {{"n", "100"}}));                    // a string is not a number
}

}  // namespace
}  // namespace prism
