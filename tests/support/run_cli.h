// `prism ARGS...` in this process through cli::run_main, with its stdout and
// stderr captured: for tests that link prism_cli (a header, so the support
// library itself needs no command line).
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "src/cli/commands.h"

namespace prism::testing {

struct CliRun {
  int status = 0;
  std::string out, err;
};

// args without the program name: {"run", "--filter", "..."}.
inline CliRun run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "prism");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  CliRun r;
  r.status = cli::run_main(static_cast<int>(argv.size()), argv.data());
  r.err = ::testing::internal::GetCapturedStderr();
  r.out = ::testing::internal::GetCapturedStdout();
  return r;
}

}  // namespace prism::testing
