// reference/*.toml parsing (src/core/reference.h): a valid file with checks
// and a control, and every way a file can be wrong. Each error must be a
// ReferenceError naming the file (and the line where the parser knows it),
// because a typo in a tolerance must never become a check that cannot fail.
// Finally every real file in reference/ must load.
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/core/checks.h"
#include "src/core/error.h"
#include "src/core/reference.h"
#include "tests/support/test_support.h"

namespace prism {
namespace {

namespace fs = std::filesystem;
using ::prism::testing::ScratchDir;

// The file header every test file starts with (two lines).
constexpr const char* kHeader = "id = \"toy\"\nsource = \"Toy 2024, Eq. 1\"\n";

// A check that is valid on its own, and a control for it: appended to files
// whose error lies elsewhere.
constexpr const char* kGoodCheck = R"(
[[check]]
name = "small-error"
kind = "bound"
measured = "err"
max = 1e-6
source = "Toy Eq. 1"
)";
constexpr const char* kGoodControl = R"(
[[control]]
name = "random-start"
applies = "small-error"
where = { start = "random" }
why = "must fail"
)";

class ReferenceFileTest : public ::testing::Test {
 protected:
  ScratchDir dir_{"prism-reference-test"};
};

// ---------------------------------------------------------------- valid file

TEST_F(ReferenceFileTest, ValidFileWithChecksAndAControl) {
  const fs::path p = dir_.write("toy.toml", R"(# A toy claim.
id = "toy"
source = "Toy 2024, Eq. 1"
title = "A toy claim"

[[check]]
name = "small-error"
kind = "bound"
measured = "err"
where = { dataset = "mnist", n = 100 }
presets = ["full"]
max = 1e-6
source = "Toy Eq. 1"

[[check]]
name = "peak"
kind = "argmax"
x = "N"
y = "loss"
window = [0.9, 1.1]
source = "Toy Fig. 2"

[[control]]
name = "random-start"
applies = "small-error"
where = { dataset = "noise", start = "random" }
max = 1e-3
why = "a random start keeps its off-span part"
source = "Toy Eq. 2"

[[control]]
name = "late-peak"
applies = "peak"
why = "a shifted peak"
)");
  const ReferenceFile ref = load_reference(p);
  EXPECT_EQ(ref.id, "toy");
  EXPECT_EQ(ref.source, "Toy 2024, Eq. 1");
  EXPECT_EQ(ref.path, p.string());
  ASSERT_EQ(ref.checks.size(), 2u);
  ASSERT_EQ(ref.controls.size(), 2u);

  const CheckSpec& bound = ref.checks[0];
  EXPECT_EQ(bound.name, "small-error");
  EXPECT_EQ(bound.kind, "bound");
  EXPECT_EQ(bound.source, "Toy Eq. 1");
  EXPECT_EQ(bound.location, p.string() + ":6") << "the line of its [[check]] header";
  EXPECT_EQ(bound.where, Json({{"dataset", "mnist"}, {"n", 100}}));
  EXPECT_EQ(bound.presets, std::vector<std::string>{"full"});
  EXPECT_TRUE(bound.applies_to("full"));
  EXPECT_FALSE(bound.applies_to("quick"));
  // fields: every key of the table, common ones included.
  std::set<std::string> keys;
  for (const auto& [k, v] : bound.fields.items()) keys.insert(k);
  EXPECT_EQ(keys, (std::set<std::string>{"name", "kind", "measured", "where", "presets", "max", "source"}));
  EXPECT_EQ(bound.fields["max"].get<double>(), 1e-6);
  EXPECT_EQ(bound.fields["measured"], "err");

  const CheckSpec& peak = ref.checks[1];
  EXPECT_EQ(peak.location, p.string() + ":15");
  EXPECT_TRUE(peak.where.is_object());
  EXPECT_TRUE(peak.where.empty());
  EXPECT_TRUE(peak.presets.empty());
  EXPECT_TRUE(peak.applies_to("quick")) << "no presets: every preset";
  EXPECT_EQ(peak.fields["window"], Json({0.9, 1.1}));

  const ControlSpec& ctl = ref.controls[0];
  EXPECT_EQ(ctl.name, "random-start");
  EXPECT_EQ(ctl.applies, "small-error");
  EXPECT_EQ(ctl.why, "a random start keeps its off-span part");
  EXPECT_EQ(ctl.check.name, "random-start");
  EXPECT_EQ(ctl.check.kind, "bound");
  EXPECT_EQ(ctl.check.location, p.string() + ":23");
  // where merges key by key: dataset overridden, n kept, start added.
  const Json merged = {{"dataset", "noise"}, {"n", 100}, {"start", "random"}};
  EXPECT_EQ(ctl.check.where, merged) << ctl.check.where.dump();
  EXPECT_EQ(ctl.check.fields["where"], merged) << ctl.check.fields["where"].dump();
  // Overrides apply; everything else comes from the check.
  EXPECT_EQ(ctl.check.fields["max"].get<double>(), 1e-3);
  EXPECT_EQ(ctl.check.fields["measured"], "err");
  EXPECT_EQ(ctl.check.source, "Toy Eq. 2");
  EXPECT_EQ(ctl.check.presets, std::vector<std::string>{"full"});
  EXPECT_FALSE(ctl.check.fields.contains("applies"));
  EXPECT_FALSE(ctl.check.fields.contains("why"));
  // The check itself is untouched.
  EXPECT_EQ(ref.checks[0].where, Json({{"dataset", "mnist"}, {"n", 100}}));
  EXPECT_EQ(ref.checks[0].fields["max"].get<double>(), 1e-6);

  const ControlSpec& late = ref.controls[1];
  EXPECT_EQ(late.check.kind, "argmax");
  EXPECT_EQ(late.check.source, "Toy Fig. 2") << "a control without its own source inherits the check's";
  EXPECT_EQ(late.check.fields["window"], Json({0.9, 1.1}));
}

