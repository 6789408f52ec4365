// IDX reader: round trips, and every malformed file throws DataError naming it.
#include "datasets/idx.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "src/core/error.h"
#include "tests/support/test_support.h"

namespace prism::data {
namespace {

namespace fs = std::filesystem;
using ::prism::testing::Caught;
using ::prism::testing::ScratchDir;

constexpr std::uint8_t kTypeFloat32 = 0x0D;
constexpr std::size_t kTypeByte = 2;  // offset into the IDX header

class IdxTest : public ::testing::Test {
 protected:
  // A small array whose bytes cover 0..255, so no value is special.
  static IdxArray sample(std::vector<std::uint32_t> dims) {
    IdxArray a;
    a.dims = std::move(dims);
    std::size_t count = 1;
    for (auto d : a.dims) count *= d;
    a.data.resize(count);
    for (std::size_t i = 0; i < count; ++i)
      a.data[i] = static_cast<std::uint8_t>((i * 37 + 11) % 256);
    return a;
  }

  static void write_raw(const fs::path& path, const std::vector<std::uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }

  ScratchDir dir_{"prism-idx-test"};
};

// Reading `path` must throw DataError whose where() is the file, and whose
// message names the file, contains `problem` and says how to fix it.
void ExpectDataError(const fs::path& path, const std::string& problem) {
  PRISM_EXPECT_THROW_WITH(read_idx(path), DataError, path.string(), problem, "fix:");
  if (const auto error = Caught<DataError>([&] { read_idx(path); })) {
    EXPECT_EQ(error->where(), path.string());
  }
}

void ExpectSameArray(const IdxArray& expected, const IdxArray& actual) {
  EXPECT_EQ(expected.dims, actual.dims);
  ASSERT_EQ(expected.data.size(), actual.data.size());
  EXPECT_TRUE(expected.data == actual.data) << "payload bytes differ";
}

TEST_F(IdxTest, RoundTripPlain) {
  const IdxArray a = sample({3, 4, 5});
  const fs::path path = dir_ / "a-idx3-ubyte";
  write_idx(path, a);
  EXPECT_EQ(fs::file_size(path), 4u + 3 * 4 + 60) << "header + dims + payload";
  ExpectSameArray(a, read_idx(path));
}

TEST_F(IdxTest, RoundTripGzip) {
  const IdxArray a = sample({7, 28, 28});
  const fs::path path = dir_ / "a-idx3-ubyte.gz";
  write_idx(path, a);
  std::ifstream in(path, std::ios::binary);
  const int b0 = in.get(), b1 = in.get();
  EXPECT_EQ(b0, 0x1f) << "a .gz name must give a gzip file";
  EXPECT_EQ(b1, 0x8b);
  ExpectSameArray(a, read_idx(path));
}

// The shared read: one decode per unchanged file; a rewritten file (new size
// and time) is read afresh; a bad file still throws, and nothing is cached.
TEST_F(IdxTest, SharedReadDecodesAnUnchangedFileOnce) {
  const IdxArray a = sample({7, 28, 28});
  const fs::path path = dir_ / "shared-idx3-ubyte.gz";
  write_idx(path, a);
  const auto first = read_idx_shared(path);
  ExpectSameArray(a, *first);
  EXPECT_EQ(read_idx_shared(path).get(), first.get()) << "the second read decoded the file again";

  const IdxArray b = sample({9, 28, 28});
  write_idx(path, b);
  fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(1));
  const auto second = read_idx_shared(path);
  ExpectSameArray(b, *second);
  EXPECT_NE(second.get(), first.get());

