#include "EncoderLayer.h"

namespace hpt::models {

EncoderLayerImpl::EncoderLayerImpl(int64_t dModel, int64_t heads, int64_t ffnDim, double dropout) : dropout_(dropout) {
    attn = register_module("attn", Attention(dModel, heads));
    auto ffn = register_module("ffn", torch::nn::ModuleList());
    ffn0 = AdaptableLinear(dModel, ffnDim);
    ffn1 = AdaptableLinear(ffnDim, dModel);
    ffn->push_back(ffn0);
    ffn->push_back(ffn1);
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dModel})));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dModel})));
}

torch::Tensor EncoderLayerImpl::forward(const torch::Tensor& x) {
    const bool train = is_training() && dropout_ > 0;
    auto h = norm1(x + torch::dropout(attn(x), dropout_, train));
    // relu_ in place: the linear's backward needs only its inputs, so its
    // output buffer can hold the activation (saves one [B, S, ffn] tensor).
    auto f = ffn1(ffn0(h).relu_());
    return norm2(h + torch::dropout(f, dropout_, train));
}

}  // namespace hpt::models
