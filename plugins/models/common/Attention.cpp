#include "Attention.h"

#include <cmath>

namespace hpt::models {

AttentionImpl::AttentionImpl(int64_t dModel, int64_t heads)
    : dModel_(dModel), heads_(heads), headDim_(dModel / heads), scale_(1.0 / std::sqrt(double(dModel / heads))) {
    q = register_module("q", AdaptableLinear(dModel, dModel));
    k = register_module("k", AdaptableLinear(dModel, dModel));
    v = register_module("v", AdaptableLinear(dModel, dModel));
    out = register_module("out", AdaptableLinear(dModel, dModel));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
    const int64_t B = x.size(0), S = x.size(1);
    // [B, S, d] → [B·H, S, dh]: one copy per operand (the transpose), then
    // plain batched GEMMs that OpenBLAS runs without further repacking.
    auto heads = [&](const torch::Tensor& t) {
        return t.view({B, S, heads_, headDim_}).transpose(1, 2).reshape({B * heads_, S, headDim_});
    };
    const auto qh = heads(q(x)), kh = heads(k(x)), vh = heads(v(x));
    // scores = (1/√dh)·q·kᵀ in one GEMM: baddbmm with beta = 0 ignores its
    // (broadcast, uninitialised) input and folds the scale into alpha.
    auto scores = torch::baddbmm(torch::empty({1, 1, 1}, qh.options()), qh, kh.transpose(1, 2), 0.0, scale_);
    // Softmax out of place: its backward needs its output, and the scores
    // tensor is freed right after, so an in-place variant would save nothing.
    auto probs = torch::softmax(scores, -1);
    scores = torch::Tensor();
    auto o = torch::bmm(probs, vh);  // [B·H, S, dh]
    return out(o.view({B, heads_, S, headDim_}).transpose(1, 2).reshape({B, S, dModel_}));
}

}  // namespace hpt::models
