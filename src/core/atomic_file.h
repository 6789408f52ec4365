// Files that are either absent, old, or complete: written to a temporary name
// in the same folder, flushed to disk, then renamed over the target (rename is
// atomic within a file system). A run killed while writing leaves at most a
// stray "<name>.tmp", never a half-written result.
#pragma once

#include <filesystem>
#include <string>

namespace prism {

// Writes `content` to `path` atomically; OutputError naming the file and the
// system's reason (ENOSPC, EFBIG, EACCES...) on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

// Renames `from` over `to` (same folder) after flushing `from` to disk.
void commit_file(const std::filesystem::path& from, const std::filesystem::path& to);

// Fails early, before anything is measured, for a place a run could not write.
// Folder: created if missing; OutputError naming `option` when it is a file,
// cannot be created, or refuses a new file. File: the same for its folder; an
// existing folder of that name is refused.
void ensure_writable_folder(const std::filesystem::path& dir, const std::string& option);
void ensure_writable_file(const std::filesystem::path& file, const std::string& option);

}  // namespace prism
