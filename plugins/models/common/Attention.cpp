#include "Attention.h"

#include <ATen/record_function.h>

#include <cmath>

namespace hpt::models {

AttentionImpl::AttentionImpl(int64_t dModel, int64_t heads)
    : dModel_(dModel), heads_(heads), headDim_(dModel / heads), scale_(1.0 / std::sqrt(double(dModel / heads))) {
    q = register_module("q", AdaptableLinear(dModel, dModel));
    k = register_module("k", AdaptableLinear(dModel, dModel));
    v = register_module("v", AdaptableLinear(dModel, dModel));
    out = register_module("out", AdaptableLinear(dModel, dModel));
}

bool AttentionImpl::projectionsFrozen() const {
    for (const auto* l : {&q, &k, &v})
        if ((*l)->weight.requires_grad() || ((*l)->bias.defined() && (*l)->bias.requires_grad())) return false;
    return q->bias.defined() && k->bias.defined() && v->bias.defined();
}

const torch::Tensor& AttentionImpl::frozenQkv(torch::Tensor& fusedBias) {
    // Rebuilt whenever a weight was written (copy by name at a DUAL rebuild, a checkpoint load):
    // each write bumps the tensor's version counter.
    std::array<int64_t, 6> key{};
    int i = 0;
    for (const auto* l : {&q, &k, &v}) {
        key[i++] = int64_t((*l)->weight._version()) ^ int64_t(reinterpret_cast<intptr_t>((*l)->weight.data_ptr()));
        key[i++] = int64_t((*l)->bias._version()) ^ int64_t(reinterpret_cast<intptr_t>((*l)->bias.data_ptr()));
    }
    if (!qkvWeight_.defined() || key != qkvKey_) {
        torch::NoGradGuard ng;
        qkvWeight_ = torch::cat({q->weight, k->weight, v->weight}).contiguous();
        qkvBias_ = torch::cat({q->bias, k->bias, v->bias}).contiguous();
        qkvKey_ = key;
    }
    fusedBias = qkvBias_;
    return qkvWeight_;
}

std::array<torch::Tensor, 3> AttentionImpl::project(const torch::Tensor& x) {
    // A frozen q, k, v (a LoRA phase) is one [3d, d] weight built once: one GEMM forward and one
    // for the input gradient instead of three each, and no weight-gradient work at all.
    std::array<torch::Tensor, 3> o;
    if (projectionsFrozen()) {
        torch::Tensor b;
        const auto& w = frozenQkv(b);
        auto qkv = torch::nn::functional::linear(x, w, b).split(dModel_, -1);
        o = {qkv[0], qkv[1], qkv[2]};
    } else {
        o = {q->base(x), k->base(x), v->base(x)};
    }
    const bool qa = q->hasAdapter(), va = v->hasAdapter();
    if (!qa && !va) return o;
    RECORD_USER_SCOPE("hpt::adapter");
    // With adapter dropout active each adapter draws its own mask from its own call, as PEFT
    // does, so their inputs differ and each keeps its own A GEMM.
    if (qa && va && q->rank() == v->rank() && !q->adapterDropoutActive() && !v->adapterDropoutActive()) {
        const int64_t r = q->rank();
        {
            // Same input: the A projections of q and v as one GEMM, x·[A_q; A_v]ᵀ.
            auto a = hpt::AdaptableLinearImpl::project(x, torch::cat({q->loraA, v->loraA})).split(r, -1);
            return {q->addAdapter(o[0], a[0]), o[1], v->addAdapter(o[2], a[1])};
        }
    }
    return {qa ? q->addAdapter(o[0], hpt::AdaptableLinearImpl::project(q->adapterInput(x), q->loraA)) : o[0], o[1],
            va ? v->addAdapter(o[2], hpt::AdaptableLinearImpl::project(v->adapterInput(x), v->loraA)) : o[2]};
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x) {
    const int64_t B = x.size(0), S = x.size(1);
    // [B, S, d] → [B·H, S, dh]: one copy per operand (the transpose), then
    // plain batched GEMMs that OpenBLAS runs without further repacking.
    auto heads = [&](const torch::Tensor& t) {
        return t.view({B, S, heads_, headDim_}).transpose(1, 2).reshape({B * heads_, S, headDim_});
    };
    const auto [qp, kp, vp] = project(x);
    const auto qh = heads(qp), kh = heads(kp), vh = heads(vp);
    // scores = (1/√dh)·q·kᵀ in one GEMM, the scale folded into alpha. With beta = 0 the BLAS path
    // ignores the (broadcast, zero) input; ATen's small-product path (dh·S² < 400) does not and
    // computed beta·(uninitialised output), NaN whenever the allocator handed back a block holding
    // NaN (tst_attention_fusion), so tiny shapes accumulate into real zeros instead.
    const bool tiny = headDim_ * S * S < 400;
    auto scores = torch::baddbmm(tiny ? torch::zeros({qh.size(0), S, S}, qh.options()) : torch::zeros({1, 1, 1}, qh.options()),
                                 qh, kh.transpose(1, 2), tiny ? 1.0 : 0.0, scale_);
    // Softmax out of place: its backward needs its output, and the scores
    // tensor is freed right after, so an in-place variant would save nothing.
    auto probs = torch::softmax(scores, -1);
    scores = torch::Tensor();
    auto o = torch::bmm(probs, vh);  // [B·H, S, dh]
    return out(o.view({B, heads_, S, headDim_}).transpose(1, 2).reshape({B, S, dModel_}));
}

}  // namespace hpt::models
