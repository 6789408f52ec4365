#include "datasets/idx.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include "src/core/error.h"

namespace prism::data {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMagicBytes = 4;
constexpr std::size_t kDimBytes = 4;
constexpr std::uint8_t kTypeUnsignedByte = 0x08;
constexpr std::size_t kMaxDims = 255;  // the dimension count is one byte
constexpr std::array<std::uint8_t, 2> kGzipMagic = {0x1f, 0x8b};
constexpr unsigned kGzipChunk = 1u << 20;

// Element types the IDX format defines; all but 0x08 are rejected by name.
std::string_view type_name(std::uint8_t type) {
  switch (type) {
    case 0x08:
      return "unsigned byte";
    case 0x09:
      return "signed byte";
    case 0x0B:
      return "int16";
    case 0x0C:
      return "int32";
    case 0x0D:
      return "float32";
    case 0x0E:
      return "float64";
    default:
      return "";
  }
}

std::string path_string(const fs::path& path) { return path.string(); }

std::string corrupt_fix(const std::string& fix) {
  return fix.empty() ? "replace the file with an intact copy" : fix;
}

bool has_gz_suffix(const fs::path& path) { return path.extension() == ".gz"; }

// The first two bytes, or fewer when the file is shorter.
std::vector<std::uint8_t> peek(const fs::path& path, const std::string& fix) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path_string(path), "cannot open file for reading", corrupt_fix(fix));
  std::vector<std::uint8_t> head(kGzipMagic.size());
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

std::vector<std::uint8_t> read_plain(const fs::path& path, const std::string& fix) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec)
    throw DataError(path_string(path), "cannot read file size: " + ec.message(), corrupt_fix(fix));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path_string(path), "cannot open file for reading", corrupt_fix(fix));
  std::vector<std::uint8_t> bytes(size);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    throw DataError(
        path_string(path),
        fmt::format("read {} of {} bytes (file changed or I/O error)", in.gcount(), size),
        corrupt_fix(fix));
  }
  return bytes;
}

std::vector<std::uint8_t> read_gzip(const fs::path& path, const std::string& fix) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr)
    throw DataError(path_string(path), "cannot open gzip file", corrupt_fix(fix));
  gzbuffer(file, kGzipChunk);
  std::vector<std::uint8_t> bytes;
  std::string error;
  for (;;) {
    const std::size_t old_size = bytes.size();
    bytes.resize(old_size + kGzipChunk);
    const int n = gzread(file, bytes.data() + old_size, kGzipChunk);
    bytes.resize(old_size + static_cast<std::size_t>(n > 0 ? n : 0));
    int code = Z_OK;
    const char* message = gzerror(file, &code);
    // zlib reports a cut-off stream as Z_BUF_ERROR, with the bytes so far returned.
    if (code == Z_BUF_ERROR) {
      error =
          fmt::format("truncated gzip stream ({} bytes decompressed before it ends)", bytes.size());
      break;
    }
    if (n < 0 || code != Z_OK) {
      // gzerror prefixes the path, which DataError already gives.
      std::string detail = message != nullptr ? message : "unknown zlib error";
      const std::string prefix = path.string() + ": ";
      if (detail.rfind(prefix, 0) == 0) detail.erase(0, prefix.size());
      error = "corrupt gzip stream: " + detail;
      break;
    }
    if (n == 0) break;
  }
  const int close_code = gzclose_r(file);
  if (error.empty() && close_code != Z_OK) error = "corrupt gzip stream (error on close)";
  if (!error.empty()) throw DataError(path_string(path), error, corrupt_fix(fix));
  return bytes;
}

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::string shape_string(const std::vector<std::uint32_t>& dims) {
  return fmt::format("{}", fmt::join(dims, " x "));
}

