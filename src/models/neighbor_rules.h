// Prediction rules on a list of nearest neighbours (nearest first), as
// returned by KdTree or k_nearest_neighbors.
#pragma once

namespace prism::models {

// Interpolating weighted nearest neighbours, wiNN (Belkin, Hsu, Mitra 2018;
// Belkin 2021 §3.5.3): w_i = ||x - x_(i)||^-alpha / sum_j ||x - x_(j)||^-alpha
// over the k neighbours, alpha > 0. A neighbour at distance 0 takes all the
// weight (the limit x -> x_i, so f(x_i) = y_i exactly); several at distance 0
// share it equally. Computed as (d_min / d_i)^alpha, so no power overflows.
// Writes k weights summing to 1.
void winn_weights(const double* squared_distance, int k, double alpha, double* weights);

// Majority vote of k labels in {-1, +1}: the sign of their sum; a tie (even
// k) goes to the nearest neighbour's label.
int majority_vote(const int* labels, int k);

}  // namespace prism::models
