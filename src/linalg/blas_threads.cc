#include "src/linalg/blas_threads.h"

#include <dlfcn.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/core/context.h"

namespace prism::linalg {
namespace {

// OpenBLAS's thread setters, looked up once (libblas.so.3 is chosen at run
// time: src/linalg/blas_backend.h). Debian's BLIS libblas.so.3 exports the
// BLAS symbols only, so BLIS's count is its environment's (read at its start).
struct OpenBlasThreads {
  int (*get)() = nullptr;
  void (*set)(int) = nullptr;
};

const OpenBlasThreads& openblas() {
  static const OpenBlasThreads s{reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads")),
                                 reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))};
  return s;
}

}  // namespace

int blas_threads() {
  static const bool blis = blas_info().value("backend", "") == "blis";
  if (blis) {
    const char* threads = std::getenv("BLIS_NUM_THREADS");  // else OMP_NUM_THREADS, else one
    if (threads == nullptr) threads = std::getenv("OMP_NUM_THREADS");
    return threads ? std::max(1, std::atoi(threads)) : 1;
  }
  return openblas().get ? std::max(1, openblas().get()) : 1;
}

void set_blas_threads(int threads) {
  if (threads < 1) throw std::invalid_argument("set_blas_threads: expected threads >= 1, got " + std::to_string(threads));
  if (openblas().set) openblas().set(threads);
}

void run_tasks_on_serial_blas(int count, const std::function<void(int)>& task) {
  if (count <= 0) return;
  const int saved = blas_threads();
  const bool nested = omp_in_parallel() != 0;
  if (saved > 1 && !nested) set_blas_threads(1);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(count));
  // A task's exception may not leave the parallel region: kept, rethrown below.
#pragma omp parallel for schedule(dynamic, 1) if (!nested)
  for (int i = 0; i < count; ++i) {
    try {
      task(i);
    } catch (...) {
      errors[static_cast<size_t>(i)] = std::current_exception();
    }
  }
  if (saved > 1 && !nested) set_blas_threads(saved);
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace prism::linalg