  write_raw(path, {0x1f, 0x8b, 0x08});  // truncated gzip
  EXPECT_THROW(read_idx_shared(path), DataError);
  EXPECT_THROW(read_idx_shared(dir_ / "absent-idx1-ubyte"), DataError);
}

TEST_F(IdxTest, RoundTripOneDimensional) {
  const IdxArray a = sample({300});
  const fs::path path = dir_ / "labels-idx1-ubyte";
  write_idx(path, a);
  ExpectSameArray(a, read_idx(path));
}

TEST_F(IdxTest, GzipRecognisedByMagicWithoutSuffix) {
  const IdxArray a = sample({2, 3});
  write_idx(dir_ / "a.gz", a);
  fs::rename(dir_ / "a.gz", dir_ / "a-renamed");
  ExpectSameArray(a, read_idx(dir_ / "a-renamed"));
}

TEST_F(IdxTest, TruncatedPayload) {
  const fs::path path = dir_ / "t-idx3-ubyte";
  write_idx(path, sample({3, 4, 5}));
  fs::resize_file(path, fs::file_size(path) - 1);
  ExpectDataError(path, "truncated");
}

TEST_F(IdxTest, TruncatedHeader) {
  const fs::path path = dir_ / "h-idx3-ubyte";
  write_idx(path, sample({3, 4, 5}));
  fs::resize_file(path, 9);  // magic + one and a bit of three dimensions
  ExpectDataError(path, "truncated");
}

TEST_F(IdxTest, EmptyFile) {
  const fs::path path = dir_ / "empty-idx1-ubyte";
  write_raw(path, {});
  ExpectDataError(path, "truncated");
}

TEST_F(IdxTest, TruncatedGzip) {
  const fs::path path = dir_ / "t-idx3-ubyte.gz";
  write_idx(path, sample({50, 28, 28}));
  fs::resize_file(path, fs::file_size(path) / 2);
  ExpectDataError(path, "truncated");
}

TEST_F(IdxTest, CorruptGzip) {
  const fs::path path = dir_ / "c-idx3-ubyte.gz";
  write_idx(path, sample({50, 28, 28}));
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
  f.put('\x5a');
  f.put('\xa5');
  f.close();
  ExpectDataError(path, "gzip");
}

TEST_F(IdxTest, WrongMagic) {
  std::vector<std::uint8_t> bytes = encode_idx(sample({3, 4}));
  bytes[0] = 0x12;
  const fs::path path = dir_ / "m-idx2-ubyte";
  write_raw(path, bytes);
  ExpectDataError(path, "wrong magic");
}

TEST_F(IdxTest, UnknownTypeIsWrongMagic) {
  std::vector<std::uint8_t> bytes = encode_idx(sample({3, 4}));
  bytes[kTypeByte] = 0x42;
  const fs::path path = dir_ / "u-idx2-ubyte";
  write_raw(path, bytes);
  ExpectDataError(path, "wrong magic");
}

TEST_F(IdxTest, UnsupportedType) {
  std::vector<std::uint8_t> bytes = encode_idx(sample({3, 4}));
  bytes[kTypeByte] = kTypeFloat32;
  const fs::path path = dir_ / "f-idx2-float";
  write_raw(path, bytes);
  ExpectDataError(path, "unsupported IDX element type 0x0D (float32)");
}

TEST_F(IdxTest, TrailingBytes) {
  std::vector<std::uint8_t> bytes = encode_idx(sample({3, 4}));
  bytes.insert(bytes.end(), {1, 2, 3});
  const fs::path path = dir_ / "long-idx2-ubyte";
  write_raw(path, bytes);
  ExpectDataError(path, "3 trailing bytes");
}

TEST_F(IdxTest, TrailingBytesInsideGzip) {
  std::vector<std::uint8_t> bytes = encode_idx(sample({3, 4}));
  bytes.push_back(0);
  const fs::path path = dir_ / "long-idx2-ubyte.gz";
  write_bytes(path, bytes);
  ExpectDataError(path, "wrong length");
}

TEST_F(IdxTest, ZeroDimensionCount) {
  const fs::path path = dir_ / "z-idx0-ubyte";
  write_raw(path, {0, 0, 0x08, 0, 1, 2, 3});
  ExpectDataError(path, "0 dimensions");
}

TEST_F(IdxTest, ZeroDimension) {
  std::vector<std::uint8_t> bytes = encode_idx(sample({3, 4}));
  for (std::size_t i = 4; i < 8; ++i) bytes[i] = 0;  // first dimension := 0
  const fs::path path = dir_ / "z-idx2-ubyte";
  write_raw(path, bytes);
  ExpectDataError(path, "is 0");
}

TEST_F(IdxTest, HugeDimensionsDoNotOverflow) {
  // Three dimensions of 2^32 - 1: their product overflows 64 bits.
  std::vector<std::uint8_t> bytes(4 + 3 * 4 + 64, 0xff);
  bytes[0] = 0;
  bytes[1] = 0;
  bytes[2] = 0x08;
  bytes[3] = 3;
  const fs::path path = dir_ / "huge-idx3-ubyte";
  write_raw(path, bytes);
  ExpectDataError(path, "truncated");
}

TEST_F(IdxTest, MissingFile) { ExpectDataError(dir_ / "absent-idx1-ubyte", "no such file"); }

TEST_F(IdxTest, DirectoryIsNotAFile) { ExpectDataError(dir_.path(), "not a regular file"); }

TEST_F(IdxTest, GzSuffixWithoutGzipData) {
  const fs::path path = dir_ / "plain-idx2-ubyte.gz";
  write_raw(path, encode_idx(sample({3, 4})));
  ExpectDataError(path, "gzip magic");
}

TEST_F(IdxTest, CallerFixIsReported) {
  const fs::path path = dir_ / "t-idx1-ubyte";
  write_raw(path, {0, 0, 0x08, 1, 0, 0, 0, 9, 1, 2});
  PRISM_EXPECT_THROW_WITH(read_idx(path, "re-run the fetch step"), DataError, "fix: re-run the fetch step");
}

TEST(EncodeIdx, RejectsShapeMismatch) {
  IdxArray a;
  a.dims = {2, 3};
  a.data.resize(5);
  EXPECT_THROW(encode_idx(a), std::invalid_argument);
  a.dims = {};
  EXPECT_THROW(encode_idx(a), std::invalid_argument);
}

TEST(EncodeIdx, BigEndianHeader) {
  IdxArray a;
  a.dims = {0x0102, 1};
  a.data.assign(0x0102, 0);
  const std::vector<std::uint8_t> bytes = encode_idx(a);
  const std::vector<std::uint8_t> header(bytes.begin(), bytes.begin() + 12);
  const std::vector<std::uint8_t> expected = {0, 0, 0x08, 2, 0, 0, 1, 2, 0, 0, 0, 1};
  EXPECT_EQ(expected, header);
}

}  // namespace
}  // namespace prism::data
