// When prism re-executes itself with glibc's allocator tunables, and what it
// passes on.
#include "src/core/malloc_tunables.h"

#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace prism {
namespace {

using testing::ScratchDir;

const std::string kHeap = std::string("glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=") + kTrimThreshold;

TEST(MallocTunables, MadviseModeAddsTheHeapTunablesAndHugePages) {
  EXPECT_EQ(malloc_tunables(nullptr, "madvise"), std::optional<std::string>(kHeap + ":glibc.malloc.hugetlb=1"));
  EXPECT_EQ(malloc_tunables("", "madvise"), std::optional<std::string>(kHeap + ":glibc.malloc.hugetlb=1"));
}

// "always" gives huge pages without asking, "never" and unknown modes cannot:
// the heap's tunables alone.
TEST(MallocTunables, OtherModesAddTheHeapTunablesAlone) {
  for (const char* mode : {"always", "never", "", "madvise "})
    EXPECT_EQ(malloc_tunables(nullptr, mode), std::optional<std::string>(kHeap)) << "mode '" << mode << "'";
}

TEST(MallocTunables, TheCallersOtherTunablesAreKept) {
  EXPECT_EQ(malloc_tunables("glibc.malloc.arena_max=2", "madvise"),
            std::optional<std::string>("glibc.malloc.arena_max=2:" + kHeap + ":glibc.malloc.hugetlb=1"));
}

// The caller's own value wins for each tunable it names (hugetlb=0 opts out of
// huge pages); the others are still added. A name that merely starts alike is
// another tunable.
TEST(MallocTunables, ANamedTunableKeepsTheCallersValue) {
  EXPECT_EQ(malloc_tunables("glibc.malloc.hugetlb=0", "madvise"), std::optional<std::string>("glibc.malloc.hugetlb=0:" + kHeap));
  EXPECT_EQ(malloc_tunables("glibc.malloc.mmap_max=65536", "never"),
            std::optional<std::string>(std::string("glibc.malloc.mmap_max=65536:glibc.malloc.trim_threshold=") + kTrimThreshold));
  EXPECT_EQ(malloc_tunables("glibc.malloc.mmap_maxx=1", "never"), std::optional<std::string>("glibc.malloc.mmap_maxx=1:" + kHeap));
}

// Naming them all is what stops a second exec, whatever the values.
TEST(MallocTunables, NothingToAddRunsAsIs) {
  EXPECT_EQ(malloc_tunables((kHeap + ":glibc.malloc.hugetlb=1").c_str(), "madvise"), std::nullopt);
  EXPECT_EQ(malloc_tunables("glibc.malloc.hugetlb=2:glibc.malloc.trim_threshold=0:glibc.malloc.mmap_max=9", "madvise"),
            std::nullopt);
  EXPECT_EQ(malloc_tunables(kHeap.c_str(), "never"), std::nullopt);
  // What the first exec sets is complete for the second.
  for (const char* mode : {"madvise", "always", "never"})
    EXPECT_EQ(malloc_tunables(malloc_tunables("glibc.malloc.arena_max=2", mode)->c_str(), mode), std::nullopt) << mode;
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
