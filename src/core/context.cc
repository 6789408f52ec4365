#include "src/core/context.h"

#include "prism/git_info.h"
#include "src/core/malloc_tunables.h"

#include <dlfcn.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

namespace prism {
namespace {

std::string provider_of(const char* symbol) {
  void* sym = dlsym(RTLD_DEFAULT, symbol);
  if (!sym) return "";
  Dl_info info{};
  if (!dladdr(sym, &info) || !info.dli_fname) return "";
  std::error_code ec;
  auto real = std::filesystem::canonical(info.dli_fname, ec);
  return ec ? std::string(info.dli_fname) : real.string();
}

bool is_linalg_library(const std::string& path) {
  const std::string name = std::filesystem::path(path).filename().string();
  for (const char* key : {"blas", "lapack", "blis", "atlas", "openblas", "mkl", "gfortran"})
    if (name.find(key) != std::string::npos) return true;
  return false;
}

}  // namespace

Json blas_info() {
  Json j;
  std::set<std::string> mapped;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (is_linalg_library(path)) mapped.insert(path);
  }
  j["mapped"] = Json::array();
  for (const auto& m : mapped) j["mapped"].push_back(m);
  const std::string dgemm = provider_of("dgemm_");
  const std::string dpotrf = provider_of("dpotrf_");
#ifdef PRISM_EIGEN_NATIVE
  // Eigen's own kernels are compiled into the executable; a BLAS that a
  // dependency maps (Clp links LAPACK) is recorded but unused by Eigen.
  j["flavour"] = "eigen";
  std::error_code ec;
  j["library"] = std::filesystem::canonical("/proc/self/exe", ec).string();
  j["note"] = "Eigen's own kernels (PRISM_EIGEN_NATIVE); dgemm_provider is mapped by a dependency only";
#else
  j["flavour"] = "blas";
  j["library"] = dgemm;
#endif
  j["dgemm_provider"] = dgemm;
  j["lapack_library"] = dpotrf;
  // Debian installs each implementation in its own directory (openblas-pthread,
  // blis-openmp or blis-pthread, atlas, blas for the reference one); name it by that.
  std::string name = "unknown";
  const std::string probe = dgemm.empty() ? "" : dgemm;
  if (probe.find("openblas") != std::string::npos) name = "openblas";
  else if (probe.find("blis") != std::string::npos) name = "blis";
  else if (probe.find("atlas") != std::string::npos) name = "atlas";
  else if (probe.find("/blas/") != std::string::npos) name = "reference";
  else if (probe.empty()) name = "eigen";
#ifdef PRISM_EIGEN_NATIVE
  name = "eigen";
#endif
  j["backend"] = name;
  if (auto* f = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"))) j["openblas_threads"] = f();
  if (auto* f = reinterpret_cast<char* (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) j["openblas_config"] = f();
  if (auto* f = reinterpret_cast<char* (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_corename"))) j["openblas_core"] = f();
  return j;
}

Json thread_environment() {
  Json j = Json::object();
  for (const char* v : {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS", "BLIS_ARCH_TYPE",
                        "OPENBLAS_CORETYPE", "GOTO_NUM_THREADS"})
    if (const char* s = std::getenv(v)) j[v] = s;
  return j;
}

Json machine_context() {
  Json j;
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line))
    if (line.rfind("model name", 0) == 0) {
      j["cpu"] = line.substr(line.find(':') + 2);
      break;
    }
  j["cores"] = std::thread::hardware_concurrency();
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  j["host"] = host;
#if defined(__clang__)
  j["compiler"] = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  j["compiler"] = std::string("g++ ") + __VERSION__;
#endif
#ifdef NDEBUG
  j["build"] = "release";
#else
  j["build"] = "debug";
#endif
  j["prism_version"] = PRISM_VERSION;
  // The tree the binary was built from (cmake/git_info.cmake), not the one it runs beside.
  j["git_commit"] = build_info::kGitCommit;
  j["git_dirty"] = build_info::kGitDirty;
  std::time_t now = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  j["started"] = buf;
  j["threads"] = thread_environment();
  // How large blocks are kept (src/core/malloc_tunables.h): it changes times, not values.
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  j["malloc"] = {{"GLIBC_TUNABLES", tunables ? tunables : ""}, {"transparent_huge_pages", transparent_huge_page_mode()}};
  return j;
}

}  // namespace prism