TEST_F(ReferenceFileTest, EveryKindLoads) {
  const fs::path p = dir_.write("kinds.toml", std::string(kHeader) + R"(
[[check]]
name = "a"
kind = "bound"
measured = "m"
min = 1
source = "s"

[[check]]
name = "b"
kind = "band"
measured = "m"
min = 1
max = 2
source = "s"

[[check]]
name = "c"
kind = "close"
measured = "m"
value = 0.153
rtol = 0.10
source = "s"

[[check]]
name = "d"
kind = "slope"
x = "n"
y = "m"
min = -0.6
max = -0.4
logx = true
source = "s"

[[check]]
name = "e"
kind = "knee"
x = "batch"
y = "iterations"
expected = "m_star"
window = [0.65, 2.6]
slopes = [1, 0]
y_ratio_to_first = true
source = "s"

[[check]]
name = "f"
kind = "argmax"
x = "N"
y = "loss"
window = [0.9, 1.1]
relative_to = "n"
source = "s"

[[check]]
name = "g"
kind = "monotone"
x = "N"
y = "norm"
direction = "decreasing"
slack = 0.05
from = 2
source = "s"

[[check]]
name = "h"
kind = "linear_fit"
series = "loss"
min_r2 = 0.98
slope = "negative"
transform = "log"
fit_from = 1e-6
fit_to = 1e-10
source = "s"

[[check]]
name = "i"
kind = "agrees"
measured = "s2"
expected = "closed_form_s2"
sigmas = 4
source = "s"

[[control]]
name = "control-of-a"
applies = "a"
min = 10
why = "w"
)");
  const ReferenceFile ref = load_reference(p);
  ASSERT_EQ(ref.checks.size(), check_kinds().size());
  for (size_t i = 0; i < ref.checks.size(); ++i) EXPECT_EQ(ref.checks[i].kind, check_kinds()[i].name);
}

// -------------------------------------------------------------------- slopes

// A knee check with `slopes = <slopes>`, and a control for it.
std::string KneeWithSlopes(const std::string& slopes) {
  return std::string(kHeader) + R"(
[[check]]
name = "knee"
kind = "knee"
x = "batch"
y = "speedup"
expected = 8.0
window = [0.65, 2.6]
source = "s"
)" + "slopes = " + slopes + "\n" + "\n[[control]]\nname = \"c\"\napplies = \"knee\"\nwhy = \"w\"\n";
}

TEST_F(ReferenceFileTest, KneeSlopesAreBeforeAndAfterNotAnInterval) {
  // slopes = (before, after) the knee: (1, 0.5) is decreasing and valid. (The
  // parser used to demand lo <= hi here, which rejected the default (1, 0).)
  // The malformed ones are rows of the BadReferenceFile table below.
  for (const std::string slopes : {"[1, 0]", "[1, 0.5]", "[0.5, 1]"}) {
    const ReferenceFile ref = load_reference(dir_.write("slopes.toml", KneeWithSlopes(slopes)));
    EXPECT_EQ(ref.checks[0].fields["slopes"].size(), 2u) << slopes;
  }
}

