#include "datasets/mnist.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "datasets/idx.h"
#include "src/core/error.h"

namespace prism::data {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFashionDefaultDir = "/usr/share/datasets/fashion-mnist";

// Where a family of files lives and what to tell the user when it is wrong.
struct Source {
  std::string name;
  fs::path dir;
  std::string suffix;       // "" for plain IDX, ".gz" for gzipped
  std::string missing_fix;  // folder or file absent
  std::string corrupt_fix;  // file present but malformed
};

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

fs::path file_in(const Source& source, Split split, std::string_view kind) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  return source.dir / (prefix + "-" + std::string(kind) + "-ubyte" + source.suffix);
}

void require_file(const fs::path& path, const std::string& fix) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw DataError(path.string(), "file not found", fix);
}

Dataset load(const Source& source, Split split, std::size_t n) {
  std::error_code ec;
  if (!fs::is_directory(source.dir, ec)) {
    throw DataError(source.dir.string(), "data folder not found", source.missing_fix);
  }
  const fs::path images_path = file_in(source, split, "images-idx3");
  const fs::path labels_path = file_in(source, split, "labels-idx1");
  require_file(images_path, source.missing_fix);
  require_file(labels_path, source.missing_fix);

  // Shared: every MNIST claim's share groups load the same files.
  const auto images_file = read_idx_shared(images_path, source.corrupt_fix);
  const auto labels_file = read_idx_shared(labels_path, source.corrupt_fix);
  const IdxArray& images = *images_file;
  const IdxArray& labels = *labels_file;

  if (images.dims.size() != 3 || images.dims[1] != kMnistRows || images.dims[2] != kMnistCols) {
    throw DataError(images_path.string(),
                    fmt::format("expected images of shape N x {} x {}, found {}", kMnistRows,
                                kMnistCols, fmt::join(images.dims, " x ")),
                    source.corrupt_fix);
  }
  if (labels.dims.size() != 1) {
    throw DataError(
        labels_path.string(),
        fmt::format("expected a 1-dimensional label file, found {} dimensions", labels.dims.size()),
        source.corrupt_fix);
  }
  const std::size_t available = images.dims[0];
  if (labels.dims[0] != available) {
    throw DataError(labels_path.string(),
                    fmt::format("holds {} labels but {} holds {} images", labels.dims[0],
                                images_path.string(), available),
                    source.corrupt_fix);
  }
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] >= kMnistClasses) {
      throw DataError(labels_path.string(),
                      fmt::format("label {} at row {} is not a class in [0, {})", labels.data[i], i,
                                  kMnistClasses),
                      source.corrupt_fix);
    }
  }
  if (n > available) {
    throw DataError(images_path.string(),
                    fmt::format("asked for {} rows, but the file holds only {}", n, available),
                    fmt::format("ask for at most {} rows (n = 0 loads all)", available));
  }

  const Eigen::Index rows = static_cast<Eigen::Index>(n == 0 ? available : n);
  const Eigen::Index pixels = Eigen::Index{kMnistRows} * kMnistCols;
  using ByteMatrix = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using ByteVector = Eigen::Matrix<std::uint8_t, Eigen::Dynamic, 1>;
  constexpr double kPixelMax = 255.0;

  Dataset out;
  out.X = Eigen::Map<const ByteMatrix>(images.data.data(), rows, pixels).cast<double>() / kPixelMax;
  out.y = Eigen::Map<const ByteVector>(labels.data.data(), rows).cast<int>();
  out.num_classes = kMnistClasses;
  out.name = source.name;
  out.provenance =
      fmt::format("{} {} of {} rows ({} split) of {} (labels: {})", n == 0 ? "all" : "first", rows,
                  available, split_name(split), images_path.string(), labels_path.string());
  return out;
}

}  // namespace

fs::path data_root() {
  if (const char* dir = env("PRISM_DATA")) return fs::path(dir);
  if (const char* dir = env("XDG_CACHE_HOME")) return fs::path(dir) / "prism";
  if (const char* dir = env("HOME")) return fs::path(dir) / ".cache" / "prism";
  throw DataError("PRISM_DATA", "no data folder: PRISM_DATA, XDG_CACHE_HOME and HOME are all unset",
                  "set PRISM_DATA to the folder that scripts/fetch-data fills");
}

fs::path fashion_mnist_dir() {
  if (const char* dir = env("PRISM_FASHION_MNIST")) return fs::path(dir);
  return fs::path(kFashionDefaultDir);
}

Dataset load_mnist(Split split, std::size_t n) {
  Source source;
  source.name = "mnist";
  source.dir = data_root() / "mnist";
  source.missing_fix =
      "run scripts/fetch-data (or set PRISM_DATA to a folder holding mnist/ with the four IDX "
      "files)";
  source.corrupt_fix = "delete it and re-run scripts/fetch-data";
  return load(source, split, n);
}

Dataset load_fashion_mnist(Split split, std::size_t n) {
  Source source;
  source.name = "fashion-mnist";
  source.dir = fashion_mnist_dir();
  source.suffix = ".gz";
  source.missing_fix =
      "apt-get install dataset-fashion-mnist (or set PRISM_FASHION_MNIST to a folder holding the "
      "four .gz IDX files)";
  source.corrupt_fix = "apt-get install --reinstall dataset-fashion-mnist";
  return load(source, split, n);
}

}  // namespace prism::data
