// BLAS/LAPACK backends: which are installed, and switching this process to one.
//
// The program links the generic libblas.so.3 / liblapack.so.3; Debian installs
// each implementation in its own directory, so a backend is chosen by putting
// its directory first on LD_LIBRARY_PATH and re-executing. BLAS and LAPACK
// switch together (BLIS ships no LAPACK: reference LAPACK runs on top of it).
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

#include "src/core/claim.h"

namespace prism::linalg {

struct Backend {
  std::string name;                      // reference, openblas, blis, atlas, eigen
  std::vector<std::string> library_dirs; // searched first, in order
  std::string blas_file, lapack_file;    // resolved libblas.so.3 / liblapack.so.3
  std::string version;                   // Debian package version, if known
  bool available = false;
  bool threaded = false;                 // runs a thread pool (OpenBLAS, BLIS); else one core per process
  std::string why_not;                   // when not available
};

// Whether backend `name` runs its calls on a thread pool. Only OpenBLAS and
// BLIS do here: Debian's reference BLAS and ATLAS (libatlas3-base) are serial,
// and Eigen's own products are built without threads. scripts/compare-blas reads
// it (through `prism blas`) to run the serial ones as one-core shards.
bool backend_runs_threads(const std::string& name);

// Every backend prism knows, with availability on this machine.
std::vector<Backend> known_backends();

// Re-executes the current process on `name` with `threads` pinned (0: all
// cores) unless it already runs so; returns normally only in the final process.
// Throws InputError for an unknown or missing backend.
void ensure_backend(const std::string& name, int threads, int argc, char** argv);

// After the switch: the library actually loaded must be the requested one.
// Throws InputError on a mismatch (never a silent fallback).
void verify_backend(const std::string& requested);

Json backends_json();

// A note for stderr when other work already occupies the cores the BLAS threads
// need (other runnable threads + BLAS threads > cores), else "". OpenBLAS and
// BLIS threads spin-wait at barriers; under contention each small call waits
// for a time slice (measured: sgd-exponential quick 279 s with OpenBLAS on 2
// threads beside a busy process, 30 s on reference BLAS).
std::string oversubscription_note(double other_runnable, int blas_threads, int cores);

// The same for this process: runnable threads from /proc/loadavg and the thread count of the loaded
// backend ("" for the serial ones: reference, ATLAS, Eigen's own kernels).
std::string oversubscription_note();

// The size (m n k of a GEMM) up to which OpenBLAS runs a call on the calling
// thread alone: SMP_THRESHOLD_MIN x GEMM_MULTITHREAD_THRESHOLD, interface/gemm.c.
inline constexpr double kSerialBlasCallSize = 65536.0 * 4;

// Whether the loaded BLAS runs a small call (m n k <= kSerialBlasCallSize) on the calling
// thread alone, so a caller may split such calls over its own threads without
// nesting a BLAS thread pool: the serial backends (reference, ATLAS, Eigen's
// own kernels) and OpenBLAS (serial below that size, interface/gemm.c); not
// BLIS with more than one thread, which threads every call (measured: a
// softmax evaluation split so took 27 ms on BLIS against 5 ms in order).
// Decided once per process.
bool blas_runs_small_calls_serially();

// The DGEMM rate of this process now, in GFLOP/s: the best of `repetitions`
// products C = A B of n x n matrices through the path every dense product of
// the claims takes (Eigen over the loaded BLAS, with its threads). A claim that
// reports a kernel's GFLOP/s calls it at the same moment, so both rates see the
// same machine load ("against the DGEMM rate of the same run"). n = 3000 is a
// tile of the paper-scale Cholesky: 5.4e10 flops per product, ~0.4 s at
// 150 GFLOP/s. Throws std::invalid_argument for n < 1 or repetitions < 1.
double measure_dgemm_gflops(Eigen::Index n = 3000, int repetitions = 3);

}  // namespace prism::linalg
