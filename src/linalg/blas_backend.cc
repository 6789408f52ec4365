#include "src/linalg/blas_backend.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <stdexcept>

#include "src/core/context.h"
#include "src/core/error.h"
#include "src/core/rng.h"
#include "src/core/timing.h"
#include "src/linalg/blas_threads.h"

namespace prism::linalg {
namespace fs = std::filesystem;
namespace {

const char* kLibDir = "/usr/lib/x86_64-linux-gnu";

std::string package_version(const std::string& pkg) {
  std::string out;
  if (FILE* p = popen(("dpkg-query -W -f='${Version}' " + pkg + " 2>/dev/null").c_str(), "r")) {
    char buf[128];
    while (fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  return out;
}

// BLIS picks its kernels by CPU family; with no hint it may fall back to
// generic code. Map this CPU's flags to the family name BLIS knows.
std::string blis_arch() {
  FILE* f = fopen("/proc/cpuinfo", "r");
  if (!f) return "";
  char line[4096];
  bool avx512 = false, avx2 = false, amd = false;
  while (fgets(line, sizeof line, f)) {
    std::string s(line);
    if (s.rfind("flags", 0) == 0) {
      avx512 = s.find(" avx512f") != std::string::npos;
      avx2 = s.find(" avx2") != std::string::npos;
      break;
    }
    if (s.rfind("vendor_id", 0) == 0) amd = s.find("AMD") != std::string::npos;
  }
  fclose(f);
  if (amd) return avx2 ? "zen" : "generic";
  if (avx512) return "skx";
  if (avx2) return "haswell";
  return "generic";
}

}  // namespace

bool backend_runs_threads(const std::string& name) { return name == "openblas" || name == "blis"; }

std::vector<Backend> known_backends() {
  std::vector<Backend> out;
  auto add = [&](std::string name, std::vector<std::string> dirs, std::string pkg) {
    Backend b;
    b.name = std::move(name);
    for (auto& d : dirs) b.library_dirs.push_back(std::string(kLibDir) + "/" + d);
    for (const auto& d : b.library_dirs) {
      if (b.blas_file.empty() && fs::exists(d + "/libblas.so.3")) b.blas_file = fs::canonical(d + "/libblas.so.3");
      if (b.lapack_file.empty() && fs::exists(d + "/liblapack.so.3")) b.lapack_file = fs::canonical(d + "/liblapack.so.3");
    }
    b.available = !b.blas_file.empty() && !b.lapack_file.empty();
    if (!b.available) b.why_not = "package " + pkg + " is not installed (scripts/setup installs it)";
    b.version = package_version(pkg);
    b.threaded = backend_runs_threads(b.name);
    out.push_back(b);
  };
  add("reference", {"blas", "lapack"}, "libblas3");
  add("openblas", {"openblas-pthread"}, "libopenblas0-pthread");
  // BLIS's OpenMP build where installed: Debian's pthreads build starts its
  // threads afresh in every level-3 call (1207 clone3 calls in a 0.1 s claim),
  // so the many small calls of simplicial-excess-risk ran 13-22x slower on 2
  // threads than on 1; OpenMP keeps one pool. The pthreads build still serves
  // a machine that has only it.
  const std::string lib = kLibDir;
  if (fs::exists(lib + "/blis-openmp/libblas.so.3") || !fs::exists(lib + "/blis-pthread"))
    add("blis", {"blis-openmp", "lapack"}, "libblis4-openmp");
  else
    add("blis", {"blis-pthread", "lapack"}, "libblis4-pthread");
  add("atlas", {"atlas"}, "libatlas3-base");
  Backend eigen;
  eigen.name = "eigen";
  const fs::path exe = fs::path(PRISM_SOURCE_DIR) / "build" / "release-eigen" / "prism";
  eigen.blas_file = "(Eigen's own kernels, built in)";
  eigen.lapack_file = exe.string();
  eigen.available = fs::exists(exe);
  if (!eigen.available) eigen.why_not = "build it: cmake --preset release-eigen && cmake --build --preset release-eigen";
  eigen.version = package_version("libeigen3-dev");
  eigen.threaded = backend_runs_threads(eigen.name);
  out.push_back(eigen);
  return out;
}

void ensure_backend(const std::string& name, int threads, int argc, char** argv) {
  const char* active = std::getenv("PRISM_BLAS_ACTIVE");
  if (active && name == active) return;
  const int n = threads > 0 ? threads : static_cast<int>(std::thread::hardware_concurrency());
  const std::string nt = std::to_string(n);
  for (const char* v : {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "BLIS_NUM_THREADS", "GOTO_NUM_THREADS"})
    setenv(v, nt.c_str(), 1);
  setenv("PRISM_BLAS_ACTIVE", name.c_str(), 1);
  std::string exe = "/proc/self/exe";
  const Backend* chosen = nullptr;
  auto all = known_backends();
  for (const auto& b : all)
    if (b.name == name) chosen = &b;
  if (!chosen) {
    std::string names;
    for (const auto& b : all) names += " " + b.name;
    throw InputError("--blas " + name, "unknown backend", "one of:" + names + " (see `prism blas`)");
  }
  if (!chosen->available) throw InputError("--blas " + name, "backend not available", chosen->why_not);
  if (name == "eigen") {
#ifdef PRISM_EIGEN_NATIVE
    return;
#else
    exe = chosen->lapack_file;
#endif
  } else {
    std::string path;
    for (const auto& d : chosen->library_dirs) path += (path.empty() ? "" : ":") + d;
    // Before the caller's own path (kept: it may hold prism's other libraries);
    // verify_backend still rejects a different BLAS found first.
    if (const char* user = std::getenv("LD_LIBRARY_PATH"); user && *user) path += std::string(":") + user;
    setenv("LD_LIBRARY_PATH", path.c_str(), 1);
    if (name == "blis" && !std::getenv("BLIS_ARCH_TYPE")) setenv("BLIS_ARCH_TYPE", blis_arch().c_str(), 1);
  }
  fflush(nullptr);
  execv(exe.c_str(), argv);
  throw InputError(exe, "could not re-execute for --blas " + name + ": " + std::strerror(errno),
                   "run prism from a path it can read back (/proc/self/exe), or leave out --blas and --threads");
}

void verify_backend(const std::string& requested) {
  const Json info = blas_info();
  const std::string got = info.value("backend", "unknown");
  if (got != requested)
    throw InputError("--blas " + requested,
                     "the process loaded '" + got + "' (" + info.value("library", "?") + "), not the requested backend",
                     "check `prism blas` and the LD_LIBRARY_PATH of this shell");
}

Json backends_json() {
  Json j = Json::array();
  for (const auto& b : known_backends())
    j.push_back({{"name", b.name}, {"available", b.available}, {"blas", b.blas_file}, {"lapack", b.lapack_file},
                 {"version", b.version}, {"threaded", b.threaded}, {"dirs", b.library_dirs}, {"why_not", b.why_not}});
  return j;
}

std::string oversubscription_note(double other_runnable, int blas_threads, int cores) {
  if (blas_threads <= 1 || other_runnable + blas_threads <= cores + 0.5) return "";
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "note: %.0f other runnable thread(s) on %d cores with %d BLAS threads: multi-threaded BLAS spin-waits and can "
                "run many times slower beside other work; timings from this run are not representative "
                "(--threads 1 avoids the contention)",
                other_runnable, cores, blas_threads);
  return buf;
}

std::string oversubscription_note() {
  // Runnable threads of OTHER processes right now: the 4th field of
  // /proc/loadavg ("running/total") less this process's own runnable threads
  // (a BLAS pool may still spin from its start-up). The least of a few samples:
  // a CPU-bound competitor is runnable in every one, a passing shell is not,
  // and the 1-minute average would still remember a run that has just ended.
  double load = 1e9;
  for (int sample = 0; sample < 5; ++sample) {
    std::ifstream in("/proc/loadavg");
    double avg1, avg5, avg15;
    int running = 0;
    if (!(in >> avg1 >> avg5 >> avg15 >> running)) return "";
    int own = 0;
    std::error_code ec;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
      std::ifstream stat(task.path() / "stat");
      std::string line;
      std::getline(stat, line);
      const auto paren = line.rfind(')');  // the state follows the command name in parentheses
      if (paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] == 'R') ++own;
    }
    load = std::min(load, static_cast<double>(running - std::max(own, 1)));
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const std::string backend = blas_info().value("backend", "");
  if (!backend_runs_threads(backend)) return "";
  int threads = cores;
  const char* var = backend == "blis" ? "BLIS_NUM_THREADS" : "OPENBLAS_NUM_THREADS";
  if (const char* t = std::getenv(var)) threads = std::max(1, std::atoi(t));
  return oversubscription_note(load, threads, cores);
}

bool blas_runs_small_calls_serially() {
  static const bool serial = blas_info().value("backend", "") != "blis" || blas_threads() <= 1;
  return serial;
}

double measure_dgemm_gflops(Eigen::Index n, int repetitions) {
  if (n < 1 || repetitions < 1)
    throw std::invalid_argument("measure_dgemm_gflops: expected n >= 1 and repetitions >= 1, got n = " +
                                std::to_string(n) + ", repetitions = " + std::to_string(repetitions));
  Rng rng(1, "dgemm-rate");
  const Eigen::MatrixXd A = rng.normal_matrix(n, n), B = rng.normal_matrix(n, n);
  Eigen::MatrixXd C(n, n);
  double best = 0;
  for (int rep = 0; rep < repetitions; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    C.noalias() = A * B;
    best = std::max(best, gflop_rate(2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n),
                                     seconds_since(start)));
  }
  return best;
}

}  // namespace prism::linalg
