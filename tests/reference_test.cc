// reference/*.toml parsing (src/core/reference.h): a valid file with checks
// and a control, and every way a file can be wrong. Each error must be a
// ReferenceError naming the file (and the line where the parser knows it),
// because a typo in a tolerance must never become a check that cannot fail.
// Finally every real file in reference/ must load.
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <set>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "src/core/checks.h"
#include "src/core/error.h"
#include "src/core/reference.h"

namespace prism {
namespace {

namespace fs = std::filesystem;

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
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("prism-reference-test-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p;
  }

  // Loading `text` must throw a ReferenceError whose message names the file
  // and contains every one of `needles`.
  void expect_error(const std::string& text, std::initializer_list<std::string> needles) {
    const fs::path p = write("bad.toml", text);
    try {
      load_reference(p);
      ADD_FAILURE() << "expected a ReferenceError for:\n" << text;
    } catch (const ReferenceError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(p.string()), std::string::npos) << "the message must name the file: " << what;
      for (const auto& n : needles) EXPECT_NE(what.find(n), std::string::npos) << "missing '" << n << "' in: " << what;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected a ReferenceError, got another exception: " << e.what();
    }
  }

  fs::path dir_;
};

// ---------------------------------------------------------------- valid file

TEST_F(ReferenceFileTest, ValidFileWithChecksAndAControl) {
  const fs::path p = write("toy.toml", R"(# A toy claim.
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
  const fs::path p = write("kinds.toml", std::string(kHeader) + R"(
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

// ------------------------------------------------------------------- errors

TEST_F(ReferenceFileTest, SyntaxErrorNamesFileAndLine) {
  // Line 7 has an unterminated string.
  const fs::path p = write("syntax.toml", std::string(kHeader) + R"(
[[check]]
name = "small-error"
kind = "bound"
measured = "err
max = 1e-6
source = "Toy Eq. 1"
)");
  try {
    load_reference(p);
    FAIL() << "expected a ReferenceError";
  } catch (const ReferenceError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(p.string() + ":7:"), std::string::npos) << "file:line:column of the bad string: " << what;
    EXPECT_NE(what.find("TOML syntax error"), std::string::npos) << what;
  }
}

TEST_F(ReferenceFileTest, SyntaxErrorMissingValue) {
  expect_error(std::string(kHeader) + "\n[[check]]\nname = \"x\"\nkind = \"bound\"\nmax = \n", {":7:", "syntax"});
}

TEST_F(ReferenceFileTest, MissingFile) {
  const fs::path p = dir_ / "absent.toml";
  try {
    load_reference(p);
    FAIL() << "expected a ReferenceError";
  } catch (const ReferenceError& e) {
    EXPECT_NE(std::string(e.what()).find(p.string()), std::string::npos) << e.what();
  }
}

TEST_F(ReferenceFileTest, UnknownKind) {
  expect_error(std::string(kHeader) + R"(
[[check]]
name = "x"
kind = "bund"
measured = "err"
max = 1
source = "s"
)" + kGoodControl,
               {":6", "unknown kind 'bund'", "bound band close slope knee argmax monotone linear_fit"});
}

TEST_F(ReferenceFileTest, UnknownKeyTypo) {
  // `mx` for `max`: bound has `min` or `max`, and `mx` is neither.
  expect_error(std::string(kHeader) + R"(
[[check]]
name = "small-error"
kind = "bound"
measured = "err"
min = 0
mx = 1e-6
source = "s"
)" + kGoodControl,
               {":4", "unknown key 'mx'", "small-error"});
}

TEST_F(ReferenceFileTest, UnknownKeyInAControl) {
  expect_error(std::string(kHeader) + kGoodCheck + kGoodControl + "mx = 1e-3\n", {"unknown key 'mx'"});
}

TEST_F(ReferenceFileTest, UnknownTopLevelKey) {
  expect_error(std::string(kHeader) + "tittle = \"x\"\n" + kGoodCheck + kGoodControl, {"unknown top-level key 'tittle'"});
}

