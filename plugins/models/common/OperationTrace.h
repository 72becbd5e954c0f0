#pragma once
// The operation trace of one training step of the spatio-temporal transformer
// (see hpt/Trace.h for the conventions the device plugins rely on), derived
// from the module's CURRENT state: which weights require grad, which Linears
// carry adapters and of what rank.
#include "SpatioTemporalTransformer.h"

#include <hpt/Trace.h>

namespace hpt::models {

Trace operationTrace(const SpatioTemporalTransformerImpl& net, int64_t batch);

}  // namespace hpt::models
