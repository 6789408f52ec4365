// BLAS/LAPACK backends: which are installed, and switching this process to one.
//
// The program links the generic libblas.so.3 / liblapack.so.3; Debian installs
// each implementation in its own directory, so a backend is chosen by putting
// its directory first on LD_LIBRARY_PATH and re-executing. BLAS and LAPACK
// switch together (BLIS ships no LAPACK: reference LAPACK runs on top of it).
#pragma once

#include <string>
#include <vector>

#include "src/core/claim.h"

namespace prism::linalg {

struct Backend {
  std::string name;                      // reference, openblas, blis, atlas, eigen
  std::vector<std::string> library_dirs; // searched first, in order
  std::string blas_file, lapack_file;    // resolved libblas.so.3 / liblapack.so.3
  std::string version;                   // Debian package version, if known
  bool available = false;
  std::string why_not;                   // when not available
};

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

}  // namespace prism::linalg
