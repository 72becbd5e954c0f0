#pragma once
// Multi-head self-attention over the stations of a sample, post-projection
// layout as in the reference: separate q, k, v and out projections, each an
// hpt::AdaptableLinear so LoRA can target them by name ("layers.3.attn.q").
// Frozen q, k, v run as one GEMM; the adapters of q and v share their A GEMM. Scores larger
// than the L2 cache (SWE's 323 stations) are computed a block of heads at a time (Attention.cpp).
#include <hpt/Lora.h>

#include <torch/torch.h>

#include <array>

namespace hpt::models {

class AttentionImpl : public torch::nn::Module {
public:
    AttentionImpl(int64_t dModel, int64_t heads);
    // x: [B, S, d] → [B, S, d]
    torch::Tensor forward(const torch::Tensor& x);

    int64_t heads() const { return heads_; }
    // Bytes of one sample's scores (heads · S² floats) above which the blocked kernel runs, a block
    // of heads at a time (default, 0: half the L2 cache). Tests lower it to cover small shapes.
    static void setBlockBytes(int64_t bytes);
    int64_t headDim() const { return headDim_; }

    AdaptableLinear q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr};

private:
    // q, k, v outputs [B, S, d] with their adapters applied (see project() in Attention.cpp).
    std::array<torch::Tensor, 3> project(const torch::Tensor& x);
    bool projectionsFrozen() const;
    const torch::Tensor& frozenQkv(torch::Tensor& fusedBias);

    int64_t dModel_, heads_, headDim_;
    double scale_;
    // Forward-ready [3d, d] copy of the frozen q, k, v weights (and [3d] bias), keyed by the
    // weights' storage and version counters; not a parameter, never saved.
    torch::Tensor qkvWeight_, qkvBias_;
    std::array<int64_t, 6> qkvKey_{};
};
TORCH_MODULE(Attention);

}  // namespace hpt::models
