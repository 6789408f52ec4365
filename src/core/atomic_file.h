// Files that are either absent, old, or complete: written to a temporary name
// in the same folder, flushed to disk, then renamed over the target (rename is
// atomic within a file system). A run killed while writing leaves at most a
// stray "<name>.tmp", never a half-written result.
#pragma once

#include <filesystem>
#include <string>

namespace prism {

// Writes `content` to `path` atomically; std::runtime_error naming the file on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

// Renames `from` over `to` (same folder) after flushing `from` to disk.
void commit_file(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace prism
