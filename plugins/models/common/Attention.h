#pragma once
// Multi-head self-attention over the stations of a sample, post-projection
// layout as in the reference: separate q, k, v and out projections, each an
// hpt::AdaptableLinear so LoRA can target them by name ("layers.3.attn.q").
#include <hpt/Lora.h>

#include <torch/torch.h>

namespace hpt::models {

class AttentionImpl : public torch::nn::Module {
public:
    AttentionImpl(int64_t dModel, int64_t heads);
    // x: [B, S, d] → [B, S, d]
    torch::Tensor forward(const torch::Tensor& x);

    int64_t heads() const { return heads_; }
    int64_t headDim() const { return headDim_; }

    AdaptableLinear q{nullptr}, k{nullptr}, v{nullptr}, out{nullptr};

private:
    int64_t dModel_, heads_, headDim_;
    double scale_;
};
TORCH_MODULE(Attention);

}  // namespace hpt::models
