#pragma once
// `hpt bench --profile`: where one training step's time goes, by op kind, each
// kind next to its own floor. The step runs once under LibTorch's CPU profiler
// (with input shapes); every op the step issues on the calling thread is put in
// one kind (weight GEMM forward / backward, attention products, softmax, layer
// norm, dropout, adapters, copies, other element-wise, autograd bookkeeping,
// optimizer). A backward op takes the kind of the forward op that created it
// (matched by autograd sequence number), so "adapters (backward)" is the
// backward of the adapter path and not guessed from shapes.
// Floor of a kind: its GEMM FLOPs (from the recorded shapes) / the measured
// sgemm peak + the bytes its other kernels must move / the measured copy
// bandwidth — or the cache copy bandwidth for kernels of at most 1 MiB (convention: inputs read + output written, in-place ops write their
// first input, copy_ reads its source and writes its destination).
#include <QJsonArray>

#include <functional>

namespace hpt {

// forwardBackward: loss computed and backward done; update: the optimizer step, whose floor is
// optimizerBytes / bandwidth (its one-pass loop issues no torch ops to count).
// Returns [{"kind", "ms", "floor_ms", "over_floor", "calls", "gflop", "mbytes"}] sorted by ms,
// plus a last row {"kind": "total", ...}.
QJsonArray profileStep(const std::function<void()>& forwardBackward, const std::function<void()>& update,
                       double gemmPeakGflops, double bandwidthGbs, double cacheBandwidthGbs, double optimizerBytes);

// A kernel that moves at most this many bytes is floored by the cache bandwidth (its operands
// stay in L2 between the ops of one layer), a larger one by the DRAM copy bandwidth.
constexpr double kCacheResidentBytes = 1 << 20;

}  // namespace hpt
