#include "src/core/journal.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "src/core/error.h"
#include "src/core/results.h"

namespace prism {
namespace {

Json encode_series(const Series& s) {
  Json x = Json::array(), y = Json::array();
  for (double v : s.x) x.push_back(encode_number(v));
  for (double v : s.y) y.push_back(encode_number(v));
  return {{"x", x}, {"y", y}};
}

std::vector<double> decode_numbers(const Json& a, const std::string& where) {
  std::vector<double> out;
  for (const auto& v : a) out.push_back(decode_number(v, where));
  return out;
}

}  // namespace

JournalWriter::JournalWriter(const std::filesystem::path& path, const Json& identity, bool append) : path_(path) {
  file_ = std::fopen(path.c_str(), append ? "a" : "w");
  if (!file_)
    throw OutputError(path.string(), std::string("cannot open the journal: ") + std::strerror(errno),
                      "choose a writable --out");
  if (!append) write_line(Json{{"journal", 1}, {"run", identity}}.dump());
}

JournalWriter::~JournalWriter() {
  if (file_) std::fclose(file_);
}

void JournalWriter::write_line(const std::string& line) {
  const std::string whole = line + "\n";
  if (std::fwrite(whole.data(), 1, whole.size(), file_) != whole.size() || std::fflush(file_) != 0 ||
      ::fsync(fileno(file_)) != 0)
    throw OutputError(path_.string(), std::string("cannot write the journal: ") + std::strerror(errno),
                      "free space there; every run journaled before this one is kept, and `prism run --resume " +
                          path_.parent_path().string() + "` measures only the rest");
}

void JournalWriter::append(const JournalEntry& e) {
  Json scalars = Json::object(), series = Json::object();
  for (const auto& [k, v] : e.measurement.scalars) scalars[k] = encode_number(v);
  for (const auto& [k, s] : e.measurement.series) series[k] = encode_series(s);
  write_line(Json{{"claim", e.claim},
                  {"point", e.point},
                  {"params", e.params},
                  {"seed", e.seed},
                  {"scalars", scalars},
                  {"series", series},
                  {"benchmark", e.benchmark},
                  {"seconds", e.seconds}}
                 .dump());
}

Journal read_journal(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in)
    throw InputError(path.string(), "no journal to resume from",
                     "pass the OUT folder of an earlier `prism run` (it holds journal.jsonl)");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  // A kill mid-write leaves the last line without its newline or cut short.
  const bool last_complete = !lines.empty() && [&] {
    in.clear();
    in.seekg(-1, std::ios::end);
    return in.get() == '\n';
  }();
  Journal j;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = fmt::format("{}:{}", path.string(), i + 1);
    Json line;
    try {
      line = Json::parse(lines[i]);
    } catch (const Json::parse_error&) {
      if (i + 1 == lines.size() && !last_complete) break;  // the run died writing it
      throw InputError(where, "corrupt journal line", "start a fresh run without --resume");
    }
    try {
      if (i == 0) {
        if (line.value("journal", 0) != 1) throw InputError(where, "not a prism journal (no \"journal\": 1 header)",
                                                        "start a fresh run without --resume");
        j.identity = line.at("run");
        continue;
      }
      JournalEntry e;
      e.claim = line.at("claim").get<std::string>();
      e.point = line.at("point").get<std::size_t>();
      e.params = line.at("params");
      e.seed = line.at("seed").get<std::uint64_t>();
      for (const auto& [k, v] : line.at("scalars").items()) e.measurement.scalars[k] = decode_number(v, where);
      for (const auto& [k, v] : line.at("series").items())
        e.measurement.series[k] = Series{decode_numbers(v.at("x"), where), decode_numbers(v.at("y"), where)};
      e.benchmark = line.at("benchmark");
      e.seconds = line.at("seconds").get<double>();
      j.entries.push_back(std::move(e));
    } catch (const Json::exception& ex) {
      throw InputError(where, std::string("malformed journal line: ") + ex.what(), "start a fresh run without --resume");
    }
  }
  if (j.identity.is_null()) throw InputError(path.string(), "empty journal", "start a fresh run without --resume");
  return j;
}

void require_same_run(const Journal& journal, const Json& expected, const std::filesystem::path& path,
                      const std::string& fix, const std::string& ours) {
  std::vector<std::string> differ;
  for (const auto& [k, v] : expected.items()) {
    if (!journal.identity.contains(k)) differ.push_back(fmt::format("{}: journal has none, {} {}", k, ours, v.dump()));
    else if (journal.identity[k] != v)
      differ.push_back(fmt::format("{}: journal {}, {} {}", k, journal.identity[k].dump(), ours, v.dump()));
  }
  if (!differ.empty())
    throw InputError(path.string(), "the journal is from another run (" + fmt::format("{}", fmt::join(differ, "; ")) + ")",
                     fix);
}

}  // namespace prism
