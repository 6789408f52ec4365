#include "src/core/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "src/core/error.h"

namespace prism {
namespace {

constexpr const char* kFreeSpace = "free space there, or choose a writable place";

[[noreturn]] void fail(const std::filesystem::path& p, const char* what) {
  throw OutputError(p.string(), std::string(what) + ": " + std::strerror(errno), kFreeSpace);
}

void sync_file(const std::filesystem::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY);
  if (fd < 0) fail(p, "cannot open to sync");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail(p, "fsync failed");
}

void rename_over(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) throw OutputError(to.string(), "cannot rename from " + from.string() + ": " + ec.message(), kFreeSpace);
}

// The folder a run writes into: created if missing, refused if it is a file,
// and tried by creating and removing a file in it (the only test of
// writability that holds for root, read-only mounts and /proc alike). `where`
// names the option and the path the user gave.
void require_writable_folder(const std::filesystem::path& dir, const std::string& where) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
    throw OutputError(where, dir.string() + " is a file, not a folder", "name a folder (prism creates it if missing)");
  std::filesystem::create_directories(dir, ec);
  if (ec) throw OutputError(where, "cannot create the folder " + dir.string() + ": " + ec.message(), "choose a writable place");
  const std::filesystem::path probe = dir / ".prism-write-probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    throw OutputError(where, "cannot write in " + dir.string() + ": " + std::strerror(errno), "choose a writable place");
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail(tmp, "cannot create");
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());  // a full disk keeps no half-written temporary
      errno = err;
      fail(tmp, "write failed");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    errno = err;
    fail(tmp, "fsync failed");
  }
  ::close(fd);
  rename_over(tmp, path);
}

void commit_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  sync_file(from);
  rename_over(from, to);
}

void ensure_writable_folder(const std::filesystem::path& dir, const std::string& option) {
  require_writable_folder(dir, option + " " + dir.string());
}

void ensure_writable_file(const std::filesystem::path& file, const std::string& option) {
  const std::string where = option + " " + file.string();
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw OutputError(where, "is a folder, not a file", "name the file to write");
  require_writable_folder(file.parent_path().empty() ? "." : file.parent_path(), where);
}

}  // namespace prism
