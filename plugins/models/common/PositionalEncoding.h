#pragma once
// Sinusoidal positional encoding (Vaswani et al., 2017) indexed by STATION
// position: row s of the table is added to station s of every sample.
//
// The seed reference (saimandahal/HpT) indexes its table with x.size(0), the
// batch dimension of a [batch, stations, d] tensor, so every station of a
// sample receives the same vector and the encoder cannot tell stations apart
// except through their features. We index by station instead; see
// resources/docs/models.md.
#include <torch/torch.h>

namespace hpt::models {

// [positions, d] table: even columns sin(p·ω_i), odd columns cos(p·ω_i),
// ω_i = 10000^(-2i/d).
torch::Tensor sinusoidalTable(int64_t positions, int64_t d);

}  // namespace hpt::models