// ------------------------------------------------------------------- errors

TEST_F(ReferenceFileTest, MissingFile) {
  const fs::path p = dir_ / "absent.toml";
  PRISM_EXPECT_THROW_WITH(load_reference(p), ReferenceError, p.string());
}

// One way a file can be wrong. Loading `toml` must throw a ReferenceError whose
// message names the file and contains every one of `fragments`; "{file}" in a
// fragment stands for the file's path.
struct BadFile {
  std::string name;  // the test's name: .../BadReferenceFile.<test>/<name>
  std::string toml;
  std::vector<std::string> fragments;
};

// gtest prints the parameter of a failing test: its name, not its bytes.
void PrintTo(const BadFile& bad, std::ostream* os) { *os << bad.name; }

// The header, then `body`.
std::string File(const std::string& body) { return std::string(kHeader) + body; }

// An argmax check with `window = <window>`, and a control for it.
std::string PeakWithWindow(const std::string& window) {
  return File(R"(
[[check]]
name = "peak"
kind = "argmax"
x = "N"
y = "loss"
source = "s"
)") + "window = " + window + "\n" + "\n[[control]]\nname = \"c\"\napplies = \"peak\"\nwhy = \"w\"\n";
}

// A check named "small-error" with the lines `body` after its name, and kGoodControl.
std::string SmallError(const std::string& body) {
  return File("\n[[check]]\nname = \"small-error\"\n" + body) + kGoodControl;
}

// A check named "x" with the lines `body`, and a control for it.
std::string CheckX(const std::string& body) {
  return File("\n[[check]]\nname = \"x\"\n" + body + "\n[[control]]\nname = \"c\"\napplies = \"x\"\nwhy = \"w\"\n");
}

