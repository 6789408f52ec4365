// Kernel SGD in sample space on the structured Gram matrix of the
// spiked-spectrum data (src/models/spiked_spectrum.h), K = a 1 1^T + b I.
//
// The iteration is sgd_kernel's (src/optim/sgd.h), step for step: the same
// BatchSampler draws (with replacement), the same merge of repeated indices,
//   alpha_B -= (eta/m) r_B,   r -= K[:, B] (eta/m) r_B,   L = ||r||_F^2 / (2n),
// and the same stop rule and trace. Only the product changes: K[:, B] c is
// a (sum c) 1 + b c on B, O(n + m) per output instead of O(n m), so the
// critical-batch claim can run n = 8192 at m = 2048 (the dense K would be
// 512 MB, streamed once per step). tests/spiked_spectrum_test.cc checks that
// both forms give the same trajectory on the same batches.
#pragma once

#include <vector>

#include <Eigen/Core>

#include "src/core/rng.h"
#include "src/models/spiked_spectrum.h"
#include "src/optim/sgd.h"

namespace prism::optim {

// K = s.gram() without forming it; Y: n x c targets; alpha (n x c, or empty
// for 0) is the start and is updated in place. options.threads is ignored.
SgdTrace sgd_spiked_gram(const models::SpikedSpectrum& s, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                         Eigen::MatrixXd& alpha, const SgdOptions& options, Rng& rng);

// The same iteration from alpha = 0 on R = streams.size() independent batch
// streams in lock step; the trace is that of the mean loss over the streams,
// (1/R) sum_r L_r(w_t), a Monte-Carlo estimate of E[L(w_t)] (the quantity of
// MBB 2018 Thm 1 and 3), and it stops at the first t where that mean is <=
// target_ratio x L(w_0). With one stream it is sgd_spiked_gram, bit for bit.
// Streams step on up to options.threads threads (capped at the OpenMP budget):
// each stream's arithmetic is its own and the mean is summed in stream order,
// so the trace is the same for any thread count. Throws std::invalid_argument
// for no stream and for the inputs sgd_spiked_gram rejects.
SgdTrace sgd_spiked_gram_mean_loss(const models::SpikedSpectrum& s, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                                   const SgdOptions& options, std::vector<Rng>& streams);

}  // namespace prism::optim
