// The run journal, OUT/journal.jsonl: a write-ahead log of `prism run`.
//
// Line 1 names the run (preset, filter, seed count and base, shard, claims,
// commit); every later line is one finished (claim, point, seed) run: its
// scalars and series (non-finite numbers encoded as in results.json), its
// Google Benchmark record and its seconds. Each line is written whole,
// flushed and fsynced before the next run starts, so a run killed at any
// moment (SIGKILL, out of memory, a cluster's time limit) keeps every run it
// finished; `prism run --resume OUT` reads them back and measures only the rest.
// A final line cut short by the kill is ignored (it was never complete).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "src/core/claim.h"

namespace prism {

struct JournalEntry {
  std::string claim;
  std::size_t point = 0;  // index in the claim's sweep
  Json params;            // the point's parameters, checked on resume
  std::uint64_t seed = 0;
  Measurement measurement;
  Json benchmark;         // the run as the progress reporter recorded it
  double seconds = 0;
};

class JournalWriter {
 public:
  // Starts a new journal at `path` with `identity` as its first line (truncating
  // an old one), or, with `append`, continues an existing one.
  JournalWriter(const std::filesystem::path& path, const Json& identity, bool append);
  ~JournalWriter();
  JournalWriter(const JournalWriter&) = delete;
  JournalWriter& operator=(const JournalWriter&) = delete;

  // Appends one finished run; returns when it is on disk (fsync).
  void append(const JournalEntry& e);

 private:
  void write_line(const std::string& line);
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

struct Journal {
  Json identity;
  std::vector<JournalEntry> entries;
};

// Reads a journal. InputError (exit 2) naming the file when it is missing or a
// line other than the last is corrupt.
Journal read_journal(const std::filesystem::path& path);

// InputError naming every field of `expected` that the journal's identity
// lacks or holds differently ("preset: journal quick, this run full"), with
// `fix` as its remedy; `ours` names the side of `expected` ("this build" for
// `prism report`, which checks the build, not a run).
void require_same_run(const Journal& journal, const Json& expected, const std::filesystem::path& path,
                      const std::string& fix = "resume with the options of that run, or start a fresh run without "
                                               "--resume",
                      const std::string& ours = "this run");

}  // namespace prism
