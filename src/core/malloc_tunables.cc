#include "src/core/malloc_tunables.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace prism {

std::optional<std::string> tunables_for_huge_pages(const char* current, const std::string& thp_mode) {
  if (thp_mode != "madvise") return std::nullopt;
  const std::string now = current ? current : "";
  if (now.find("glibc.malloc.hugetlb") != std::string::npos) return std::nullopt;
  return now.empty() ? std::string(kHugePagesTunable) : now + ":" + kHugePagesTunable;
}

std::string transparent_huge_page_mode(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return "";
  const auto open = line.find('['), close = line.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return line.substr(open + 1, close - open - 1);
}

void reexec_with_huge_pages(char** argv) {
  const auto tunables = tunables_for_huge_pages(std::getenv("GLIBC_TUNABLES"), transparent_huge_page_mode());
  if (!tunables) return;
  if (setenv("GLIBC_TUNABLES", tunables->c_str(), 1) != 0) return;
  std::fflush(nullptr);
  execv("/proc/self/exe", argv);
  // exec failed (no /proc): run on; the environment now names the tunable, so a
  // later re-execution (--blas) gets huge pages.
}

}  // namespace prism
