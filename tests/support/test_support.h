// Scaffolding shared by the prism tests: a scratch folder per test, an
// environment variable set for one scope, and expectations on the message of a
// thrown exception.
#pragma once

#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace prism::testing {

// A fresh, empty folder under std::filesystem::temp_directory_path(), removed
// with everything in it when the object goes out of scope. Its name carries
// `prefix`, the running test's name and the process id, so test binaries run in
// parallel (ctest -j) never share a folder, and a leftover one says who left it.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix = "prism-test");
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }

  // Writes `text` to the file `name` in this folder, replacing it and creating
  // its parent folders; returns its path. Throws std::runtime_error if the file
  // cannot be written, so a test never reads back an empty file by mistake.
  std::filesystem::path write(const std::filesystem::path& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

// Sets the environment variable `name` to `value`, or unsets it for
// std::nullopt, and restores its previous value (or absence) on destruction.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::optional<std::string>& value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// What a shell command wrote to stdout, and how it ended.
struct CommandResult {
  int status = -1;     // its exit status; -1 if it could not start or did not exit normally
  std::string output;  // its stdout (append 2>&1 to the command for stderr too)
};

// Runs `command` with /bin/sh (popen) and waits for it.
CommandResult run_command(const std::string& command);

namespace internal {

// The non-template halves of ThrowsWith.
::testing::AssertionResult MessageContains(const char* statement, const char* type, const std::exception& thrown,
                                           const std::vector<std::string>& fragments);
::testing::AssertionResult NothingThrown(const char* statement, const char* type,
                                         const std::vector<std::string>& fragments);
::testing::AssertionResult OtherThrown(const char* statement, const char* type,
                                       const std::vector<std::string>& fragments, const std::string& actual);
// The dynamic type of `e`, demangled: "std::invalid_argument".
std::string TypeName(const std::exception& e);

}  // namespace internal

// Success if `statement()` throws an Exception (or a subclass) whose what()
// contains every one of `fragments`. A failure states the expectation and what
// happened instead: the actual message, another exception type, or no throw.
// `statement_text` and `type_text` are how the failure names the two.
template <typename Exception, typename Statement>
::testing::AssertionResult ThrowsWith(Statement&& statement, const char* statement_text, const char* type_text,
                                      const std::vector<std::string>& fragments) {
  static_assert(std::is_base_of_v<std::exception, Exception>, "ThrowsWith needs a std::exception type");
  try {
    std::forward<Statement>(statement)();
  } catch (const std::exception& e) {
    // One handler and a cast: a second `catch (const Exception&)` would be
    // unreachable, and warned about, when Exception is std::exception itself.
    if (dynamic_cast<const Exception*>(&e) != nullptr)
      return internal::MessageContains(statement_text, type_text, e, fragments);
    return internal::OtherThrown(statement_text, type_text, fragments, internal::TypeName(e) + ": " + e.what());
  } catch (...) {
    return internal::OtherThrown(statement_text, type_text, fragments, "an exception not derived from std::exception");
  }
  return internal::NothingThrown(statement_text, type_text, fragments);
}

// The Exception that `statement()` throws, for checks beyond its message; nullopt
// if it throws nothing or another type (ThrowsWith reports those).
template <typename Exception, typename Statement>
std::optional<Exception> Caught(Statement&& statement) {
  try {
    std::forward<Statement>(statement)();
  } catch (const Exception& e) {
    return e;
  } catch (...) {
  }
  return std::nullopt;
}

}  // namespace prism::testing

// PRISM_EXPECT_THROW_WITH(statement, ExceptionType, "fragment", ...): a
// non-fatal failure unless `statement` throws ExceptionType (or a subclass)
// whose what() contains every fragment (std::string or const char*, or one
// std::vector<std::string> of them).
// PRISM_ASSERT_THROW_WITH is the fatal variant. Both accept `<< "context"`.
#define PRISM_EXPECT_THROW_WITH(statement, exception, ...) \
  PRISM_THROW_WITH_IMPL_(statement, exception, GTEST_NONFATAL_FAILURE_, __VA_ARGS__)
#define PRISM_ASSERT_THROW_WITH(statement, exception, ...) \
  PRISM_THROW_WITH_IMPL_(statement, exception, GTEST_FATAL_FAILURE_, __VA_ARGS__)

// Built the way gtest builds EXPECT_THROW: the switch keeps a caller's
// `if (...) PRISM_EXPECT_...; else ...` from binding its else to ours, and
// gtest's failure macros put a caller's `<< context` on a line of its own.
#define PRISM_THROW_WITH_IMPL_(statement, exception, on_failure, ...)                                   \
  switch (0)                                                                                           \
  case 0:                                                                                              \
  default:                                                                                             \
    if (const ::testing::AssertionResult prism_throw_with_result = ::prism::testing::ThrowsWith<exception>( \
            [&] { statement; }, #statement, #exception, {__VA_ARGS__})) {                              \
    } else                                                                                             \
      on_failure(prism_throw_with_result.message())
