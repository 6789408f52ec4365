#include "src/core/malloc_tunables.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace prism {

namespace {

// Whether the colon-separated list names `name` (as "name=value").
bool names(const std::string& list, const std::string& name) {
  std::istringstream in(list);
  std::string item;
  while (std::getline(in, item, ':'))
    if (item.compare(0, item.find('='), name) == 0) return true;
  return false;
}

}  // namespace

std::optional<std::string> malloc_tunables(const char* current, const std::string& thp_mode) {
  struct Tunable {
    const char* name;
    const char* value;
  };
  const Tunable wanted[] = {{"glibc.malloc.mmap_max", "0"},
                            {"glibc.malloc.trim_threshold", kTrimThreshold},
                            {"glibc.malloc.hugetlb", thp_mode == "madvise" ? "1" : nullptr}};
  std::string out = current ? current : "";
  bool added = false;
  for (const Tunable& t : wanted) {
    if (!t.value || names(out, t.name)) continue;
    out += (out.empty() ? "" : ":") + std::string(t.name) + "=" + t.value;
    added = true;
  }
  return added ? std::optional<std::string>(out) : std::nullopt;
}

std::string transparent_huge_page_mode(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return "";
  const auto open = line.find('['), close = line.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return line.substr(open + 1, close - open - 1);
}

void reexec_with_malloc_tunables(char** argv) {
  const auto tunables = malloc_tunables(std::getenv("GLIBC_TUNABLES"), transparent_huge_page_mode());
  if (!tunables) return;
  if (setenv("GLIBC_TUNABLES", tunables->c_str(), 1) != 0) return;
  std::fflush(nullptr);
  execv("/proc/self/exe", argv);
  // exec failed (no /proc): run on; the environment now names the tunables, so a
  // later re-execution (--blas) gets them.
}

}  // namespace prism
