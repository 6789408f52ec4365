// A labelled data set in memory, shared by the file loaders and the generators.
#pragma once

#include <Eigen/Core>
#include <string>

namespace prism::data {

enum class Split { Train, Test };

struct Dataset {
  Eigen::MatrixXd X;  // n x d, one sample per row
  Eigen::VectorXi y;  // class labels in [0, num_classes)
  int num_classes = 0;
  std::string name;        // "mnist", "fashion-mnist", "synthetic2"
  std::string provenance;  // which file rows or which generator and seed
};

inline const char* split_name(Split split) { return split == Split::Train ? "train" : "test"; }

}  // namespace prism::data
