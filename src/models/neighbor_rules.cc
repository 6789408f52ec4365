#include "src/models/neighbor_rules.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace prism::models {

void winn_weights(const double* squared_distance, int k, double alpha, double* weights) {
  if (k < 1) throw std::invalid_argument("winn_weights: k = " + std::to_string(k) + ", expected k >= 1");
  if (!(alpha > 0)) throw std::invalid_argument("winn_weights: alpha must be positive");
  double nearest = squared_distance[0];
  for (int i = 1; i < k; ++i) nearest = std::min(nearest, squared_distance[i]);
  double total = 0;
  if (nearest == 0) {  // the interpolation branch: the zero-distance neighbours share the weight
    for (int i = 0; i < k; ++i) total += weights[i] = squared_distance[i] == 0 ? 1.0 : 0.0;
  } else {
    for (int i = 0; i < k; ++i) total += weights[i] = std::pow(nearest / squared_distance[i], 0.5 * alpha);
  }
  for (int i = 0; i < k; ++i) weights[i] /= total;
}

int majority_vote(const int* labels, int k) {
  if (k < 1) throw std::invalid_argument("majority_vote: k = " + std::to_string(k) + ", expected k >= 1");
  long sum = 0;
  for (int i = 0; i < k; ++i) {
    if (labels[i] != 1 && labels[i] != -1)
      throw std::invalid_argument("majority_vote: label " + std::to_string(labels[i]) + ", expected -1 or +1");
    sum += labels[i];
  }
  return sum > 0 ? 1 : sum < 0 ? -1 : labels[0];
}

}  // namespace prism::models
