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

// Claim A shares setup by d (groups: d = 1, 2, 3 in order of first
// appearance; d = 1 twice); claim B has no ShareBy, so it is one group.
struct TwoClaims {
  ClaimSpec a, b;
  TwoClaims() {
    a.id = "a";
    a.share_by = {"d"};
    a.sweep["quick"] = {Json{{"d", 1}, {"x", 0}}, Json{{"d", 2}}, Json{{"d", 1}, {"x", 1}}, Json{{"d", 3}}};
    b.id = "b";
    b.sweep["quick"] = {Json{{"m", 8}}, Json{{"m", 16}}, Json{{"m", 32}}};
  }
  std::vector<const ClaimSpec*> specs() const { return {&a, &b}; }
};

TEST(ShardAssignment, OneShardRunsEverything) {
  const TwoClaims t;
  EXPECT_EQ(shard_assignment(t.specs(), "quick", 1), (Assignment{{0, 0, 0, 0}, {0, 0, 0}}));
}

// Groups 0, 1, 2 (claim a) and 3 (claim b) go round the shards; a group's
// points stay together even when they are not adjacent in the sweep.
TEST(ShardAssignment, WholeShareGroupsRoundTheShards) {
  const TwoClaims t;
  EXPECT_EQ(shard_assignment(t.specs(), "quick", 2), (Assignment{{0, 1, 0, 0}, {1, 1, 1}}));
  EXPECT_EQ(shard_assignment(t.specs(), "quick", 3), (Assignment{{0, 1, 0, 2}, {0, 0, 0}}));
  // More shards than groups: the last ones run nothing (and still write a folder).
  EXPECT_EQ(shard_assignment(t.specs(), "quick", 5), (Assignment{{0, 1, 0, 2}, {3, 3, 3}}));
}

// The numbering runs across claims: the same claim dealt after another lands elsewhere.
TEST(ShardAssignment, GroupsAreNumberedAcrossTheRun) {
  const TwoClaims t;
  EXPECT_EQ(shard_assignment({&t.b, &t.a}, "quick", 2), (Assignment{{0, 0, 0}, {1, 0, 1, 1}}));
}

TEST(ShardAssignment, AClaimWithoutThePresetHasNoPoints) {
  const TwoClaims t;
  EXPECT_EQ(shard_assignment(t.specs(), "full", 2), (Assignment{{}, {}}));
}

}  // namespace
}  // namespace prism
