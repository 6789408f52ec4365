// IDX files (the MNIST container format), plain or gzip-compressed.
//
// Layout: magic 0x00 0x00 <type> <ndims>, then ndims big-endian uint32
// dimensions, then the elements in row-major order. Only type 0x08 (unsigned
// byte) is supported: it is what MNIST and Fashion-MNIST use.
//
// read_idx never returns partial data: a missing, truncated, malformed or
// over-long file throws prism::DataError naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace prism::data {

struct IdxArray {
  std::vector<std::uint32_t> dims;  // dims[0] is the number of items
  std::vector<std::uint8_t> data;   // row-major, size() == product of dims
};

// Reads an IDX file; gzip when the name ends in ".gz" or the file starts with
// the gzip magic bytes. `fix` is the advice put in every error for a corrupt
// file (callers know where a good copy comes from); empty = generic advice.
IdxArray read_idx(const std::filesystem::path& path, const std::string& fix = "");

// read_idx through a process-wide cache: a file already read (same absolute
// path, size and modification time) is not decompressed again. The MNIST
// claims load the same 47 MB training file once per share group, and gunzip
// costs ~0.3 s each time. A file changed on disk is read afresh; a failed read
// is not cached. Thread-safe.
std::shared_ptr<const IdxArray> read_idx_shared(const std::filesystem::path& path, const std::string& fix = "");

// Header + payload bytes of `array`. Throws std::invalid_argument when the
// dimensions do not match the data (a caller bug, not bad input).
std::vector<std::uint8_t> encode_idx(const IdxArray& array);

// Writes `array` as IDX, gzip-compressed when the name ends in ".gz".
void write_idx(const std::filesystem::path& path, const IdxArray& array);

// Writes raw bytes, gzip-compressed when the name ends in ".gz". For test
// fixtures that must be malformed on purpose.
void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);

}  // namespace prism::data
