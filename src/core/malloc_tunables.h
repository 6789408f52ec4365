// glibc's allocator settings for dense work: freed blocks kept for reuse, and
// transparent huge pages for large ones.
//
// The dense claims allocate and free matrices of 1-800 MB at every step (a
// block of predictions along a path, a block of kernel rows). By default glibc
// maps every block over 32 MB afresh and unmaps it on free, so each one is
// faulted in and zeroed by the kernel again: the five MNIST claims' quick
// preset faulted in ~46 GB that way, at ~1.9 GB/s for 2 MB pages and ~0.4 GB/s
// for 4 KiB pages on the 2-core machine (docs/design.md, "Memory"). Three
// tunables change that:
//   glibc.malloc.mmap_max=0        every block comes from the heap, none is
//                                  mapped for itself, so a freed block's pages
//                                  serve the next one;
//   glibc.malloc.trim_threshold=T  the heap keeps its free top for reuse
//                                  (T = kTrimThreshold, larger than any heap);
//   glibc.malloc.hugetlb=1         glibc asks for huge pages on what it maps
//                                  (glibc >= 2.35), only where the kernel's THP
//                                  mode is "madvise" (under "always" every large
//                                  mapping gets them, under "never" none can).
// Tunables are read only when a process starts, so prism re-executes itself
// once with them set, as `--blas` does for a library. Nothing measured
// changes: only where the blocks live.
#pragma once

#include <optional>
#include <string>

namespace prism {

// Free memory the heap keeps at its top: 1 TiB, i.e. all of it. Trimming
// never lowers the peak (the heap grows back to its high-water mark at the
// next large phase), it only re-faults what comes back: early-stopping's quick
// preset took 61.0-62.1 s with 1 GiB, 58.9-60.2 s with this, 66.6 s with
// glibc's defaults. The price is that a process holds its high-water mark to
// the end (a whole catalog: the largest claim's).
inline constexpr const char* kTrimThreshold = "1099511627776";

// The GLIBC_TUNABLES value to re-execute with: `current` (null if unset) with
// each tunable above appended that it does not name already, or nullopt to run
// as is (it names them all). A tunable the caller names keeps the caller's
// value (glibc.malloc.hugetlb=0 opts out of huge pages, glibc.malloc.mmap_max=
// 65536 lets glibc map large blocks again, though with its mmap threshold then
// fixed rather than adaptive); naming them all is also the mark that this
// process is the re-executed one.
std::optional<std::string> malloc_tunables(const char* current, const std::string& thp_mode);

// The bracketed word of /sys/kernel/mm/transparent_hugepage/enabled
// ("always [madvise] never" -> "madvise"); "" where the file is missing or odd.
std::string transparent_huge_page_mode(const std::string& path = "/sys/kernel/mm/transparent_hugepage/enabled");

// Re-executes /proc/self/exe with argv and the tunables where malloc_tunables
// says so. Returns when it does not, or when exec fails (the run then goes on
// with glibc's defaults: slower, nothing else differs).
void reexec_with_malloc_tunables(char** argv);

}  // namespace prism
