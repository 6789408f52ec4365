// prism: interpolation-theory claims as checked benchmarks.
#include "src/cli/commands.h"
#include "src/core/malloc_tunables.h"

int main(int argc, char** argv) {
  prism::reexec_with_malloc_tunables(argv);  // first: glibc reads its tunables only at start
  return prism::cli::run_main(argc, argv);
}