TEST_F(ReferenceFileTest, MissingSource) {
  expect_error(std::string(kHeader) + R"(
[[check]]
name = "small-error"
kind = "bound"
measured = "err"
max = 1e-6
)" + kGoodControl,
               {":4", "small-error", "'source'"});
}

TEST_F(ReferenceFileTest, EmptySource) {
  expect_error(std::string(kHeader) + R"(
[[check]]
name = "small-error"
kind = "bound"
measured = "err"
max = 1e-6
source = ""
)" + kGoodControl,
               {":9", "'source' must be a non-empty string"});
}

TEST_F(ReferenceFileTest, MissingRequiredField) {
  expect_error(std::string(kHeader) + R"(
[[check]]
name = "small-error"
kind = "bound"
max = 1e-6
source = "s"
)" + kGoodControl,
               {"needs 'measured'"});
}

TEST_F(ReferenceFileTest, BoundWithBothMinAndMax) {
  expect_error(std::string(kHeader) + R"(
[[check]]
name = "small-error"
kind = "bound"
measured = "err"
min = 0
max = 1
source = "s"
)" + kGoodControl,
               {"exactly one of min, max"});
}

TEST_F(ReferenceFileTest, BoundWithNeither) {
  expect_error(std::string(kHeader) + R"(
[[check]]
name = "small-error"
kind = "bound"
measured = "err"
source = "s"
)" + kGoodControl,
               {"exactly one of min, max"});
}

TEST_F(ReferenceFileTest, BandWithMinAboveMax) {
  expect_error(std::string(kHeader) + R"(
[[check]]
name = "small-error"
kind = "band"
measured = "err"
min = 2
max = 1
source = "s"
)" + kGoodControl,
               {"min > max"});
}

TEST_F(ReferenceFileTest, NumberThatIsAString) {
  expect_error(std::string(kHeader) + R"(
[[check]]
name = "small-error"
kind = "bound"
measured = "err"
max = "1e-6"
source = "s"
)" + kGoodControl,
               {"'max' must be a number"});
}

TEST_F(ReferenceFileTest, WindowNotAPair) {
  const std::string head = std::string(kHeader) + R"(
[[check]]
name = "peak"
kind = "argmax"
x = "N"
y = "loss"
source = "s"
)";
  const std::string control = "\n[[control]]\nname = \"c\"\napplies = \"peak\"\nwhy = \"w\"\n";
  for (const std::string window : {"[0.9]", "[0.9, 1.0, 1.1]", "0.9", "[1.1, 0.9]", "[\"a\", \"b\"]"})
    expect_error(head + "window = " + window + "\n" + control, {"'window' must be [lo, hi]"});
}

TEST_F(ReferenceFileTest, KneeSlopesAreBeforeAndAfterNotAnInterval) {
  // slopes = (before, after) the knee: (1, 0.5) is decreasing and valid. (The
  // parser used to demand lo <= hi here, which rejected the default (1, 0).)
  const std::string head = std::string(kHeader) + R"(
[[check]]
name = "knee"
kind = "knee"
x = "batch"
y = "speedup"
expected = 8.0
window = [0.65, 2.6]
source = "s"
)";
  const std::string control = "\n[[control]]\nname = \"c\"\napplies = \"knee\"\nwhy = \"w\"\n";
  for (const std::string slopes : {"[1, 0]", "[1, 0.5]", "[0.5, 1]"}) {
    const ReferenceFile ref = load_reference(write("slopes.toml", head + "slopes = " + slopes + "\n" + control));
    EXPECT_EQ(ref.checks[0].fields["slopes"].size(), 2u) << slopes;
  }
  for (const std::string slopes : {"[1]", "[1, 0, 0]", "1", "[\"a\", 0]"})
    expect_error(head + "slopes = " + slopes + "\n" + control, {"'slopes' must be a pair of numbers"});
}

