// prism: interpolation-theory claims as checked benchmarks.
#include "src/cli/commands.h"

int main(int argc, char** argv) { return prism::cli::run_main(argc, argv); }
