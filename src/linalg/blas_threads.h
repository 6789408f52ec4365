// The loaded BLAS's thread count, and independent tasks run side by side on
// this process's threads while the BLAS runs each call on one.
//
// Many small BLAS/LAPACK calls (thin SVDs of 10 x N matrices, batch-64 SGEMMs)
// do not speed up on the BLAS's own threads: each call wakes its pool and
// waits at its barrier (measured with OpenBLAS on 2 threads against 1:
// double-descent's 1-D ReLU part 1.9x slower, an MLP epoch 1.1x). Where such
// work splits into independent tasks, the tasks go on prism's threads instead.
#pragma once

#include <functional>

namespace prism::linalg {

// Threads the loaded BLAS runs a large call on: OpenBLAS's own setting (found
// at run time), BLIS's environment (BLIS_NUM_THREADS, else OMP_NUM_THREADS,
// else 1: Debian's BLIS exports no thread setter), 1 for the serial backends
// (reference, ATLAS, Eigen's own kernels).
int blas_threads();

// Sets OpenBLAS's count; a no-op on the other backends. std::invalid_argument
// for threads < 1.
void set_blas_threads(int threads);

// Runs task(0), ..., task(count - 1), which must not depend on each other, on
// this process's OpenMP threads (at most omp_get_max_threads(), which
// `--threads` sets), taken in order as threads free up, while the BLAS runs on
// one thread: OpenBLAS set to one and restored on return; BLIS (OpenMP) runs
// each call in a nested OpenMP region, which gets one thread. Every BLAS call of a task runs
// on the task's own thread, so a task's bits are those of a one-thread run
// whatever the thread count and whichever thread takes it. The exception of
// the lowest-numbered task that throws is rethrown once every task has
// finished. count <= 0 runs nothing. Call it from one thread at a time (a task
// that calls it again runs the inner tasks in order on its own thread).
void run_tasks_on_serial_blas(int count, const std::function<void(int)>& task);

}  // namespace prism::linalg