std::vector<BadFile> BadFiles() {
  const std::string check_and_control = std::string(kGoodCheck) + kGoodControl;
  return {
      // Line 7 has an unterminated string: file:line:column of the bad string.
      {"SyntaxErrorNamesFileAndLine", File(R"(
[[check]]
name = "small-error"
kind = "bound"
measured = "err
max = 1e-6
source = "Toy Eq. 1"
)"),
       {"{file}:7:", "TOML syntax error"}},
      {"SyntaxErrorMissingValue", File("\n[[check]]\nname = \"x\"\nkind = \"bound\"\nmax = \n"), {":7:", "syntax"}},
      {"UnknownKind", File(R"(
[[check]]
name = "x"
kind = "bund"
measured = "err"
max = 1
source = "s"
)") + kGoodControl,
       {":6", "unknown kind 'bund'", "bound band close slope knee argmax monotone linear_fit"}},
      // `mx` for `max`: bound has `min` or `max`, and `mx` is neither.
      {"UnknownKeyTypo", SmallError("kind = \"bound\"\nmeasured = \"err\"\nmin = 0\nmx = 1e-6\nsource = \"s\"\n"),
       {":4", "unknown key 'mx'", "small-error"}},
      {"UnknownKeyInAControl", File(check_and_control + "mx = 1e-3\n"), {"unknown key 'mx'"}},
      {"UnknownTopLevelKey", File("tittle = \"x\"\n" + check_and_control), {"unknown top-level key 'tittle'"}},
      {"MissingSource", SmallError("kind = \"bound\"\nmeasured = \"err\"\nmax = 1e-6\n"),
       {":4", "small-error", "'source'"}},
      {"EmptySource", SmallError("kind = \"bound\"\nmeasured = \"err\"\nmax = 1e-6\nsource = \"\"\n"),
       {":9", "'source' must be a non-empty string"}},
      {"MissingRequiredField", SmallError("kind = \"bound\"\nmax = 1e-6\nsource = \"s\"\n"),
       {"needs 'measured'"}},
      {"BoundWithBothMinAndMax", SmallError("kind = \"bound\"\nmeasured = \"err\"\nmin = 0\nmax = 1\nsource = \"s\"\n"),
       {"exactly one of min, max"}},
      {"BoundWithNeither", SmallError("kind = \"bound\"\nmeasured = \"err\"\nsource = \"s\"\n"),
       {"exactly one of min, max"}},
      {"BandWithMinAboveMax", SmallError("kind = \"band\"\nmeasured = \"err\"\nmin = 2\nmax = 1\nsource = \"s\"\n"),
       {"min > max"}},
      {"NumberThatIsAString", SmallError("kind = \"bound\"\nmeasured = \"err\"\nmax = \"1e-6\"\nsource = \"s\"\n"),
       {"'max' must be a number"}},
      {"WindowOfOneNumber", PeakWithWindow("[0.9]"), {"'window' must be [lo, hi]"}},
      {"WindowOfThreeNumbers", PeakWithWindow("[0.9, 1.0, 1.1]"), {"'window' must be [lo, hi]"}},
      {"WindowNotAnArray", PeakWithWindow("0.9"), {"'window' must be [lo, hi]"}},
      {"WindowReversed", PeakWithWindow("[1.1, 0.9]"), {"'window' must be [lo, hi]"}},
      {"WindowOfStrings", PeakWithWindow("[\"a\", \"b\"]"), {"'window' must be [lo, hi]"}},
      {"KneeSlopesOfOneNumber", KneeWithSlopes("[1]"), {"'slopes' must be a pair of numbers"}},
      {"KneeSlopesOfThreeNumbers", KneeWithSlopes("[1, 0, 0]"), {"'slopes' must be a pair of numbers"}},
      {"KneeSlopesNotAnArray", KneeWithSlopes("1"), {"'slopes' must be a pair of numbers"}},
      {"KneeSlopesWithAString", KneeWithSlopes("[\"a\", 0]"), {"'slopes' must be a pair of numbers"}},
      {"CloseWithoutTolerance", SmallError("kind = \"close\"\nmeasured = \"err\"\nvalue = 0.153\nsource = \"s\"\n"),
       {"rtol or atol"}},
      {"MonotoneDirectionUnknown",
       CheckX("kind = \"monotone\"\nx = \"N\"\ny = \"n\"\ndirection = \"up\"\nsource = \"s\"\n"),
       {"direction"}},
      {"LinearFitSlopeUnknown",
       CheckX("kind = \"linear_fit\"\nseries = \"loss\"\nmin_r2 = 0.98\nslope = \"down\"\nsource = \"s\"\n"),
       {"slope must be"}},
      {"ResidualWithoutAMax", CheckX("kind = \"bound\"\nmeasured = \"r\"\nmin = 0\nresidual = true\nsource = \"s\"\n"),
       {"residual = true holds a residual below a max"}},
      {"ResidualNotABoolean", CheckX("kind = \"bound\"\nmeasured = \"r\"\nmax = 1e-6\nresidual = 1\nsource = \"s\"\n"),
       {"'residual'"}},
      {"ResidualOnlyOnABound",
       CheckX("kind = \"band\"\nmeasured = \"r\"\nmin = 0\nmax = 1\nresidual = true\nsource = \"s\"\n"),
       {"unknown key 'residual' for kind band"}},
      {"KneeExpectedABoolean",
       CheckX("kind = \"knee\"\nx = \"m\"\ny = \"t\"\nexpected = true\nwindow = [0.65, 2.6]\nsource = \"s\"\n"),
       {"expected must"}},
      {"ControlAppliesToUnknownCheck", File(std::string(kGoodCheck) + R"(
[[control]]
name = "random-start"
applies = "small-eror"
why = "must fail"
)"),
       {"unknown check 'small-eror'", "random-start"}},
      // The overrides of the wrong type used to escape as nlohmann
      // type_errors, which name no file.
      {"ControlPresetsOfNumbers", File(check_and_control + "presets = [1]\n"), {"random-start", "presets"}},
      {"ControlPresetsNotAnArray", File(check_and_control + "presets = \"full\"\n"), {"random-start", "presets"}},
      {"ControlSourceANumber", File(check_and_control + "source = 3\n"), {"random-start", "'source'"}},
      {"ControlWhereANumber",
       File(std::string(kGoodCheck) +
            "\n[[control]]\nname = \"random-start\"\napplies = \"small-error\"\nwhy = \"w\"\nwhere = 3\n"),
       {"random-start", "where"}},
      {"ControlMayNotChangeKind", File(check_and_control + "kind = \"band\"\n"), {"may not change the check's kind"}},
      {"NoControl", File(kGoodCheck), {"no [[control]]"}},
      {"NoChecks", File(""), {"no [[check]]"}},
      {"DuplicateCheckNames", File(std::string(kGoodCheck) + kGoodCheck + kGoodControl),
       {"duplicate", "small-error", ":11"}},
      {"ControlNamedLikeACheck",
       File(std::string(kGoodCheck) +
            "\n[[control]]\nname = \"small-error\"\napplies = \"small-error\"\nwhy = \"w\"\n"),
       {"duplicate", "small-error"}},
      {"IdMissing", std::string("source = \"Toy\"\n") + check_and_control, {"'id'"}},
      {"FileSourceMissing", std::string("id = \"toy\"\n") + check_and_control, {"'source'"}},
  };
}

