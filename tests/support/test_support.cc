#include "tests/support/test_support.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <typeinfo>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define PRISM_HAVE_CXXABI 1
#endif

namespace prism::testing {

namespace fs = std::filesystem;

namespace {

// "Suite.Name" of the running test, in characters safe for a file name
// (parameterised tests carry '/'); empty outside a test.
std::string current_test_name() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info == nullptr) return "";
  std::string name = std::string(info->test_suite_name()) + "." + info->name();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') c = '_';
  }
  return name;
}

// "a", "b" and "c", for the failure messages.
std::string quoted_list(const std::vector<std::string>& fragments) {
  std::ostringstream out;
  for (size_t i = 0; i < fragments.size(); ++i) {
    if (i > 0) out << (i + 1 == fragments.size() ? " and " : ", ");
    out << '"' << fragments[i] << '"';
  }
  return out.str();
}

std::string expectation(const char* statement, const char* type, const std::vector<std::string>& fragments) {
  std::string text = std::string("Expected: ") + statement + " throws " + type;
  if (!fragments.empty()) text += " whose message contains " + quoted_list(fragments);
  return text;
}

}  // namespace

ScratchDir::ScratchDir(const std::string& prefix) {
  // The counter keeps two folders of one test apart.
  static std::atomic<int> count{0};
  std::string name = prefix;
  if (const std::string test = current_test_name(); !test.empty()) name += "-" + test;
  name += "-" + std::to_string(::getpid()) + "-" + std::to_string(count++);
  path_ = fs::temp_directory_path() / name;
  fs::remove_all(path_);  // left by an earlier process with the same pid
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;  // a destructor must not throw
  fs::remove_all(path_, ignored);
}

fs::path ScratchDir::write(const fs::path& name, const std::string& text) const {
  const fs::path file = path_ / name;
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error("ScratchDir::write: cannot write " + file.string());
  return file;
}

ScopedEnv::ScopedEnv(std::string name, const std::optional<std::string>& value) : name_(std::move(name)) {
  if (const char* old = std::getenv(name_.c_str())) old_ = old;
  if (value) {
    ::setenv(name_.c_str(), value->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

ScopedEnv::~ScopedEnv() {
  if (old_) {
    ::setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    ::unsetenv(name_.c_str());
  }
}

CommandResult run_command(const std::string& command) {
  CommandResult r;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
  const int raw = pclose(p);
  r.status = raw != -1 && WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

namespace internal {

::testing::AssertionResult MessageContains(const char* statement, const char* type, const std::exception& thrown,
                                           const std::vector<std::string>& fragments) {
  const std::string what = thrown.what();
  std::vector<std::string> missing;
  for (const auto& fragment : fragments) {
    if (what.find(fragment) == std::string::npos) missing.push_back(fragment);
  }
  if (missing.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << expectation(statement, type, fragments) << "\n  Actual: it throws "
                                       << TypeName(thrown) << " with the message\n    " << what << "\n  which lacks "
                                       << quoted_list(missing);
}

::testing::AssertionResult NothingThrown(const char* statement, const char* type,
                                         const std::vector<std::string>& fragments) {
  return ::testing::AssertionFailure() << expectation(statement, type, fragments)
                                       << "\n  Actual: it throws nothing";
}

::testing::AssertionResult OtherThrown(const char* statement, const char* type,
                                       const std::vector<std::string>& fragments, const std::string& actual) {
  return ::testing::AssertionFailure() << expectation(statement, type, fragments) << "\n  Actual: it throws "
                                       << actual;
}

std::string TypeName(const std::exception& e) {
  std::string type = typeid(e).name();
#ifdef PRISM_HAVE_CXXABI
  int status = 0;
  if (char* demangled = abi::__cxa_demangle(type.c_str(), nullptr, nullptr, &status)) {
    if (status == 0) type = demangled;
    std::free(demangled);
  }
#endif
  return type;
}

}  // namespace internal

}  // namespace prism::testing
