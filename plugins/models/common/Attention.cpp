#include "Attention.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>

#include <unistd.h>

namespace hpt::models {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// Bytes of scores one block of heads may hold so that q·kᵀ, the softmax and p·v (and in the
// backward dp, the softmax backward, dq and dk) run out of the core's L2: half of it, the other
// half holding the q, k, v panels and BLAS's packing buffers.
std::atomic<int64_t> blockBytesOverride{0};

int64_t blockBytes() {
    static const int64_t bytes = [] {
        // HPT_ATTENTION_BLOCK_BYTES overrides it for benchmarks (a huge value: the batched path).
        if (const char* e = std::getenv("HPT_ATTENTION_BLOCK_BYTES"); e && std::atoll(e) > 0) return int64_t(std::atoll(e));
        const long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
        return l2 > 0 ? int64_t(l2) / 2 : int64_t(512) << 10;
    }();
    const int64_t o = blockBytesOverride.load();
    return o > 0 ? o : bytes;
}

// Heads h0 … h0+n−1 of sample b of a [B, S, H·dh] tensor as n strided [S, dh] matrices (row stride
// = the tensor's, e.g. 3d for a slice of the fused q, k, v output): BLAS reads them in place.
torch::Tensor headsOf(const torch::Tensor& t, int64_t b, int64_t h0, int64_t n, int64_t H) {
    const int64_t S = t.size(1), dh = t.size(2) / H;
    return t.select(0, b).view({S, H, dh}).narrow(1, h0, n).transpose(0, 1);
}

// out = alpha·(a·b), batched. ATen's small-product path (k·m·n < 400) computes beta·out even at
// beta = 0, so there the output is cleared first (uninitialised memory may hold NaN).
void gemmInto(torch::Tensor out, const torch::Tensor& a, const torch::Tensor& b, double alpha) {
    if (a.size(1) * a.size(2) * b.size(2) < 400) {
        out.zero_();
        at::baddbmm_out(out, out, a, b, 1.0, alpha);
    } else {
        at::baddbmm_out(out, out, a, b, 0.0, alpha);
    }
}

// softmax(scale·q·kᵀ)·v over the heads of [B, S, d] inputs, a block of heads at a time, so that a
// block's S×S scores never leave L2 between the GEMM that writes them, the softmax and the GEMM
// that reads them; q, k, v are read and the output written in their [B, S, d] layout (no head
// transposes). The probabilities are kept for the backward (as autograd would keep softmax's
// output), which recomputes nothing and runs block by block as well.
struct BlockedAttention : torch::autograd::Function<BlockedAttention> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& q, const torch::Tensor& k,
                                 const torch::Tensor& v, int64_t heads, double scale, bool keep) {
        const int64_t B = q.size(0), S = q.size(1), d = q.size(2);
        const int64_t n = std::clamp<int64_t>(blockBytes() / (S * S * int64_t(sizeof(float))), 1, heads);
        auto o = torch::empty({B, S, d}, q.options());
        // Without a backward to feed, one block's scores are all the memory needed.
        auto probs = keep ? torch::empty({B, heads, S, S}, q.options()) : torch::empty({n, S, S}, q.options());
        for (int64_t b = 0; b < B; ++b)
            for (int64_t h0 = 0; h0 < heads; h0 += n) {
                const int64_t m = std::min(n, heads - h0);
                auto p = keep ? probs.select(0, b).narrow(0, h0, m) : probs.narrow(0, 0, m);
                gemmInto(p, headsOf(q, b, h0, m, heads), headsOf(k, b, h0, m, heads).transpose(1, 2), scale);
                at::_softmax_out(p, p, -1, false);  // in place: each row is read before it is written
                gemmInto(headsOf(o, b, h0, m, heads), p, headsOf(v, b, h0, m, heads), 1.0);
            }
        if (keep) {
            ctx->save_for_backward({q, k, v, probs});
            ctx->saved_data["heads"] = heads;
            ctx->saved_data["scale"] = scale;
        }
        return o;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
        const auto saved = ctx->get_saved_variables();
        const auto &q = saved[0], &k = saved[1], &v = saved[2], &probs = saved[3];
        const int64_t heads = ctx->saved_data["heads"].toInt();
        const double scale = ctx->saved_data["scale"].toDouble();
        const auto go = grads[0].contiguous();
        const int64_t B = q.size(0), S = q.size(1), d = q.size(2);
        const int64_t n = std::clamp<int64_t>(blockBytes() / (S * S * int64_t(sizeof(float))), 1, heads);
        auto dq = torch::empty({B, S, d}, q.options()), dk = torch::empty_like(dq), dv = torch::empty_like(dq);
        auto dpBuf = torch::empty({n, S, S}, q.options());
        for (int64_t b = 0; b < B; ++b)
            for (int64_t h0 = 0; h0 < heads; h0 += n) {
                const int64_t m = std::min(n, heads - h0);
                const auto p = probs.select(0, b).narrow(0, h0, m);
                const auto g = headsOf(go, b, h0, m, heads);
                auto dp = dpBuf.narrow(0, 0, m);
                gemmInto(headsOf(dv, b, h0, m, heads), p.transpose(1, 2), g, 1.0);         // dv = pᵀ·do
                gemmInto(dp, g, headsOf(v, b, h0, m, heads).transpose(1, 2), 1.0);         // dp = do·vᵀ
                at::_softmax_backward_data_out(dp, dp, p, -1, torch::kFloat);              // ds = p∘(dp − rowsum(dp∘p))
                gemmInto(headsOf(dq, b, h0, m, heads), dp, headsOf(k, b, h0, m, heads), scale);                 // dq = s·ds·k
                gemmInto(headsOf(dk, b, h0, m, heads), dp.transpose(1, 2), headsOf(q, b, h0, m, heads), scale);  // dk = s·dsᵀ·q
            }
        return {dq, dk, dv, torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

}  // namespace

void AttentionImpl::setBlockBytes(int64_t bytes) { blockBytesOverride.store(bytes); }

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
    const auto [qp, kp, vp] = project(x);
    // Once one sample's scores outgrow the L2 budget (SWE: 323 stations), the blocked kernel keeps
    // each block of heads in cache and reads q, k, v in place. Below it (29–57 stations) the scores
    // of a whole batch stay in cache anyway and one batched call per op costs less than a loop.
    if (heads_ * S * S * int64_t(sizeof(float)) > blockBytes() && qp.dtype() == torch::kFloat && !qp.is_cuda()) {
        auto rows = [](const torch::Tensor& t) { return t.stride(-1) == 1 ? t : t.contiguous(); };
        const bool keep = torch::GradMode::is_enabled() && (qp.requires_grad() || kp.requires_grad() || vp.requires_grad());
        return out(BlockedAttention::apply(rows(qp), rows(kp), rows(vp), heads_, scale_, keep));
    }
    // [B, S, d] → [B·H, S, dh]: one copy per operand (the transpose), then
    // plain batched GEMMs that OpenBLAS runs without further repacking.
    auto heads = [&](const torch::Tensor& t) {
        return t.view({B, S, heads_, headDim_}).transpose(1, 2).reshape({B * heads_, S, headDim_});
    };
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