class BadReferenceFile : public ::testing::TestWithParam<BadFile> {};

TEST_P(BadReferenceFile, IsAReferenceErrorNamingTheFile) {
  const BadFile& bad = GetParam();
  const ScratchDir dir("prism-reference-test");
  const fs::path p = dir.write("bad.toml", bad.toml);
  std::vector<std::string> fragments = {p.string()};
  for (std::string fragment : bad.fragments) {
    if (const auto at = fragment.find("{file}"); at != std::string::npos) fragment.replace(at, 6, p.string());
    fragments.push_back(fragment);
  }
  PRISM_EXPECT_THROW_WITH(load_reference(p), ReferenceError, fragments) << "for the file\n" << bad.toml;
}

INSTANTIATE_TEST_SUITE_P(Schema, BadReferenceFile, ::testing::ValuesIn(BadFiles()),
                         [](const ::testing::TestParamInfo<BadFile>& info) { return info.param.name; });

TEST_F(ReferenceFileTest, APublishedNumberBelongsToItsCheckNotToItsControl) {
  // kGoodCheck's table continues with the published line.
  const fs::path p = dir_.write("toy.toml", std::string(kHeader) + kGoodCheck +
                                                "published = { value = 0.153, printed = \"0.153\", source = \"Toy Table 3\", "
                                                "quantity = \"lambda\", at = { n = 10 } }\n" + kGoodControl);
  const ReferenceFile ref = load_reference(p);
  ASSERT_TRUE(ref.checks[0].published.has_value());
  EXPECT_EQ(ref.checks[0].published->value, 0.153);
  EXPECT_EQ(ref.checks[0].published->source, "Toy Table 3");
  EXPECT_EQ(ref.checks[0].published->quantity, "lambda");
  EXPECT_EQ(ref.checks[0].published->at, (Json{{"n", 10}}));
  EXPECT_FALSE(ref.controls[0].check.published.has_value());
}

TEST_F(ReferenceFileTest, APublishedNumberNeedsItsValueAndSource) {
  for (const char* bad : {"published = { printed = \"0.1\", source = \"T\" }", "published = { value = 0.1 }",
                          "published = { value = 0.1, source = \"T\", page = 3 }", "published = 0.1"}) {
    const fs::path p = dir_.write("toy.toml", std::string(kHeader) +
                                                  "[[check]]\nname = \"c\"\nkind = \"bound\"\nmeasured = \"err\"\n"
                                                  "max = 1.0\nsource = \"S\"\n" + bad + "\n" + kGoodControl);
    PRISM_EXPECT_THROW_WITH(load_reference(p), ReferenceError, "check 'c': published") << bad;
  }
}

// ------------------------------------------------------- the real reference/

TEST(RealReferenceFiles, EveryFileLoads) {
  const fs::path dir = reference_dir();
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    ++files;
    SCOPED_TRACE(entry.path().string());
    ReferenceFile ref;
    ASSERT_NO_THROW(ref = load_reference(entry.path()));
    EXPECT_EQ(ref.id, entry.path().stem().string()) << "reference/<id>.toml";
    EXPECT_FALSE(ref.source.empty());
    EXPECT_GE(ref.checks.size(), 1u);
    EXPECT_GE(ref.controls.size(), 1u);
    for (const auto& c : ref.checks) EXPECT_FALSE(c.source.empty()) << "check " << c.name;
    for (const auto& c : ref.controls) {
      EXPECT_FALSE(c.check.source.empty()) << "control " << c.name;
      EXPECT_FALSE(c.why.empty()) << "control " << c.name;
    }
  }
  EXPECT_GE(files, 1) << "no reference files in " << dir;
}

}  // namespace
}  // namespace prism
