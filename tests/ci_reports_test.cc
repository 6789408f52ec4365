// JUnit XML and the Markdown summary, on the hand-made run: the XML validates
// against tests/junit.xsd (xmllint), holds one testcase per check and control
// with the right outcome, and escapes what XML must; the summary has a row per
// claim with its counts.
#include "reports/ci_reports.h"

#include <cstdlib>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "src/core/atomic_file.h"
#include "tests/support/sample_run.h"
#include "tests/support/test_support.h"

namespace prism {
namespace {

using testing::ScratchDir;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// xmllint --schema: 0 when the document is valid.
int validate(const std::filesystem::path& xml) {
  const std::string cmd = "xmllint --noout --schema '" + std::string(PRISM_SOURCE_DIR) + "/tests/junit.xsd' '" +
                          xml.string() + "' 2>/dev/null";
  return std::system(cmd.c_str());
}

TEST(JunitXml, ValidatesAgainstTheSchemaWithOneTestcasePerCheckAndControl) {
  ScratchDir dir("prism-ci-reports-test");
  const RunResult run = testing::sample_run();
  const std::string xml = junit_xml(run);
  write_file_atomically(dir / "j.xml", xml);
  EXPECT_EQ(validate(dir / "j.xml"), 0) << xml;
  size_t expected = 0;
  for (const auto& c : run.claims) expected += c.checks.size() + c.controls.size();
  EXPECT_EQ(count(xml, "<testcase "), expected);
  // The sample: one check passes, one is inconclusive, the control fails (as it must).
  EXPECT_EQ(count(xml, "<failure "), 1u) << xml;
  EXPECT_NE(xml.find("type=\"inconclusive\""), std::string::npos);
  EXPECT_NE(xml.find("about 7 seeds would decide it"), std::string::npos);
  EXPECT_NE(xml.find("the control fails its check, as it must"), std::string::npos);
}

TEST(JunitXml, ASchemaViolationIsCaught) {
  // The validator itself can fail: a testcase without its classname is rejected.
  ScratchDir dir("prism-ci-reports-test");
  std::string xml = junit_xml(testing::sample_run());
  xml = std::regex_replace(xml, std::regex(" classname=\"[^\"]*\""), "", std::regex_constants::format_first_only);
  write_file_atomically(dir / "bad.xml", xml);
  EXPECT_NE(validate(dir / "bad.xml"), 0);
}

TEST(JunitXml, EscapesMarkupInNamesAndMessages) {
  ScratchDir dir("prism-ci-reports-test");
  RunResult run = testing::sample_run();
  run.claims[0].checks[0].source = "a < b & \"c\" > 'd'";
  const std::string xml = junit_xml(run);
  write_file_atomically(dir / "j.xml", xml);
  EXPECT_EQ(validate(dir / "j.xml"), 0);
  EXPECT_NE(xml.find("a &lt; b &amp; &quot;c&quot; &gt; &apos;d&apos;"), std::string::npos);
}

TEST(SummaryMarkdown, HasARowPerClaimWithItsCounts) {
  const RunResult run = testing::sample_run();
  const std::string md = summary_markdown(run);
  EXPECT_NE(md.find("| " + std::string(testing::kSampleClaim) + " | **inconclusive** | 2/3 | 1/1 |"), std::string::npos)
      << md;
  EXPECT_NE(md.find("0 of 1 claims verified"), std::string::npos) << md;
}

}  // namespace
}  // namespace prism
