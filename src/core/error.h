// Errors that end a prism run with exit status 2 (bad usage or bad input).
//
// Contract: every InputError names the offending file (or option) and says
// what to do about it. The CLI prints what() and exits 2; nothing else in the
// program catches these, so a bad input can never turn into a silent pass.
#pragma once

#include <stdexcept>
#include <string>

namespace prism {

class InputError : public std::runtime_error {
 public:
  // `where`: the file or option at fault; `what`: what is wrong; `fix`: what to do.
  InputError(std::string where, const std::string& what, const std::string& fix = "")
      : std::runtime_error(where + ": " + what + (fix.empty() ? "" : "\n  fix: " + fix)),
        where_(std::move(where)) {}
  // The same error with one more line under it (what was kept, how to go on).
  InputError(const InputError& e, const std::string& note)
      : std::runtime_error(std::string(e.what()) + "\n  " + note), where_(e.where()) {}
  const std::string& where() const { return where_; }

 private:
  std::string where_;
};

// A place prism cannot write: a file where a folder should be, a missing or
// read-only folder, a full disk. Raised before measuring where it can be
// foreseen (--out, --junit, ...), and by every write that fails.
class OutputError : public InputError {
 public:
  using InputError::InputError;
};

// A data file that is missing, truncated or malformed.
class DataError : public InputError {
 public:
  using InputError::InputError;
};

// A reference/*.toml file that does not parse or does not follow the schema.
class ReferenceError : public InputError {
 public:
  using InputError::InputError;
};

// A measurement that is not a finite number. Raised by the engine, exit 2:
// a NaN must never reach a check, where it could compare its way to a pass.
class MeasurementError : public InputError {
 public:
  using InputError::InputError;
};

}  // namespace prism
