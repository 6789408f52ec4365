// A small RunResult made by hand: one claim with two points (two seeds each,
// unequal series lengths, a one-seed quantity whose interval is infinite), a
// figure with a scalar line, a series line, a line that selects nothing and a
// band, one check per interval form and a control. Shared by the results
// round-trip and the report tests.
#pragma once

#include "src/core/results.h"

namespace prism::testing {

inline constexpr const char* kSampleClaim = "sample-claim";

RunResult sample_run();

}  // namespace prism::testing
