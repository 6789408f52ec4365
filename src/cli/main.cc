// prism: interpolation-theory claims as checked benchmarks.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "src/cli/commands.h"
#include "src/core/error.h"

namespace {

const char* kUsage = R"(usage: prism <command> [options]

commands:
  list   [--json]                              the registered claims
  run    [--preset quick|full] [--filter REGEX] [--seeds N] [--out DIR]
         [--blas NAME] [--threads N] [--shard K/N] [--no-report]
         [--allow-inconclusive] [--quiet]      measure, check, report
  report DIR [DIR...] [--out FILE]             PDF from one or more result folders
  bench  [--blas NAME] [--threads N] [Google Benchmark flags]
                                               timing of the hot kernels
  blas   [--json]                              BLAS backends on this machine

exit status: 0 every claim verified and every control rejected; 1 a wrong or
inconclusive verdict; 2 bad usage or bad input (the message names the file).
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" ||
      std::string(argv[1]) == "help") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (cmd == "list") return prism::cli::cmd_list(args);
    if (cmd == "run") return prism::cli::cmd_run(args, argc, argv);
    if (cmd == "report") return prism::cli::cmd_report(args);
    if (cmd == "bench") return prism::cli::cmd_bench(args, argc, argv);
    if (cmd == "blas") return prism::cli::cmd_blas(args);
    std::fprintf(stderr, "prism: unknown command '%s'\n\n%s", cmd.c_str(), kUsage);
    return 2;
  } catch (const prism::InputError& e) {
    std::fprintf(stderr, "\nprism: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\nprism: internal error: %s\n", e.what());
    return 2;
  }
}
