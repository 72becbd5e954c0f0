#pragma once
// One post-norm encoder layer as in the reference:
//   x = norm1(x + dropout(attn(x)));  x = norm2(x + dropout(ffn.1(relu(ffn.0(x)))))
// Registered names: "attn" (q, k, v, out), "ffn.0", "ffn.1", "norm1", "norm2".
#include "Attention.h"

#include <hpt/Lora.h>

#include <torch/torch.h>

namespace hpt::models {

class EncoderLayerImpl : public torch::nn::Module {
public:
    EncoderLayerImpl(int64_t dModel, int64_t heads, int64_t ffnDim, double dropout);
    torch::Tensor forward(const torch::Tensor& x);

    Attention attn{nullptr};
    AdaptableLinear ffn0{nullptr}, ffn1{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};

private:
    double dropout_;
};
TORCH_MODULE(EncoderLayer);

}  // namespace hpt::models
