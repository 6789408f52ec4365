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

#include <Eigen/Core>

#include "src/core/rng.h"
#include "src/models/spiked_spectrum.h"
#include "src/optim/sgd.h"

namespace prism::optim {

// K = s.gram() without forming it; Y: n x c targets; alpha (n x c, or empty
// for 0) is the start and is updated in place. options.threads is ignored.
SgdTrace sgd_spiked_gram(const models::SpikedSpectrum& s, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                         Eigen::MatrixXd& alpha, const SgdOptions& options, Rng& rng);

// The expected loss E[L(w_t)] of the same iteration from alpha = 0, over the
// batch draws (with replacement), computed exactly rather than sampled. With
// r_{t+1} = (I - K S_t) r_t, S_t = (eta/m) sum_j e_{i_j} e_{i_j}^T, i_j uniform:
// E[S] = (eta/n) I and E[S M S] = eta^2/(m n) Diag(M) + eta^2 (m-1)/(m n^2) M, so
// M_t = E[r_t r_t^T] obeys
//   M' = M - (eta/n)(K M + M K) + eta^2/(m n) K Diag(M) K + eta^2 (m-1)/(m n^2) K M K.
// For K = a 1 1^T + b I the diagonal d = diag(M), u = M 1 and s = 1^T M 1 close
// on themselves (O(n) a step; sgd_spiked.cc spells the three updates out), and
// E[L] = 1^T d / (2n), per output column. The trace's losses are E[L(w_t)]; it
// stops at the first t with E[L(w_t)] <= target_ratio x L(w_0) (MBB 2018 Thm 1
// and 3 bound exactly this expectation). options.threads is ignored.
SgdTrace sgd_spiked_gram_expected_loss(const models::SpikedSpectrum& s, const Eigen::Ref<const Eigen::MatrixXd>& Y,
                                       const SgdOptions& options);

}  // namespace prism::optim
