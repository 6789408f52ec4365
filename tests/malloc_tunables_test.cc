// When prism re-executes itself for huge pages, and what it passes on.
#include "src/core/malloc_tunables.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace prism {
namespace {

using testing::ScratchDir;

TEST(MallocTunables, MadviseModeAddsTheTunable) {
  EXPECT_EQ(tunables_for_huge_pages(nullptr, "madvise"), std::optional<std::string>("glibc.malloc.hugetlb=1"));
  EXPECT_EQ(tunables_for_huge_pages("", "madvise"), std::optional<std::string>("glibc.malloc.hugetlb=1"));
}

TEST(MallocTunables, TheCallersOtherTunablesAreKept) {
  EXPECT_EQ(tunables_for_huge_pages("glibc.malloc.arena_max=2", "madvise"),
            std::optional<std::string>("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"));
}

// The user's own setting wins (=0 opts out); it is also what stops a second exec.
TEST(MallocTunables, ASetHugetlbIsLeftAlone) {
  EXPECT_EQ(tunables_for_huge_pages("glibc.malloc.hugetlb=0", "madvise"), std::nullopt);
  EXPECT_EQ(tunables_for_huge_pages("glibc.malloc.hugetlb=1", "madvise"), std::nullopt);
  EXPECT_EQ(tunables_for_huge_pages("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2", "madvise"), std::nullopt);
}

// "always" gives huge pages without asking, "never" and unknown modes cannot: no exec.
TEST(MallocTunables, OtherModesRunAsIs) {
  for (const char* mode : {"always", "never", "", "madvise "})
    EXPECT_EQ(tunables_for_huge_pages(nullptr, mode), std::nullopt) << "mode '" << mode << "'";
}

TEST(MallocTunables, ReadsTheBracketedMode) {
  const ScratchDir scratch("prism-thp-test");
  const auto mode_of = [&](const std::string& text) {
    return transparent_huge_page_mode(scratch.write("enabled", text).string());
  };
  EXPECT_EQ(mode_of("always [madvise] never\n"), "madvise");
  EXPECT_EQ(mode_of("[always] madvise never\n"), "always");
  EXPECT_EQ(mode_of("always madvise [never]"), "never");
  EXPECT_EQ(mode_of("always madvise never\n"), "");
  EXPECT_EQ(mode_of("] odd ["), "");
  EXPECT_EQ(mode_of(""), "");
  EXPECT_EQ(transparent_huge_page_mode((scratch / "missing").string()), "");
}

}  // namespace
}  // namespace prism
