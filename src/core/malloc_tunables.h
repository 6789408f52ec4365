// Transparent huge pages for malloc's large blocks.
//
// The dense claims allocate and free matrices of 1-200 MB at every step (a block
// of predictions along a path, a block of kernel rows). glibc maps each large
// block afresh and the kernel faults it in 4 KiB at a time: on a quiet 2-core
// machine page faults took a third of early-stopping's wall time. glibc >= 2.35
// asks the kernel for huge pages on its own mappings under the tunable
// glibc.malloc.hugetlb=1; tunables are read only when a process starts, so
// prism re-executes itself once with it set, as `--blas` does for a library.
// Nothing measured changes: only where the blocks live.
#pragma once

#include <optional>
#include <string>

namespace prism {

inline constexpr const char* kHugePagesTunable = "glibc.malloc.hugetlb=1";

// The GLIBC_TUNABLES value to re-execute with (`current`, null if unset, with
// the tunable appended), or nullopt to run as is: when the kernel's mode is not
// "madvise" (under "always" every large mapping already gets huge pages, under
// "never" or an unknown mode none can), or when `current` already names
// glibc.malloc.hugetlb (the user's choice, e.g. =0 to opt out, and the mark
// that this process is the re-executed one).
std::optional<std::string> tunables_for_huge_pages(const char* current, const std::string& thp_mode);

// The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled
// ("always [madvise] never" -> "madvise"); "" where the file is missing or odd.
std::string transparent_huge_page_mode(const std::string& path = "/sys/kernel/mm/transparent_hugepage/enabled");

// Re-executes /proc/self/exe with argv and the tunable where
// tunables_for_huge_pages says so. Returns when it does not, or when exec fails
// (the run then goes on with 4 KiB pages: slower, nothing else differs).
void reexec_with_huge_pages(char** argv);

}  // namespace prism
