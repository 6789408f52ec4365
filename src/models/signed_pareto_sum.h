// P_k = P(sum_{i<=k} e_i U_i^-a < 0), e_i = -1 with probability p else +1,
// U_i ~ U(0,1): the probability that an interior point lies in the wiNN
// rule's negative set (raisin-bread, docs/claims.md): given the (k+1)-th
// neighbour distance, the k neighbour distance ratios are i.i.d. U(0,1) and
// the labels i.i.d., so E |S_n within Omega| / |Omega| = P_k exactly.
// Estimated by simulation, independently of any geometry.
#pragma once

#include "src/core/rng.h"

namespace prism::models {

struct Estimate {
  double mean = 0, se = 0;
};

// Crude Monte Carlo: the fraction of `draws` sums below 0.
Estimate signed_pareto_sum_crude(int k, double p, double a, long draws, Rng& rng);

// Asmussen-Kroese conditional Monte Carlo for P(sum Z_i > 0), Z_i = -e_i U_i^-a:
// k E[Fbar(max(M_(k-1), -S_(k-1)))], M and S the max and the sum of k-1 draws,
// Fbar the tail of one Z. Efficient when one big jump decides (large k).
Estimate signed_pareto_sum_conditional(int k, double p, double a, long draws, Rng& rng);

// The tail P(Z > t) of one summand Z = -e U^-a.
double signed_pareto_tail(double t, double p, double a);

}  // namespace prism::models
