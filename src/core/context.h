// The run context recorded in results.json: machine, compiler, commit, and the
// BLAS/LAPACK libraries this process actually loaded.
#pragma once

#include "src/core/claim.h"

namespace prism {

// Libraries read from /proc/self/maps, and the file that provides dgemm_ and
// dpotrf_ as the dynamic linker resolved them (dladdr): the ground truth of
// which backend ran, whatever was requested.
Json blas_info();

// CPU model, cores, compiler, build flags, git commit, host, thread settings, time.
Json machine_context();

// Thread-count environment variables that BLAS libraries read.
Json thread_environment();

}  // namespace prism
