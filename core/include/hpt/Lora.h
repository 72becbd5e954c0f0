#pragma once
// A linear layer that can carry a LoRA adapter (Hu et al., ICLR 2022):
//   y = x Wᵀ + b + (alpha / r) · B A dropout(x)
// with A ∈ ℝ^{r×in} (Kaiming-uniform, as PEFT does) and B ∈ ℝ^{out×r} = 0, so
// the adapted layer equals the plain one at creation. Models build every
// projection a LoRA target may name from this class; the engine attaches
// adapters by registered name ("layers.3.attn.q").
#include <torch/torch.h>

namespace hpt {

class AdaptableLinearImpl : public torch::nn::Module {
public:
    AdaptableLinearImpl(int64_t in, int64_t out, bool bias = true);
    torch::Tensor forward(const torch::Tensor& x);

    // The pieces of forward(), for a caller that fuses them across projections (attention runs
    // the A projections of q and v that read the same input as one GEMM):
    //   forward(x) = addAdapter(base(x), project(adapterInput(x), loraA))
    torch::Tensor base(const torch::Tensor& x) const;
    // dropout(x) while training with dropout > 0, else x itself (no dropout kernel at p = 0).
    torch::Tensor adapterInput(const torch::Tensor& x) const;
    bool adapterDropoutActive() const { return rank_ > 0 && dropout_ > 0 && is_training(); }
    // y + scaling · a Bᵀ as one GEMM (addmm with beta = 1, alpha = scaling): no separate scale
    // and add passes. a: [..., r] (may be a strided view), y: [..., out].
    torch::Tensor addAdapter(const torch::Tensor& y, const torch::Tensor& a) const;
    // x·wᵀ for a bias-free adapter weight w (A, or A_q and A_v stacked).
    static torch::Tensor project(const torch::Tensor& x, const torch::Tensor& w);

    // Registers "lora_A" and "lora_B"; replaces an existing adapter.
    void attachAdapter(int64_t rank, double alpha, double dropout);
    void detachAdapter();
    bool hasAdapter() const { return rank_ > 0; }
    int64_t rank() const { return rank_; }
    double scaling() const { return rank_ > 0 ? alpha_ / double(rank_) : 0.0; }
    int64_t inFeatures() const { return in_; }
    int64_t outFeatures() const { return out_; }
    double adapterDropout() const { return dropout_; }

    torch::Tensor weight;  // [out, in], like torch::nn::Linear
    torch::Tensor bias;    // [out] or undefined
    torch::Tensor loraA;   // [r, in]
    torch::Tensor loraB;   // [out, r]

private:
    int64_t in_, out_;
    int64_t rank_ = 0;
    double alpha_ = 0.0, dropout_ = 0.0;
};
TORCH_MODULE(AdaptableLinear);

}  // namespace hpt