TEST_F(ReferenceFileTest, CloseWithoutTolerance) {
  expect_error(std::string(kHeader) + R"(
[[check]]
name = "small-error"
kind = "close"
measured = "err"
value = 0.153
source = "s"
)" + kGoodControl,
               {"rtol or atol"});
}

TEST_F(ReferenceFileTest, BadEnumerations) {
  const std::string control = "\n[[control]]\nname = \"c\"\napplies = \"x\"\nwhy = \"w\"\n";
  expect_error(std::string(kHeader) +
                   "\n[[check]]\nname = \"x\"\nkind = \"monotone\"\nx = \"N\"\ny = \"n\"\n"
                   "direction = \"up\"\nsource = \"s\"\n" + control,
               {"direction"});
  expect_error(std::string(kHeader) +
                   "\n[[check]]\nname = \"x\"\nkind = \"linear_fit\"\nseries = \"loss\"\nmin_r2 = 0.98\n"
                   "slope = \"down\"\nsource = \"s\"\n" + control,
               {"slope must be"});
  expect_error(std::string(kHeader) +
                   "\n[[check]]\nname = \"x\"\nkind = \"knee\"\nx = \"m\"\ny = \"t\"\nexpected = true\n"
                   "window = [0.65, 2.6]\nsource = \"s\"\n" + control,
               {"expected must"});
}

TEST_F(ReferenceFileTest, ControlAppliesToUnknownCheck) {
  expect_error(std::string(kHeader) + kGoodCheck + R"(
[[control]]
name = "random-start"
applies = "small-eror"
why = "must fail"
)",
               {"unknown check 'small-eror'", "random-start"});
}

TEST_F(ReferenceFileTest, ControlOverridesOfTheWrongType) {
  // These used to escape as nlohmann type_errors, which name no file.
  expect_error(std::string(kHeader) + kGoodCheck + kGoodControl + "presets = [1]\n", {"random-start", "presets"});
  expect_error(std::string(kHeader) + kGoodCheck + kGoodControl + "presets = \"full\"\n", {"random-start", "presets"});
  expect_error(std::string(kHeader) + kGoodCheck + kGoodControl + "source = 3\n", {"random-start", "'source'"});
  expect_error(std::string(kHeader) + kGoodCheck +
                   "\n[[control]]\nname = \"random-start\"\napplies = \"small-error\"\nwhy = \"w\"\nwhere = 3\n",
               {"random-start", "where"});
}

TEST_F(ReferenceFileTest, ControlMayNotChangeKind) {
  expect_error(std::string(kHeader) + kGoodCheck + kGoodControl + "kind = \"band\"\n", {"may not change the check's kind"});
}

TEST_F(ReferenceFileTest, NoControl) {
  expect_error(std::string(kHeader) + kGoodCheck, {"no [[control]]"});
}

TEST_F(ReferenceFileTest, NoChecks) {
  expect_error(std::string(kHeader), {"no [[check]]"});
}

TEST_F(ReferenceFileTest, DuplicateCheckNames) {
  expect_error(std::string(kHeader) + kGoodCheck + kGoodCheck + kGoodControl, {"duplicate", "small-error", ":11"});
}

TEST_F(ReferenceFileTest, ControlNamedLikeACheck) {
  expect_error(std::string(kHeader) + kGoodCheck +
                   "\n[[control]]\nname = \"small-error\"\napplies = \"small-error\"\nwhy = \"w\"\n",
               {"duplicate", "small-error"});
}

TEST_F(ReferenceFileTest, IdMissing) {
  expect_error(std::string("source = \"Toy\"\n") + kGoodCheck + kGoodControl, {"'id'"});
}

TEST_F(ReferenceFileTest, FileSourceMissing) {
  expect_error(std::string("id = \"toy\"\n") + kGoodCheck + kGoodControl, {"'source'"});
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
