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

}  // namespace prism::optim
