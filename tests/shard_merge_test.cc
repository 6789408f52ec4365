// How `prism run --shard K/N` deals a run's sweep points (shard_assignment,
// src/core/shard_merge.cc): whole share groups, numbered across the run. The
// merge itself is tested end to end in cli_test (Cli.ShardsMergeIntoTheUnshardedRun).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/core/claim.h"
#include "src/core/runner.h"

namespace prism {
namespace {

using Assignment = std::vector<std::vector<int>>;

// Claim a shares setup by d (groups: d = 1, 2, 3 in order of first
// appearance; d = 1 twice); claim b shares nothing (no ShareBy), so each of
// its points is a group; claim c shares across the whole claim (ShareBy({})).
struct ThreeClaims {
  ClaimSpec a, b, c;
  ThreeClaims() {
    a.id = "a";
    a.share_by = std::vector<std::string>{"d"};
    a.sweep["quick"] = {Json{{"d", 1}, {"x", 0}}, Json{{"d", 2}}, Json{{"d", 1}, {"x", 1}}, Json{{"d", 3}}};
    b.id = "b";
    b.sweep["quick"] = {Json{{"m", 8}}, Json{{"m", 16}}, Json{{"m", 32}}};
    c.id = "c";
    c.share_by = std::vector<std::string>{};
    c.sweep["quick"] = {Json{{"m", 8}}, Json{{"m", 16}}};
  }
  std::vector<const ClaimSpec*> specs() const { return {&a, &b, &c}; }
};

TEST(ShardAssignment, OneShardRunsEverything) {
  const ThreeClaims t;
  EXPECT_EQ(shard_assignment(t.specs(), "quick", 1), (Assignment{{0, 0, 0, 0}, {0, 0, 0}, {0, 0}}));
}

// Groups 0, 1, 2 (claim a), 3, 4, 5 (b's points) and 6 (claim c) go round the
// shards; a group's points stay together even when they are not adjacent in
// the sweep.
TEST(ShardAssignment, WholeShareGroupsRoundTheShards) {
  const ThreeClaims t;
  EXPECT_EQ(shard_assignment(t.specs(), "quick", 2), (Assignment{{0, 1, 0, 0}, {1, 0, 1}, {0, 0}}));
  EXPECT_EQ(shard_assignment(t.specs(), "quick", 3), (Assignment{{0, 1, 0, 2}, {0, 1, 2}, {0, 0}}));
  // More shards than groups: the last ones run nothing (and still write a folder).
  EXPECT_EQ(shard_assignment(t.specs(), "quick", 9), (Assignment{{0, 1, 0, 2}, {3, 4, 5}, {6, 6}}));
}

// The numbering runs across claims: the same claim dealt after another lands elsewhere.
TEST(ShardAssignment, GroupsAreNumberedAcrossTheRun) {
  const ThreeClaims t;
  EXPECT_EQ(shard_assignment({&t.c, &t.a}, "quick", 2), (Assignment{{0, 0}, {1, 0, 1, 1}}));
}

// A claim that shares nothing splits over the shards point by point: run alone
// (a Slurm array over one claim), it still uses every shard.
TEST(ShardAssignment, AClaimThatSharesNothingSplitsByPoint) {
  const ThreeClaims t;
  EXPECT_EQ(shard_assignment({&t.b}, "quick", 2), (Assignment{{0, 1, 0}}));
  EXPECT_EQ(shard_assignment({&t.c}, "quick", 2), (Assignment{{0, 0}})) << "ShareBy({}) is one group";
}

TEST(ShardAssignment, AClaimWithoutThePresetHasNoPoints) {
  const ThreeClaims t;
  EXPECT_EQ(shard_assignment(t.specs(), "full", 2), (Assignment{{}, {}, {}}));
}

}  // namespace
}  // namespace prism
