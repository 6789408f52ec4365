// The `prism` subcommands. Each returns the process exit status:
// 0 verified, 1 a wrong or inconclusive verdict, 2 bad usage or bad input.
#pragma once

#include <string>
#include <vector>

namespace prism::cli {

int cmd_list(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args, int argc, char** argv);
int cmd_report(const std::vector<std::string>& args);
int cmd_bench(const std::vector<std::string>& args, int argc, char** argv);
int cmd_blas(const std::vector<std::string>& args);

// The whole command line: dispatches to a subcommand and turns an InputError
// (bad usage, bad input, a figure naming nothing) into exit status 2 with its
// message on stderr. main() is this function.
int run_main(int argc, char** argv);

}  // namespace prism::cli
