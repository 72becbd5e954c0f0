#pragma once
// One-pass AdamW / Adam over flat buffers. The trainable parameters are moved
// into one contiguous buffer (each parameter becomes a view of it) and their
// gradients into another, so an update is a single loop that reads p, g, m, v
// once and writes p, m, v once (28 bytes per value) and clears g for the next
// step — instead of torch::optim's several kernels per tensor. Frozen
// parameters (requires_grad = false) are not touched and get no state.
// Semantics equal torch.optim.AdamW / Adam (PyTorch 1.13, amsgrad off).
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hpt {

struct AdamOptions {
    double lr = 1e-4, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 1e-4;
    bool decoupled = true;  // true: AdamW (decay applied to weights); false: Adam (L2 added to the gradient)
};

class FlatAdam {
public:
    // Takes every parameter of `model` that requires grad.
    FlatAdam(torch::nn::Module& model, const AdamOptions& o);
    // Gradients are cleared by step(); call before the first backward or after a skipped step.
    void zeroGrad() { grads_.zero_(); }
    void step(double lr);
    // Global L2 norm of the accumulated gradient (one pass over the flat buffer): the
    // exploding-gradient check of the divergence policy.
    double gradNorm() const { return grads_.numel() ? grads_.norm().item<double>() : 0.0; }
    // Multiplies the accumulated gradient: clipping to a global norm (training.grad_clip) as
    // torch's clip_grad_norm_ does, with the factor max_norm / norm.
    void scaleGrad(double factor) { grads_.mul_(factor); }
    int64_t numel() const { return params_.numel(); }
    int64_t steps() const { return step_; }
    // Memory traffic of one update (read p, g, m, v; write p, m, v, g).
    int64_t bytesPerStep() const { return numel() * int64_t(sizeof(float)) * 8; }

    // For checkpoints: {"exp_avg", "exp_avg_sq", "step"} (parameters live in the model).
    void save(torch::serialize::OutputArchive& a, const std::string& prefix) const;
    void load(torch::serialize::InputArchive& a, const std::string& prefix);

private:
    AdamOptions o_;
    torch::Tensor params_, grads_, m_, v_;
    int64_t step_ = 0;
};

}  // namespace hpt