IdxArray parse(std::vector<std::uint8_t> bytes, const fs::path& path, const std::string& fix) {
  const std::string where = path_string(path);
  const std::string repair = corrupt_fix(fix);
  if (bytes.size() < kMagicBytes) {
    throw DataError(where,
                    fmt::format("truncated: {} bytes, shorter than the {}-byte IDX header",
                                bytes.size(), kMagicBytes),
                    repair);
  }
  const std::uint32_t magic = big_endian_u32(bytes.data());
  const std::uint8_t type = bytes[2];
  const std::size_t ndims = bytes[3];
  if (bytes[0] != 0 || bytes[1] != 0 || type_name(type).empty()) {
    throw DataError(where,
                    fmt::format("wrong magic number 0x{:08X}: not an IDX file "
                                "(expected 0x0000 <type> <dims>)",
                                magic),
                    repair);
  }
  if (type != kTypeUnsignedByte) {
    throw DataError(where,
                    fmt::format("unsupported IDX element type 0x{:02X} ({}); only 0x{:02X} "
                                "(unsigned byte) is supported",
                                type, type_name(type), kTypeUnsignedByte),
                    "convert the file to unsigned bytes, or use the original MNIST-format file");
  }
  if (ndims == 0) throw DataError(where, "IDX header declares 0 dimensions", repair);

  const std::size_t header = kMagicBytes + kDimBytes * ndims;
  if (bytes.size() < header) {
    throw DataError(where,
                    fmt::format("truncated: {} bytes, but the header of {} dimensions needs {}",
                                bytes.size(), ndims, header),
                    repair);
  }
  IdxArray array;
  array.dims.resize(ndims);
  for (std::size_t i = 0; i < ndims; ++i) {
    array.dims[i] = big_endian_u32(bytes.data() + kMagicBytes + kDimBytes * i);
    if (array.dims[i] == 0) {
      throw DataError(where, fmt::format("dimension {} of {} is 0", i, shape_string(array.dims)),
                      repair);
    }
  }

  // Multiply with a guard so a huge (corrupt) header cannot overflow.
  const std::uint64_t payload = bytes.size() - header;
  std::uint64_t expected = 1;
  bool exceeds = false;
  for (std::uint32_t d : array.dims) {
    if (expected > payload / d) {
      exceeds = true;
      break;
    }
    expected *= d;
  }
  if (exceeds || expected > payload) {
    throw DataError(where,
                    fmt::format("truncated: {} payload bytes, shape {} needs {}", payload,
                                shape_string(array.dims),
                                exceeds ? std::string("more") : std::to_string(expected)),
                    repair);
  }
  if (expected < payload) {
    throw DataError(where,
                    fmt::format("wrong length: {} payload bytes, shape {} needs exactly {} "
                                "({} trailing bytes)",
                                payload, shape_string(array.dims), expected, payload - expected),
                    repair);
  }
  bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(header));
  array.data = std::move(bytes);
  return array;
}

}  // namespace

IdxArray read_idx(const fs::path& path, const std::string& fix) {
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw DataError(path_string(path), "no such file", fix.empty() ? "check the path" : fix);
  }
  if (!fs::is_regular_file(path, ec))
    throw DataError(path_string(path), "not a regular file", corrupt_fix(fix));

  const std::vector<std::uint8_t> head = peek(path, fix);
  const bool gzip_magic =
      head.size() == kGzipMagic.size() && head[0] == kGzipMagic[0] && head[1] == kGzipMagic[1];
  if (has_gz_suffix(path) && !gzip_magic) {
    // zlib would read it through as plain data; a mislabelled file is more likely damaged.
    throw DataError(path_string(path), "named .gz but does not start with the gzip magic bytes",
                    corrupt_fix(fix));
  }
  return parse(gzip_magic ? read_gzip(path, fix) : read_plain(path, fix), path, fix);
}

std::shared_ptr<const IdxArray> read_idx_shared(const fs::path& path, const std::string& fix) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const IdxArray>> cache;
  std::error_code ec;
  const fs::path absolute = fs::absolute(path, ec);
  const auto size = fs::file_size(path, ec);
  const auto stamp = fs::last_write_time(path, ec).time_since_epoch().count();
  if (ec) return std::make_shared<const IdxArray>(read_idx(path, fix));  // read_idx names the problem
  const std::string key = fmt::format("{}|{}|{}", absolute.string(), size, stamp);
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, std::make_shared<const IdxArray>(read_idx(path, fix))).first;
  return it->second;
}

std::vector<std::uint8_t> encode_idx(const IdxArray& array) {
  if (array.dims.empty() || array.dims.size() > kMaxDims) {
    throw std::invalid_argument(
        fmt::format("encode_idx: {} dimensions, need 1..{}", array.dims.size(), kMaxDims));
  }
  std::uint64_t count = 1;
  for (std::uint32_t d : array.dims) {
    if (d == 0) throw std::invalid_argument("encode_idx: a dimension is 0");
    count *= d;
  }
  if (count != array.data.size()) {
    throw std::invalid_argument(fmt::format("encode_idx: shape {} needs {} elements, data has {}",
                                            shape_string(array.dims), count, array.data.size()));
  }
  std::vector<std::uint8_t> bytes = {0, 0, kTypeUnsignedByte,
                                     static_cast<std::uint8_t>(array.dims.size())};
  bytes.reserve(kMagicBytes + kDimBytes * array.dims.size() + array.data.size());
  for (std::uint32_t d : array.dims) {
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes.push_back(static_cast<std::uint8_t>(d >> shift));
  }
  bytes.insert(bytes.end(), array.data.begin(), array.data.end());
  return bytes;
}

void write_idx(const fs::path& path, const IdxArray& array) {
  write_bytes(path, encode_idx(array));
}

void write_bytes(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
  const std::string fix = "check that the folder exists and is writable";
  if (has_gz_suffix(path)) {
    gzFile file = gzopen(path.c_str(), "wb");
    if (file == nullptr) throw DataError(path_string(path), "cannot open for writing", fix);
    std::size_t done = 0;
    bool ok = true;
    while (ok && done < bytes.size()) {
      const unsigned n =
          static_cast<unsigned>(std::min<std::size_t>(kGzipChunk, bytes.size() - done));
      ok = gzwrite(file, bytes.data() + done, n) == static_cast<int>(n);
      done += n;
    }
    if (gzclose_w(file) != Z_OK || !ok) throw DataError(path_string(path), "write failed", fix);
    return;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw DataError(path_string(path), "cannot open for writing", fix);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw DataError(path_string(path), "write failed", fix);
}

}  // namespace prism::data
